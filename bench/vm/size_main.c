/* Wasmbed vm bench: a minimal Cortex-M4 program that links the engine.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; measures the linked size of the
 * engine (with the libgcc soft-float it pulls in) against an empty main.
 */
#include <stddef.h>
#include <stdint.h>
#include "vm.h"

#ifdef WITH_ENGINE
static uint8_t arena_buf[32768];
extern const uint8_t module_bytes[];
extern const size_t module_len;

int main(void)
{
    vm_arena a;
    vm_module *m;
    vm_instance *in;
    vm_error err;
    vm_wasi w = {0, 0, 0, 0};
    vm_host_func wasi[VM_WASI_NFUNCS];
    vm_imports imp = {wasi, VM_WASI_NFUNCS, 0, 0};
    uint64_t res;

    vm_wasi_funcs(&w, wasi);
    vm_arena_init(&a, arena_buf, sizeof arena_buf);
    if (vm_load(&a, module_bytes, module_len, &m, &err) != VM_OK ||
        vm_instantiate(&a, m, &imp, 0, &in, &err) != VM_OK)
        return 1;
    return (int)vm_invoke(in, vm_export_func(in, "_start"), 0, 0, &res, 0,
                          &err);
}

const uint8_t module_bytes[] = {0};
const size_t module_len = 1;
#else
int main(void)
{
    return 0;
}
#endif
