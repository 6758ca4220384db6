/* Wasmbed WebAssembly engine: the operations both execution loops share.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 4.4
 * (instructions: execution), the parts both the in-place interpreter
 * (vm_exec.c) and the loop of translated code (vm_xexec.c) use.
 *
 * Private static functions, included once by each of the two files, so
 * that each compiler run sees them whole and inlines as it sees fit; the
 * boards build only vm_exec.c.
 */
#ifndef WASMBED_VM_OPS_H
#define WASMBED_VM_OPS_H

#include <string.h>
#include "vm_internal.h"
#include "vm_num.h"

/* Immediates were validated: no bounds or length checks here. Most are
 * one byte, which the inline part handles. */
static inline uint32_t rd_u32(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint32_t v;

    if (*p < 0x80u) {
        *pp = p + 1;
        return *p;
    }
    v = vm_leb_u32(&p);     /* a copy: pc itself never escapes */
    *pp = p;
    return v;
}

static inline uint64_t rd_s64(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v;

    if (*p < 0x80u) {
        *pp = p + 1;
        return (*p & 0x40u) ? (uint64_t)*p - 128u : *p;
    }
    v = vm_leb_s64(&p);
    *pp = p;
    return v;
}

static inline const uint8_t *skip_leb(const uint8_t *p)
{
    while (*p++ & 0x80u)
        ;
    return p;
}

/* Skips a block type: one byte, or an s33 type index. */
static inline const uint8_t *skip_bt(const uint8_t *p)
{
    return (*p == 0x40 || *p >= 0x6F) ? p + 1 : skip_leb(p);
}

/* Effective address of a load or store: skips the alignment, adds the
 * offset to the i32 address. */
static inline uint64_t memarg(const uint8_t **pp, uint64_t addr)
{
    const uint8_t *p = *pp;

    if (p[0] < 0x80u && p[1] < 0x80u) {
        *pp = p + 2;
        return (uint64_t)(uint32_t)addr + p[1];
    }
    *pp = skip_leb(p);
    return (uint64_t)(uint32_t)addr + rd_u32(pp);
}

static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

static inline uint16_t ld16(const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, 2);
    return v;
}

/* memory.grow on mem by n pages: old size in pages, or -1. */
static uint32_t mem_grow(vm_memory *mem, uint32_t n)
{
    uint64_t pages = mem->size >> mem->page_log2, want = pages + n;
    uint64_t limit = mem->page_log2 == 16 ? 65536u : 0xFFFFFFFFu;

    if (mem->has_max && mem->max_pages < limit)
        limit = mem->max_pages;
    if (want > limit || (want << mem->page_log2) > mem->cap)
        return 0xFFFFFFFFu;
    if (!mem->prezeroed)
        memset(mem->data + mem->size, 0,
               (size_t)((uint64_t)n << mem->page_log2));
    mem->size = want << mem->page_log2;
    return (uint32_t)pages;
}

/* table.grow on t by n entries set to init: old size, or -1. */
static uint32_t table_grow(vm_table *t, uint32_t n, uint64_t init)
{
    uint64_t want = (uint64_t)t->size + n;
    uint32_t old = t->size, i;

    if (want > t->cap || (t->has_max && want > t->max))
        return 0xFFFFFFFFu;
    for (i = old; i < want; i++)
        t->elems[i] = init;
    t->size = (uint32_t)want;
    return old;
}

/* table.fill: n copies of v from i; 0 if out of bounds (nothing written). */
static int table_fill(vm_table *t, uint32_t i, uint64_t v, uint32_t n)
{
    if ((uint64_t)i + n > t->size)
        return 0;
    while (n-- > 0)
        t->elems[i++] = v;
    return 1;
}

/* table.copy: overlapping ranges allowed; 0 if out of bounds. */
static int table_copy(vm_table *dt, vm_table *st, uint32_t d, uint32_t s,
                      uint32_t n)
{
    if ((uint64_t)s + n > st->size || (uint64_t)d + n > dt->size)
        return 0;
    memmove(dt->elems + d, st->elems + s, (size_t)n * 8);
    return 1;
}

