/* Wasmbed WebAssembly engine: linking and instantiation.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, sections 4.5.3
 * (allocation), 4.5.4 (instantiation) and 7.1 (embedding: module
 * instances, exports); import matching of section 4.5.2.
 */
#include <string.h>
#include "vm_internal.h"

static const char *const kind_name[] = {"function", "table", "memory",
                                        "global"};

/* Structural equality of function types (import matching,
 * call_indirect across modules). */
int vm_functype_eq(const vm_functype *a, const vm_functype *b)
{
    return a == b || (a->np == b->np && a->nr == b->nr &&
                      memcmp(a->types, b->types, a->np + a->nr) == 0);
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case VM_I32: return "i32";
    case VM_I64: return "i64";
    case VM_F32: return "f32";
    case VM_F64: return "f64";
    case VM_FUNCREF: return "funcref";
    default: return "externref";
    }
}

static uint8_t sig_letter(char c)
{
    switch (c) {
    case 'i': return VM_I32;
    case 'I': return VM_I64;
    case 'f': return VM_F32;
    case 'F': return VM_F64;
    case 'r': return VM_FUNCREF;
    case 'e': return VM_EXTERNREF;
    default: return 0;
    }
}

/* Does the host signature text sig describe exactly ft? */
static int sig_matches(const char *sig, const vm_functype *ft)
{
    uint32_t i = 0, n = ft->np + ft->nr;

    if (strcmp(sig, "*") == 0)
        return ft->nr <= 1;
    for (; *sig != '\0'; sig++) {
        if (*sig == ':') {
            if (i != ft->np)
                return 0;
            continue;
        }
        if (i >= n || sig_letter(*sig) != ft->types[i])
            return 0;
        i++;
    }
    return i == n && ft->nr <= VM_MAX_HOST_RESULTS;
}

/* Writes "(i32 i64)->(f32)" for ft into buf. */
static void type_text(const vm_functype *ft, char *buf, size_t cap)
{
    size_t len = 0;
    uint32_t i;

    buf[0] = '\0';
    for (i = 0; i <= ft->np + ft->nr && len + 12 < cap; i++) {
        const char *s = i == ft->np ? ")->(" : (i && i != ft->np + 1)
                                                   ? " " : "";
        if (i == 0)
            buf[len++] = '(';
        memcpy(buf + len, s, strlen(s));
        len += strlen(s);
        if (i < ft->np + ft->nr) {
            const char *t = type_name(ft->types[i]);

            memcpy(buf + len, t, strlen(t));
            len += strlen(t);
        }
    }
    buf[len++] = ')';
    buf[len] = '\0';
}

/* Reports why import im could not be linked. */
static vm_rc link_error(vm_error *err, const vm_importdef *im,
                        const char *why)
{
    vm_errorf(err, VM_ERR_LINK, VM_TRAP_NONE, "import %S.%S (%s): %s",
              im->mlen, (const char *)im->mod, im->nlen,
              (const char *)im->name, kind_name[im->kind], why);
    return VM_ERR_LINK;
}

static int name_is(const char *s, const uint8_t *n, uint32_t len)
{
    return strlen(s) == len && memcmp(s, n, len) == 0;
}

/* A host function for import im, if the embedder registered one. */
static vm_rc link_host(vm_arena *a, vm_instance *inst,
                       const vm_importdef *im, const vm_imports *imp,
                       int *found, vm_error *err)
{
    const vm_functype *ft = &inst->mod->types[
        inst->mod->functype[im->index]];
    size_t i;
    vm_func *f;
    char want[64];

    *found = 0;
    for (i = 0; imp && i < imp->nfuncs; i++) {
        const vm_host_func *h = &imp->funcs[i];

        if ((!name_is(h->module, im->mod, im->mlen) &&
             strcmp(h->module, "*") != 0) ||
            (!name_is(h->name, im->name, im->nlen) &&
             strcmp(h->name, "*") != 0))
            continue;
        *found = 1;
        if (!sig_matches(h->sig, ft)) {
            type_text(ft, want, sizeof want);
            vm_errorf(err, VM_ERR_LINK, VM_TRAP_NONE,
                      "import %S.%S: host signature \"%s\" does not "
                      "match the module's type %s", im->mlen,
                      (const char *)im->mod, im->nlen,
                      (const char *)im->name, h->sig, want);
            return VM_ERR_LINK;
        }
        if (!(f = vm_arena_alloc(a, sizeof *f, "host function", err)))
            return VM_ERR_NOMEM;
        f->type = ft;
        f->host = h->cb;
        f->host_ctx = h->ctx;
        inst->funcs[im->index] = f;
        return VM_OK;
    }
    return VM_OK;
}

