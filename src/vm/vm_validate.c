/* Wasmbed WebAssembly engine: validation of function bodies and constant
 * expressions, and construction of the branch side table.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, sections 3.3
 * (instructions), 3.4.1-3.4.3 (functions, tables, memories) and the
 * validation algorithm of appendix A.3.
 *
 * One pass per body. The operand-type and control stacks live in arena
 * scratch released at the end; the only thing kept is one vm_branch per
 * branch instruction, in program order, so that the interpreter can take
 * a branch without scanning for its target.
 */
#include <string.h>
#include "vm_internal.h"

enum { K_BLOCK, K_LOOP, K_IF, K_ELSE, K_FUNC };

typedef struct ctrl {
    uint8_t kind, unreachable, one;
    uint32_t np, nr;
    const uint8_t *params, *results;
    uint32_t height;      /* type-stack height below the params */
    vm_branch *pending;   /* chain of forward branches to this label */
    vm_branch *if_entry;  /* side entry of the if, until its else */
    const uint8_t *loop_pc;
    uint32_t loop_stp;
} ctrl;

typedef struct val {
    vm_arena *a;
    vm_module *m;
    vm_error *err;
    vm_reader r;
    const uint8_t *op;    /* the instruction being checked */
    uint8_t *ts;
    uint32_t nts, cap_ts;
    ctrl *cs;
    uint32_t ncs, cap_cs;
    vm_branch *side;
    uint32_t nside;
    uint32_t base;        /* parameters + locals */
    uint32_t max;
    const vm_functype *ft;
    uint32_t nruns, *run_end;
    uint8_t *run_type;
} val;

int vm_is_numtype(uint8_t t)
{
    return t == VM_I32 || t == VM_I64 || t == VM_F32 || t == VM_F64;
}

int vm_is_reftype(uint8_t t)
{
    return t == VM_FUNCREF || t == VM_EXTERNREF;
}

int vm_is_valtype(uint8_t t)
{
    return vm_is_numtype(t) || vm_is_reftype(t);
}

static vm_rc fail(val *v, vm_rc rc, const char *rule)
{
    uint32_t off = (uint32_t)(v->op - v->m->bytes);

    vm_errorf(v->err, rc, VM_TRAP_NONE, "code section, offset %x: %s",
              off, rule);
    v->err->offset = off;
    return rc;
}

static vm_rc invalid(val *v, const char *rule)
{
    return fail(v, VM_ERR_INVALID, rule);
}

static vm_rc malformed(val *v, const char *rule)
{
    return fail(v, VM_ERR_MALFORMED, rule);
}

static vm_rc imm_u32(val *v, uint32_t *x)
{
    return vm_read_u32(&v->r, x) ? VM_OK
        : malformed(v, v->r.p >= v->r.end ? "unexpected end"
                                          : "integer representation too "
                                            "long");
}

static vm_rc imm_u8(val *v, uint8_t *x)
{
    return vm_read_u8(&v->r, x) ? VM_OK : malformed(v, "unexpected end");
}

/* Grows a scratch array to twice its capacity. */
static void *grow(val *v, void *old, uint32_t *cap, size_t sz,
                  uint32_t used, const char *what)
{
    uint32_t ncap = *cap * 2 + 16;
    void *p = vm_arena_scratch(v->a, (size_t)ncap * sz, what, v->err);

    if (p && used)
        memcpy(p, old, (size_t)used * sz);
    *cap = ncap;
    return p;
}

static vm_rc push(val *v, uint8_t t)
{
    if (v->nts == v->cap_ts &&
        !(v->ts = grow(v, v->ts, &v->cap_ts, 1, v->nts, "operand types")))
        return VM_ERR_NOMEM;
    v->ts[v->nts++] = t;
    if (v->nts > v->max)
        v->max = v->nts;
    return VM_OK;
}

/* Pops a value of type want (VM_UNKNOWN: any) into *got. */
static vm_rc pop(val *v, uint8_t want, uint8_t *got)
{
    ctrl *c = &v->cs[v->ncs - 1];
    uint8_t t;

    if (v->nts == c->height) {
        if (!c->unreachable)
            return invalid(v, "type mismatch (operand stack empty)");
        t = VM_UNKNOWN;
    } else {
        t = v->ts[--v->nts];
    }
    if (t != want && t != VM_UNKNOWN && want != VM_UNKNOWN)
        return invalid(v, "type mismatch");
    if (got)
        *got = t == VM_UNKNOWN ? want : t;
    return VM_OK;
}

