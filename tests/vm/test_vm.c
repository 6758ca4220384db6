/* Wasmbed vm unit tests: what the spec tests do not reach.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: the test requirements of issue 3 (arena exhaustion, fuel,
 * suspension and resumption, read-only module bytes, custom page sizes,
 * clear load errors, traps, link errors, per-instance RAM).
 *
 * Usage: test_vm DIR, where DIR holds basic.wasm and small.wasm.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vm.h"

#define ARENA (1u << 20)

static int failures;
static const char *dir;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            printf("FAIL %s:%d: ", __func__, __LINE__);                    \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static uint8_t *read_wasm(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    uint8_t *buf;
    long n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "rb"))) {
        printf("cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Host functions of basic.wasm. */
static int pauses;

static vm_rc host_add(void *ctx, vm_instance *in, const uint64_t *a,
                      uint64_t *r, vm_error *err)
{
    (void)ctx, (void)in, (void)err;
    r[0] = (uint32_t)(a[0] + a[1]);
    return VM_OK;
}

static vm_rc host_pause(void *ctx, vm_instance *in, const uint64_t *a,
                        uint64_t *r, vm_error *err)
{
    (void)ctx, (void)in, (void)err;
    pauses++;
    r[0] = a[0] * 10;
    return VM_SUSPENDED;
}

static const vm_host_func basic_host[] = {
    {"host", "add", "ii:i", host_add, NULL},
    {"host", "pause", "i:i", host_pause, NULL},
};
static const vm_imports basic_imports = {basic_host, 2, NULL, NULL};

typedef struct fixture {
    uint8_t *arena_buf, *bytes;
    size_t len;
    vm_arena arena;
    vm_module *mod;
    vm_instance *inst;
} fixture;

/* The configuration of setup() without one: the defaults, or with
 * --translate room for translated code. */
static vm_config default_cfg;

static vm_rc setup(fixture *fx, const char *name, const vm_imports *imp,
                   const vm_config *cfg, size_t arena, vm_error *err)
{
    vm_rc rc;

    if (!cfg)
        cfg = &default_cfg;
    memset(fx, 0, sizeof *fx);
    fx->bytes = read_wasm(name, &fx->len);
    fx->arena_buf = malloc(arena);
    vm_arena_init(&fx->arena, fx->arena_buf, arena);
    rc = vm_load(&fx->arena, fx->bytes, fx->len, &fx->mod, err);
    if (rc == VM_OK)
        rc = vm_instantiate(&fx->arena, fx->mod, imp, cfg, &fx->inst, err);
    return rc;
}

static void teardown(fixture *fx)
{
    free(fx->arena_buf);
    free(fx->bytes);
}

/* Traps: each case names an export, its argument and the trap. */
static void test_traps(void)
{
    static const struct {
        const char *fn;
        uint32_t nargs;
        uint64_t arg0, arg1;
        vm_trap trap;
        const char *text;
    } cases[] = {
        {"div", 2, 1, 0, VM_TRAP_DIV_ZERO, "integer divide by zero"},
        {"overflow", 0, 0, 0, VM_TRAP_INT_OVERFLOW, "integer overflow"},
        {"unreachable", 0, 0, 0, VM_TRAP_UNREACHABLE, "unreachable"},
        {"load", 1, 65533, 0, VM_TRAP_MEMORY_OOB, "out of bounds memory"},
        {"load", 1, 0xFFFFFFFFu, 0, VM_TRAP_MEMORY_OOB, "out of bounds"},
        {"recurse", 1, 0, 0, VM_TRAP_STACK_EXHAUSTED, "stack exhausted"},
        {"indirect_bad", 0, 0, 0, VM_TRAP_INDIRECT_TYPE, "type mismatch"},
        {"indirect_null", 0, 0, 0, VM_TRAP_UNINIT_ELEMENT, "uninitialized"},
        {"indirect_oob", 0, 0, 0, VM_TRAP_TABLE_OOB, "table"},
        {"trunc", 1, 0x7FC00000u, 0, VM_TRAP_BAD_CONVERSION, "conversion"},
        {"trunc", 1, 0x4F000000u, 0, VM_TRAP_INT_OVERFLOW, "overflow"},
    };
    fixture fx;
    vm_error err;
    size_t i;

    CHECK(setup(&fx, "basic.wasm", &basic_imports, NULL, ARENA, &err)
          == VM_OK, "setup: %s", err.msg);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t args[2] = {cases[i].arg0, cases[i].arg1}, res[1];
        vm_func *f = vm_export_func(fx.inst, cases[i].fn);
        vm_rc rc = vm_invoke(fx.inst, f, args, cases[i].nargs, res, 1, &err);

        CHECK(rc == VM_ERR_TRAP && err.trap == cases[i].trap &&
              strstr(err.msg, cases[i].text),
              "%s: rc %d trap %d msg '%s'", cases[i].fn, rc, err.trap,
              err.msg);
    }
    /* The instance stays usable after a trap. */
    {
        uint64_t args[2] = {10, 5}, res[1] = {0};

        CHECK(vm_invoke(fx.inst, vm_export_func(fx.inst, "hostadd"), args,
                        2, res, 1, &err) == VM_OK && res[0] == 15,
              "hostadd after traps: %s", err.msg);
    }
    teardown(&fx);
}

