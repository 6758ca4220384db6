/* Wasmbed board support: polled driver for the STM32F4 USART.
 * SPDX-License-Identifier: Apache-2.0
 *
 * RM0090 (STM32F405/407 reference manual) 30.6: USART_SR (TXE bit 7,
 * RXNE bit 5), USART_DR, USART_BRR, USART_CR1 (UE bit 13, TE bit 3,
 * RE bit 2); 30.4.4 for the baud rate divider with 16x oversampling.
 */
#include <stdint.h>

#include "board.h"

#define USART_SR(b)  (*(volatile uint32_t *)((b) + 0x00u))
#define USART_DR(b)  (*(volatile uint32_t *)((b) + 0x04u))
#define USART_BRR(b) (*(volatile uint32_t *)((b) + 0x08u))
#define USART_CR1(b) (*(volatile uint32_t *)((b) + 0x0Cu))
#define SR_RXNE (1u << 5)
#define SR_TXE  (1u << 7)
#define CR1_RE  (1u << 2)
#define CR1_TE  (1u << 3)
#define CR1_UE  (1u << 13)

/* BRR holds USARTDIV in 12.4 fixed point, i.e. fck / baud rounded. */
static void stm32_usart_init(const struct board_uart *u)
{
    USART_BRR(u->base) = (u->clock_hz + u->baud / 2u) / u->baud;
    USART_CR1(u->base) = CR1_UE | CR1_TE | CR1_RE;
}

static int stm32_usart_try_read(const struct board_uart *u, uint8_t *byte)
{
    if ((USART_SR(u->base) & SR_RXNE) == 0)
        return 0;
    *byte = (uint8_t)USART_DR(u->base);
    return 1;
}

static int stm32_usart_try_write(const struct board_uart *u, uint8_t byte)
{
    if ((USART_SR(u->base) & SR_TXE) == 0)
        return 0;
    USART_DR(u->base) = byte;
    return 1;
}

const struct board_uart_ops board_stm32_usart_ops = {
    .init = stm32_usart_init,
    .try_read = stm32_usart_try_read,
    .try_write = stm32_usart_try_write,
};