/* memory.copy: overlapping ranges allowed; 0 if out of bounds. */
static int mem_copy(vm_memory *m, uint32_t d, uint32_t s, uint32_t n)
{
    if ((uint64_t)s + n > m->size || (uint64_t)d + n > m->size)
        return 0;
    memmove(m->data + d, m->data + s, n);
    return 1;
}

/* memory.fill: 0 if out of bounds (nothing written). */
static int mem_fill(vm_memory *m, uint32_t d, uint8_t v, uint32_t n)
{
    if ((uint64_t)d + n > m->size)
        return 0;
    memset(m->data + d, v, n);
    return 1;
}

/* Saturating truncations 0xFC 0-7: NaN gives 0, out of range clamps. */
static void op_sat(uint32_t sub, uint64_t *top)
{
    static const double lo[4] = {-2147483649.0, -1.0,
                                 -9223372036854777856.0, -1.0};
    static const double hi[4] = {2147483648.0, 4294967296.0,
                                 9223372036854775808.0,
                                 18446744073709551616.0};
    static const uint64_t minv[4] = {0x80000000u, 0, 0x8000000000000000u,
                                     0};
    static const uint64_t maxv[4] = {0x7FFFFFFFu, 0xFFFFFFFFu,
                                     0x7FFFFFFFFFFFFFFFu,
                                     0xFFFFFFFFFFFFFFFFu};
    int k = (int)((sub & 1) | ((sub >> 1) & 2)), r;
    double v = (sub & 2) ? f64_of(*top) : (double)f32_of(*top);

    r = trunc_check(v, lo[k], hi[k]);
    if (r == 1)
        *top = 0;
    else if (r == 2)
        *top = v < 0 ? minv[k] : maxv[k];
    else if (k == 0)
        *top = (uint32_t)(int32_t)v;
    else if (k == 1)
        *top = (uint32_t)v;
    else if (k == 2)
        *top = (uint64_t)(int64_t)v;
    else
        *top = (uint64_t)v;
}

/* Bulk memory 0xFC 8-11: operands sp[0..3) (sp already lowered). */
static vm_trap op_bulk_mem(vm_instance *in, uint32_t sub,
                           const uint8_t **pp, const uint64_t *sp)
{
    uint32_t x;

    switch (sub) {
    case 8:
        x = rd_u32(pp);
        (*pp)++;
        return vm_memory_init_seg(in, x, u32v(sp[0]), u32v(sp[1]),
                                  u32v(sp[2])) == VM_OK
                   ? VM_TRAP_NONE : VM_TRAP_MEMORY_OOB;
    case 10:
        *pp += 2;
        return mem_copy(in->mem, u32v(sp[0]), u32v(sp[1]), u32v(sp[2]))
                   ? VM_TRAP_NONE : VM_TRAP_MEMORY_OOB;
    default:
        *pp += 1;
        return mem_fill(in->mem, u32v(sp[0]), (uint8_t)sp[1], u32v(sp[2]))
                   ? VM_TRAP_NONE : VM_TRAP_MEMORY_OOB;
    }
}

/* Table operations 0xFC 12, 14, 17: operands sp[0..3). */
static vm_trap op_bulk_table(vm_instance *in, uint32_t sub,
                             const uint8_t **pp, const uint64_t *sp)
{
    uint32_t x = rd_u32(pp), y;
    int ok;

    if (sub == 17)
        ok = table_fill(in->tables[x], u32v(sp[0]), sp[1], u32v(sp[2]));
    else if (sub == 14)
        ok = table_copy(in->tables[x], in->tables[rd_u32(pp)],
                        u32v(sp[0]), u32v(sp[1]), u32v(sp[2]));
    else {
        y = rd_u32(pp);
        ok = vm_table_init_seg(in, y, x, u32v(sp[0]), u32v(sp[1]),
                               u32v(sp[2])) == VM_OK;
    }
    return ok ? VM_TRAP_NONE : VM_TRAP_TABLE_OOB;
}