/* Fuel: a loop of n iterations in slices of fuel units. */
static void test_fuel(void)
{
    static const struct {
        uint32_t n;
        uint64_t fuel;
        unsigned min_suspends;
    } cases[] = {
        /* n iterations make n - 1 back edges, one unit each: a slice
         * of f units ends at the (f + 1)-th. */
        {1000, 10, 90}, {1000, 1, 499}, {50, 1000, 0}, {100000, 777, 128},
    };
    fixture fx;
    vm_error err;
    size_t i;

    setup(&fx, "basic.wasm", &basic_imports, NULL, ARENA, &err);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t arg = cases[i].n;
        unsigned suspends = 0;
        vm_rc rc = vm_call(fx.inst, vm_export_func(fx.inst, "count"), &arg,
                           1, &err);

        while (rc == VM_OK && (rc = vm_resume(fx.inst, cases[i].fuel,
                                              &err)) == VM_SUSPENDED) {
            suspends++;
            rc = VM_OK;
        }
        CHECK(rc == VM_OK && vm_result(fx.inst, 0) == cases[i].n &&
              suspends >= cases[i].min_suspends,
              "count %u fuel %u: rc %d result %u suspends %u",
              cases[i].n, (unsigned)cases[i].fuel, rc,
              (unsigned)vm_result(fx.inst, 0), suspends);
    }
    /* Recursion is charged too: fib(15) cannot finish on 100 units. */
    {
        uint64_t arg = 15;

        vm_call(fx.inst, vm_export_func(fx.inst, "fib"), &arg, 1, &err);
        CHECK(vm_resume(fx.inst, 100, &err) == VM_SUSPENDED,
              "fib on 100 fuel did not suspend");
        CHECK(vm_resume(fx.inst, UINT64_MAX, &err) == VM_OK &&
              vm_result(fx.inst, 0) == 610, "fib(15) after resume");
    }
    /* A call in progress refuses a second one. */
    {
        uint64_t arg = 100000;

        vm_call(fx.inst, vm_export_func(fx.inst, "count"), &arg, 1, &err);
        vm_resume(fx.inst, 5, &err);
        CHECK(vm_call(fx.inst, vm_export_func(fx.inst, "count"), &arg, 1,
                      &err) == VM_ERR_ARG, "busy instance accepted a call");
        vm_resume(fx.inst, UINT64_MAX, &err);
    }
    teardown(&fx);
}

/* Three instances interleaved round-robin on one thread. */
static void test_interleave(void)
{
    enum { N = 3 };
    fixture fx[N];
    vm_error err;
    int done[N] = {0}, left = N, i, rounds = 0;
    uint64_t arg[N] = {3000, 5000, 7000};

    for (i = 0; i < N; i++) {
        CHECK(setup(&fx[i], "basic.wasm", &basic_imports, NULL, ARENA,
                    &err) == VM_OK, "setup %d", i);
        vm_call(fx[i].inst, vm_export_func(fx[i].inst, "count"), &arg[i],
                1, &err);
    }
    while (left > 0 && rounds < 100000) {
        rounds++;
        for (i = 0; i < N; i++) {
            vm_rc rc;

            if (done[i])
                continue;
            rc = vm_resume(fx[i].inst, 50, &err);
            if (rc != VM_SUSPENDED) {
                CHECK(rc == VM_OK && vm_result(fx[i].inst, 0) == arg[i],
                      "instance %d: rc %d", i, rc);
                done[i] = 1;
                left--;
            }
        }
    }
    CHECK(left == 0 && rounds > 100, "interleaving: %d rounds", rounds);
    for (i = 0; i < N; i++)
        teardown(&fx[i]);
}

