/* Wasmbed WebAssembly engine: error messages, without printf.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; the trap and error texts.
 *
 * A tiny formatter keeps the engine free of stdio: %s (C string), %S
 * (length then pointer, for names in the module), %u (unsigned), %U
 * (uint64_t: byte counts past 4 GiB), %x (hex).
 */
#include <string.h>
#include "vm_internal.h"

typedef struct sink {
    char *buf;
    size_t len, cap;
} sink;

static void put(sink *s, const char *p, size_t n)
{
    while (n-- > 0 && s->len + 1 < s->cap)
        s->buf[s->len++] = *p++;
    s->buf[s->len] = '\0';
}

static void put_num(sink *s, uint64_t v, unsigned base)
{
    char tmp[24];
    size_t i = sizeof tmp;

    do {
        tmp[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    put(s, tmp + i, sizeof tmp - i);
}

/* Formats fmt into err->msg and sets rc and trap. */
void vm_errorf(vm_error *err, vm_rc rc, vm_trap trap, const char *fmt, ...)
{
    sink s = { err->msg, 0, sizeof err->msg };
    va_list ap;

    err->rc = rc;
    err->trap = trap;
    err->msg[0] = '\0';
    va_start(ap, fmt);
    for (; *fmt != '\0'; fmt++) {
        const char *str;
        unsigned n;

        if (*fmt != '%' || fmt[1] == '\0') {
            put(&s, fmt, 1);
            continue;
        }
        switch (*++fmt) {
        case 's':
            str = va_arg(ap, const char *);
            put(&s, str, strlen(str));
            break;
        case 'S':
            n = va_arg(ap, unsigned);
            str = va_arg(ap, const char *);
            put(&s, str, n);
            break;
        case 'u':
            put_num(&s, va_arg(ap, unsigned), 10);
            break;
        case 'U':
            put_num(&s, va_arg(ap, uint64_t), 10);
            break;
        case 'x':
            put(&s, "0x", 2);
            put_num(&s, va_arg(ap, unsigned), 16);
            break;
        default:
            put(&s, fmt, 1);
            break;
        }
    }
    va_end(ap);
}

void vm_error_set(vm_error *err, vm_rc rc, vm_trap trap, const char *msg)
{
    vm_errorf(err, rc, trap, "%s", msg);
}

static const char *const trap_text[] = {
    "no trap",
    "unreachable executed",
    "out of bounds memory access",
    "out of bounds table access",
    "integer divide by zero",
    "integer overflow",
    "invalid conversion to integer",
    "uninitialized element",
    "indirect call type mismatch",
    "call stack exhausted",
    "host function trapped"
};

/* Sets err to the trap t with its standard text. */
void vm_trap_set(vm_error *err, vm_trap t)
{
    vm_errorf(err, VM_ERR_TRAP, t, "trap: %s", trap_text[t]);
}
