# The agent firmware image wasmbed-PROFILE (docs/boards.md, "Agent
# firmware"): src/agent, src/vm, src/proto and the link codec, with the
# board port, against the cross-built wolfSSL and libcbor.
# SPDX-License-Identifier: Apache-2.0
include(${BOARD_DIR}/agent.cmake)
set(agent_src ${CMAKE_SOURCE_DIR}/src)
file(GLOB agent_fw_sources ${agent_src}/agent/agent*.c)
set(agent_fw_vm vm_arena vm_error vm_leb vm_decode vm_validate
    vm_instance vm_exec vm_wasi vm_xlate_none)
list(TRANSFORM agent_fw_vm PREPEND ${agent_src}/vm/)
list(TRANSFORM agent_fw_vm APPEND .c)
set(agent_fw_all ${agent_fw_sources} ${agent_fw_vm}
    ${agent_src}/proto/proto.c ${agent_src}/proto/proto_schema.c
    ${agent_src}/emu/emu_link.c
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_agent.c
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_link.c
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_store.c
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_rng.c
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_semihost.c)
set_source_files_properties(${agent_src}/vm/vm_exec.c PROPERTIES
  COMPILE_DEFINITIONS "VM_DISPATCH_LOOP=\"vm_loop_goto.h\"")

# A profile whose image cannot fit is built by a report target instead
# (agent_fit), so `make` still succeeds and says by how much.
if(board_agent_fits)
  set(agent_image wasmbed-${WASMBED_BOARD})
  wasmbed_firmware(wasmbed ${agent_fw_all})
else()
  set(agent_image wasmbed-fit-${WASMBED_BOARD})
  add_executable(${agent_image} EXCLUDE_FROM_ALL ${agent_fw_all})
  target_link_libraries(${agent_image} PRIVATE board)
  target_link_options(${agent_image} PRIVATE
    -L${CMAKE_CURRENT_SOURCE_DIR}/common -T${BOARD_DIR}/memory.ld)
  set(fit_report ${WASMBED_FW_DIR}/wasmbed-${WASMBED_BOARD}.FIT-REPORT.txt)
  add_custom_target(agent_fit ALL
    COMMAND ${CMAKE_COMMAND} -DREPORT=${fit_report}
            -DPROFILE=${WASMBED_BOARD} -DBUILD=${CMAKE_BINARY_DIR}
            -DTARGET=${agent_image}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/port/fit-report.cmake
    VERBATIM)
endif()
target_include_directories(${agent_image} PRIVATE
  ${agent_src}/agent ${agent_src}/vm ${agent_src}/proto ${agent_src}/emu
  ${CMAKE_CURRENT_SOURCE_DIR}/port)
target_compile_definitions(${agent_image} PRIVATE ${board_agent_defs})
target_compile_options(${agent_image} PRIVATE -Wno-unused-parameter)
target_link_libraries(${agent_image} PRIVATE dep_wolfssl dep_cbor m)
target_link_options(${agent_image} PRIVATE ${board_agent_link})

# apprun-PROFILE: runs app.wasm in the agent's arena size, to check the
# budget on the target (tests/firmware, fw_apprun_PROFILE).
if(board_agent_fits)
  wasmbed_firmware(apprun ${agent_fw_vm}
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_apprun.c
    ${CMAKE_CURRENT_SOURCE_DIR}/port/board_semihost.c)
  target_include_directories(apprun-${WASMBED_BOARD} PRIVATE
    ${agent_src}/vm ${CMAKE_CURRENT_SOURCE_DIR}/port)
  target_compile_definitions(apprun-${WASMBED_BOARD} PRIVATE
    ${board_agent_defs})
  target_link_libraries(apprun-${WASMBED_BOARD} PRIVATE m)
  target_link_options(apprun-${WASMBED_BOARD} PRIVATE ${board_agent_link})
endif()
