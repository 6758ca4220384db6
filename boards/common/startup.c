/* Wasmbed board support: vector table and reset code for Cortex-M4.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Armv7-M ARM (DDI 0403E) B1.5.3 (vector table), B1.5.5 (reset
 * behaviour), B3.2.20 (CPACR, to enable the FPU before any float code).
 */
#include <stdint.h>

#include "board.h"

/* Set by the linker script (common/sections.ld). */
extern uint32_t __stack_top;
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;

void board_reset(void);
void board_systick_isr(void);
static void board_fault(void);

#define CPACR (*(volatile uint32_t *)0xE000ED88u)
#define CPACR_CP10_CP11_FULL (0xFu << 20)

typedef void (*board_vector)(void);

/* The 16 system exceptions; external interrupts are not used: every
 * driver polls. */
__attribute__((section(".isr_vector"), used))
static const board_vector board_vectors[16] = {
    (board_vector)(uintptr_t)&__stack_top,
    board_reset,
    board_fault,   /* NMI */
    board_fault,   /* HardFault */
    board_fault,   /* MemManage */
    board_fault,   /* BusFault */
    board_fault,   /* UsageFault */
    0, 0, 0, 0,
    board_fault,   /* SVCall */
    board_fault,   /* DebugMonitor */
    0,
    board_fault,   /* PendSV */
    board_systick_isr,
};

/* Reset handler: enables the FPU, lays out .data and .bss, runs main and
 * parks the core if it ever returns. */
void board_reset(void)
{
    uint32_t *src = &_sidata;
    uint32_t *dst;

    CPACR |= CPACR_CP10_CP11_FULL;
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    for (dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;

    main();
    for (;;)
        __asm__ volatile("wfi");
}

/* Any fault: say so on the console, then stop. A stack overflow lands
 * here too, since the stack sits at the bottom of its RAM region. */
static void board_fault(void)
{
    board_console_puts("\r\nboard: fault, halted\r\n");
    for (;;)
        __asm__ volatile("wfi");
}