/* Limits of an import: the provided size at least min, its max (if any)
 * at most max when the import has one. */
static int limits_ok(uint64_t size, int has, uint64_t max,
                     const vm_tabledef *t, const vm_memdef *m)
{
    uint64_t want_min = t ? t->min : m->min;
    uint64_t want_max = t ? t->max : m->max;
    int want_has = t ? t->has_max : m->has_max;

    if (size < want_min)
        return 0;
    return !want_has || (has && max <= want_max);
}

/* Checks that what the resolver gave matches import im (kind, type,
 * limits, mutability) and binds it. */
static vm_rc check_extern(vm_instance *inst, const vm_importdef *im,
                          const vm_extern *ex, vm_error *err)
{
    const vm_module *m = inst->mod;

    if (ex->kind != im->kind)
        return link_error(err, im, "incompatible import type (wrong "
                                   "kind)");
    switch (im->kind) {
    case VM_EXTERN_FUNC:
        if (!vm_functype_eq(ex->u.func->type,
                            &m->types[m->functype[im->index]]))
            return link_error(err, im, "incompatible import type "
                                       "(function signature differs)");
        inst->funcs[im->index] = ex->u.func;
        return VM_OK;
    case VM_EXTERN_TABLE:
        if (ex->u.table->type != m->tables[im->index].type ||
            !limits_ok(ex->u.table->size, ex->u.table->has_max,
                       ex->u.table->max, &m->tables[im->index], NULL))
            return link_error(err, im, "incompatible import type (table "
                                       "type or limits)");
        inst->tables[im->index] = ex->u.table;
        return VM_OK;
    case VM_EXTERN_MEMORY:
        if (ex->u.memory->page_log2 != m->mems[0].page_log2 ||
            !limits_ok(ex->u.memory->size >> ex->u.memory->page_log2,
                       ex->u.memory->has_max, ex->u.memory->max_pages,
                       NULL, &m->mems[0]))
            return link_error(err, im, "incompatible import type (memory "
                                       "limits or page size)");
        inst->mem = ex->u.memory;
        return VM_OK;
    default:
        if (ex->u.global->type != m->globals[im->index].type ||
            ex->u.global->mut != m->globals[im->index].mut)
            return link_error(err, im, "incompatible import type (global "
                                       "type or mutability)");
        inst->globals[im->index] = ex->u.global;
        return VM_OK;
    }
}

/* Binds every import, host functions first, then the resolver. */
static vm_rc link_imports(vm_arena *a, vm_instance *inst,
                          const vm_imports *imp, vm_error *err)
{
    const vm_module *m = inst->mod;
    uint32_t i;
    int found;
    vm_extern ex;
    vm_rc rc;

    for (i = 0; i < m->nimports; i++) {
        const vm_importdef *im = &m->imports[i];

        if (im->kind == VM_EXTERN_FUNC) {
            if ((rc = link_host(a, inst, im, imp, &found, err)) != VM_OK)
                return rc;
            if (found)
                continue;
        }
        if (!imp || !imp->resolve ||
            imp->resolve(imp->resolve_ctx, (const char *)im->mod, im->mlen,
                         (const char *)im->name, im->nlen, &ex) != VM_OK)
            return link_error(err, im, "unknown import");
        if ((rc = check_extern(inst, im, &ex, err)) != VM_OK)
            return rc;
    }
    return VM_OK;
}

/* Evaluates the validated constant expression at *pp; moves *pp past
 * its end. */
