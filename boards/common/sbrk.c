/* Wasmbed board support: the heap newlib's malloc draws from.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The heap runs from the end of .bss to the end of RAM (common/sections.ld);
 * a request past it fails with ENOMEM instead of overrunning memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern char __heap_start, __heap_end;

void *_sbrk(ptrdiff_t incr);

void *_sbrk(ptrdiff_t incr)
{
    static char *brk = &__heap_start;
    char *old = brk;

    if (incr > &__heap_end - brk || incr < &__heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return old;
}
