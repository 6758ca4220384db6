/* Wasmbed board profile nano33ble: nRF52840, run on QEMU's mps2-an386
 * (Cortex-M4) with the nRF52840's memory limits.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Arm AN386 application note (MPS2+ Cortex-M4), memory map: APB UART0 at
 * 0x40004000 (console), UART1 at 0x40005000 (transport), 25 MHz system
 * clock. QEMU 7.2 has no nRF52840 model; see DESIGN.md, Devices.
 */
#include <stdint.h>

#include "board.h"

static const struct board_uart mps2_console = {
    .ops = &board_cmsdk_uart_ops, .base = 0x40004000u,
    .clock_hz = 25000000u, .baud = 115200u,
};

static const struct board_uart mps2_transport = {
    .ops = &board_cmsdk_uart_ops, .base = 0x40005000u,
    .clock_hz = 25000000u, .baud = 115200u,
};

const struct board_profile board_profile = {
    .name = "nano33ble",
    .part = "nRF52840",
    .machine = "mps2-an386",
    .cpu_hz = 25000000u,
    .ram_bytes = 256u * 1024u,
    .flash_bytes = 1024u * 1024u,
    .console = &mps2_console,
    .transport = &mps2_transport,
};

/* The MPS2 FPGA needs no clock or pin set-up for its UARTs. */
void board_profile_init(void)
{
}
