/* Wasmbed engine tools: wasmbed-spectest, runs wast2json scripts.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: the WebAssembly spec test script semantics (the commands
 * of the reference interpreter's .wast format, as wast2json writes them)
 * and the standard "spectest" host module.
 *
 * Usage: wasmbed-spectest [--skip LIST] [--verbose] [--translate]
 *        FILE.json...
 * --translate gives every instance room to translate its functions to
 * register code (vm_config.code_bytes).
 * LIST holds lines "NAME: reason" (the file whose base name, without
 * .json, is NAME is skipped) or "NAME:LINE: reason" (the one command of
 * that file at that source line is skipped). Prints one line per file,
 * then "N passed, M failed, K skipped"; exits 1 if any file failed. The
 * failing (first five, or all with --verbose) and skipped commands are
 * named on stderr.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "tool_util.h"
#include "vm.h"

#define ARENA_SIZE ((size_t)1 << 30)
#define CHECK_ARENA (32u << 20)
#define MAX_VALS 64
#define CODE_BYTES ((uint64_t)64 << 20)

static uint64_t g_code_bytes;      /* --translate */

typedef struct named {
    char *name;
    vm_instance *inst;
    struct named *next;
} named;

typedef struct script {
    const char *dir;
    vm_instance *cur;
    named *names, *regs;
    void **arenas, **bytes;
    size_t narenas, nbytes;
    int failed, cmds, skipped, verbose;
    const char *file, *skip;
    char base[128];
} script;

/* The spectest module. */
static vm_global g_i32, g_i64, g_f32, g_f64;
static vm_table g_table;
static uint64_t g_table_elems[20];
static vm_memory g_mem;
static uint8_t *g_mem_data;
static uint8_t *check_buf;

static vm_rc print_cb(void *ctx, vm_instance *in, const uint64_t *a,
                      uint64_t *r, vm_error *err)
{
    (void)ctx, (void)in, (void)a, (void)r, (void)err;
    return VM_OK;
}

static const vm_host_func spectest_funcs[] = {
    {"spectest", "print", ":", print_cb, NULL},
    {"spectest", "print_i32", "i:", print_cb, NULL},
    {"spectest", "print_i64", "I:", print_cb, NULL},
    {"spectest", "print_f32", "f:", print_cb, NULL},
    {"spectest", "print_f64", "F:", print_cb, NULL},
    {"spectest", "print_i32_f32", "if:", print_cb, NULL},
    {"spectest", "print_f64_f64", "FF:", print_cb, NULL},
};

static void spectest_reset(void)
{
    float f = 666.6f;
    double d = 666.6;
    uint32_t u;
    uint64_t v;

    memcpy(&u, &f, 4);
    memcpy(&v, &d, 8);
    vm_global_init(&g_i32, VM_I32, 0, 666);
    vm_global_init(&g_i64, VM_I64, 0, 666);
    vm_global_init(&g_f32, VM_F32, 0, u);
    vm_global_init(&g_f64, VM_F64, 0, v);
    vm_table_init(&g_table, VM_FUNCREF, g_table_elems, 10, 20, 20, 1);
    memset(g_mem_data, 0, 2u << 16);
    vm_memory_init(&g_mem, g_mem_data, 1, 2u << 16, 2, 1);
}

static int name_eq(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && memcmp(a, b, blen) == 0;
}

static vm_rc resolve(void *ctx, const char *mod, size_t mlen,
                     const char *name, size_t nlen, vm_extern *out)
{
    script *s = ctx;
    named *n;

    if (name_eq("spectest", mod, mlen)) {
        out->kind = VM_EXTERN_GLOBAL;
        if (name_eq("global_i32", name, nlen)) out->u.global = &g_i32;
        else if (name_eq("global_i64", name, nlen)) out->u.global = &g_i64;
        else if (name_eq("global_f32", name, nlen)) out->u.global = &g_f32;
        else if (name_eq("global_f64", name, nlen)) out->u.global = &g_f64;
        else if (name_eq("table", name, nlen)) {
            out->kind = VM_EXTERN_TABLE;
            out->u.table = &g_table;
        } else if (name_eq("memory", name, nlen)) {
            out->kind = VM_EXTERN_MEMORY;
            out->u.memory = &g_mem;
        } else
            return VM_ERR_LINK;
        return VM_OK;
    }
    for (n = s->regs; n; n = n->next)
        if (name_eq(n->name, mod, mlen))
            return vm_export(n->inst, name, nlen, out) == VM_OK ? VM_OK
                                                         : VM_ERR_LINK;
    return VM_ERR_LINK;
}