/* A host function that asks to pause: the call resumes after it. */
static void test_host_suspend(void)
{
    fixture fx;
    vm_error err;
    vm_rc rc;
    int suspends = 0;

    setup(&fx, "basic.wasm", &basic_imports, NULL, ARENA, &err);
    pauses = 0;
    rc = vm_call(fx.inst, vm_export_func(fx.inst, "pause_twice"), NULL, 0,
                 &err);
    while (rc == VM_OK && (rc = vm_resume(fx.inst, UINT64_MAX, &err))
           == VM_SUSPENDED) {
        suspends++;
        rc = VM_OK;
    }
    CHECK(rc == VM_OK && suspends == 2 && pauses == 2 &&
          vm_result(fx.inst, 0) == 30, "rc %d suspends %d result %u", rc,
          suspends, (unsigned)vm_result(fx.inst, 0));
    teardown(&fx);
}

/* Link errors: a wrong signature and a missing import. */
static void test_link(void)
{
    static const vm_host_func wrong[] = {
        {"host", "add", "iI:i", host_add, NULL},
        {"host", "pause", "i:i", host_pause, NULL},
    };
    static const vm_host_func missing[] = {
        {"host", "add", "ii:i", host_add, NULL},
    };
    vm_imports wrong_imp = {wrong, 2, NULL, NULL};
    vm_imports missing_imp = {missing, 1, NULL, NULL};
    fixture fx;
    vm_error err;

    CHECK(setup(&fx, "basic.wasm", &wrong_imp, NULL, ARENA, &err) ==
              VM_ERR_LINK && strstr(err.msg, "host.add") &&
              strstr(err.msg, "does not match") &&
              strstr(err.msg, "(i32 i32)->(i32)"), "wrong sig: %s",
          err.msg);
    teardown(&fx);
    CHECK(setup(&fx, "basic.wasm", &missing_imp, NULL, ARENA, &err) ==
              VM_ERR_LINK && strstr(err.msg, "host.pause") &&
              strstr(err.msg, "unknown import"), "missing: %s", err.msg);
    teardown(&fx);
}

/* Arena exhaustion: every size below what is needed fails cleanly with
 * a message naming what did not fit; the first size that works works. */
static void test_arena(void)
{
    fixture fx;
    vm_error err;
    size_t need, size;
    vm_rc rc;
    const char *seen[16];
    int nseen = 0, i, known;

    vm_extern mem;

    setup(&fx, "small.wasm", NULL, NULL, ARENA, &err);
    vm_export(fx.inst, "memory", 6, &mem);
    need = vm_arena_peak(&fx.arena) - (size_t)mem.u.memory->cap + 65536;
    teardown(&fx);
    for (size = 0; size < need; size += size < 16384 ? 8 : 4096) {
        rc = setup(&fx, "small.wasm", NULL, NULL, size, &err);
        CHECK(rc == VM_ERR_NOMEM && strstr(err.msg, "arena exhausted: "),
              "size %u: rc %d %s", (unsigned)size, rc, err.msg);
        for (i = 0, known = 0; i < nseen; i++)
            known |= strncmp(seen[i], err.msg + 17, 6) == 0;
        if (!known && nseen < 16)
            seen[nseen++] = strdup(err.msg + 17);
        teardown(&fx);
    }
    CHECK(nseen >= 4, "only %d distinct things ran out", nseen);
    for (i = 0; i < nseen; i++) {
        printf("  arena: %s\n", seen[i]);
        free((void *)seen[i]);
    }
    CHECK(setup(&fx, "small.wasm", NULL, NULL, need, &err) == VM_OK,
          "exact size %u: %s", (unsigned)need, err.msg);
    teardown(&fx);
}

/* Module bytes on read-only pages: load, run, and memory reads data
 * segments from them. A write to the bytes would fault. */