static vm_rc pop_n(val *v, const uint8_t *t, uint32_t n)
{
    vm_rc rc = VM_OK;

    while (n > 0 && rc == VM_OK)
        rc = pop(v, t[--n], NULL);
    return rc;
}

static vm_rc push_n(val *v, const uint8_t *t, uint32_t n)
{
    uint32_t i;
    vm_rc rc = VM_OK;

    for (i = 0; i < n && rc == VM_OK; i++)
        rc = push(v, t[i]);
    return rc;
}

static vm_rc pop1(val *v, uint8_t want)
{
    return pop(v, want, NULL);
}

static void set_unreachable(val *v)
{
    ctrl *c = &v->cs[v->ncs - 1];

    v->nts = c->height;
    c->unreachable = 1;
}

/* Appends a zeroed side-table entry; entries are contiguous in the arena
 * because nothing else is allocated from its bottom meanwhile. */
static vm_branch *new_entry(val *v)
{
    vm_branch *e = vm_arena_alloc(v->a, sizeof *e, "branch side table",
                                  v->err);

    if (e && v->nside == 0)
        v->side = e;
    if (e)
        v->nside++;
    return e;
}

/* Label types: a loop's parameters, anything else's results. */
static uint32_t label_arity(const ctrl *c, const uint8_t **types)
{
    if (c->kind == K_LOOP) {
        *types = c->params;
        return c->np;
    }
    *types = c->results;
    return c->nr;
}

/* Records a branch to the label at depth l. */
static vm_rc branch_entry(val *v, uint32_t l)
{
    ctrl *c = &v->cs[v->ncs - 1 - l];
    const uint8_t *t;
    vm_branch *e = new_entry(v);

    if (!e)
        return VM_ERR_NOMEM;
    e->height = v->base + c->height;
    e->arity = label_arity(c, &t);
    if (c->kind == K_LOOP) {
        e->arity |= VM_BRANCH_LOOP;
        e->pc = c->loop_pc;
        e->at = v->side + c->loop_stp;
    } else {
        e->at = c->pending;
        c->pending = e;
    }
    return VM_OK;
}

/* Points every branch waiting in chain head at pc, and at the side-table
 * entries from here on. */
static void patch_chain(val *v, vm_branch *head, const uint8_t *pc)
{
    while (head) {
        vm_branch *next = (vm_branch *)head->at;

        head->pc = pc;
        head->at = v->side + v->nside;
        head = next;
    }
}

static vm_rc label(val *v, uint32_t *l)
{
    vm_rc rc = imm_u32(v, l);

    if (rc == VM_OK && *l >= v->ncs)
        rc = invalid(v, "unknown label");
    return rc;
}

