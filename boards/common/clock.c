/* Wasmbed board support: SysTick as a 1 kHz millisecond clock.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Armv7-M ARM (DDI 0403E) B3.3: SysTick registers SYST_CSR, SYST_RVR,
 * SYST_CVR; CLKSOURCE=1 counts the processor clock.
 */
#include <stdint.h>

#include "board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

static volatile uint32_t board_ticks;

void board_systick_isr(void);

void board_systick_isr(void)
{
    board_ticks++;
}

void board_clock_init(void)
{
    SYST_RVR = board_profile.cpu_hz / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint32_t board_millis(void)
{
    return board_ticks;
}