static void fail(script *s, const json *cmd, const char *fmt, const char *a)
{
    json *line = json_get(cmd, "line");

    if (s->failed++ < 5 || s->verbose) {
        fprintf(stderr, "  %s:%s: ", s->file, line ? line->str : "?");
        fprintf(stderr, fmt, a ? a : "");
        fprintf(stderr, "\n");
    }
}

static char *path_of(const script *s, const char *file)
{
    size_t n = strlen(s->dir) + strlen(file) + 2;
    char *p = malloc(n);

    snprintf(p, n, "%s/%s", s->dir, file);
    return p;
}

/* Loads and instantiates file; rc of the step that failed. */
static vm_rc load_module(script *s, const char *file, int inst_too,
                         vm_instance **out, vm_error *err)
{
    char *path = path_of(s, file);
    size_t len = 0;
    uint8_t *bytes = tool_read_file(path, &len);
    vm_imports imp = {spectest_funcs, 7, resolve, s};
    vm_config cfg = {1u << 15, 4096, 1024, 0, 1, g_code_bytes};
    vm_arena a;
    vm_module *m;
    void *buf;
    vm_rc rc;

    free(path);
    if (!bytes) {
        vm_error_set(err, VM_ERR_ARG, VM_TRAP_NONE, "cannot read module");
        return VM_ERR_ARG;
    }
    buf = inst_too ? mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                   : check_buf;
    if (buf == MAP_FAILED) {
        free(bytes);
        vm_error_set(err, VM_ERR_ARG, VM_TRAP_NONE, "cannot map arena");
        return VM_ERR_ARG;
    }
    vm_arena_init(&a, buf, inst_too ? ARENA_SIZE : CHECK_ARENA);
    rc = vm_load(&a, bytes, len, &m, err);
    if (rc == VM_OK && inst_too)
        rc = vm_instantiate(&a, m, &imp, &cfg, out, err);
    if (inst_too && (rc == VM_OK || rc == VM_ERR_TRAP)) {
        /* Keep bytes and arena: the instance (even a failed one whose
         * segments already reached shared tables) may be referenced. */
        s->arenas = realloc(s->arenas, (s->narenas + 1) * sizeof(void *));
        s->arenas[s->narenas++] = buf;
        s->bytes = realloc(s->bytes, (s->nbytes + 1) * sizeof(void *));
        s->bytes[s->nbytes++] = bytes;
        return rc;
    }
    if (inst_too)
        munmap(buf, ARENA_SIZE);
    if (rc == VM_OK && !inst_too) {
        free(bytes);
        return rc;
    }
    free(bytes);
    return rc;
}

static vm_instance *find_inst(script *s, const json *j)
{
    const char *name = json_str(j, "module");
    named *n;

    if (!name)
        return s->cur;
    for (n = s->names; n; n = n->next)
        if (strcmp(n->name, name) == 0)
            return n->inst;
    return NULL;
}

static void add_name(named **list, const char *name, vm_instance *inst)
{
    named *n = malloc(sizeof *n);

    n->name = strdup(name);
    n->inst = inst;
    n->next = *list;
    *list = n;
}

static uint8_t type_code(const char *t)
{
    if (!t) return 0;
    if (!strcmp(t, "i32")) return VM_I32;
    if (!strcmp(t, "i64")) return VM_I64;
    if (!strcmp(t, "f32")) return VM_F32;
    if (!strcmp(t, "f64")) return VM_F64;
    if (!strcmp(t, "funcref")) return VM_FUNCREF;
    if (!strcmp(t, "externref")) return VM_EXTERNREF;
    return 0;
}