static void test_readonly(void)
{
    fixture fx;
    vm_error err;
    size_t len, page = (size_t)sysconf(_SC_PAGESIZE), map;
    uint8_t *src = read_wasm("basic.wasm", &len), *ro, *buf;
    uint64_t args[2] = {20, 22}, res[1] = {0}, n = 20;
    vm_arena a;

    map = (len + page - 1) / page * page;
    ro = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
              -1, 0);
    memcpy(ro, src, len);
    CHECK(mprotect(ro, map, PROT_READ) == 0, "mprotect");
    buf = malloc(ARENA);
    vm_arena_init(&a, buf, ARENA);
    memset(&fx, 0, sizeof fx);
    CHECK(vm_load(&a, ro, len, &fx.mod, &err) == VM_OK &&
          vm_instantiate(&a, fx.mod, &basic_imports, NULL, &fx.inst, &err)
              == VM_OK, "read-only load: %s", err.msg);
    CHECK(vm_invoke(fx.inst, vm_export_func(fx.inst, "hostadd"), args, 2,
                    res, 1, &err) == VM_OK && res[0] == 42, "hostadd");
    CHECK(vm_invoke(fx.inst, vm_export_func(fx.inst, "fib"), &n, 1, res, 1,
                    &err) == VM_OK && res[0] == 6765, "fib(20)");
    CHECK(memcmp(ro, src, len) == 0, "module bytes changed");
    munmap(ro, map);
    free(buf);
    free(src);
}

/* custom-page-sizes: memory of 3 one-byte pages, at most 10. Functions:
 * size() -> i32, grow(i32) -> i32, load8(i32) -> i32. */
static const uint8_t page1_module[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x0A, 0x02, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x60, 0x00, 0x01, 0x7F,
    0x03, 0x04, 0x03, 0x01, 0x00, 0x00,
    0x05, 0x05, 0x01, 0x09, 0x03, 0x0A, 0x00,
    0x07, 0x16, 0x03,
    0x04, 's', 'i', 'z', 'e', 0x00, 0x00,
    0x04, 'g', 'r', 'o', 'w', 0x00, 0x01,
    0x04, 'l', 'o', 'a', 'd', 0x00, 0x02,
    0x0A, 0x15, 0x03,
    0x04, 0x00, 0x3F, 0x00, 0x0B,
    0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0B,
    0x07, 0x00, 0x20, 0x00, 0x2D, 0x00, 0x00, 0x0B,
};

static void test_page_size(void)
{
    static const struct {
        const char *fn;
        uint64_t arg;
        vm_rc rc;
        uint32_t want;
    } steps[] = {
        {"size", 0, VM_OK, 3}, {"load", 2, VM_OK, 0},
        {"load", 3, VM_ERR_TRAP, 0}, {"grow", 2, VM_OK, 3},
        {"size", 0, VM_OK, 5}, {"load", 4, VM_OK, 0},
        {"grow", 6, VM_OK, 0xFFFFFFFFu}, {"grow", 5, VM_OK, 5},
        {"size", 0, VM_OK, 10},
    };
    uint8_t *buf = malloc(ARENA), bad[sizeof page1_module];
    vm_arena a;
    vm_module *m;
    vm_instance *in;
    vm_error err;
    size_t i;

    vm_arena_init(&a, buf, ARENA);
    CHECK(vm_load(&a, page1_module, sizeof page1_module, &m, &err) == VM_OK
          && vm_instantiate(&a, m, NULL, NULL, &in, &err) == VM_OK,
          "page size 1: %s", err.msg);
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        uint64_t res[1] = {0};
        uint32_t n = strcmp(steps[i].fn, "size") != 0;
        vm_rc rc = vm_invoke(in, vm_export_func(in, steps[i].fn),
                             &steps[i].arg, n, res, 1, &err);

        CHECK(rc == steps[i].rc && (rc != VM_OK ||
                                    (uint32_t)res[0] == steps[i].want),
              "step %u %s(%u): rc %d result %u", (unsigned)i, steps[i].fn,
              (unsigned)steps[i].arg, rc, (uint32_t)res[0]);
    }
    /* Page size 2^5 is not one of the two allowed. */
    memcpy(bad, page1_module, sizeof bad);
    bad[32] = 5;
    vm_arena_init(&a, buf, ARENA);
    CHECK(vm_load(&a, bad, sizeof bad, &m, &err) == VM_ERR_INVALID &&
          strstr(err.msg, "memory section") &&
          strstr(err.msg, "page size"), "bad page size: %s", err.msg);
    free(buf);
}

/* A memory of 65536 pages and a table of 2^32-1 entries: too big for any
 * arena, and the message must give the real size, not it modulo 2^32. */