static vm_rc push_ctrl(val *v, uint8_t kind, uint32_t np,
                       const uint8_t *params, uint32_t nr,
                       const uint8_t *results, uint8_t one)
{
    ctrl *c;

    if (v->ncs == v->cap_cs &&
        !(v->cs = grow(v, v->cs, &v->cap_cs, sizeof *v->cs, v->ncs,
                       "control stack")))
        return VM_ERR_NOMEM;
    c = &v->cs[v->ncs++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->one = one;
    c->np = np;
    c->params = params;
    c->nr = nr;
    c->results = nr == 1 && one ? &c->one : results;
    c->height = v->nts;
    c->loop_pc = v->r.p;              /* a loop's body, past its type */
    c->loop_stp = v->nside;
    return push_n(v, params, np);
}

/* Reads a block type and opens the block: params are popped and pushed
 * back above the new frame's height. */
static vm_rc block(val *v, uint8_t kind)
{
    int64_t x;
    uint8_t b;
    const vm_functype *ft;
    vm_rc rc;

    if (v->r.p >= v->r.end)
        return malformed(v, "unexpected end");
    b = *v->r.p;
    if (b == 0x40) {
        v->r.p++;
        return push_ctrl(v, kind, 0, NULL, 0, NULL, 0);
    }
    if (vm_is_valtype(b)) {
        v->r.p++;
        return push_ctrl(v, kind, 0, NULL, 1, NULL, b);
    }
    if (!vm_read_s33(&v->r, &x))
        return malformed(v, "integer representation too long");
    if (x < 0 || (uint64_t)x >= v->m->ntypes)
        return invalid(v, "unknown type");
    ft = &v->m->types[x];
    if ((rc = pop_n(v, ft->types, ft->np)) != VM_OK)
        return rc;
    return push_ctrl(v, kind, ft->np, ft->types, ft->nr,
                     ft->types + ft->np, 0);
}

static vm_rc op_if(val *v)
{
    vm_rc rc = pop1(v, VM_I32);
    vm_branch *e;

    if (rc != VM_OK)
        return rc;
    if (!(e = new_entry(v)))
        return VM_ERR_NOMEM;
    if ((rc = block(v, K_IF)) != VM_OK)
        return rc;
    v->cs[v->ncs - 1].if_entry = e;
    return VM_OK;
}

static vm_rc end_frame(val *v)
{
    ctrl *c = &v->cs[v->ncs - 1];
    vm_rc rc = pop_n(v, c->results, c->nr);

    if (rc == VM_OK && v->nts != c->height)
        rc = invalid(v, "type mismatch (values left at block end)");
    return rc;
}

static vm_rc op_else(val *v)
{
    ctrl *c = &v->cs[v->ncs - 1];
    vm_branch *e;
    vm_rc rc;

    if (c->kind != K_IF)
        return invalid(v, "else without matching if");
    if ((rc = end_frame(v)) != VM_OK)
        return rc;
    if ((rc = branch_entry(v, 0)) != VM_OK)
        return rc;
    c = &v->cs[v->ncs - 1];
    e = c->if_entry;
    e->pc = v->r.p;
    e->at = v->side + v->nside;
    c->if_entry = NULL;
    c->kind = K_ELSE;
    c->unreachable = 0;
    return push_n(v, c->params, c->np);
}

static vm_rc op_end(val *v, int *done)
{
    ctrl *c = &v->cs[v->ncs - 1];
    ctrl cc;
    vm_rc rc;

    if (c->kind == K_IF && (c->np != c->nr ||
        (c->np > 0 && memcmp(c->params, c->results, c->np) != 0)))
        return invalid(v, "type mismatch (if without else)");
    if ((rc = end_frame(v)) != VM_OK)
        return rc;
    cc = *c;
    if (cc.kind == K_FUNC) {
        patch_chain(v, cc.pending, v->op);
        *done = 1;
        v->ncs--;
        return VM_OK;
    }
    patch_chain(v, cc.pending, v->r.p);
    if (cc.if_entry) {
        cc.if_entry->pc = v->r.p;
        cc.if_entry->at = v->side + v->nside;
    }
    v->ncs--;
    return push_n(v, cc.results, cc.nr);
}

static vm_rc op_br(val *v, int cond)
{
    uint32_t l, n;
    const uint8_t *t;
    vm_rc rc = label(v, &l);

    if (rc != VM_OK)
        return rc;
    if (cond && (rc = pop1(v, VM_I32)) != VM_OK)
        return rc;
    if ((rc = branch_entry(v, l)) != VM_OK)
        return rc;
    n = label_arity(&v->cs[v->ncs - 1 - l], &t);
    if ((rc = pop_n(v, t, n)) != VM_OK)
        return rc;
    if (cond)
        return push_n(v, t, n);
    set_unreachable(v);
    return VM_OK;
}

static vm_rc op_br_table(val *v)
{
    uint32_t n, i, l, arity, k;
    const uint8_t *t;
    vm_rc rc = imm_u32(v, &n);

    if (rc == VM_OK && n > (uint32_t)(v->r.end - v->r.p))
        return malformed(v, "unexpected end (br_table)");
    if (rc != VM_OK || (rc = pop1(v, VM_I32)) != VM_OK)
        return rc;
    arity = UINT32_MAX;
    for (i = 0; i <= n; i++) {
        if ((rc = label(v, &l)) != VM_OK ||
            (rc = branch_entry(v, l)) != VM_OK)
            return rc;
        k = label_arity(&v->cs[v->ncs - 1 - l], &t);
        if (arity != UINT32_MAX && k != arity)
            return invalid(v, "type mismatch (br_table arities differ)");
        arity = k;
        if ((rc = pop_n(v, t, k)) != VM_OK)
            return rc;
        if (i < n && (rc = push_n(v, t, k)) != VM_OK)
            return rc;
    }
    set_unreachable(v);
    return VM_OK;
}

static vm_rc call_type(val *v, const vm_functype *ft)
{
    vm_rc rc = pop_n(v, ft->types, ft->np);

    return rc == VM_OK ? push_n(v, ft->types + ft->np, ft->nr) : rc;
}

static vm_rc op_call(val *v)
{
    uint32_t f;
    vm_rc rc = imm_u32(v, &f);

    if (rc != VM_OK)
        return rc;
    if (f >= v->m->nfuncs)
        return invalid(v, "unknown function");
    return call_type(v, &v->m->types[v->m->functype[f]]);
}

static vm_rc table_idx(val *v, uint32_t *x)
{
    vm_rc rc = imm_u32(v, x);

    if (rc == VM_OK && *x >= v->m->ntables)
        rc = invalid(v, "unknown table");
    return rc;
}

static vm_rc op_call_indirect(val *v)
{
    uint32_t ti, x;
    vm_rc rc = imm_u32(v, &ti);

    if (rc != VM_OK || (rc = table_idx(v, &x)) != VM_OK)
        return rc;
    if (ti >= v->m->ntypes)
        return invalid(v, "unknown type");
    if (v->m->tables[x].type != VM_FUNCREF)
        return invalid(v, "type mismatch (call_indirect needs funcref)");
    if ((rc = pop1(v, VM_I32)) != VM_OK)
        return rc;
    return call_type(v, &v->m->types[ti]);
}

static vm_rc op_return(val *v)
{
    vm_rc rc = pop_n(v, v->ft->types + v->ft->np, v->ft->nr);

    if (rc == VM_OK)
        set_unreachable(v);
    return rc;
}

static vm_rc op_select(val *v, int typed)
{
    uint8_t a, b, t = VM_UNKNOWN;
    uint32_t n;
    vm_rc rc = VM_OK;

    if (typed) {
        if ((rc = imm_u32(v, &n)) != VM_OK)
            return rc;
        if (n != 1)
            return invalid(v, "invalid result arity (select)");
        if ((rc = imm_u8(v, &t)) != VM_OK)
            return rc;
        if (!vm_is_valtype(t))
            return malformed(v, "malformed value type");
    }
    if ((rc = pop1(v, VM_I32)) != VM_OK ||
        (rc = pop(v, t, &a)) != VM_OK || (rc = pop(v, t, &b)) != VM_OK)
        return rc;
    if (!typed) {
        if ((a != VM_UNKNOWN && !vm_is_numtype(a)) ||
            (b != VM_UNKNOWN && !vm_is_numtype(b)))
            return invalid(v, "type mismatch (untyped select needs "
                              "numbers)");
        if (a != b && a != VM_UNKNOWN && b != VM_UNKNOWN)
            return invalid(v, "type mismatch");
        t = a == VM_UNKNOWN ? b : a;
    }
    return push(v, t);
}

static uint8_t local_type(const val *v, uint32_t x)
{
    uint32_t i;

    if (x < v->ft->np)
        return v->ft->types[x];
    x -= v->ft->np;
    for (i = 0; i < v->nruns; i++)
        if (x < v->run_end[i])
            return v->run_type[i];
    return VM_UNKNOWN;
}

static vm_rc op_local(val *v, uint8_t op)
{
    uint32_t x;
    uint8_t t;
    vm_rc rc = imm_u32(v, &x);

    if (rc != VM_OK)
        return rc;
    if (x >= v->base)
        return invalid(v, "unknown local");
    t = local_type(v, x);
    if (op == 0x20)
        return push(v, t);
    if ((rc = pop1(v, t)) != VM_OK)
        return rc;
    return op == 0x22 ? push(v, t) : VM_OK;
}

static vm_rc op_global(val *v, uint8_t op)
{
    uint32_t x;
    vm_rc rc = imm_u32(v, &x);

    if (rc != VM_OK)
        return rc;
    if (x >= v->m->nglobals)
        return invalid(v, "unknown global");
    if (op == 0x23)
        return push(v, v->m->globals[x].type);
    if (!v->m->globals[x].mut)
        return invalid(v, "global is immutable");
    return pop1(v, v->m->globals[x].type);
}

static vm_rc need_memory(val *v)
{
    return v->m->nmems == 0 ? invalid(v, "unknown memory 0") : VM_OK;
}

static const uint8_t load_type[] = {
    VM_I32, VM_I64, VM_F32, VM_F64, VM_I32, VM_I32, VM_I32, VM_I32,
    VM_I64, VM_I64, VM_I64, VM_I64, VM_I64, VM_I64,
    VM_I32, VM_I64, VM_F32, VM_F64, VM_I32, VM_I32, VM_I64, VM_I64, VM_I64
};
static const uint8_t load_align[] = {
    2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2,
    2, 3, 2, 3, 0, 1, 0, 1, 2
};

/* Loads 0x28-0x35 and stores 0x36-0x3E. */
static vm_rc op_mem(val *v, uint8_t op)
{
    uint32_t align, off, i = op - 0x28u;
    uint8_t t = load_type[i];
    vm_rc rc;

    if ((rc = imm_u32(v, &align)) != VM_OK ||
        (rc = imm_u32(v, &off)) != VM_OK || (rc = need_memory(v)) != VM_OK)
        return rc;
    if (align > load_align[i])
        return invalid(v, "alignment must not be larger than natural");
    if (op >= 0x36) {
        if ((rc = pop1(v, t)) != VM_OK)
            return rc;
        return pop1(v, VM_I32);
    }
    if ((rc = pop1(v, VM_I32)) != VM_OK)
        return rc;
    return push(v, t);
}

static vm_rc zero_byte(val *v)
{
    uint8_t b;
    vm_rc rc = imm_u8(v, &b);

    if (rc == VM_OK && b != 0)
        rc = malformed(v, "zero byte expected");
    return rc;
}

static vm_rc op_memsize(val *v, uint8_t op)
{
    vm_rc rc = zero_byte(v);

    if (rc == VM_OK)
        rc = need_memory(v);
    if (rc == VM_OK && op == 0x40)
        rc = pop1(v, VM_I32);
    return rc == VM_OK ? push(v, VM_I32) : rc;
}

/* Operand and result types of the plain numeric opcodes 0x45-0xC4. */
static void num_sig(uint8_t op, uint8_t *a, uint8_t *b, uint8_t *r)
{
    static const uint8_t conv[25][2] = {
        {VM_I64, VM_I32}, {VM_F32, VM_I32}, {VM_F32, VM_I32},
        {VM_F64, VM_I32}, {VM_F64, VM_I32}, {VM_I32, VM_I64},
        {VM_I32, VM_I64}, {VM_F32, VM_I64}, {VM_F32, VM_I64},
        {VM_F64, VM_I64}, {VM_F64, VM_I64}, {VM_I32, VM_F32},
        {VM_I32, VM_F32}, {VM_I64, VM_F32}, {VM_I64, VM_F32},
        {VM_F64, VM_F32}, {VM_I32, VM_F64}, {VM_I32, VM_F64},
        {VM_I64, VM_F64}, {VM_I64, VM_F64}, {VM_F32, VM_F64},
        {VM_F32, VM_I32}, {VM_F64, VM_I64}, {VM_I32, VM_F32},
        {VM_I64, VM_F64}
    };

    *b = 0;
    if (op == 0x45) { *a = VM_I32; *r = VM_I32; }
    else if (op <= 0x4F) { *a = *b = VM_I32; *r = VM_I32; }
    else if (op == 0x50) { *a = VM_I64; *r = VM_I32; }
    else if (op <= 0x5A) { *a = *b = VM_I64; *r = VM_I32; }
    else if (op <= 0x60) { *a = *b = VM_F32; *r = VM_I32; }
    else if (op <= 0x66) { *a = *b = VM_F64; *r = VM_I32; }
    else if (op <= 0x69) { *a = *r = VM_I32; }
    else if (op <= 0x78) { *a = *b = *r = VM_I32; }
    else if (op <= 0x7B) { *a = *r = VM_I64; }
    else if (op <= 0x8A) { *a = *b = *r = VM_I64; }
    else if (op <= 0x91) { *a = *r = VM_F32; }
    else if (op <= 0x98) { *a = *b = *r = VM_F32; }
    else if (op <= 0x9F) { *a = *r = VM_F64; }
    else if (op <= 0xA6) { *a = *b = *r = VM_F64; }
    else if (op <= 0xBF) { *a = conv[op - 0xA7][0]; *r = conv[op - 0xA7][1]; }
    else if (op <= 0xC1) { *a = *r = VM_I32; }
    else { *a = *r = VM_I64; }
}

static vm_rc op_num(val *v, uint8_t op)
{
    uint8_t a, b, r;
    vm_rc rc;

    num_sig(op, &a, &b, &r);
    if (b && (rc = pop1(v, b)) != VM_OK)
        return rc;
    if ((rc = pop1(v, a)) != VM_OK)
        return rc;
    return push(v, r);
}

static vm_rc op_const(val *v, uint8_t op)
{
    int32_t i32;
    int64_t i64;

    if (op == 0x41 && !vm_read_s32(&v->r, &i32))
        return malformed(v, "integer representation too long");
    if (op == 0x42 && !vm_read_s64(&v->r, &i64))
        return malformed(v, "integer representation too long");
    if (op >= 0x43) {
        size_t n = op == 0x43 ? 4 : 8;

        if ((size_t)(v->r.end - v->r.p) < n)
            return malformed(v, "unexpected end");
        v->r.p += n;
    }
    return push(v, op == 0x41 ? VM_I32 : op == 0x42 ? VM_I64
                   : op == 0x43 ? VM_F32 : VM_F64);
}

static vm_rc op_ref(val *v, uint8_t op)
{
    uint8_t t;
    uint32_t x;
    vm_rc rc;

    if (op == 0xD0) {
        if ((rc = imm_u8(v, &t)) != VM_OK)
            return rc;
        if (!vm_is_reftype(t))
            return malformed(v, "malformed reference type");
        return push(v, t);
    }
    if (op == 0xD1) {
        if ((rc = pop(v, VM_UNKNOWN, &t)) != VM_OK)
            return rc;
        if (t != VM_UNKNOWN && !vm_is_reftype(t))
            return invalid(v, "type mismatch (ref.is_null needs a "
                              "reference)");
        return push(v, VM_I32);
    }
    if ((rc = imm_u32(v, &x)) != VM_OK)
        return rc;
    if (x >= v->m->nfuncs)
        return invalid(v, "unknown function");
    if (!(v->m->declared[x / 8] & (1u << (x % 8))))
        return invalid(v, "undeclared function reference");
    return push(v, VM_FUNCREF);
}

static vm_rc op_table(val *v, uint8_t op)
{
    uint32_t x;
    uint8_t t;
    vm_rc rc = table_idx(v, &x);

    if (rc != VM_OK)
        return rc;
    t = v->m->tables[x].type;
    if (op == 0x25) {
        if ((rc = pop1(v, VM_I32)) != VM_OK)
            return rc;
        return push(v, t);
    }
    if ((rc = pop1(v, t)) != VM_OK)
        return rc;
    return pop1(v, VM_I32);
}

static vm_rc pop3_i32(val *v)
{
    vm_rc rc = pop1(v, VM_I32);

    if (rc == VM_OK)
        rc = pop1(v, VM_I32);
    return rc == VM_OK ? pop1(v, VM_I32) : rc;
}

static vm_rc data_idx(val *v)
{
    uint32_t x;
    vm_rc rc = imm_u32(v, &x);

    if (rc != VM_OK)
        return rc;
    if (!v->m->has_datacount)
        return malformed(v, "data count section required");
    return x >= v->m->ndatacount ? invalid(v, "unknown data segment")
                                 : VM_OK;
}

static vm_rc elem_idx(val *v, uint32_t *x)
{
    vm_rc rc = imm_u32(v, x);

    if (rc == VM_OK && *x >= v->m->nelems)
        rc = invalid(v, "unknown elem segment");
    return rc;
}

static vm_rc op_fc_table(val *v, uint32_t sub)
{
    uint32_t x, y;
    uint8_t t;
    vm_rc rc;

    if (sub == 12 || sub == 13) {
        if ((rc = elem_idx(v, &y)) != VM_OK || sub == 13)
            return rc;
        if ((rc = table_idx(v, &x)) != VM_OK)
            return rc;
        if (v->m->elems[y].type != v->m->tables[x].type)
            return invalid(v, "type mismatch (table.init)");
        return pop3_i32(v);
    }
    if ((rc = table_idx(v, &x)) != VM_OK)
        return rc;
    t = v->m->tables[x].type;
    switch (sub) {
    case 14:
        if ((rc = table_idx(v, &y)) != VM_OK)
            return rc;
        if (v->m->tables[y].type != t)
            return invalid(v, "type mismatch (table.copy)");
        return pop3_i32(v);
    case 15:
        if ((rc = pop1(v, VM_I32)) != VM_OK || (rc = pop1(v, t)) != VM_OK)
            return rc;
        return push(v, VM_I32);
    case 16:
        return push(v, VM_I32);
    default:
        if ((rc = pop1(v, VM_I32)) != VM_OK || (rc = pop1(v, t)) != VM_OK)
            return rc;
        return pop1(v, VM_I32);
    }
}

/* The 0xFC prefix: saturating truncation, bulk memory, tables. */
static vm_rc op_fc(val *v)
{
    static const uint8_t sat[8] = {0xA8, 0xA9, 0xAA, 0xAB,
                                   0xAE, 0xAF, 0xB0, 0xB1};
    uint32_t sub;
    vm_rc rc = imm_u32(v, &sub);

    if (rc != VM_OK)
        return rc;
    if (sub < 8)
        return op_num(v, sat[sub]);
    switch (sub) {
    case 8:
        if ((rc = data_idx(v)) != VM_OK || (rc = zero_byte(v)) != VM_OK ||
            (rc = need_memory(v)) != VM_OK)
            return rc;
        return pop3_i32(v);
    case 9:
        return data_idx(v);
    case 10:
        if ((rc = zero_byte(v)) != VM_OK || (rc = zero_byte(v)) != VM_OK)
            return rc;
        return need_memory(v) == VM_OK ? pop3_i32(v) : VM_ERR_INVALID;
    case 11:
        if ((rc = zero_byte(v)) != VM_OK || (rc = need_memory(v)) != VM_OK)
            return rc;
        return pop3_i32(v);
    default:
        if (sub > 17)
            return malformed(v, "illegal opcode");
        return op_fc_table(v, sub);
    }
}

/* Checks one instruction at v->r.p. */
static vm_rc step(val *v, int *done)
{
    uint8_t op = *v->r.p++;

    switch (op) {
    case 0x00: set_unreachable(v); return VM_OK;
    case 0x01: return VM_OK;
    case 0x02: return block(v, K_BLOCK);
    case 0x03: return block(v, K_LOOP);
    case 0x04: return op_if(v);
    case 0x05: return op_else(v);
    case 0x0B: return op_end(v, done);
    case 0x0C: return op_br(v, 0);
    case 0x0D: return op_br(v, 1);
    case 0x0E: return op_br_table(v);
    case 0x0F: return op_return(v);
    case 0x10: return op_call(v);
    case 0x11: return op_call_indirect(v);
    case 0x1A: return pop1(v, VM_UNKNOWN);
    case 0x1B: return op_select(v, 0);
    case 0x1C: return op_select(v, 1);
    case 0x20: case 0x21: case 0x22: return op_local(v, op);
    case 0x23: case 0x24: return op_global(v, op);
    case 0x25: case 0x26: return op_table(v, op);
    case 0x3F: case 0x40: return op_memsize(v, op);
    case 0x41: case 0x42: case 0x43: case 0x44: return op_const(v, op);
    case 0xD0: case 0xD1: case 0xD2: return op_ref(v, op);
    case 0xFC: return op_fc(v);
    default:
        if (op >= 0x28 && op <= 0x3E)
            return op_mem(v, op);
        if (op >= 0x45 && op <= 0xC4)
            return op_num(v, op);
        return malformed(v, "illegal opcode");
    }
}

/* Local declarations: (count, type) runs kept as cumulative ends. */
static vm_rc locals(val *v, uint32_t nlocals)
{
    uint32_t n, i, cnt, sum = 0;
    uint8_t t;

    if (!vm_read_u32(&v->r, &n))
        return malformed(v, "unexpected end");
    v->run_end = vm_arena_scratch(v->a, (size_t)n * 4 + 4, "local types",
                                  v->err);
    v->run_type = vm_arena_scratch(v->a, (size_t)n + 1, "local types",
                                   v->err);
    if (!v->run_end || !v->run_type)
        return VM_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        if (!vm_read_u32(&v->r, &cnt) || !vm_read_u8(&v->r, &t))
            return malformed(v, "unexpected end");
        sum += cnt;
        v->run_end[i] = sum;
        v->run_type[i] = t;
    }
    v->nruns = n;
    v->base = v->ft->np + nlocals;
    return VM_OK;
}

