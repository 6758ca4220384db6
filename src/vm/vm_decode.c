/* Wasmbed WebAssembly engine: binary decoder and module-level validation.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, sections 5.5 (binary
 * modules) and 3.4 (module validation); custom-page-sizes proposal
 * (memory limits flag 0x08).
 *
 * Nothing is copied out of the module but small tables of metadata; code,
 * names, segment contents and constant expressions stay where they are and
 * are referred to by pointer.
 */
#include <string.h>
#include "vm_internal.h"

#define NSECT 13

typedef struct dec {
    vm_arena *a;
    vm_module *m;
    vm_error *err;
    const char *sect;
    vm_reader r;
    const uint8_t *sp[NSECT], *se[NSECT];
} dec;

static const char *const sect_name[NSECT] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "data count"
};

/* Reports rule broken at `at` as an error of kind rc. */
static vm_rc fail_at(dec *d, vm_rc rc, const uint8_t *at, const char *rule)
{
    uint32_t off = (uint32_t)(at - d->m->bytes);

    vm_errorf(d->err, rc, VM_TRAP_NONE, "%s section, offset %x: %s",
              d->sect, off, rule);
    d->err->offset = off;
    return rc;
}

static vm_rc malformed(dec *d, const char *rule)
{
    return fail_at(d, VM_ERR_MALFORMED, d->r.p, rule);
}

static vm_rc invalid(dec *d, const char *rule)
{
    return fail_at(d, VM_ERR_INVALID, d->r.p, rule);
}

/* Reads a u32 LEB128 immediate of the section being decoded. */
static vm_rc u32(dec *d, uint32_t *v)
{
    if (d->r.p >= d->r.end)
        return malformed(d, "unexpected end");
    return vm_read_u32(&d->r, v) ? VM_OK
                                 : malformed(d, "integer representation "
                                                "too long or too large");
}

static vm_rc byte(dec *d, uint8_t *v)
{
    return vm_read_u8(&d->r, v) ? VM_OK : malformed(d, "unexpected end");
}

/* A vector count no larger than the bytes left could hold. */
static vm_rc count(dec *d, uint32_t *n)
{
    vm_rc rc = u32(d, n);

    if (rc == VM_OK && *n > (size_t)(d->r.end - d->r.p))
        rc = malformed(d, "length out of bounds");
    return rc;
}

