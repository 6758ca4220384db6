/* Wasmbed WebAssembly engine: the arena every allocation comes from.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; the engine's memory budget.
 *
 * Permanent data grows up from the bottom, scratch (the validator's
 * stacks) grows down from the top and is released after each function.
 */
#include <string.h>
#include "vm_internal.h"

#define VM_ALIGN 8u

/* Takes buf[0..size) for the arena; buf is aligned down to 8 bytes. */
void vm_arena_init(vm_arena *a, void *buf, size_t size)
{
    uintptr_t p = (uintptr_t)buf;
    size_t skip = (size_t)((VM_ALIGN - (p % VM_ALIGN)) % VM_ALIGN);

    a->base = (uint8_t *)buf + skip;
    a->size = size > skip ? (size - skip) & ~(size_t)(VM_ALIGN - 1) : 0;
    a->lo = 0;
    a->hi = a->size;
    a->peak = 0;
}

size_t vm_arena_used(const vm_arena *a)
{
    return a->lo + (a->size - a->hi);
}

size_t vm_arena_peak(const vm_arena *a)
{
    return a->peak;
}

static void note_peak(vm_arena *a)
{
    size_t used = vm_arena_used(a);

    if (used > a->peak)
        a->peak = used;
}

/* Names what did not fit, how much it needed and what was left. */
static void no_room(vm_arena *a, size_t size, const char *what,
                    vm_error *err)
{
    vm_errorf(err, VM_ERR_NOMEM, VM_TRAP_NONE,
              "arena exhausted: %s needs %U bytes, %U free of %U",
              what, (uint64_t)size, (uint64_t)(a->hi - a->lo),
              (uint64_t)a->size);
}

/* Returns size zeroed bytes, 8-aligned, kept until the arena is reset;
 * NULL with err naming what did not fit. */
void *vm_arena_alloc(vm_arena *a, size_t size, const char *what,
                     vm_error *err)
{
    size_t need = (size + VM_ALIGN - 1) & ~(size_t)(VM_ALIGN - 1);
    void *p;

    if (need < size || need > a->hi - a->lo) {
        no_room(a, size, what, err);
        return NULL;
    }
    p = a->base + a->lo;
    a->lo += need;
    note_peak(a);
    memset(p, 0, size);
    return p;
}

/* Returns size bytes (not zeroed) from the top, released by
 * vm_arena_scratch_reset(a, mark) with a mark taken from a->hi before. */
void *vm_arena_scratch(vm_arena *a, size_t size, const char *what,
                       vm_error *err)
{
    size_t need = (size + VM_ALIGN - 1) & ~(size_t)(VM_ALIGN - 1);

    if (need < size || need > a->hi - a->lo) {
        no_room(a, size, what, err);
        return NULL;
    }
    a->hi -= need;
    note_peak(a);
    return a->base + a->hi;
}

void vm_arena_scratch_reset(vm_arena *a, size_t mark)
{
    a->hi = mark;
}

/* Like vm_arena_alloc, but leaves the bytes as they are: for linear
 * memory, which is zeroed page by page as it comes into use. */
void *vm_arena_alloc_raw(vm_arena *a, size_t size, const char *what,
                         vm_error *err)
{
    size_t need = (size + VM_ALIGN - 1) & ~(size_t)(VM_ALIGN - 1);
    void *p;

    if (need < size || need > a->hi - a->lo) {
        no_room(a, size, what, err);
        return NULL;
    }
    p = a->base + a->lo;
    a->lo += need;
    note_peak(a);
    return p;
}

size_t vm_arena_free(const vm_arena *a)
{
    return a->hi - a->lo;
}
