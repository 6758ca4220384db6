/* Wasmbed vm fuzz target: instantiate any valid module and run exports.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: libFuzzer's LLVMFuzzerTestOneInput over vm_instantiate,
 * vm_call and vm_resume.
 *
 * Every function import is bound to a stub; each exported function is
 * called with zero arguments and run in slices of fuel, suspending and
 * resuming, for a bounded total, so that every input ends quickly.
 */
#include <stdint.h>
#include <string.h>
#include "vm.h"

static uint8_t arena_buf[1024 * 1024];

static vm_rc stub(void *ctx, vm_instance *in, const uint64_t *a,
                  uint64_t *r, vm_error *err)
{
    (void)ctx, (void)in, (void)a, (void)err;
    r[0] = 0;
    return VM_OK;
}

static const vm_host_func stubs[] = {{"*", "*", "*", stub, NULL}};

/* Runs f in slices of fuel units, at most 200 slices. */
static void run(vm_instance *in, vm_func *f, uint64_t slice)
{
    uint64_t args[64] = {0};
    vm_error err;
    int slices = 0;
    vm_rc rc;

    if (vm_func_nparams(f) > 64)
        return;
    rc = vm_call(in, f, args, vm_func_nparams(f), &err);
    while (rc == VM_OK && slices++ < 200) {
        rc = vm_resume(in, slice, &err);
        if (rc == VM_SUSPENDED)
            rc = VM_OK;
        else
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vm_imports imp = {stubs, 1, NULL, NULL};
    /* The size picks stack depth and fuel slices, so that exhaustion and
     * suspension happen at many different points, and whether the
     * functions run in place or translated. */
    vm_config cfg = {(uint32_t)(32u << (size % 5)), (uint32_t)(4 + size % 29),
                     16, 128 * 1024, 0, (size % 2) ? (uint64_t)1 << 20 : 0};
    uint64_t slice = 1 + size % 997;
    vm_arena a;
    vm_module *m;
    vm_instance *in;
    vm_error err;
    uint32_t i;

    vm_arena_init(&a, arena_buf, sizeof arena_buf);
    if (vm_load(&a, data, size, &m, &err) != VM_OK ||
        vm_instantiate(&a, m, &imp, &cfg, &in, &err) != VM_OK)
        return 0;
    for (i = 0; i < vm_export_count(in) && i < 16; i++) {
        const char *name;
        size_t len;
        vm_extern ex;

        if (vm_export_at(in, i, &name, &len, &ex) == VM_OK &&
            ex.kind == VM_EXTERN_FUNC)
            run(in, ex.u.func, slice);
    }
    return 0;
}
