/* Wasmbed vm test: the bench kernels give native results in place and
 * translated, run whole and in slices of fuel.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 4.4 (both
 * execution modes must compute what clang's native code computes); the
 * regression test of vm_xlate.c's fused instructions on real code.
 *
 * Usage: test_kernels KERNELS.wasm (bench/vm/kernels.c built with clang
 * --target=wasm32 -O2); this program links the same C natively.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"
#include "vm.h"


static const struct {
    const char *name;
    uint32_t (*native)(uint32_t);
    uint32_t arg;
} kernels[] = {
    {"crc32_run", crc32_run, 2}, {"sha256_run", sha256_run, 1},
    {"matmul_run", matmul_run, 3}, {"sort_run", sort_run, 1},
    {"fib_run", fib_run, 18}, {"sieve_run", sieve_run, 1},
    {"strings_run", strings_run, 2},
};

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = malloc(1 << 20);

    *len = f && b ? fread(b, 1, 1 << 20, f) : 0;
    if (f)
        fclose(f);
    return b;
}

/* Runs kernel k once in inst, in slices of fuel; its result or ~0. */
static uint32_t run(vm_instance *inst, const char *name, uint64_t arg,
                    uint64_t fuel)
{
    vm_error err;
    vm_rc rc = vm_call(inst, vm_export_func(inst, name), &arg, 1, &err);

    while (rc == VM_OK || rc == VM_SUSPENDED) {
        rc = vm_resume(inst, fuel, &err);
        if (rc != VM_SUSPENDED)
            break;
    }
    if (rc != VM_OK) {
        fprintf(stderr, "  %s: %s\n", name, err.msg);
        return ~0u;
    }
    return (uint32_t)vm_result(inst, 0);
}

int main(int argc, char **argv)
{
    static const uint64_t slices[] = {UINT64_MAX, 1, 7, 1000};
    size_t len, arena = 8u << 20, i, s;
    uint8_t *bytes = argc > 1 ? read_all(argv[1], &len) : NULL;
    int failures = 0, mode;

    if (!bytes || len == 0) {
        fprintf(stderr, "usage: test_kernels KERNELS.wasm\n");
        return 2;
    }
    for (mode = 0; mode < 2; mode++) {
        uint8_t *mem = calloc(1, arena);
        vm_config cfg = {4096, 256, 0, 0, 0, mode ? 1u << 20 : 0};
        vm_arena a;
        vm_module *m;
        vm_instance *in;
        vm_error err;

        vm_arena_init(&a, mem, arena);
        if (vm_load(&a, bytes, len, &m, &err) != VM_OK ||
            vm_instantiate(&a, m, NULL, &cfg, &in, &err) != VM_OK) {
            fprintf(stderr, "kernels.wasm: %s\n", err.msg);
            return 1;
        }
        if (mode && vm_translated_bytes(in) == 0) {
            fprintf(stderr, "kernels.wasm was not translated\n");
            failures++;
        }
        for (i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
            for (s = 0; s < sizeof slices / sizeof slices[0]; s++) {
                uint32_t want = kernels[i].native(kernels[i].arg);
                uint32_t got = run(in, kernels[i].name, kernels[i].arg,
                                   slices[s]);

                if (got != want) {
                    printf("FAIL %s %s, fuel slice %llu: %u, native %u\n",
                           mode ? "translated" : "in place",
                           kernels[i].name,
                           (unsigned long long)slices[s], got, want);
                    failures++;
                }
            }
        printf("%s: %s\n", mode ? "translated" : "in place",
               failures ? "FAIL" : "ok");
        free(mem);
    }
    free(bytes);
    return failures ? 1 : 0;
}
