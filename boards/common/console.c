/* Wasmbed board support: UART helpers and a small console printf.
 * SPDX-License-Identifier: Apache-2.0
 *
 * No specification; newlib's printf is avoided because it pulls in
 * stdio buffers and malloc.
 */
#include <stdarg.h>
#include <stdint.h>

#include "board.h"

void board_uart_write(const struct board_uart *uart, const void *buf,
                      size_t len)
{
    const uint8_t *p = buf;

    while (len > 0) {
        if (uart->ops->try_write(uart, *p)) {
            p++;
            len--;
        }
    }
}

int board_uart_read(const struct board_uart *uart, uint8_t *byte)
{
    return uart->ops->try_read(uart, byte);
}

void board_console_write(const char *buf, size_t len)
{
    board_uart_write(board_profile.console, buf, len);
}

void board_console_puts(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    board_console_write(s, n);
}

/* Writes v in the given base, at least one digit. */
static void board_put_unsigned(unsigned long v, unsigned base)
{
    char digits[24];
    size_t n = 0;

    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    while (n > 0)
        board_console_write(&digits[--n], 1);
}

/* Formats one conversion; returns how many format chars it consumed. */
static size_t board_put_conv(const char *f, va_list *ap)
{
    int is_long = (f[0] == 'l' || f[0] == 'z');
    char c = is_long ? f[1] : f[0];
    long sv;

    switch (c) {
    case 's': board_console_puts(va_arg(*ap, const char *)); break;
    case 'c': { char ch = (char)va_arg(*ap, int);
                board_console_write(&ch, 1); } break;
    case 'd':
        sv = is_long ? va_arg(*ap, long) : va_arg(*ap, int);
        if (sv < 0) {
            board_console_write("-", 1);
            sv = -sv;
        }
        board_put_unsigned((unsigned long)sv, 10);
        break;
    case 'u': case 'x':
        board_put_unsigned(is_long ? va_arg(*ap, unsigned long)
                                   : va_arg(*ap, unsigned),
                           c == 'x' ? 16 : 10);
        break;
    default: board_console_write("%", 1); return 0;
    }
    return is_long ? 2 : 1;
}

void board_printf(const char *fmt, ...)
{
    va_list ap;
    const char *start = fmt;

    va_start(ap, fmt);
    while (*fmt != '\0') {
        if (*fmt != '%') {
            fmt++;
            continue;
        }
        board_console_write(start, (size_t)(fmt - start));
        fmt++;
        if (*fmt == '%')
            board_console_write(fmt++, 1);
        else
            fmt += board_put_conv(fmt, &ap);
        start = fmt;
    }
    board_console_write(start, (size_t)(fmt - start));
    va_end(ap);
}

void board_init(void)
{
    board_profile_init();
    board_profile.console->ops->init(board_profile.console);
    board_profile.transport->ops->init(board_profile.transport);
    board_clock_init();
}