vm_rc vm_validate_func(vm_arena *a, vm_module *m, uint32_t idx,
                       const uint8_t *p, const uint8_t *end,
                       vm_error *err)
{
    vm_funcdef *f = &m->funcs[idx - m->nfunc_imports];
    size_t mark = a->hi;
    val v;
    int done = 0;
    vm_rc rc;

    memset(&v, 0, sizeof v);
    v.a = a;
    v.m = m;
    v.err = err;
    v.r.p = p;
    v.r.end = end;
    v.r.base = m->bytes;
    v.op = p;
    v.ft = &m->types[m->functype[idx]];
    rc = locals(&v, f->nlocals);
    f->body = v.r.p;
    v.op = v.r.p;
    if (rc == VM_OK)
        rc = push_ctrl(&v, K_FUNC, 0, NULL, v.ft->nr,
                       v.ft->types + v.ft->np, 0);
    while (rc == VM_OK && !done) {
        if (v.r.p >= v.r.end) {
            rc = malformed(&v, "unexpected end of function body");
            break;
        }
        v.op = v.r.p;
        rc = step(&v, &done);
    }
    if (rc == VM_OK && v.r.p != end)
        rc = malformed(&v, "section size mismatch (code after the "
                           "function's end)");
    f->end = v.op;
    f->side = v.side;
    f->max_height = v.max;
    vm_arena_scratch_reset(a, mark);
    return rc;
}

