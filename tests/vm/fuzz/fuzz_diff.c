/* Wasmbed vm fuzz target: the same module run in place and translated
 * must behave the same.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: libFuzzer's LLVMFuzzerTestOneInput; a differential check
 * of vm_xlate.c against the in-place interpreter (WebAssembly Core
 * Specification 2.0, section 4.4: both must follow it).
 *
 * Each valid module is instantiated twice, once with vm_config.code_bytes
 * 0 and once with room to translate. Every exported function (up to 16)
 * is called in both with the same arguments, taken from the input, and
 * run in the same slices of fuel; the outcome of each slice (result code
 * and trap), the results, exported globals and memory must be equal.
 * Any difference aborts, so libFuzzer keeps the input. A call that runs
 * out of value stack in either ends the comparison: translated frames
 * are larger, so that point legitimately differs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vm.h"

static uint8_t arena_buf[2][1024 * 1024];

static vm_rc stub(void *ctx, vm_instance *in, const uint64_t *a,
                  uint64_t *r, vm_error *err)
{
    (void)ctx, (void)in, (void)a, (void)err;
    r[0] = 7;
    return VM_OK;
}

static const vm_host_func stubs[] = {{"*", "*", "*", stub, NULL}};

/* References name objects of their own instance: not compared. */
static int is_ref(uint8_t type)
{
    return type == VM_FUNCREF || type == VM_EXTERNREF;
}

static void differ(const char *what, uint32_t i)
{
    fprintf(stderr, "fuzz_diff: export %u: %s differs\n", i, what);
    abort();
}

#define EXHAUSTED ((int)VM_ERR_TRAP * 64 + (int)VM_TRAP_STACK_EXHAUSTED)

/* Runs f in slices of fuel: the outcome of every slice into log. */
static int run(vm_instance *in, vm_func *f, const uint64_t *args,
               uint64_t slice, int *log, vm_error *err)
{
    int n = 0;
    vm_rc rc = vm_call(in, f, args, vm_func_nparams(f), err);

    while (rc == VM_OK && n < 200) {
        rc = vm_resume(in, slice, err);
        log[n++] = (int)rc * 64 + (rc == VM_ERR_TRAP ? (int)err->trap : 0);
        if (rc != VM_SUSPENDED)
            break;
        rc = VM_OK;
    }
    return n;
}

/* Compares exported memories and globals of the two instances. */
static void compare_state(vm_instance *in[2], uint32_t at)
{
    uint32_t i;

    for (i = 0; i < vm_export_count(in[0]); i++) {
        const char *name;
        size_t len;
        vm_extern e[2];

        vm_export_at(in[0], i, &name, &len, &e[0]);
        vm_export_at(in[1], i, &name, &len, &e[1]);
        if (e[0].kind == VM_EXTERN_GLOBAL && !is_ref(e[0].u.global->type) &&
            e[0].u.global->val != e[1].u.global->val)
            differ("a global", at);
        if (e[0].kind == VM_EXTERN_MEMORY &&
            (e[0].u.memory->size != e[1].u.memory->size ||
             memcmp(e[0].u.memory->data, e[1].u.memory->data,
                    (size_t)e[0].u.memory->size) != 0))
            differ("memory", at);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vm_imports imp = {stubs, 1, NULL, NULL};
    /* Frames differ in size between the two, so the value stack is
     * large: call depth (the same in both) runs out first. */
    vm_config cfg = {16384, 32, 16, 128 * 1024, 0, 0};
    uint64_t slice = 1 + size % 997, args[64];
    vm_instance *in[2];
    vm_error err[2];
    vm_module *m;
    vm_arena a;
    uint32_t i, k;
    int log[2][200], n[2];

    for (k = 0; k < 2; k++) {
        cfg.code_bytes = k ? (uint64_t)512 << 10 : 0;
        vm_arena_init(&a, arena_buf[k], sizeof arena_buf[k]);
        if (vm_load(&a, data, size, &m, &err[k]) != VM_OK ||
            vm_instantiate(&a, m, &imp, &cfg, &in[k], &err[k]) != VM_OK)
            return 0;
    }
    if (vm_translated_bytes(in[1]) == 0)
        return 0;
    for (i = 0; i < 64; i++)
        args[i] = size > 0 ? (uint64_t)data[(i * 7) % size] * 0x01000193u
                           : i;
    for (i = 0; i < vm_export_count(in[0]) && i < 16; i++) {
        const char *name;
        size_t len;
        vm_extern ex[2];

        if (vm_export_at(in[0], i, &name, &len, &ex[0]) != VM_OK ||
            ex[0].kind != VM_EXTERN_FUNC ||
            vm_func_nparams(ex[0].u.func) > 64)
            continue;
        vm_export_at(in[1], i, &name, &len, &ex[1]);
        for (k = 0; k < 2; k++)
            n[k] = run(in[k], ex[k].u.func, args, slice, log[k], &err[k]);
        if ((n[0] > 0 && log[0][n[0] - 1] == EXHAUSTED) ||
            (n[1] > 0 && log[1][n[1] - 1] == EXHAUSTED))
            return 0;
        if (n[0] != n[1] || memcmp(log[0], log[1], sizeof(int) *
                                   (size_t)n[0]) != 0)
            differ("outcome", i);
        if (n[0] > 0 && log[0][n[0] - 1] == 0)
            for (k = 0; k < vm_func_nresults(ex[0].u.func); k++)
                if (!is_ref(vm_func_result(ex[0].u.func, k)) &&
                    vm_result(in[0], k) != vm_result(in[1], k))
                    differ("a result", i);
        compare_state(in, i);
    }
    return 0;
}