/* Checks that s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF). */
static int utf8_ok(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        uint32_t len, cp, k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1Fu;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0Fu;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07u;
        else
            return 0;
        if (n - i < len)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

/* A name: length-prefixed, well-formed UTF-8; *p points into the module. */
static vm_rc name(dec *d, const uint8_t **p, uint32_t *n)
{
    vm_rc rc = count(d, n);

    if (rc != VM_OK)
        return rc;
    if (!utf8_ok(d->r.p, *n))
        return malformed(d, "malformed UTF-8 encoding");
    *p = d->r.p;
    d->r.p += *n;
    return VM_OK;
}

static vm_rc valtype(dec *d, uint8_t *t)
{
    vm_rc rc = byte(d, t);

    if (rc == VM_OK && !vm_is_valtype(*t))
        rc = fail_at(d, VM_ERR_MALFORMED, d->r.p - 1,
                     *t == 0x7B ? "SIMD (v128) is not supported"
                                : "malformed value type");
    return rc;
}

static vm_rc reftype(dec *d, uint8_t *t)
{
    vm_rc rc = byte(d, t);

    if (rc == VM_OK && !vm_is_reftype(*t))
        rc = fail_at(d, VM_ERR_MALFORMED, d->r.p - 1,
                     "malformed reference type");
    return rc;
}

/* Limits: flags bit 0 = has max, bit 3 = page size follows (memories). */
static vm_rc limits(dec *d, int mem, uint64_t *min, uint64_t *max,
                    uint8_t *has_max, uint8_t *log2)
{
    uint32_t lo, hi = 0, l2 = 16;
    uint8_t flags;
    vm_rc rc = byte(d, &flags);

    if (rc != VM_OK)
        return rc;
    if ((flags & ~(mem ? 0x09u : 0x01u)) != 0)
        return malformed(d, flags & 0x02u ? "shared memory is not supported"
                                          : "integer too large (limits "
                                            "flags)");
    if ((rc = u32(d, &lo)) != VM_OK)
        return rc;
    if ((flags & 1u) && (rc = u32(d, &hi)) != VM_OK)
        return rc;
    if ((flags & 8u) && (rc = u32(d, &l2)) != VM_OK)
        return rc;
    if (l2 != 0 && l2 != 16)
        return invalid(d, "invalid custom page size (must be 1 or 65536)");
    *min = lo;
    *max = hi;
    *has_max = flags & 1u;
    *log2 = (uint8_t)l2;
    if ((flags & 1u) && hi < lo)
        return invalid(d, "size minimum must not be greater than maximum");
    return VM_OK;
}

/* Memory limits: at most 4 GiB, in pages of 1 or 65536 bytes. */
static vm_rc memtype(dec *d, vm_memdef *md)
{
    vm_rc rc = limits(d, 1, &md->min, &md->max, &md->has_max,
                      &md->page_log2);
    uint64_t cap = md->page_log2 == 16 ? 65536u : 0xFFFFFFFFu;

    if (rc == VM_OK && (md->min > cap || (md->has_max && md->max > cap)))
        rc = invalid(d, "memory size must be at most 65536 pages (4GiB)");
    return rc;
}

/* Table type: reference type, then limits (no page size). */
static vm_rc tabletype(dec *d, vm_tabledef *td)
{
    uint64_t min = 0, max = 0;
    uint8_t l2;
    vm_rc rc = reftype(d, &td->type);

    if (rc == VM_OK)
        rc = limits(d, 0, &min, &max, &td->has_max, &l2);
    td->min = (uint32_t)min;
    td->max = (uint32_t)max;
    return rc;
}

/* Global type: value type, then mutability 0 or 1. */
static vm_rc globaltype(dec *d, vm_globaldef *g)
{
    vm_rc rc = valtype(d, &g->type);

    if (rc == VM_OK)
        rc = byte(d, &g->mut);
    if (rc == VM_OK && g->mut > 1)
        rc = malformed(d, "malformed mutability");
    return rc;
}

/* Allocates n zeroed items of size sz, named what. */
static void *alloc(dec *d, uint32_t n, size_t sz, const char *what)
{
    return vm_arena_alloc(d->a, (size_t)n * sz + 1, what, d->err);
}

/* Reads n value types into t. */
static vm_rc valtypes(dec *d, uint8_t *t, uint32_t n)
{
    uint32_t i;
    vm_rc rc = VM_OK;

    for (i = 0; i < n && rc == VM_OK; i++)
        rc = valtype(d, &t[i]);
    return rc;
}

/* One function type (0x60, params, results) into ft; types copied. */
static vm_rc functype(dec *d, vm_functype *ft)
{
    uint8_t form, *t;
    uint32_t np, nr;
    const uint8_t *p0;
    vm_rc rc = byte(d, &form);

    if (rc != VM_OK)
        return rc;
    if (form != 0x60)
        return malformed(d, "integer representation too long "
                            "(function type form)");
    if ((rc = count(d, &np)) != VM_OK)
        return rc;
    p0 = d->r.p;
    d->r.p += np;
    if ((rc = count(d, &nr)) != VM_OK)
        return rc;
    if (!(t = alloc(d, np + nr, 1, "function types")))
        return VM_ERR_NOMEM;
    d->r.p = p0;
    if ((rc = valtypes(d, t, np)) != VM_OK ||
        (rc = u32(d, &nr)) != VM_OK ||
        (rc = valtypes(d, t + np, nr)) != VM_OK)
        return rc;
    ft->np = np;
    ft->nr = nr;
    ft->types = t;
    return VM_OK;
}

/* Section 1: the function types. */
static vm_rc sec_type(dec *d)
{
    vm_module *m = d->m;
    uint32_t i;
    vm_rc rc = count(d, &m->ntypes);

    if (rc != VM_OK)
        return rc;
    if (!(m->types = alloc(d, m->ntypes, sizeof *m->types, "types")))
        return VM_ERR_NOMEM;
    for (i = 0; i < m->ntypes && rc == VM_OK; i++)
        rc = functype(d, &m->types[i]);
    return rc;
}

/* First pass over the import section: counts per kind. */
static vm_rc count_imports(dec *d)
{
    vm_module *m = d->m;
    vm_reader save = d->r;
    uint32_t i, n, len, x;
    uint8_t kind;
    vm_rc rc = count(d, &n);

    for (i = 0; i < n && rc == VM_OK; i++) {
        uint64_t lo, hi;
        uint8_t t, h, l2;

        if ((rc = count(d, &len)) == VM_OK)
            d->r.p += len;
        if (rc == VM_OK && (rc = count(d, &len)) == VM_OK)
            d->r.p += len;
        if (rc == VM_OK)
            rc = byte(d, &kind);
        if (rc != VM_OK)
            break;
        switch (kind) {
        case VM_EXTERN_FUNC: m->nfunc_imports++; rc = u32(d, &x); break;
        case VM_EXTERN_TABLE:
            m->ntable_imports++;
            if ((rc = byte(d, &t)) == VM_OK)
                rc = limits(d, 0, &lo, &hi, &h, &l2);
            break;
        case VM_EXTERN_MEMORY:
            m->nmem_imports++;
            rc = limits(d, 1, &lo, &hi, &h, &l2);
            break;
        case VM_EXTERN_GLOBAL:
            m->nglobal_imports++;
            if ((rc = byte(d, &t)) == VM_OK)
                rc = byte(d, &t);
            break;
        default:
            rc = malformed(d, "malformed import kind");
        }
    }
    d->r = save;
    return rc;
}

/* The descriptor of import im, appended to its index space; the
 * counters say how many imports of each kind came before. */
static vm_rc import_desc(dec *d, vm_importdef *im, uint32_t *nf,
                         uint32_t *nt, uint32_t *nm, uint32_t *ng)
{
    vm_module *m = d->m;
    uint32_t x;
    vm_rc rc = VM_OK;

    switch (im->kind) {
    case VM_EXTERN_FUNC:
        if ((rc = u32(d, &x)) != VM_OK)
            return rc;
        if (x >= m->ntypes)
            return invalid(d, "unknown type");
        im->index = *nf;
        m->functype[(*nf)++] = x;
        return VM_OK;
    case VM_EXTERN_TABLE:
        im->index = *nt;
        return tabletype(d, &m->tables[(*nt)++]);
    case VM_EXTERN_MEMORY:
        im->index = *nm;
        return memtype(d, &m->mems[(*nm)++]);
    default:
        im->index = *ng;
        rc = globaltype(d, &m->globals[(*ng)++]);
        return rc;
    }
}

/* Section 2: imports, into the index spaces sized by size_spaces. */
static vm_rc sec_import(dec *d)
{
    vm_module *m = d->m;
    uint32_t i, nf = 0, nt = 0, nm = 0, ng = 0;
    vm_rc rc = count(d, &m->nimports);

    if (rc != VM_OK)
        return rc;
    if (!(m->imports = alloc(d, m->nimports, sizeof *m->imports,
                             "imports")))
        return VM_ERR_NOMEM;
    for (i = 0; i < m->nimports; i++) {
        vm_importdef *im = &m->imports[i];

        if ((rc = name(d, &im->mod, &im->mlen)) != VM_OK ||
            (rc = name(d, &im->name, &im->nlen)) != VM_OK ||
            (rc = byte(d, &im->kind)) != VM_OK ||
            (rc = import_desc(d, im, &nf, &nt, &nm, &ng)) != VM_OK)
            return rc;
    }
    return VM_OK;
}

/* Section 3: the type index of each defined function. */
static vm_rc sec_function(dec *d, uint32_t n)
{
    vm_module *m = d->m;
    uint32_t i, x;
    vm_rc rc = VM_OK;

    for (i = 0; i < n && rc == VM_OK; i++) {
        if ((rc = u32(d, &x)) == VM_OK && x >= m->ntypes)
            rc = invalid(d, "unknown type");
        m->functype[m->nfunc_imports + i] = x;
    }
    return rc;
}

/* Section 4: defined tables, after the imported ones. */
static vm_rc sec_table(dec *d, uint32_t n)
{
    uint32_t i;
    vm_rc rc = VM_OK;

    for (i = 0; i < n && rc == VM_OK; i++)
        rc = tabletype(d, &d->m->tables[d->m->ntable_imports + i]);
    return rc;
}

/* Section 5: defined memories (at most one in all). */
static vm_rc sec_memory(dec *d, uint32_t n)
{
    uint32_t i;
    vm_rc rc = VM_OK;

    for (i = 0; i < n && rc == VM_OK; i++)
        rc = memtype(d, &d->m->mems[d->m->nmem_imports + i]);
    return rc;
}

/* Validates the constant expression at the reader, of type t, and skips
 * it; marks functions it names as declared. */
static vm_rc const_expr(dec *d, uint8_t t, uint32_t nglobals,
                        const uint8_t **at)
{
    *at = d->r.p;
    return vm_validate_const(d->m, &d->r.p, d->r.end, t, nglobals, d->err);
}

/* Section 6: defined globals; initialisers may read imported ones. */
static vm_rc sec_global(dec *d, uint32_t n)
{
    vm_module *m = d->m;
    uint32_t i;
    vm_rc rc = VM_OK;

    for (i = 0; i < n && rc == VM_OK; i++) {
        vm_globaldef *g = &m->globals[m->nglobal_imports + i];

        if ((rc = globaltype(d, g)) == VM_OK)
            rc = const_expr(d, g->type, m->nglobal_imports, &g->init);
    }
    return rc;
}

static int name_eq(const vm_exportdef *a, const vm_exportdef *b)
{
    return a->nlen == b->nlen && memcmp(a->name, b->name, a->nlen) == 0;
}

/* Section 7: exports, with unique names; exported functions count as
 * declared for ref.func. */
static vm_rc sec_export(dec *d)
{
    vm_module *m = d->m;
    uint32_t i, j, lim;
    vm_rc rc = count(d, &m->nexports);

    if (rc != VM_OK)
        return rc;
    if (!(m->exports = alloc(d, m->nexports, sizeof *m->exports,
                             "exports")))
        return VM_ERR_NOMEM;
    for (i = 0; i < m->nexports; i++) {
        vm_exportdef *e = &m->exports[i];

        if ((rc = name(d, &e->name, &e->nlen)) != VM_OK ||
            (rc = byte(d, &e->kind)) != VM_OK ||
            (rc = u32(d, &e->index)) != VM_OK)
            return rc;
        switch (e->kind) {
        case VM_EXTERN_FUNC: lim = m->nfuncs; break;
        case VM_EXTERN_TABLE: lim = m->ntables; break;
        case VM_EXTERN_MEMORY: lim = m->nmems; break;
        case VM_EXTERN_GLOBAL: lim = m->nglobals; break;
        default: return malformed(d, "malformed export kind");
        }
        if (e->index >= lim)
            return invalid(d, "unknown export target (index out of "
                              "range)");
        if (e->kind == VM_EXTERN_FUNC)
            m->declared[e->index / 8] |= (uint8_t)(1u << (e->index % 8));
        for (j = 0; j < i; j++)
            if (name_eq(&m->exports[j], e))
                return invalid(d, "duplicate export name");
    }
    return VM_OK;
}

/* Section 8: the start function, which takes and returns nothing. */
static vm_rc sec_start(dec *d)
{
    vm_module *m = d->m;
    vm_rc rc = u32(d, &m->start);
    const vm_functype *ft;

    if (rc != VM_OK)
        return rc;
    if (m->start >= m->nfuncs)
        return invalid(d, "unknown function");
    ft = &m->types[m->functype[m->start]];
    if (ft->np != 0 || ft->nr != 0)
        return invalid(d, "start function must take and return nothing");
    m->has_start = 1;
    return VM_OK;
}

/* Function indices of an element segment: checked and declared. */
static vm_rc elem_funcs(dec *d, vm_elemdef *e)
{
    uint32_t i, x;
    vm_rc rc = count(d, &e->count);

    e->items = d->r.p;
    for (i = 0; i < e->count && rc == VM_OK; i++) {
        if ((rc = u32(d, &x)) != VM_OK)
            break;
        if (x >= d->m->nfuncs)
            return invalid(d, "unknown function");
        d->m->declared[x / 8] |= (uint8_t)(1u << (x % 8));
    }
    return rc;
}

/* Constant-expression items of an element segment, each of its type. */
static vm_rc elem_exprs(dec *d, vm_elemdef *e)
{
    uint32_t i;
    const uint8_t *at;
    vm_rc rc = count(d, &e->count);

    e->items = d->r.p;
    for (i = 0; i < e->count && rc == VM_OK; i++)
        rc = const_expr(d, e->type, d->m->nglobals, &at);
    return rc;
}

/* One element segment, in any of the eight encodings (flags 0-7). */
static vm_rc elem_one(dec *d, vm_elemdef *e)
{
    uint32_t flags;
    uint8_t kind;
    vm_rc rc = u32(d, &flags);

    if (rc != VM_OK)
        return rc;
    if (flags > 7)
        return malformed(d, "malformed elements segment kind");
    e->mode = (flags & 1u) ? ((flags & 2u) ? VM_MODE_DECLARATIVE
                                           : VM_MODE_PASSIVE)
                           : VM_MODE_ACTIVE;
    e->exprs = (flags & 4u) != 0;
    e->type = VM_FUNCREF;
    if (flags & 2u && !(flags & 1u))
        rc = u32(d, &e->table);
    if (rc == VM_OK && !(flags & 1u)) {
        if (e->table >= d->m->ntables)
            return invalid(d, "unknown table");
        rc = const_expr(d, VM_I32, d->m->nglobals, &e->offset);
    }
    if (rc == VM_OK && (flags & 3u)) {
        if (e->exprs) {
            rc = reftype(d, &e->type);
        } else if ((rc = byte(d, &kind)) == VM_OK && kind != 0) {
            rc = malformed(d, "malformed element kind");
        }
    }
    if (rc != VM_OK)
        return rc;
    rc = e->exprs ? elem_exprs(d, e) : elem_funcs(d, e);
    if (rc == VM_OK && e->mode == VM_MODE_ACTIVE &&
        d->m->tables[e->table].type != e->type)
        rc = invalid(d, "type mismatch (element segment and table)");
    return rc;
}

/* Section 9: element segments. */
static vm_rc sec_elem(dec *d)
{
    vm_module *m = d->m;
    uint32_t i;
    vm_rc rc = count(d, &m->nelems);

    if (rc != VM_OK)
        return rc;
    if (!(m->elems = alloc(d, m->nelems, sizeof *m->elems, "elements")))
        return VM_ERR_NOMEM;
    for (i = 0; i < m->nelems && rc == VM_OK; i++)
        rc = elem_one(d, &m->elems[i]);
    return rc;
}

/* Section 12: the data count that memory.init and data.drop need. */
static vm_rc sec_datacount(dec *d)
{
    d->m->has_datacount = 1;
    return u32(d, &d->m->ndatacount);
}

/* One data segment: active (memory 0 + offset) or passive. */
static vm_rc data_one(dec *d, vm_datadef *s)
{
    uint32_t flags, mem = 0;
    vm_rc rc = u32(d, &flags);

    if (rc != VM_OK)
        return rc;
    if (flags > 2)
        return malformed(d, "malformed data segment kind");
    s->mode = flags == 1 ? VM_MODE_PASSIVE : VM_MODE_ACTIVE;
    if (flags == 2 && (rc = u32(d, &mem)) != VM_OK)
        return rc;
    if (s->mode == VM_MODE_ACTIVE) {
        if (mem >= d->m->nmems)
            return invalid(d, "unknown memory");
        if ((rc = const_expr(d, VM_I32, d->m->nglobals, &s->offset))
            != VM_OK)
            return rc;
    }
    if ((rc = count(d, &s->len)) != VM_OK)
        return rc;
    s->bytes = d->r.p;
    d->r.p += s->len;
    return VM_OK;
}

/* Section 11: data segments, as many as the data count said. */
static vm_rc sec_data(dec *d)
{
    vm_module *m = d->m;
    uint32_t i;
    vm_rc rc = count(d, &m->ndatas);

    if (rc != VM_OK)
        return rc;
    if (m->has_datacount && m->ndatacount != m->ndatas)
        return malformed(d, "data count and data section have "
                            "inconsistent lengths");
    if (!(m->datas = alloc(d, m->ndatas, sizeof *m->datas, "data")))
        return VM_ERR_NOMEM;
    for (i = 0; i < m->ndatas && rc == VM_OK; i++)
        rc = data_one(d, &m->datas[i]);
    return rc;
}

/* One function body: local declarations, then the validated code. */
static vm_rc code_one(dec *d, uint32_t i)
{
    vm_module *m = d->m;
    vm_funcdef *f = &m->funcs[i];
    uint32_t size, n, k, cnt;
    uint64_t total = 0;
    const uint8_t *end, *start;
    uint8_t t;
    vm_rc rc = count(d, &size);

    if (rc != VM_OK)
        return rc;
    end = d->r.p + size;
    d->r.end = end;
    start = d->r.p;
    if ((rc = u32(d, &n)) != VM_OK)
        return rc;
    for (k = 0; k < n; k++) {
        if ((rc = u32(d, &cnt)) != VM_OK || (rc = valtype(d, &t)) != VM_OK)
            return rc;
        total += cnt;
        if (total > 0xFFFFFFFu)
            return malformed(d, "too many locals");
    }
    f->nlocals = (uint32_t)total;
    rc = vm_validate_func(d->a, m, m->nfunc_imports + i, start, end,
                          d->err);
    d->r.p = end;
    d->r.end = d->se[10];
    return rc;
}

/* Section 10: one body per defined function, each validated. */
static vm_rc sec_code(dec *d)
{
    vm_module *m = d->m;
    uint32_t i, n, ndef = m->nfuncs - m->nfunc_imports;
    vm_rc rc = count(d, &n);

    if (rc != VM_OK)
        return rc;
    if (n != ndef)
        return malformed(d, "function and code section have "
                            "inconsistent lengths");
    for (i = 0; i < n && rc == VM_OK; i++)
        rc = code_one(d, i);
    return rc;
}

/* Splits the module into sections, checking order and sizes. */
static vm_rc split(dec *d)
{
    static const uint8_t rank[NSECT] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                        11, 12, 10};
    uint8_t last = 0, id;
    uint32_t size;
    vm_rc rc;

    while (d->r.p < d->r.end) {
        d->sect = "module";
        if ((rc = byte(d, &id)) != VM_OK)
            return rc;
        if (id >= NSECT)
            return fail_at(d, VM_ERR_MALFORMED, d->r.p - 1,
                           "malformed section id");
        d->sect = sect_name[id];
        if ((rc = count(d, &size)) != VM_OK)
            return rc;
        if (id != 0) {
            if (rank[id] <= last)
                return fail_at(d, VM_ERR_MALFORMED, d->r.p - 1,
                               "unexpected content after last section "
                               "(section out of order or repeated)");
            last = rank[id];
            d->sp[id] = d->r.p;
            d->se[id] = d->r.p + size;
        } else {
            const uint8_t *p, *end = d->r.p + size;
            uint32_t n;
            vm_reader save = d->r;

            d->r.end = end;
            rc = name(d, &p, &n);
            d->r = save;
            d->r.end = d->m->bytes + d->m->len;
            if (rc != VM_OK)
                return rc;
        }
        d->r.p += size;
    }
    return VM_OK;
}

