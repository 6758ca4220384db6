/* Wasmbed vm fuzz target: decoding and validation of any bytes.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: libFuzzer's LLVMFuzzerTestOneInput over vm_load.
 *
 * The input is copied to a buffer made read-only, so a write to module
 * bytes faults; the arena varies so that exhaustion is exercised.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "vm.h"

static uint8_t arena_buf[256 * 1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t map = (size + 4095) / 4096 * 4096 + 4096;
    uint8_t *ro = mmap(NULL, map, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    vm_arena a;
    vm_module *m;
    vm_error err;

    if (ro == MAP_FAILED)
        return 0;
    memcpy(ro, data, size);
    mprotect(ro, map, PROT_READ);
    /* The size picks the arena, 2 KiB to 256 KiB, so that exhaustion
     * strikes at many different points of loading. */
    vm_arena_init(&a, arena_buf, sizeof arena_buf >> (size % 8));
    if (vm_load(&a, ro, size, &m, &err) != VM_OK)
        err.msg[sizeof err.msg - 1] = '\0';
    munmap(ro, map);
    return 0;
}
