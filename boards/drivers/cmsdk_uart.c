/* Wasmbed board support: polled driver for the Arm CMSDK APB UART.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Arm Cortex-M System Design Kit TRM (DDI 0479C) 4.3: DATA, STATE (bit 0
 * TX buffer full, bit 1 RX buffer full), CTRL (bit 0 TX enable, bit 1 RX
 * enable), BAUDDIV (at least 16). Used by the MPS2 AN386 machine.
 */
#include <stdint.h>

#include "board.h"

#define UART_DATA(b)    (*(volatile uint32_t *)((b) + 0x00u))
#define UART_STATE(b)   (*(volatile uint32_t *)((b) + 0x04u))
#define UART_CTRL(b)    (*(volatile uint32_t *)((b) + 0x08u))
#define UART_BAUDDIV(b) (*(volatile uint32_t *)((b) + 0x10u))
#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)
#define CTRL_TXEN    (1u << 0)
#define CTRL_RXEN    (1u << 1)

static void cmsdk_uart_init(const struct board_uart *u)
{
    UART_BAUDDIV(u->base) = u->clock_hz / u->baud;
    UART_CTRL(u->base) = CTRL_TXEN | CTRL_RXEN;
}

static int cmsdk_uart_try_read(const struct board_uart *u, uint8_t *byte)
{
    if ((UART_STATE(u->base) & STATE_RXFULL) == 0)
        return 0;
    *byte = (uint8_t)UART_DATA(u->base);
    return 1;
}

static int cmsdk_uart_try_write(const struct board_uart *u, uint8_t byte)
{
    if ((UART_STATE(u->base) & STATE_TXFULL) != 0)
        return 0;
    UART_DATA(u->base) = byte;
    return 1;
}

const struct board_uart_ops board_cmsdk_uart_ops = {
    .init = cmsdk_uart_init,
    .try_read = cmsdk_uart_try_read,
    .try_write = cmsdk_uart_try_write,
};