static const uint8_t huge_memory_module[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x05, 0x05, 0x01, 0x00, 0x80, 0x80, 0x04,
};
static const uint8_t huge_table_module[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x04, 0x08, 0x01, 0x70, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,
};

static void test_huge_sizes(void)
{
    uint8_t *buf = malloc(ARENA);
    vm_arena a;
    vm_module *m;
    vm_instance *in;
    vm_error err;

    vm_arena_init(&a, buf, ARENA);
    CHECK(vm_load(&a, huge_memory_module, sizeof huge_memory_module, &m,
                  &err) == VM_OK &&
          vm_instantiate(&a, m, NULL, NULL, &in, &err) == VM_ERR_NOMEM &&
          strstr(err.msg, "linear memory needs 4294967296 bytes"),
          "65536 pages: %s", err.msg);
    vm_arena_init(&a, buf, ARENA);
    CHECK(vm_load(&a, huge_table_module, sizeof huge_table_module, &m,
                  &err) == VM_OK &&
          vm_instantiate(&a, m, NULL, NULL, &in, &err) == VM_ERR_NOMEM &&
          strstr(err.msg, "table elements needs 34359738368 bytes"),
          "2^32-1 entries: %s", err.msg);
    free(buf);
}

/* A function with 100000 i64 locals: a trap on a small value stack, a
 * normal call on a big one; never a crash. */
static const uint8_t big_locals_module[] = {
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00,
    0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,
    0x0A, 0x08, 0x01, 0x06, 0x01, 0xA0, 0x8D, 0x06, 0x7E, 0x0B,
};

static void test_big_locals(void)
{
    static const struct {
        uint32_t slots;
        vm_rc rc;
    } cases[] = {{0, VM_ERR_TRAP}, {100000, VM_ERR_TRAP}, {100002, VM_OK}};
    uint8_t *buf = malloc(2 * ARENA);
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vm_config cfg = {cases[i].slots, 0, 0, 0, 0, 0};
        vm_arena a;
        vm_module *m;
        vm_instance *in;
        vm_error err;
        vm_rc rc;

        vm_arena_init(&a, buf, 2 * ARENA);
        rc = vm_load(&a, big_locals_module, sizeof big_locals_module, &m,
                     &err);
        if (rc == VM_OK)
            rc = vm_instantiate(&a, m, NULL, &cfg, &in, &err);
        if (rc == VM_OK)
            rc = vm_invoke(in, vm_export_func(in, "f"), NULL, 0, NULL, 0,
                           &err);
        CHECK(rc == cases[i].rc && (rc == VM_OK ||
                                    err.trap == VM_TRAP_STACK_EXHAUSTED),
              "%u slots: rc %d %s", cases[i].slots, rc, err.msg);
    }
    free(buf);
}

/* Appends v as an unsigned LEB128 at b[*n]. */
static void leb(uint8_t *b, size_t *n, uint32_t v)
{
    do {
        b[(*n)++] = (uint8_t)((v & 0x7Fu) | (v > 0x7Fu ? 0x80u : 0));
        v >>= 7;
    } while (v);
}

/* A module exporting f: () -> () whose body is 20000 local.get 1, then
 * 20000 times local.set 0 of 1 (each walks the whole operand stack),
 * then 20000 drops: made to make translation quadratic. */
static size_t slow_module(uint8_t *b)
{
    static const uint8_t head[] = {
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00,
        0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,
    };
    enum { N = 20000 };
    size_t n = sizeof head, body, i, lsize = 0;
    uint32_t len = 3 + N * 2 + N * 4 + N + 1;
    uint8_t tmp[5];

    memcpy(b, head, n);
    leb(tmp, &lsize, len);
    b[n++] = 0x0A;
    leb(b, &n, (uint32_t)(1 + lsize + len)); /* count, size, body */
    b[n++] = 0x01;
    leb(b, &n, len);
    body = n;
    b[n++] = 0x01;                  /* one group of locals: 2 i32 */
    b[n++] = 0x02;
    b[n++] = 0x7F;
    for (i = 0; i < N; i++) {
        b[n++] = 0x20;
        b[n++] = 0x01;
    }
    for (i = 0; i < N; i++) {
        b[n++] = 0x41;
        b[n++] = 0x01;
        b[n++] = 0x21;
        b[n++] = 0x00;
    }
    for (i = 0; i < N; i++)
        b[n++] = 0x1A;
    b[n++] = 0x0B;
    return n - body == len ? n : 0;
}