/* Counts of the vectors in the index spaces, so arrays are sized once. */
static vm_rc head_count(dec *d, int id, uint32_t *n)
{
    *n = 0;
    if (!d->sp[id])
        return VM_OK;
    d->sect = sect_name[id];
    d->r.p = d->sp[id];
    d->r.end = d->se[id];
    return count(d, n);
}

/* Sizes every index space (imports + definitions) before decoding,
 * so each array is allocated once. */
static vm_rc size_spaces(dec *d)
{
    vm_module *m = d->m;
    uint32_t nf, nt, nm, ng;
    vm_rc rc;

    if (d->sp[2]) {
        d->sect = "import";
        d->r.p = d->sp[2];
        d->r.end = d->se[2];
        if ((rc = count_imports(d)) != VM_OK)
            return rc;
    }
    if ((rc = head_count(d, 3, &nf)) != VM_OK ||
        (rc = head_count(d, 4, &nt)) != VM_OK ||
        (rc = head_count(d, 5, &nm)) != VM_OK ||
        (rc = head_count(d, 6, &ng)) != VM_OK)
        return rc;
    m->nfuncs = m->nfunc_imports + nf;
    m->ntables = m->ntable_imports + nt;
    m->nmems = m->nmem_imports + nm;
    m->nglobals = m->nglobal_imports + ng;
    if (m->nmems > 1)
        return invalid(d, "multiple memories are not supported");
    if (!(m->functype = alloc(d, m->nfuncs, 4, "function index space")) ||
        !(m->funcs = alloc(d, nf, sizeof *m->funcs, "functions")) ||
        !(m->tables = alloc(d, m->ntables, sizeof *m->tables, "tables")) ||
        !(m->mems = alloc(d, m->nmems, sizeof *m->mems, "memories")) ||
        !(m->globals = alloc(d, m->nglobals, sizeof *m->globals,
                             "globals")) ||
        !(m->declared = alloc(d, m->nfuncs / 8 + 1, 1, "declared refs")))
        return VM_ERR_NOMEM;
    return VM_OK;
}