/* The 0xFC prefix at *pp, operands at *spp; both are moved past what
 * the instruction consumes. Returns a trap code, or VM_TRAP_NONE. */
static vm_trap op_fc(vm_instance *in, const uint8_t **pp, uint64_t **spp)
{
    uint32_t sub = rd_u32(pp), x;
    uint64_t *sp = *spp;

    switch (sub) {
    case 9:
        in->data_dropped[rd_u32(pp)] = 1;
        return VM_TRAP_NONE;
    case 13:
        in->elem_dropped[rd_u32(pp)] = 1;
        return VM_TRAP_NONE;
    case 15:
        x = rd_u32(pp);
        sp[-2] = table_grow(in->tables[x], u32v(sp[-1]), sp[-2]);
        *spp = sp - 1;
        return VM_TRAP_NONE;
    case 16:
        *sp = in->tables[rd_u32(pp)]->size;
        *spp = sp + 1;
        return VM_TRAP_NONE;
    default:
        break;
    }
    if (sub < 8) {
        op_sat(sub, &sp[-1]);
        return VM_TRAP_NONE;
    }
    *spp = sp - 3;
    if (sub <= 11)
        return op_bulk_mem(in, sub, pp, sp - 3);
    return op_bulk_table(in, sub, pp, sp - 3);
}

/* Conversions 0xA7-0xBF that can trap (truncations) or not. */
static vm_trap op_trunc(uint8_t op, uint64_t *top)
{
    static const double lo[4] = {-2147483649.0, -1.0,
                                 -9223372036854777856.0, -1.0};
    static const double hi[4] = {2147483648.0, 4294967296.0,
                                 9223372036854775808.0,
                                 18446744073709551616.0};
    /* A8..AB: i32 from f32 s,u / f64 s,u; AE..B1 the same for i64. */
    int i64 = op >= 0xAE, from64 = ((op - (i64 ? 0xAE : 0xA8)) >> 1) & 1;
    int uns = (op - (i64 ? 0xAE : 0xA8)) & 1, k = uns | (i64 << 1), r;
    double v = from64 ? f64_of(*top) : (double)f32_of(*top);

    r = trunc_check(v, lo[k], hi[k]);
    if (r != 0)
        return r == 1 ? VM_TRAP_BAD_CONVERSION : VM_TRAP_INT_OVERFLOW;
    if (k == 0)
        *top = (uint32_t)(int32_t)v;
    else if (k == 1)
        *top = (uint32_t)v;
    else if (k == 2)
        *top = (uint64_t)(int64_t)v;
    else
        *top = (uint64_t)v;
    return VM_TRAP_NONE;
}

/* Conversions between integers and floats that cannot trap, and
 * float promotion and demotion. */
static void op_convert(uint8_t op, uint64_t *top)
{
    uint64_t a = *top;

    switch (op) {
    case 0xB2: *top = of_f32((float)s32(a)); break;
    case 0xB3: *top = of_f32((float)u32v(a)); break;
    case 0xB4: *top = of_f32((float)s64(a)); break;
    case 0xB5: *top = of_f32((float)a); break;
    case 0xB6: *top = of_f32((float)f64_of(a)); break;
    case 0xB7: *top = of_f64((double)s32(a)); break;
    case 0xB8: *top = of_f64((double)u32v(a)); break;
    case 0xB9: *top = of_f64((double)s64(a)); break;
    case 0xBA: *top = of_f64((double)a); break;
    default: *top = of_f64((double)f32_of(a)); break;
    }
}

/* Sign extensions 0xC0-0xC4. */
static void op_extend(uint8_t op, uint64_t *top)
{
    uint64_t b = *top;

    switch (op) {
    case 0xC0: *top = (uint32_t)(int32_t)(int8_t)b; break;
    case 0xC1: *top = (uint32_t)(int32_t)(int16_t)b; break;
    case 0xC2: *top = (uint64_t)(int64_t)(int8_t)b; break;
    case 0xC3: *top = (uint64_t)(int64_t)(int16_t)b; break;
    default: *top = (uint64_t)(int64_t)(int32_t)b; break;
    }
}