/* Translation gives up, and the code runs in place, when the code does
 * not fit code_bytes, a frame needs more than 65535 slots, or the
 * translation would take too long. */
static void test_translate_limits(void)
{
    vm_config cfg = {100002, 0, 0, 0, 0, 64};
    uint8_t *buf = malloc(2 * ARENA), *slow = malloc(200000);
    size_t slow_len = slow_module(slow);
    struct {
        const char *what;
        const uint8_t *bytes;
        size_t len;
        uint64_t code_bytes;
    } cases[] = {
        {"64 bytes of room", big_locals_module, sizeof big_locals_module,
         64},
        {"100000 locals", big_locals_module, sizeof big_locals_module,
         1u << 20},
        {"quadratic", slow, slow_len, 16u << 20},
    };
    size_t i;

    CHECK(slow_len > 0, "slow module built wrong");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vm_arena a;
        vm_module *m;
        vm_instance *in = NULL;
        vm_error err;
        vm_rc rc;

        cfg.code_bytes = cases[i].code_bytes;
        vm_arena_init(&a, buf, 2 * ARENA);
        rc = vm_load(&a, cases[i].bytes, cases[i].len, &m, &err);
        if (rc == VM_OK)
            rc = vm_instantiate(&a, m, NULL, &cfg, &in, &err);
        if (rc == VM_OK)
            rc = vm_invoke(in, vm_export_func(in, "f"), NULL, 0, NULL, 0,
                           &err);
        CHECK(rc == VM_OK && vm_translated_bytes(in) == 0,
              "%s: rc %d (%s), translated %u bytes", cases[i].what, rc,
              err.msg, in ? (unsigned)vm_translated_bytes(in) : 0);
    }
    free(slow);
    free(buf);
}

/* Bad modules: the error names the section, the offset and the rule. */
static void test_bad_modules(void)
{
    static const struct {
        const char *what;
        uint8_t bytes[40];
        size_t len;
        vm_rc rc;
        const char *text;
    } cases[] = {
        {"empty", {0}, 0, VM_ERR_MALFORMED, "magic header"},
        {"bad magic", {0, 'a', 's', 'n', 1, 0, 0, 0}, 8, VM_ERR_MALFORMED,
         "magic header"},
        {"version 2", {0, 'a', 's', 'm', 2, 0, 0, 0}, 8, VM_ERR_MALFORMED,
         "unknown binary version"},
        {"truncated section", {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 9, 1}, 11,
         VM_ERR_MALFORMED, "type section, offset"},
        {"type mismatch",
         {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7F,
          3, 2, 1, 0, 10, 6, 1, 4, 0, 0x42, 0, 0x0B}, 27, VM_ERR_INVALID,
         "code section, offset 0x1a: type mismatch"},
        {"illegal opcode",
         {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0,
          3, 2, 1, 0, 10, 5, 1, 3, 0, 0xFF, 0x0B}, 25, VM_ERR_MALFORMED,
         "offset 0x17: illegal opcode"},
        {"sections out of order",
         {0, 'a', 's', 'm', 1, 0, 0, 0, 3, 1, 0, 1, 1, 0}, 14,
         VM_ERR_MALFORMED, "out of order"},
        {"unknown function in start",
         {0, 'a', 's', 'm', 1, 0, 0, 0, 8, 1, 5}, 11, VM_ERR_INVALID,
         "start section, offset 0xb: unknown function"},
    };
    uint8_t *buf = malloc(ARENA);
    vm_arena a;
    vm_module *m;
    vm_error err;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vm_rc rc;

        vm_arena_init(&a, buf, ARENA);
        rc = vm_load(&a, cases[i].bytes, cases[i].len, &m, &err);
        CHECK(rc == cases[i].rc && strstr(err.msg, cases[i].text),
              "%s: rc %d '%s'", cases[i].what, rc, err.msg);
    }
    free(buf);
}

/* WASI: what reaches the console, the errno of each call, exit codes,
 * and a clear link error when the embedder leaves WASI off. */
static char console_buf[64];
static size_t console_len;

static void console_cb(void *ctx, int fd, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (fd == 1 && console_len + len < sizeof console_buf) {
        memcpy(console_buf + console_len, buf, len);
        console_len += len;
    }
}

static uint64_t clock_cb(void *ctx, uint32_t id)
{
    (void)ctx;
    return 1000u + id;
}