/* Decodes section id with fn (count-taking sections get their count). */
static vm_rc run_section(dec *d, int id)
{
    uint32_t n = 0;
    vm_rc rc = VM_OK;

    d->sect = sect_name[id];
    if (!d->sp[id]) {
        if (id == 10 && d->m->nfuncs != d->m->nfunc_imports)
            return malformed(d, "function and code section have "
                                "inconsistent lengths");
        if (id == 11 && d->m->has_datacount && d->m->ndatacount != 0)
            return malformed(d, "data count and data section have "
                                "inconsistent lengths");
        return VM_OK;
    }
    d->r.p = d->sp[id];
    d->r.end = d->se[id];
    if (id >= 3 && id <= 6)
        rc = count(d, &n);
    if (rc != VM_OK)
        return rc;
    switch (id) {
    case 1: rc = sec_type(d); break;
    case 2: rc = sec_import(d); break;
    case 3: rc = sec_function(d, n); break;
    case 4: rc = sec_table(d, n); break;
    case 5: rc = sec_memory(d, n); break;
    case 6: rc = sec_global(d, n); break;
    case 7: rc = sec_export(d); break;
    case 8: rc = sec_start(d); break;
    case 9: rc = sec_elem(d); break;
    case 10: rc = sec_code(d); break;
    case 11: rc = sec_data(d); break;
    default: rc = sec_datacount(d); break;
    }
    if (rc == VM_OK && d->r.p != d->se[id])
        rc = malformed(d, "section size mismatch");
    return rc;
}