/* Argument value: numbers are unsigned decimal bit patterns; extern N is
 * the host word N + 1 so that 0 stays null. */
static int arg_value(const json *v, uint64_t *out)
{
    uint8_t t = type_code(json_str(v, "type"));
    const char *val = json_str(v, "value");

    if (!t || !val)
        return 0;
    if (t == VM_FUNCREF || t == VM_EXTERNREF) {
        *out = strcmp(val, "null") == 0 ? 0 : strtoull(val, NULL, 10) + 1;
        return 1;
    }
    *out = strtoull(val, NULL, 10);
    return 1;
}

static int nan_ok(uint8_t t, uint64_t v, int canonical)
{
    if (t == VM_F32) {
        uint32_t u = (uint32_t)v & 0x7FFFFFFFu;

        return canonical ? u == 0x7FC00000u
                         : (u & 0x7FC00000u) == 0x7FC00000u;
    }
    v &= 0x7FFFFFFFFFFFFFFFu;
    return canonical ? v == 0x7FF8000000000000u
                     : (v & 0x7FF8000000000000u) == 0x7FF8000000000000u;
}

static int expect_ok(const json *e, uint64_t got)
{
    uint8_t t = type_code(json_str(e, "type"));
    const char *val = json_str(e, "value");

    if (!val)
        return t == VM_FUNCREF ? got != 0 : 0;
    if (!strcmp(val, "nan:canonical") || !strcmp(val, "nan:arithmetic"))
        return nan_ok(t, got, val[4] == 'c');
    if (t == VM_FUNCREF || t == VM_EXTERNREF) {
        if (!strcmp(val, "null"))
            return got == 0;
        return t == VM_FUNCREF ? got != 0
                               : got == strtoull(val, NULL, 10) + 1;
    }
    if (t == VM_I32 || t == VM_F32)
        got &= 0xFFFFFFFFu;
    return got == strtoull(val, NULL, 10);
}

/* Runs an invoke or get action; results in res[0..*nres). */
static vm_rc action(script *s, const json *act, uint64_t *res,
                    uint32_t *nres, vm_error *err)
{
    vm_instance *in = find_inst(s, act);
    const char *field = json_str(act, "field");
    const char *type = json_str(act, "type");
    uint64_t args[MAX_VALS];
    uint32_t n = 0;
    vm_extern ex;
    json *a;
    vm_rc rc;

    if (!in || !field ||
        vm_export(in, field, json_get(act, "field")->len, &ex) != VM_OK) {
        vm_error_set(err, VM_ERR_ARG, VM_TRAP_NONE, "no such export");
        return VM_ERR_ARG;
    }
    if (type && !strcmp(type, "get")) {
        if (ex.kind != VM_EXTERN_GLOBAL)
            return VM_ERR_ARG;
        res[0] = ex.u.global->val;
        *nres = 1;
        return VM_OK;
    }
    for (a = json_get(act, "args") ? json_get(act, "args")->child : NULL;
         a && n < MAX_VALS; a = a->next)
        if (!arg_value(a, &args[n++]))
            return VM_ERR_ARG;
    if (ex.kind != VM_EXTERN_FUNC)
        return VM_ERR_ARG;
    *nres = vm_func_nresults(ex.u.func);
    rc = vm_invoke(in, ex.u.func, args, n, res, MAX_VALS, err);
    return rc;
}

static void cmd_assert_return(script *s, const json *cmd)
{
    uint64_t res[MAX_VALS];
    uint32_t nres = 0, i = 0;
    vm_error err;
    json *e;
    vm_rc rc = action(s, json_get(cmd, "action"), res, &nres, &err);

    if (rc != VM_OK) {
        fail(s, cmd, "assert_return: %s", err.msg);
        return;
    }
    for (e = json_get(cmd, "expected")->child; e; e = e->next, i++) {
        if (i >= nres || !expect_ok(e, res[i])) {
            char msg[64];

            snprintf(msg, sizeof msg, "result %u is 0x%llx", i,
                     i < nres ? (unsigned long long)res[i] : 0ull);
            fail(s, cmd, "assert_return: wrong %s", msg);
            return;
        }
    }
}

