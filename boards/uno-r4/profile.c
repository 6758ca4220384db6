/* Wasmbed board profile uno-r4: RA4M1, run on QEMU's mps2-an386
 * (Cortex-M4) with the RA4M1's memory limits.
 * SPDX-License-Identifier: Apache-2.0
 *
 * QEMU 7.2 has no RA4M1 model (DESIGN.md, Devices); the UARTs and clock
 * are the machine's (machines/mps2-an386.c).
 */
#include <stdint.h>

#include "board.h"

extern const struct board_uart board_mps2_console, board_mps2_transport;

const struct board_profile board_profile = {
    .name = "uno-r4",
    .part = "RA4M1",
    .machine = "mps2-an386",
    .cpu_hz = 25000000u,
    .ram_bytes = 32u * 1024u,
    .flash_bytes = 256u * 1024u,
    .console = &board_mps2_console,
    .transport = &board_mps2_transport,
};