void vm_eval_const(const vm_instance *inst, const uint8_t **pp,
                   uint64_t *out)
{
    vm_reader r = {*pp, *pp + 16, NULL};
    uint8_t op = *r.p++;
    int32_t i32;
    int64_t i64;
    uint32_t x, u;

    switch (op) {
    case 0x41: vm_read_s32(&r, &i32); *out = (uint32_t)i32; break;
    case 0x42: vm_read_s64(&r, &i64); *out = (uint64_t)i64; break;
    case 0x43: memcpy(&u, r.p, 4); r.p += 4; *out = u; break;
    case 0x44: memcpy(out, r.p, 8); r.p += 8; break;
    case 0xD0: r.p++; *out = VM_REF_NULL; break;
    case 0xD2: vm_read_u32(&r, &x); *out = (uintptr_t)inst->funcs[x];
        break;
    default: vm_read_u32(&r, &x); *out = inst->globals[x]->val; break;
    }
    *pp = r.p + 1;
}

/* The next item of element segment e at *pp, as a reference. */
uint64_t vm_elem_item(const vm_instance *inst, const vm_elemdef *e,
                      const uint8_t **pp)
{
    vm_reader r = {*pp, *pp + 5, NULL};
    uint32_t x;
    uint64_t v;

    if (e->exprs) {
        vm_eval_const(inst, pp, &v);
        return v;
    }
    vm_read_u32(&r, &x);
    *pp = r.p;
    return (uintptr_t)inst->funcs[x];
}

/* table.init: n items of segment seg from src into table tab at dst. */
vm_rc vm_table_init_seg(vm_instance *inst, uint32_t tab, uint32_t seg,
                        uint32_t dst, uint32_t src, uint32_t n)
{
    const vm_elemdef *e = &inst->mod->elems[seg];
    vm_table *t = inst->tables[tab];
    uint32_t len = inst->elem_dropped[seg] ? 0 : e->count, i;
    const uint8_t *p = e->items;

    if ((uint64_t)src + n > len || (uint64_t)dst + n > t->size)
        return VM_ERR_TRAP;
    for (i = 0; i < src; i++)
        vm_elem_item(inst, e, &p);
    for (i = 0; i < n; i++)
        t->elems[dst + i] = vm_elem_item(inst, e, &p);
    return VM_OK;
}

/* memory.init: n bytes of data segment seg from src into memory at dst. */
vm_rc vm_memory_init_seg(vm_instance *inst, uint32_t seg, uint32_t dst,
                         uint32_t src, uint32_t n)
{
    const vm_datadef *d = &inst->mod->datas[seg];
    uint32_t len = inst->data_dropped[seg] ? 0 : d->len;

    if ((uint64_t)src + n > len || (uint64_t)dst + n > inst->mem->size)
        return VM_ERR_TRAP;
    if (n > 0)
        memcpy(inst->mem->data + dst, d->bytes + src, n);
    return VM_OK;
}

/* The instance's index spaces: pointers, so imports can be shared. */
static vm_rc alloc_spaces(vm_arena *a, vm_instance *inst, vm_error *err)
{
    const vm_module *m = inst->mod;

    inst->funcs = vm_arena_alloc(a, (m->nfuncs + 1) * sizeof(vm_func *),
                                 "function table", err);
    inst->tables = vm_arena_alloc(a, (m->ntables + 1) * sizeof(vm_table *),
                                  "table pointers", err);
    inst->globals = vm_arena_alloc(a, (m->nglobals + 1) *
                                   sizeof(vm_global *), "global pointers",
                                   err);
    inst->elem_dropped = vm_arena_alloc(a, m->nelems + 1, "segment flags",
                                        err);
    inst->data_dropped = vm_arena_alloc(a, m->ndatas + 1, "segment flags",
                                        err);
    if (!inst->funcs || !inst->tables || !inst->globals ||
        !inst->elem_dropped || !inst->data_dropped)
        return VM_ERR_NOMEM;
    return VM_OK;
}

