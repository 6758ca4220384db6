/* Wasmbed board profile stm32f4-discovery: STM32F407, run on QEMU's
 * netduinoplus2 (STM32F405, same family and peripheral map).
 * SPDX-License-Identifier: Apache-2.0
 *
 * RM0090 2.3 (memory map: USART1 0x40011000 on APB2, USART2 0x40004400
 * on APB1), 6.3 (RCC enable registers), 8.4 (GPIO mode and alternate
 * function registers). Console on USART1, transport on USART2, which QEMU
 * exposes as its first and second serial ports.
 */
#include <stdint.h>

#include "board.h"

#define RCC_AHB1ENR   (*(volatile uint32_t *)0x40023830u)
#define RCC_APB1ENR   (*(volatile uint32_t *)0x40023840u)
#define RCC_APB2ENR   (*(volatile uint32_t *)0x40023844u)
#define GPIOA_MODER   (*(volatile uint32_t *)0x40020000u)
#define GPIOA_AFRL    (*(volatile uint32_t *)0x40020020u)
#define GPIOA_AFRH    (*(volatile uint32_t *)0x40020024u)
#define AHB1_GPIOAEN  (1u << 0)
#define APB1_USART2EN (1u << 17)
#define APB2_USART1EN (1u << 4)
#define GPIO_MODE_AF  2u
#define GPIO_AF7      7u

static const struct board_uart stm32_console = {
    .ops = &board_stm32_usart_ops, .base = 0x40011000u,
    .clock_hz = 84000000u, .baud = 115200u,
};

static const struct board_uart stm32_transport = {
    .ops = &board_stm32_usart_ops, .base = 0x40004400u,
    .clock_hz = 42000000u, .baud = 115200u,
};

const struct board_profile board_profile = {
    .name = "stm32f4-discovery",
    .part = "STM32F407",
    .machine = "netduinoplus2",
    .cpu_hz = 168000000u,
    .ram_bytes = 192u * 1024u,
    .flash_bytes = 1024u * 1024u,
    .console = &stm32_console,
    .transport = &stm32_transport,
};

/* Clocks the USARTs and routes PA2/PA3 (USART2) and PA9/PA10 (USART1)
 * to alternate function 7. The PLL is left as QEMU's model sets it. */
void board_profile_init(void)
{
    RCC_AHB1ENR |= AHB1_GPIOAEN;
    RCC_APB1ENR |= APB1_USART2EN;
    RCC_APB2ENR |= APB2_USART1EN;
    GPIOA_MODER |= GPIO_MODE_AF << (2 * 2) | GPIO_MODE_AF << (3 * 2) |
                   GPIO_MODE_AF << (9 * 2) | GPIO_MODE_AF << (10 * 2);
    GPIOA_AFRL |= GPIO_AF7 << (2 * 4) | GPIO_AF7 << (3 * 4);
    GPIOA_AFRH |= GPIO_AF7 << ((9 - 8) * 4) | GPIO_AF7 << ((10 - 8) * 4);
}