/* See vm.h. Sections are split first (order and sizes), then decoded
 * in dependency order; on failure the arena is given back. */
vm_rc vm_load(vm_arena *a, const uint8_t *bytes, size_t len,
              vm_module **out, vm_error *err)
{
    static const uint8_t head[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    static const int order[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11};
    dec d;
    size_t i, mark = a->lo;
    vm_rc rc;

    memset(&d, 0, sizeof d);
    d.a = a;
    d.err = err;
    d.sect = "module";
    if (!(d.m = vm_arena_alloc(a, sizeof *d.m, "module", err)))
        return VM_ERR_NOMEM;
    d.m->bytes = bytes;
    d.m->len = len;
    d.r.p = bytes;
    d.r.end = bytes + len;
    if (len < 4 || memcmp(bytes, head, 4) != 0)
        rc = malformed(&d, "magic header not detected");
    else if (len < 8 || memcmp(bytes + 4, head + 4, 4) != 0)
        rc = malformed(&d, "unknown binary version");
    else {
        d.r.p += 8;
        rc = split(&d);
    }
    if (rc == VM_OK)
        rc = size_spaces(&d);
    for (i = 0; rc == VM_OK && i < sizeof order / sizeof order[0]; i++)
        rc = run_section(&d, order[i]);
    if (rc != VM_OK) {
        a->lo = mark;
        return rc;
    }
    *out = d.m;
    return VM_OK;
}