/* Function instances of the defined functions. */
static vm_rc make_funcs(vm_arena *a, vm_instance *inst, vm_error *err)
{
    const vm_module *m = inst->mod;
    uint32_t i, n = m->nfuncs - m->nfunc_imports;
    vm_func *f = vm_arena_alloc(a, (n + 1) * sizeof *f, "functions", err);

    if (!f)
        return VM_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        f[i].type = &m->types[m->functype[m->nfunc_imports + i]];
        f[i].inst = inst;
        f[i].def = &m->funcs[i];
        inst->funcs[m->nfunc_imports + i] = &f[i];
    }
    return VM_OK;
}

/* Defined globals, initialised in order (imported ones are ready). */
static vm_rc make_globals(vm_arena *a, vm_instance *inst, vm_error *err)
{
    const vm_module *m = inst->mod;
    uint32_t i, n = m->nglobals - m->nglobal_imports;
    vm_global *g = vm_arena_alloc(a, (n + 1) * sizeof *g, "globals", err);

    if (!g)
        return VM_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        const vm_globaldef *gd = &m->globals[m->nglobal_imports + i];
        const uint8_t *p = gd->init;

        g[i].type = gd->type;
        g[i].mut = gd->mut;
        vm_eval_const(inst, &p, &g[i].val);
        inst->globals[m->nglobal_imports + i] = &g[i];
    }
    return VM_OK;
}

/* Defined tables, with room for table_slack more entries. */
static vm_rc make_tables(vm_arena *a, vm_instance *inst,
                         const vm_config *cfg, vm_error *err)
{
    const vm_module *m = inst->mod;
    uint32_t i;

    for (i = m->ntable_imports; i < m->ntables; i++) {
        const vm_tabledef *td = &m->tables[i];
        vm_table *t = vm_arena_alloc(a, sizeof *t, "table", err);
        uint64_t cap = (uint64_t)td->min + cfg->table_slack;
        uint64_t *el;

        if (td->has_max && cap > td->max)
            cap = td->max;
        if (cap > (SIZE_MAX - 8) / 8) {
            vm_errorf(err, VM_ERR_NOMEM, VM_TRAP_NONE,
                      "arena exhausted: table of %U entries", cap);
            return VM_ERR_NOMEM;
        }
        if (!t || !(el = vm_arena_alloc(a, cap * 8 + 8, "table elements",
                                        err)))
            return VM_ERR_NOMEM;
        vm_table_init(t, td->type, el, td->min, (uint32_t)cap, td->max,
                      td->has_max);
        inst->tables[i] = t;
    }
    return VM_OK;
}

/* The value stack and the call frames of the instance. */
static vm_rc make_stacks(vm_arena *a, vm_instance *inst,
                         const vm_config *cfg, vm_error *err)
{
    inst->stack = vm_arena_alloc(a, (size_t)cfg->stack_slots * 8,
                                 "value stack", err);
    if (!inst->stack)
        return VM_ERR_NOMEM;
    inst->frames = vm_arena_alloc(a, (size_t)cfg->frames *
                                  sizeof(vm_frame), "call frames", err);
    if (!inst->frames)
        return VM_ERR_NOMEM;
    inst->stack_end = inst->stack + cfg->stack_slots;
    inst->frames_end = inst->frames + cfg->frames;
    return VM_OK;
}

/* Linear memory goes last: it may use what the arena has left. */
static vm_rc make_memory(vm_arena *a, vm_instance *inst,
                         const vm_config *cfg, vm_error *err)
{
    const vm_memdef *md = &inst->mod->mems[0];
    uint64_t want, cap, limit;
    vm_memory *mem;
    uint8_t *data;

    if (inst->mod->nmems == 0 || inst->mod->nmem_imports == 1)
        return VM_OK;
    want = md->min << md->page_log2;
    if (!(mem = vm_arena_alloc(a, sizeof *mem, "memory", err)))
        return VM_ERR_NOMEM;
    limit = vm_arena_free(a);
    if (cfg->memory_limit && cfg->memory_limit < limit)
        limit = cfg->memory_limit;
    cap = md->has_max ? md->max << md->page_log2 : limit;
    if (cap > limit)
        cap = limit;
    if (want > cap) {
        vm_errorf(err, VM_ERR_NOMEM, VM_TRAP_NONE,
                  "arena exhausted: linear memory needs %U bytes, %U free",
                  want, limit);
        return VM_ERR_NOMEM;
    }
    cap &= ~(uint64_t)((1u << md->page_log2) - 1u);
    if (!(data = vm_arena_alloc_raw(a, (size_t)cap, "linear memory", err)))
        return VM_ERR_NOMEM;
    vm_memory_init(mem, data, md->min << md->page_log2 >> md->page_log2,
                   cap, md->max, md->has_max);
    mem->page_log2 = md->page_log2;
    mem->size = want;
    mem->prezeroed = cfg->arena_zeroed != 0;
    if (!mem->prezeroed)
        memset(data, 0, (size_t)want);
    inst->mem = mem;
    return VM_OK;
}