/* A constant expression: one instruction of type t, then end. */
vm_rc vm_validate_const(vm_module *m, const uint8_t **pp, const uint8_t *end,
                        uint8_t t, uint32_t nglobals, vm_error *err)
{
    val v;
    uint8_t op, got = 0;
    uint32_t x;
    vm_rc rc = VM_OK;

    memset(&v, 0, sizeof v);
    v.m = m;
    v.err = err;
    v.r.p = *pp;
    v.r.end = end;
    v.op = *pp;
    if ((rc = imm_u8(&v, &op)) != VM_OK)
        return rc;
    switch (op) {
    case 0x41: case 0x42: case 0x43: case 0x44:
        v.ts = &got;
        v.cap_ts = 1;
        rc = op_const(&v, op);
        break;
    case 0xD0:
        if ((rc = imm_u8(&v, &got)) == VM_OK && !vm_is_reftype(got))
            rc = malformed(&v, "malformed reference type");
        break;
    case 0xD2:
        if ((rc = imm_u32(&v, &x)) != VM_OK)
            break;
        if (x >= m->nfuncs)
            return invalid(&v, "unknown function");
        m->declared[x / 8] |= (uint8_t)(1u << (x % 8));
        got = VM_FUNCREF;
        break;
    case 0x23:
        if ((rc = imm_u32(&v, &x)) != VM_OK)
            break;
        if (x >= nglobals)
            return invalid(&v, "unknown global");
        if (m->globals[x].mut)
            return invalid(&v, "constant expression required");
        got = m->globals[x].type;
        break;
    default:
        return invalid(&v, "constant expression required");
    }
    if (rc != VM_OK)
        return rc;
    v.op = v.r.p;
    if ((rc = imm_u8(&v, &op)) != VM_OK)
        return rc;
    if (op != 0x0B)
        return invalid(&v, "constant expression required (or type "
                           "mismatch)");
    if (got != t)
        return invalid(&v, "type mismatch (constant expression)");
    *pp = v.r.p;
    return VM_OK;
}
