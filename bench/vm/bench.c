/* Wasmbed vm bench: each kernel natively and under the engine, timed.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; the speed figure of issue 3.
 *
 * Usage: vm-bench KERNELS.wasm [CODE_BYTES]. Prints one line per kernel
 * (native CPU time, engine CPU time, ratio; best of five), then the
 * geometric mean of the ratios. CODE_BYTES (default 0: run in place) is
 * the arena the engine may spend on translated code.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernels.h"
#include "vm.h"


static const struct {
    const char *name;
    uint32_t (*native)(uint32_t);
    uint32_t arg;
} kernels[] = {
    {"crc32_run", crc32_run, 100}, {"sha256_run", sha256_run, 10},
    {"matmul_run", matmul_run, 50}, {"sort_run", sort_run, 10},
    {"fib_run", fib_run, 27}, {"sieve_run", sieve_run, 4},
    {"strings_run", strings_run, 40},
};

/* CPU time of this process: steadier than wall time on a shared
 * machine, since time spent preempted does not count. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv)
{
    size_t len, i, arena_size = 8u << 20;
    uint8_t *bytes = argc > 1 ? read_file(argv[1], &len) : NULL;
    uint8_t *mem = malloc(arena_size);
    vm_arena a;
    vm_module *m;
    vm_instance *in;
    vm_error err;
    vm_config cfg = {4096, 256, 0, 0, 0, 0};
    double logsum = 0;

    if (!bytes) {
        fprintf(stderr, "usage: vm-bench KERNELS.wasm [CODE_BYTES]\n");
        return 2;
    }
    if (argc > 2)
        cfg.code_bytes = strtoull(argv[2], NULL, 10);
    vm_arena_init(&a, mem, arena_size);
    if (vm_load(&a, bytes, len, &m, &err) != VM_OK ||
        vm_instantiate(&a, m, NULL, &cfg, &in, &err) != VM_OK) {
        fprintf(stderr, "vm-bench: %s\n", err.msg);
        return 1;
    }
    printf("translated code: %llu bytes of arena\n",
           (unsigned long long)vm_translated_bytes(in));
    printf("%-12s %10s %10s %8s\n", "kernel", "native ms", "engine ms",
           "ratio");
    for (i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        uint64_t arg = kernels[i].arg, res = 0;
        double t0, tn = 1e9, tw = 1e9;
        uint32_t want = 0;
        int k;

        /* Best of five: the machine is shared. */
        for (k = 0; k < 5; k++) {
            t0 = now();
            want = kernels[i].native(kernels[i].arg);
            tn = fmin(tn, now() - t0);
            t0 = now();
            if (vm_invoke(in, vm_export_func(in, kernels[i].name), &arg, 1,
                          &res, 1, &err) != VM_OK) {
                fprintf(stderr, "vm-bench: %s: %s\n", kernels[i].name,
                        err.msg);
                return 1;
            }
            tw = fmin(tw, now() - t0);
        }
        if ((uint32_t)res != want) {
            fprintf(stderr, "vm-bench: %s: engine %u, native %u\n",
                    kernels[i].name, (unsigned)res, (unsigned)want);
            return 1;
        }
        printf("%-12s %10.2f %10.2f %8.2f\n", kernels[i].name, tn * 1e3,
               tw * 1e3, tw / tn);
        logsum += log(tw / tn);
    }
    printf("geometric mean of engine/native: %.2fx\n",
           exp(logsum / (double)(sizeof kernels / sizeof kernels[0])));
    free(mem);
    free(bytes);
    return 0;
}