static void cmd_assert_trap(script *s, const json *cmd, int exhaustion)
{
    uint64_t res[MAX_VALS];
    uint32_t nres = 0;
    vm_error err;
    vm_rc rc = action(s, json_get(cmd, "action"), res, &nres, &err);

    if (rc != VM_ERR_TRAP)
        fail(s, cmd, "expected a trap: %s", json_str(cmd, "text"));
    else if (exhaustion && err.trap != VM_TRAP_STACK_EXHAUSTED)
        fail(s, cmd, "expected exhaustion, got %s", err.msg);
}

static void cmd_module(script *s, const json *cmd)
{
    vm_error err;
    vm_instance *in = NULL;
    const char *name = json_str(cmd, "name");

    if (load_module(s, json_str(cmd, "filename"), 1, &in, &err) != VM_OK) {
        fail(s, cmd, "module: %s", err.msg);
        s->cur = NULL;
        return;
    }
    s->cur = in;
    if (name)
        add_name(&s->names, name, in);
}

/* assert_invalid, _malformed, _unlinkable, _uninstantiable. */
static void cmd_assert_module(script *s, const json *cmd, vm_rc want)
{
    const char *mt = json_str(cmd, "module_type");
    vm_error err;
    vm_instance *in;
    vm_rc rc;

    if (mt && strcmp(mt, "binary") != 0)
        return;
    rc = load_module(s, json_str(cmd, "filename"),
                     want == VM_ERR_LINK || want == VM_ERR_TRAP, &in, &err);
    if (want == VM_ERR_INVALID || want == VM_ERR_MALFORMED) {
        if (rc != VM_ERR_INVALID && rc != VM_ERR_MALFORMED)
            fail(s, cmd, "module should not load: %s",
                 json_str(cmd, "text"));
    } else if (rc != want) {
        fail(s, cmd, "wrong instantiation result (want %s)",
             json_str(cmd, "text"));
    }
}

static void cmd_register(script *s, const json *cmd)
{
    vm_instance *in = find_inst(s, cmd);
    const char *as = json_str(cmd, "as");

    if (!in || !as) {
        fail(s, cmd, "register: no module%s", "");
        return;
    }
    add_name(&s->regs, as, in);
}

/* Is this command listed as "NAME:LINE: reason"? */
static int command_skipped(script *s, const json *cmd)
{
    json *line = json_get(cmd, "line");
    char key[160];
    const char *p;

    if (!s->skip || !line)
        return 0;
    snprintf(key, sizeof key, "%s:%s:", s->base, line->str);
    for (p = s->skip; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, strlen(key)) == 0) {
            fprintf(stderr, "  skip %s%.*s\n", key,
                   (int)strcspn(p + strlen(key), "\n"), p + strlen(key));
            s->skipped++;
            return 1;
        }
    return 0;
}

static void command(script *s, const json *cmd)
{
    const char *t = json_str(cmd, "type");
    uint64_t res[MAX_VALS];
    uint32_t n;
    vm_error err;

    s->cmds++;
    if (command_skipped(s, cmd))
        return;
    if (!strcmp(t, "module")) cmd_module(s, cmd);
    else if (!strcmp(t, "register")) cmd_register(s, cmd);
    else if (!strcmp(t, "assert_return")) cmd_assert_return(s, cmd);
    else if (!strcmp(t, "assert_trap")) cmd_assert_trap(s, cmd, 0);
    else if (!strcmp(t, "assert_exhaustion")) cmd_assert_trap(s, cmd, 1);
    else if (!strcmp(t, "assert_invalid"))
        cmd_assert_module(s, cmd, VM_ERR_INVALID);
    else if (!strcmp(t, "assert_malformed"))
        cmd_assert_module(s, cmd, VM_ERR_MALFORMED);
    else if (!strcmp(t, "assert_unlinkable"))
        cmd_assert_module(s, cmd, VM_ERR_LINK);
    else if (!strcmp(t, "assert_uninstantiable"))
        cmd_assert_module(s, cmd, VM_ERR_TRAP);
    else if (!strcmp(t, "action")) {
        if (action(s, json_get(cmd, "action"), res, &n, &err) != VM_OK)
            fail(s, cmd, "action: %s", err.msg);
    } else
        fail(s, cmd, "unknown command %s", t);
}