static vm_rc trap_at_init(vm_error *err)
{
    vm_trap_set(err, VM_TRAP_MEMORY_OOB);
    return VM_ERR_TRAP;
}

/* Active segments are copied in order, then dropped, as 4.5.4 says. */
static vm_rc init_segments(vm_instance *inst, vm_error *err)
{
    const vm_module *m = inst->mod;
    uint32_t i;
    uint64_t off;

    for (i = 0; i < m->nelems; i++) {
        const vm_elemdef *e = &m->elems[i];
        const uint8_t *p = e->offset;

        if (e->mode == VM_MODE_ACTIVE) {
            vm_eval_const(inst, &p, &off);
            if (vm_table_init_seg(inst, e->table, i, (uint32_t)off, 0,
                                  e->count) != VM_OK) {
                vm_trap_set(err, VM_TRAP_TABLE_OOB);
                return VM_ERR_TRAP;
            }
        }
        if (e->mode != VM_MODE_PASSIVE)
            inst->elem_dropped[i] = 1;
    }
    for (i = 0; i < m->ndatas; i++) {
        const vm_datadef *d = &m->datas[i];
        const uint8_t *p = d->offset;

        if (d->mode != VM_MODE_ACTIVE)
            continue;
        vm_eval_const(inst, &p, &off);
        if (vm_memory_init_seg(inst, i, (uint32_t)off, 0, d->len) != VM_OK)
            return trap_at_init(err);
        inst->data_dropped[i] = 1;
    }
    return VM_OK;
}

/* Translates the functions if cfg allows it; when that fails (no room,
 * a frame too large, a build without it) they run in place: VM_OK. */
static vm_rc translate(vm_arena *a, vm_instance *inst, const vm_config *cfg)
{
    vm_error e;
    size_t lo = a->lo;

    if (cfg->code_bytes > 0 && vm_xlate(a, inst, cfg->code_bytes, &e) ==
                               VM_OK)
        inst->xbytes = a->lo - lo;
    return VM_OK;
}

uint64_t vm_translated_bytes(const vm_instance *inst)
{
    return inst->xbytes;
}

/* cfg with the defaults filled in. */
static void defaults(const vm_config *in, vm_config *out)
{
    memset(out, 0, sizeof *out);
    if (in)
        *out = *in;
    if (!out->stack_slots)
        out->stack_slots = 512;
    if (!out->frames)
        out->frames = 64;
}

/* See vm.h. On a trap in a segment or the start function the
 * instance stays allocated: what it wrote to shared tables or memory
 * stays written, as 4.5.4 says. */
vm_rc vm_instantiate(vm_arena *a, const vm_module *m,
                     const vm_imports *imports, const vm_config *cfg,
                     vm_instance **out, vm_error *err)
{
    vm_config c;
    vm_instance *inst;
    size_t mark = a->lo;
    vm_rc rc;

    defaults(cfg, &c);
    if (!(inst = vm_arena_alloc(a, sizeof *inst, "instance", err)))
        return VM_ERR_NOMEM;
    inst->mod = m;
    if ((rc = alloc_spaces(a, inst, err)) != VM_OK ||
        (rc = link_imports(a, inst, imports, err)) != VM_OK ||
        (rc = make_funcs(a, inst, err)) != VM_OK ||
        (rc = make_globals(a, inst, err)) != VM_OK ||
        (rc = make_tables(a, inst, &c, err)) != VM_OK ||
        (rc = translate(a, inst, &c)) != VM_OK ||
        (rc = make_stacks(a, inst, &c, err)) != VM_OK ||
        (rc = make_memory(a, inst, &c, err)) != VM_OK)
        goto out;
    *out = inst;
    if ((rc = init_segments(inst, err)) != VM_OK)
        goto out;
    if (m->has_start)
        rc = vm_invoke(inst, inst->funcs[m->start], NULL, 0, NULL, 0, err);
out:
    if (rc != VM_OK && rc != VM_ERR_TRAP && rc != VM_ERR_EXIT)
        a->lo = mark;
    return rc;
}