static inline void st32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static inline void st16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

/* table.get and table.set: the index (and value) on the stack. */
static vm_trap table_get(const vm_table *t, uint64_t *top)
{
    if (u32v(*top) >= t->size)
        return VM_TRAP_TABLE_OOB;
    *top = t->elems[u32v(*top)];
    return VM_TRAP_NONE;
}

static vm_trap table_set(vm_table *t, const uint64_t *sp)
{
    if (u32v(sp[0]) >= t->size)
        return VM_TRAP_TABLE_OOB;
    t->elems[u32v(sp[0])] = sp[1];
    return VM_TRAP_NONE;
}

/* Float operations 0x8B-0xA6, never trapping. */
static void op_float(uint8_t op, uint64_t *sp)
{
    uint64_t a = sp[-1], b = sp[0];

    switch (op) {
    case 0x8B: sp[-1] = a & 0x7FFFFFFFu; break;
    case 0x8C: sp[-1] = (a ^ 0x80000000u) & 0xFFFFFFFFu; break;
    case 0x8D: sp[-1] = fround32(a, 3); break;
    case 0x8E: sp[-1] = fround32(a, 2); break;
    case 0x8F: sp[-1] = fround32(a, 1); break;
    case 0x90: sp[-1] = fround32(a, 0); break;
    case 0x91: sp[-1] = of_f32(__builtin_sqrtf(f32_of(a))); break;
    case 0x92: sp[-1] = of_f32(f32_of(a) + f32_of(b)); break;
    case 0x93: sp[-1] = of_f32(f32_of(a) - f32_of(b)); break;
    case 0x94: sp[-1] = of_f32(f32_of(a) * f32_of(b)); break;
    case 0x95: sp[-1] = of_f32(f32_of(a) / f32_of(b)); break;
    case 0x96: sp[-1] = fmin32(a, b); break;
    case 0x97: sp[-1] = fmax32(a, b); break;
    case 0x98: sp[-1] = (a & 0x7FFFFFFFu) | (b & 0x80000000u); break;
    case 0x99: sp[-1] = a & 0x7FFFFFFFFFFFFFFFu; break;
    case 0x9A: sp[-1] = a ^ 0x8000000000000000u; break;
    case 0x9B: sp[-1] = fround64(a, 3); break;
    case 0x9C: sp[-1] = fround64(a, 2); break;
    case 0x9D: sp[-1] = fround64(a, 1); break;
    case 0x9E: sp[-1] = fround64(a, 0); break;
    case 0x9F: sp[-1] = of_f64(__builtin_sqrt(f64_of(a))); break;
    case 0xA0: sp[-1] = of_f64(f64_of(a) + f64_of(b)); break;
    case 0xA1: sp[-1] = of_f64(f64_of(a) - f64_of(b)); break;
    case 0xA2: sp[-1] = of_f64(f64_of(a) * f64_of(b)); break;
    case 0xA3: sp[-1] = of_f64(f64_of(a) / f64_of(b)); break;
    case 0xA4: sp[-1] = fmin64(a, b); break;
    case 0xA5: sp[-1] = fmax64(a, b); break;
    default:
        sp[-1] = (a & 0x7FFFFFFFFFFFFFFFu) | (b & 0x8000000000000000u);
        break;
    }
}


/* i64 division and remainder 0x7F-0x82. */
static vm_trap op_div64(uint8_t op, uint64_t *sp)
{
    uint64_t a = sp[-1], b = sp[0];

    if (b == 0)
        return VM_TRAP_DIV_ZERO;
    switch (op) {
    case 0x7F:
        if (a == 0x8000000000000000u && b == ~(uint64_t)0)
            return VM_TRAP_INT_OVERFLOW;
        sp[-1] = (uint64_t)(s64(a) / s64(b));
        break;
    case 0x80: sp[-1] = a / b; break;
    case 0x81:
        sp[-1] = b == ~(uint64_t)0 ? 0 : (uint64_t)(s64(a) % s64(b));
        break;
    default: sp[-1] = a % b; break;
    }
    return VM_TRAP_NONE;
}