static void free_list(named *n)
{
    while (n) {
        named *next = n->next;

        free(n->name);
        free(n);
        n = next;
    }
}

/* Runs one script; 0 if every command passed. */
static void base_name(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    size_t n;

    b = b ? b + 1 : path;
    n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

static int run_file(const char *path, const char *skip, int verbose)
{
    script s;
    size_t len, i;
    char *text = (char *)tool_read_file(path, &len), *slash;
    json *root, *cmd;

    memset(&s, 0, sizeof s);
    s.verbose = verbose;
    s.file = path;
    s.skip = skip;
    base_name(path, s.base, sizeof s.base);
    if (!text) {
        printf("FAIL %s: cannot read\n", path);
        return 1;
    }
    text = realloc(text, len + 1);
    text[len] = '\0';
    root = json_parse(text);
    free(text);
    if (!root) {
        printf("FAIL %s: bad JSON\n", path);
        return 1;
    }
    s.dir = strdup(path);
    slash = strrchr((char *)s.dir, '/');
    if (slash)
        *slash = '\0';
    else
        s.dir = strdup(".");
    spectest_reset();
    for (cmd = json_get(root, "commands")->child; cmd; cmd = cmd->next)
        command(&s, cmd);
    printf("%s %s (%d commands, %d skipped%s)\n",
           s.failed ? "FAIL" : "PASS", path, s.cmds, s.skipped,
           s.failed ? ", some failed" : "");
    for (i = 0; i < s.narenas; i++)
        munmap(s.arenas[i], ARENA_SIZE);
    for (i = 0; i < s.nbytes; i++)
        free(s.bytes[i]);
    free(s.arenas);
    free(s.bytes);
    free_list(s.names);
    free_list(s.regs);
    free((char *)s.dir);
    json_free(root);
    return s.failed != 0;
}

/* Is the base name of path listed in skip (lines "NAME: reason")? */
static const char *skip_reason(const char *skip, const char *path)
{
    char base[128];
    const char *p;
    size_t n;

    base_name(path, base, sizeof base);
    n = strlen(base);
    for (p = skip; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1
                                                : NULL) {
        if (strncmp(p, base, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
            return p + n + 1;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int i, passed = 0, failed = 0, skipped = 0, verbose = 0;
    char *skip = NULL;
    size_t len;

    setvbuf(stdout, NULL, _IOLBF, 0);    /* keep in step with stderr */
    g_mem_data = malloc(2u << 16);
    check_buf = malloc(CHECK_ARENA);
    for (i = 1; i < argc; i++) {
        const char *why;

        if (!strcmp(argv[i], "--skip") && i + 1 < argc) {
            skip = (char *)tool_read_file(argv[++i], &len);
            if (skip) {
                skip = realloc(skip, len + 1);
                skip[len] = '\0';
            }
            continue;
        }
        if (!strcmp(argv[i], "--verbose")) {
            verbose = 1;
            continue;
        }
        if (!strcmp(argv[i], "--translate")) {
            g_code_bytes = CODE_BYTES;
            continue;
        }
        if ((why = skip_reason(skip, argv[i]))) {
            printf("SKIP %s:%.*s\n", argv[i], (int)strcspn(why, "\n"), why);
            skipped++;
        } else if (run_file(argv[i], skip, verbose)) {
            failed++;
        } else {
            passed++;
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    free(skip);
    free(g_mem_data);
    free(check_buf);
    return failed ? 1 : 0;
}
