/* Wasmbed board support: the interface every board profile provides.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Armv7-M Architecture Reference Manual (DDI 0403E), B1.5 (exception
 * model, vector table) and B3.3 (SysTick). A profile is constant
 * configuration (struct board_profile) plus drivers that expose an
 * operations table; mutable driver state lives apart from it.
 */
#ifndef WASMBED_BOARD_H
#define WASMBED_BOARD_H

#include <stddef.h>
#include <stdint.h>

struct board_uart;

/* Operations of a polled UART driver. None of them blocks. */
struct board_uart_ops {
    /* Enables transmitter and receiver at the configured rate. */
    void (*init)(const struct board_uart *uart);
    /* Returns 1 and stores a byte if one was received, else 0. */
    int (*try_read)(const struct board_uart *uart, uint8_t *byte);
    /* Returns 1 if the byte was queued for sending, 0 if full. */
    int (*try_write)(const struct board_uart *uart, uint8_t byte);
};

/* Constant description of one UART: which driver, where, how fast. */
struct board_uart {
    const struct board_uart_ops *ops;
    uintptr_t base;
    uint32_t clock_hz;
    uint32_t baud;
};

/* Constant description of a board profile (see DESIGN.md, Devices). */
struct board_profile {
    const char *name;          /* "stm32f4-discovery" */
    const char *part;          /* the real part it stands for */
    const char *machine;       /* the QEMU machine that runs it */
    uint32_t cpu_hz;           /* core clock that drives SysTick */
    uint32_t ram_bytes;        /* RAM the linker script allows */
    uint32_t flash_bytes;      /* flash the linker script allows */
    const struct board_uart *console;
    const struct board_uart *transport;
};

/* The profile this image was built for (boards/<profile>/profile.c). */
extern const struct board_profile board_profile;

extern const struct board_uart_ops board_stm32_usart_ops;
extern const struct board_uart_ops board_cmsdk_uart_ops;

/* Starts SysTick at 1 kHz from the profile's core clock. */
void board_clock_init(void);
/* Milliseconds since board_clock_init; wraps after 49 days. */
uint32_t board_millis(void);

/* Console output: blocking writes to the console UART. */
void board_console_write(const char *buf, size_t len);
void board_console_puts(const char *s);
/* Minimal printf: %s %c %d %u %x %lu %lx %zu and %%. */
void board_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Blocking write and non-blocking read on a UART. */
void board_uart_write(const struct board_uart *uart, const void *buf,
                      size_t len);
int board_uart_read(const struct board_uart *uart, uint8_t *byte);

/* Profile hook run first by board_init: clocks and pins of the part. */
void board_profile_init(void);

/* Initialises the profile, its UARTs and the clock. */
void board_init(void);

/* Application entry, called by the start-up code after RAM is set up. */
int main(void);

#endif