/* i32 division and remainder 0x6D-0x70: traps on zero and on
 * INT_MIN / -1; INT_MIN % -1 is 0. */
static vm_trap op_div32(uint8_t op, uint64_t *sp)
{
    uint32_t a = u32v(sp[-1]), b = u32v(sp[0]);

    if (b == 0)
        return VM_TRAP_DIV_ZERO;
    switch (op) {
    case 0x6D:
        if (a == 0x80000000u && b == 0xFFFFFFFFu)
            return VM_TRAP_INT_OVERFLOW;
        sp[-1] = (uint32_t)((int32_t)a / (int32_t)b);
        break;
    case 0x6E: sp[-1] = a / b; break;
    case 0x6F:
        sp[-1] = b == 0xFFFFFFFFu ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
        break;
    default: sp[-1] = a % b; break;
    }
    return VM_TRAP_NONE;
}


/* Narrow and wide loads 0x2C-0x35 (the plain ones are inline). */
static uint64_t op_load_narrow(uint8_t op, const uint8_t *p)
{
    switch (op) {
    case 0x2C: return (uint32_t)(int32_t)(int8_t)p[0];
    case 0x2D: return p[0];
    case 0x2E: return (uint32_t)(int32_t)(int16_t)ld16(p);
    case 0x2F: return ld16(p);
    case 0x30: return (uint64_t)(int64_t)(int8_t)p[0];
    case 0x31: return p[0];
    case 0x32: return (uint64_t)(int64_t)(int16_t)ld16(p);
    case 0x33: return ld16(p);
    case 0x34: return (uint64_t)(int64_t)(int32_t)ld32(p);
    default: return ld32(p);
    }
}

static const uint8_t access_size[23] = {
    4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4,
    4, 8, 4, 8, 1, 2, 1, 2, 4
};

/* Narrow and wide stores 0x37-0x3E of v at p (little-endian host). */
static void op_store(uint8_t op, uint8_t *p, uint64_t v)
{
    uint32_t w = (uint32_t)v;
    uint16_t h = (uint16_t)v;

    switch (access_size[op - 0x28]) {
    case 1: *p = (uint8_t)v; break;
    case 2: memcpy(p, &h, 2); break;
    case 4: memcpy(p, &w, 4); break;
    default: memcpy(p, &v, 8); break;
    }
}

/* Type check of call_indirect: the callee's type against type ti of the
 * calling module, by structure. */
static vm_trap indirect_target(vm_instance *in, uint32_t ti, uint32_t x,
                               uint32_t i, vm_func **out)
{
    vm_table *t = in->tables[x];
    vm_func *f;

    if (i >= t->size)
        return VM_TRAP_TABLE_OOB;
    f = (vm_func *)(uintptr_t)t->elems[i];
    if (!f)
        return VM_TRAP_UNINIT_ELEMENT;
    if (!vm_functype_eq(f->type, &in->mod->types[ti]))
        return VM_TRAP_INDIRECT_TYPE;
    *out = f;
    return VM_TRAP_NONE;
}

/* Calls host function f with the arguments on top of the stack; results
 * replace them. A trap the host did not name is VM_TRAP_HOST. */
static vm_rc call_host(vm_instance *caller, vm_func *f, uint64_t **spp,
                       vm_error *err)
{
    uint64_t res[VM_MAX_HOST_RESULTS], *args = *spp - f->type->np;
    vm_rc rc = f->host(f->host_ctx, caller, args, res, err);

    if (rc == VM_ERR_TRAP && err->trap == VM_TRAP_NONE)
        err->trap = VM_TRAP_HOST;
    if (rc != VM_OK && rc != VM_SUSPENDED)
        return rc;
    memcpy(args, res, f->type->nr * sizeof *res);
    *spp = args + f->type->nr;
    return rc;
}

/* Fills err for trap t and returns VM_ERR_TRAP. */
static vm_rc trap(vm_error *err, vm_trap t)
{
    vm_trap_set(err, t);
    return VM_ERR_TRAP;
}

#endif
