/* The agent's board port: transport, storage, entropy over the board.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Implements the interfaces of src/agent/agent_port.h for the boards of
 * boards/profiles.txt: the transport speaks docs/link.md on the transport
 * UART, storage and seed live in QEMU's working directory through
 * semihosting (docs/emu.md), see docs/boards.md "Agent firmware".
 * Sizes (BOARD_AGENT_*) come from the profile's agent.cmake.
 */
#ifndef WASMBED_BOARD_PORT_H
#define WASMBED_BOARD_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "agent_port.h"
#include "emu_link.h"

/* Transport state: the link decoder and the DATA bytes not yet read. */
struct board_link {
    struct emu_link_rx rx;
    uint16_t data_pos;   /* next unread byte of rx.payload */
    uint16_t data_len;   /* DATA bytes held in rx.payload */
    uint8_t open;        /* OPENED seen, no CLOSE since */
    uint8_t closed;      /* the bridge sent CLOSE */
    uint32_t last_rx_ms; /* when a byte last arrived */
    uint8_t frame[EMU_LINK_FRAME_MAX];
};

/* Storage state: the open flash.bin and the RAM copy of each slot. */
struct board_store {
    int fd;
    uint32_t size;
    uint8_t slots[BOARD_AGENT_NSLOTS][BOARD_AGENT_SLOT_SIZE];
};

extern const struct agent_transport_ops board_link_ops;
extern const struct agent_storage_ops board_store_ops;
extern const struct agent_entropy_ops board_rng_ops;

/* Resets the decoder and sends HELLO with the profile name. */
void board_link_init(struct board_link *l);

/* Opens flash.bin, reads the slots into RAM and imports ca.der when no
 * CA is stored. 0, or -1 with the reason on the console. */
int board_store_init(struct board_store *s);

/* Seeds the DRBG from seed.bin and writes a fresh seed.bin (through
 * seed.tmp and a rename) before any output is drawn. 0 or -1. */
int board_rng_boot(void);

#endif