static void random_cb(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0xA5, len);
}

static void test_wasi(void)
{
    static const struct {
        const char *fn;
        uint64_t arg;
        uint32_t nargs;
        vm_rc rc;
        uint64_t want;
    } cases[] = {
        {"write", 1, 1, VM_OK, 0},          /* ESUCCESS */
        {"written", 0, 0, VM_OK, 5},
        {"write", 7, 1, VM_OK, 8},          /* EBADF */
        {"write_bad_iov", 0, 0, VM_OK, 21}, /* EFAULT */
        {"clock", 0, 0, VM_OK, 1001},
        {"random", 0, 0, VM_OK, 0},
        {"random_word", 0, 0, VM_OK, 0xA5A5A5A5A5A5A5A5u},
        {"args", 0, 0, VM_OK, 0},
        {"path_open", 0, 0, VM_OK, 52},     /* ENOSYS */
        {"exit", 7, 1, VM_ERR_EXIT, 7},
    };
    vm_wasi w = {console_cb, clock_cb, random_cb, NULL};
    vm_host_func funcs[VM_WASI_NFUNCS];
    vm_imports imp = {funcs, VM_WASI_NFUNCS, NULL, NULL};
    fixture fx;
    vm_error err;
    size_t i;

    vm_wasi_funcs(&w, funcs);
    console_len = 0;
    CHECK(setup(&fx, "wasi.wasm", &imp, NULL, ARENA, &err) == VM_OK,
          "setup: %s", err.msg);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t res[1] = {0};
        vm_rc rc = vm_invoke(fx.inst, vm_export_func(fx.inst, cases[i].fn),
                             &cases[i].arg, cases[i].nargs, res, 1, &err);
        uint64_t got = rc == VM_ERR_EXIT ? (uint64_t)err.exit_code : res[0];

        if (rc == VM_OK && strcmp(cases[i].fn, "clock") != 0 &&
            strcmp(cases[i].fn, "random_word") != 0)
            got = (uint32_t)got;
        CHECK(rc == cases[i].rc && got == cases[i].want,
              "%s: rc %d got %llu (%s)", cases[i].fn, rc,
              (unsigned long long)got, err.msg);
    }
    CHECK(console_len == 5 && memcmp(console_buf, "hello", 5) == 0,
          "console got %u bytes", (unsigned)console_len);
    teardown(&fx);
    CHECK(setup(&fx, "wasi.wasm", NULL, NULL, ARENA, &err) == VM_ERR_LINK &&
          strstr(err.msg, "wasi_snapshot_preview1.fd_write"),
          "without WASI: %s", err.msg);
    teardown(&fx);
}

/* RAM per instance beside linear memory, default configuration. */
static void test_instance_ram(void)
{
    fixture fx;
    vm_error err;
    vm_extern mem;
    size_t fixed;
    uint64_t arg = 16, res[1];

    setup(&fx, "small.wasm", NULL, NULL, ARENA, &err);
    vm_export(fx.inst, "memory", 6, &mem);
    fixed = vm_arena_peak(&fx.arena) - (size_t)mem.u.memory->cap;
    printf("  small module: %u bytes of arena beside linear memory\n",
           (unsigned)fixed);
    CHECK(fixed <= 8192, "fixed RAM %u > 8 KiB", (unsigned)fixed);
    CHECK(vm_invoke(fx.inst, vm_export_func(fx.inst, "byte"), &arg, 1, res,
                    1, &err) == VM_OK && res[0] == 'w', "data segment");
    teardown(&fx);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"traps", test_traps}, {"fuel", test_fuel},
        {"interleave", test_interleave}, {"host_suspend", test_host_suspend},
        {"link", test_link}, {"arena", test_arena},
        {"readonly", test_readonly}, {"page_size", test_page_size},
        {"bad_modules", test_bad_modules}, {"big_locals", test_big_locals},
        {"instance_ram", test_instance_ram}, {"wasi", test_wasi},
        {"huge_sizes", test_huge_sizes},
        {"translate_limits", test_translate_limits},
    };
    size_t i;

    dir = argc > 1 ? argv[1] : ".";
    if (argc > 2 && !strcmp(argv[2], "--translate"))
        default_cfg.code_bytes = 1u << 20;
    for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int before = failures;

        tests[i].fn();
        printf("%s %s\n", failures == before ? "ok  " : "FAIL",
               tests[i].name);
    }
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
