# Agent firmware sizes for profile nano33ble (docs/boards.md, "Agent
# firmware"): slots and arenas, the agent's build-time limits, budgets.
# SPDX-License-Identifier: Apache-2.0
set(board_agent_defs
  BOARD_AGENT_NSLOTS=1u BOARD_AGENT_SLOT_SIZE=32*1024u
  BOARD_AGENT_ARENA_SIZE=128*1024u
  AGENT_MAX_APPS=1u AGENT_FRAME_MAX=4096u AGENT_LOG_RECS=16u)
set(board_agent_link -Wl,--defsym,__stack_size=16384
  -Wl,--defsym,__heap_min=16384)
set(board_agent_fits ON)
