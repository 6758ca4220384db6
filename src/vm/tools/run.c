/* Wasmbed engine tools: wasmbed-run, runs a module on the host.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WASI preview 1 command start-up (_start) and, with
 * --invoke, the invocation of one export (Core 2.0 section 7.1.5).
 *
 * Usage: wasmbed-run FILE.wasm [--invoke NAME ARG...] [--fuel N]
 *                    [--arena BYTES] [--code BYTES]
 * With --fuel N the call runs in slices of N fuel units and the number of
 * suspensions is reported on stderr. --code sets the arena the engine may
 * spend on translated code (default a quarter of the arena; 0 runs the
 * module in place from its bytes).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tool_util.h"
#include "vm.h"

typedef struct opts {
    const char *file, *invoke;
    char **args;
    int nargs;
    uint64_t fuel, code;
    size_t arena;
    int code_set;
} opts;

static void console(void *ctx, int fd, const uint8_t *buf, size_t len)
{
    (void)ctx;
    fwrite(buf, 1, len, fd == 2 ? stderr : stdout);
}

static uint64_t clock_ns(void *ctx, uint32_t id)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void random_bytes(void *ctx, uint8_t *buf, size_t len)
{
    FILE *f = fopen("/dev/urandom", "rb");

    (void)ctx;
    if (!f || fread(buf, 1, len, f) != len)
        memset(buf, 0x5A, len);
    if (f)
        fclose(f);
}

static int usage(void)
{
    fprintf(stderr, "usage: wasmbed-run FILE.wasm [--invoke NAME ARG...] "
                    "[--fuel N] [--arena BYTES] [--code BYTES]\n");
    return 2;
}

/* Reads a count above zero for option name into *out; 0 with the reason
 * on stderr when text is empty, signed, not a number or out of range
 * (strtoull alone would take "abc" as 0 and "-1" as the largest). */
static int parse_count(const char *name, const char *text, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(text, &end, 0);
    if (text[0] == '-' || text[0] == '+' || end == text || *end != '\0' ||
        errno == ERANGE || v == 0 || v > SIZE_MAX) {
        fprintf(stderr, "wasmbed-run: %s '%s' is not a number above 0\n",
                name, text);
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    int i;
    uint64_t v;

    memset(o, 0, sizeof *o);
    o->arena = 16u << 20;
    o->fuel = UINT64_MAX;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fuel") && i + 1 < argc) {
            if (!parse_count("--fuel", argv[++i], &o->fuel))
                return 0;
        } else if (!strcmp(argv[i], "--arena") && i + 1 < argc) {
            if (!parse_count("--arena", argv[++i], &v))
                return 0;
            o->arena = (size_t)v;
        } else if (!strcmp(argv[i], "--code") && i + 1 < argc) {
            /* 0 is allowed here: run in place */
            if (strcmp(argv[++i], "0") != 0 &&
                !parse_count("--code", argv[i], &o->code))
                return 0;
            o->code_set = 1;
        } else if (!strcmp(argv[i], "--invoke") && i + 1 < argc) {
            o->invoke = argv[++i];
            o->args = argv + i + 1;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                i++, o->nargs++;
        } else if (!o->file && argv[i][0] != '-') {
            o->file = argv[i];
        } else {
            return 0;
        }
    }
    if (!o->code_set)
        o->code = o->arena / 4;
    return o->file != NULL;
}

/* Runs f to completion in slices of fuel; counts the suspensions. */
static vm_rc run_sliced(vm_instance *in, vm_func *f, const uint64_t *args,
                        uint32_t n, uint64_t fuel, vm_error *err)
{
    unsigned long slices = 0;
    vm_rc rc = vm_call(in, f, args, n, err);

    while (rc == VM_OK || rc == VM_SUSPENDED) {
        rc = vm_resume(in, fuel, err);
        if (rc != VM_SUSPENDED)
            break;
        slices++;
    }
    if (fuel != UINT64_MAX)
        fprintf(stderr, "wasmbed-run: suspended %lu times\n", slices);
    return rc;
}

static int report(vm_rc rc, const vm_error *err)
{
    if (rc == VM_ERR_EXIT)
        return err->exit_code;
    fprintf(stderr, "wasmbed-run: %s\n", err->msg);
    return rc == VM_ERR_TRAP ? 3 : 1;
}

/* Loads, instantiates and runs o's module; the exit status. */
static int run(const opts *o, const uint8_t *bytes, size_t len,
               uint8_t *mem)
{
    vm_arena a;
    vm_module *m;
    vm_instance *in;
    vm_error err;
    vm_wasi w = {console, clock_ns, random_bytes, NULL};
    vm_host_func wasi[VM_WASI_NFUNCS];
    vm_imports imp = {wasi, VM_WASI_NFUNCS, NULL, NULL};
    const char *name = o->invoke ? o->invoke : "_start";
    vm_func *f;
    uint64_t args[32];
    uint32_t i;
    vm_rc rc;
    vm_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.code_bytes = o->code;
    vm_arena_init(&a, mem, o->arena);
    vm_wasi_funcs(&w, wasi);
    memset(&err, 0, sizeof err);
    if ((rc = vm_load(&a, bytes, len, &m, &err)) != VM_OK ||
        (rc = vm_instantiate(&a, m, &imp, &cfg, &in, &err)) != VM_OK)
        return report(rc, &err);
    if (!(f = vm_export_func(in, name))) {
        fprintf(stderr, "wasmbed-run: no exported function %s\n", name);
        return 1;
    }
    if (o->nargs != (int)vm_func_nparams(f) || o->nargs > 32) {
        fprintf(stderr, "wasmbed-run: %s takes %u arguments, not %d\n",
                name, (unsigned)vm_func_nparams(f), o->nargs);
        return 2;
    }
    for (i = 0; i < (uint32_t)o->nargs; i++)
        if (!tool_parse_value(vm_func_param(f, i), o->args[i], &args[i])) {
            fprintf(stderr, "wasmbed-run: argument %u of %s: '%s' is not "
                    "a number\n", (unsigned)i + 1, name, o->args[i]);
            return 2;
        }
    rc = run_sliced(in, f, args, (uint32_t)o->nargs, o->fuel, &err);
    if (rc != VM_OK)
        return report(rc, &err);
    for (i = 0; o->invoke && i < vm_func_nresults(f); i++) {
        tool_print_value(vm_func_result(f, i), vm_result(in, i));
        printf("\n");
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    size_t len;
    uint8_t *bytes, *mem;
    int status;

    if (!parse_opts(argc, argv, &o))
        return usage();
    if (!(bytes = tool_read_file(o.file, &len))) {
        fprintf(stderr, "wasmbed-run: cannot read %s\n", o.file);
        return 1;
    }
    if (!(mem = malloc(o.arena))) {
        fprintf(stderr, "wasmbed-run: no memory for the arena\n");
        free(bytes);
        return 1;
    }
    status = run(&o, bytes, len, mem);
    fflush(stdout);
    free(mem);
    free(bytes);
    return status;
}
