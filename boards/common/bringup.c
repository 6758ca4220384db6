/* Wasmbed board bring-up image: banner, clock check and transport echo.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Proves a profile's start-up code, SysTick and both UARTs on the
 * emulated board; tests/integration/board_boot.c drives it.
 */
#include <stdint.h>

#include "board.h"

extern char __heap_start, __heap_end, __stack_bottom, __stack_top;

/* Waits until SysTick has counted ms milliseconds past now. */
static void bringup_wait_ms(uint32_t ms)
{
    uint32_t start = board_millis();

    while (board_millis() - start < ms)
        __asm__ volatile("wfi");
}

int main(void)
{
    uint8_t byte;

    board_init();
    board_printf("wasmbed bring-up: profile=%s part=%s machine=%s\r\n",
                 board_profile.name, board_profile.part,
                 board_profile.machine);
    board_printf("memory: ram=%lu flash=%lu stack=%lu heap=%lu\r\n",
                 (unsigned long)board_profile.ram_bytes,
                 (unsigned long)board_profile.flash_bytes,
                 (unsigned long)(&__stack_top - &__stack_bottom),
                 (unsigned long)(&__heap_end - &__heap_start));

    bringup_wait_ms(10);
    board_printf("systick: %lu ms\r\n", (unsigned long)board_millis());
    board_console_puts("echo: transport ready\r\n");

    for (;;) {
        if (board_uart_read(board_profile.transport, &byte))
            board_uart_write(board_profile.transport, &byte, 1);
    }
}
