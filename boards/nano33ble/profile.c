/* Wasmbed board profile nano33ble: nRF52840, run on QEMU's mps2-an386
 * (Cortex-M4) with the nRF52840's memory limits.
 * SPDX-License-Identifier: Apache-2.0
 *
 * QEMU 7.2 has no nRF52840 model (DESIGN.md, Devices); the UARTs and clock
 * are the machine's (machines/mps2-an386.c).
 */
#include <stdint.h>

#include "board.h"

extern const struct board_uart board_mps2_console, board_mps2_transport;

const struct board_profile board_profile = {
    .name = "nano33ble",
    .part = "nRF52840",
    .machine = "mps2-an386",
    .cpu_hz = 25000000u,
    .ram_bytes = 256u * 1024u,
    .flash_bytes = 1024u * 1024u,
    .console = &board_mps2_console,
    .transport = &board_mps2_transport,
};