static void export_extern(const vm_instance *inst, const vm_exportdef *e,
                          vm_extern *out)
{
    out->kind = e->kind;
    switch (e->kind) {
    case VM_EXTERN_FUNC: out->u.func = inst->funcs[e->index]; break;
    case VM_EXTERN_TABLE: out->u.table = inst->tables[e->index]; break;
    case VM_EXTERN_MEMORY: out->u.memory = inst->mem; break;
    default: out->u.global = inst->globals[e->index]; break;
    }
}

vm_rc vm_export(const vm_instance *inst, const char *name, size_t len,
                vm_extern *out)
{
    const vm_module *m = inst->mod;
    uint32_t i;

    for (i = 0; i < m->nexports; i++) {
        const vm_exportdef *e = &m->exports[i];

        if (len == e->nlen && memcmp(name, e->name, len) == 0) {
            export_extern(inst, e, out);
            return VM_OK;
        }
    }
    return VM_ERR_ARG;
}

uint32_t vm_export_count(const vm_instance *inst)
{
    return inst->mod->nexports;
}

vm_rc vm_export_at(const vm_instance *inst, uint32_t i, const char **name,
                   size_t *len, vm_extern *out)
{
    const vm_exportdef *e;

    if (i >= inst->mod->nexports)
        return VM_ERR_ARG;
    e = &inst->mod->exports[i];
    *name = (const char *)e->name;
    *len = e->nlen;
    export_extern(inst, e, out);
    return VM_OK;
}

vm_func *vm_export_func(const vm_instance *inst, const char *name)
{
    vm_extern ex;

    if (vm_export(inst, name, strlen(name), &ex) != VM_OK ||
        ex.kind != VM_EXTERN_FUNC)
        return NULL;
    return ex.u.func;
}

uint32_t vm_func_nparams(const vm_func *f) { return f->type->np; }
uint32_t vm_func_nresults(const vm_func *f) { return f->type->nr; }

uint8_t vm_func_param(const vm_func *f, uint32_t i)
{
    return i < f->type->np ? f->type->types[i] : 0;
}

uint8_t vm_func_result(const vm_func *f, uint32_t i)
{
    return i < f->type->nr ? f->type->types[f->type->np + i] : 0;
}

void *vm_memory_ptr(vm_instance *inst, uint64_t off, uint64_t len)
{
    if (!inst->mem || off + len < off || off + len > inst->mem->size)
        return NULL;
    return inst->mem->data + off;
}

void vm_global_init(vm_global *g, uint8_t type, int mut, uint64_t val)
{
    g->type = type;
    g->mut = (uint8_t)(mut != 0);
    g->val = val;
}

void vm_table_init(vm_table *t, uint8_t type, uint64_t *elems,
                   uint32_t size, uint32_t cap, uint32_t max, int has_max)
{
    t->type = type;
    t->elems = elems;
    t->size = size;
    t->cap = cap;
    t->max = max;
    t->has_max = (uint8_t)(has_max != 0);
    memset(elems, 0, (size_t)cap * 8);
}

void vm_memory_init(vm_memory *m, uint8_t *data, uint64_t pages,
                    uint64_t cap_bytes, uint64_t max_pages, int has_max)
{
    m->data = data;
    m->page_log2 = 16;
    m->size = pages << 16;
    m->cap = cap_bytes;
    m->max_pages = max_pages;
    m->has_max = (uint8_t)(has_max != 0);
    m->prezeroed = 0;
}
