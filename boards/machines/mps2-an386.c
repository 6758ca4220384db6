/* Wasmbed board support: what every profile on QEMU's mps2-an386 shares.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Arm AN386 application note (MPS2+ Cortex-M4), memory map: APB UART0 at
 * 0x40004000 (console), UART1 at 0x40005000 (transport), 25 MHz system
 * clock. The profiles on this machine (nano33ble, uno-r4) differ only in
 * their memory limits, which their profile.c and memory.ld give.
 */
#include <stdint.h>

#include "board.h"

const struct board_uart board_mps2_console = {
    .ops = &board_cmsdk_uart_ops, .base = 0x40004000u,
    .clock_hz = 25000000u, .baud = 115200u,
};

const struct board_uart board_mps2_transport = {
    .ops = &board_cmsdk_uart_ops, .base = 0x40005000u,
    .clock_hz = 25000000u, .baud = 115200u,
};

/* The MPS2 FPGA needs no clock or pin set-up for its UARTs. */
void board_profile_init(void)
{
}
