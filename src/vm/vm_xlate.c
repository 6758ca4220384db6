/* Wasmbed WebAssembly engine: translation of validated function bodies
 * into register code (vm_xcode.h), for embedders that give it the RAM.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, sections 2.4 and 3.3
 * (instructions, followed with an abstract operand stack as validation
 * does) into a form that keeps their semantics (section 4.4).
 *
 * The abstract stack holds, for each operand, the slot its value is in:
 * its own slot (base + depth), a local's slot after local.get, or a
 * constant's slot after i32.const. A value is copied to its own slot only
 * when it must be: before a block, a call or a branch that carries it,
 * or before a local.set overwrites the local it refers to. An instruction
 * whose result is stored straight away by local.set writes the local
 * instead, and an i32 comparison read by br_if or if becomes one
 * compare-and-branch. Frames: parameters, locals, constants, operands.
 */
#include <string.h>
#include "vm_internal.h"
#include "vm_xcode.h"

#define XK_MAX 256u           /* constants kept in a frame */

enum { C_BLOCK, C_LOOP, C_IF, C_DEAD };

/* One open block; fix chains forward branches through their offset
 * words (index + 1; 0 ends the chain). */
typedef struct xctl {
    uint8_t kind, dead;
    uint32_t height, np, nr, start, fix, else_fix;
} xctl;

typedef struct xs {
    vm_instance *in;
    const vm_module *m;
    uint64_t *code;
    size_t n, cap;
    uint32_t *stk, depth;
    xctl *ctl;
    uint32_t nctl;
    uint32_t base, kbase, nk;
    uint64_t k[XK_MAX];
    long last;                /* the last word, if it defines slot A */
    long prev;                /* the def just before it, if one word */
    long mov;                 /* the last word, if a MOV of local.set */
    long ldi;                 /* the last load, if nothing joined it */
    int entry;                /* no branch target yet: code runs once,
                                 in order, from the function's entry */
    uint64_t dirty;           /* locals 0-63 written since the entry */
    uint32_t np;
    int full;                 /* the code did not fit */
    uint64_t work, budget;    /* steps taken, and allowed: a function
                                 built to make them quadratic (deep
                                 stacks walked again and again) is left
                                 to run in place */
} xs;

/* The slot of the operand at depth d: its own slot. */
static uint32_t nat(const xs *x, uint32_t d)
{
    return x->base + d;
}

/* Appends w; returns its index. Past the end only counts. */
static size_t emit(xs *x, uint64_t w)
{
    if (x->n < x->cap)
        x->code[x->n] = w;
    else
        x->full = 1;
    x->last = x->prev = x->mov = -1;
    return x->n++;
}

/* Appends an instruction whose result, slot A, local.set may redirect. */
static void def(xs *x, uint64_t w)
{
    long before = x->last;
    size_t i = emit(x, w);

    x->prev = before >= 0 && (size_t)before + 1 == i ? before : -1;
    x->last = (long)i;
}

/* The operation of word i, or X_COUNT past the end. */
static unsigned op_at(const xs *x, long i)
{
    return i >= 0 && (size_t)i < x->cap && (size_t)i < x->n
               ? vm_xf(&x->code[i], 0) : X_COUNT;
}

/* A branch may land here: no instruction before joins one after. */
static void label(xs *x)
{
    x->last = x->prev = x->mov = x->ldi = -1;
    x->entry = 0;
}

/* Pushes an operand whose value is in slot. */
static void push(xs *x, uint32_t slot)
{
    x->stk[x->depth++] = slot;
}

/* Pops an operand; returns the slot its value is in. */
static uint32_t pop(xs *x)
{
    return x->stk[--x->depth];
}

/* Copies operand i into its own slot, if it is elsewhere. */
static void settle(xs *x, uint32_t i)
{
    if (x->stk[i] != nat(x, i)) {
        emit(x, vm_xw(X_MOV, nat(x, i), x->stk[i], 0));
        x->stk[i] = nat(x, i);
    }
}

/* Settles the operands from depth from to the top. */
static void settle_from(xs *x, uint32_t from)
{
    uint32_t i;

    x->work += x->depth - from;
    for (i = from; i < x->depth; i++)
        settle(x, i);
}

/* Word index of the offset word at i: links it into chain *head. */
static void link(xs *x, uint32_t *head, size_t i)
{
    if (i < x->cap)
        x->code[i] = (x->code[i] & ~(uint64_t)0xFFFFFFFFu) | *head;
    *head = (uint32_t)i + 1;
}

/* Points every offset word on chain head at the word index target. */
static void patch(xs *x, uint32_t head, size_t target)
{
    while (head != 0) {
        size_t i = head - 1;

        if (i >= x->cap)
            return;
        head = (uint32_t)x->code[i];
        x->code[i] = (x->code[i] & ~(uint64_t)0xFFFFFFFFu) |
                     (uint32_t)(int32_t)((long)target - (long)i);
    }
}

/* The offset word at i jumps to label c. */
static void to_label(xs *x, xctl *c, size_t i)
{
    if (c->kind == C_LOOP) {
        if (i < x->cap)
            x->code[i] |= (uint32_t)(int32_t)((long)c->start - (long)i);
    } else {
        link(x, &c->fix, i);
    }
}

/* Values a branch to c carries: a loop's parameters, else results. */
static uint32_t arity(const xctl *c)
{
    return c->kind == C_LOOP ? c->np : c->nr;
}

/* Whether the values a branch to c carries are in c's slots already. */
static int in_place(const xs *x, const xctl *c)
{
    uint32_t n = arity(c), i;

    for (i = 0; i < n; i++)
        if (x->stk[x->depth - n + i] != nat(x, c->height + i))
            return 0;
    return 1;
}

/* Copies the values a branch to c carries into c's slots; ascending
 * order is safe, each destination is below every later source. */
static void carry(xs *x, const xctl *c)
{
    uint32_t n = arity(c), i, s, d;

    x->work += n;
    for (i = 0; i < n; i++) {
        s = x->stk[x->depth - n + i];
        d = nat(x, c->height + i);
        if (s != d)
            emit(x, vm_xw(X_MOV, d, s, 0));
    }
}

/* The load-and-branch form of load xop, or 0. */
static unsigned load_branch(unsigned xop, int when_true)
{
    switch (xop) {
    case X_LD8U: return when_true ? X_LBIF8 : X_LBUN8;
    case X_LD32: return when_true ? X_LBIF32 : X_LBUN32;
    case X_LD8UX: return when_true ? X_LBIF8X : X_LBUN8X;
    case X_LD32X: return when_true ? X_LBIF32X : X_LBUN32X;
    default: return 0;
    }
}

/* Whether slot s is one the instruction at w writes (ADD32, ADD32D). */
static int writes(const uint64_t *w, uint32_t s)
{
    return vm_xf(w, 1) == s ||
           (vm_xf(w, 0) == X_ADD32D && (uint32_t)w[1] == s);
}

/* The code ends with a load into slot cond, then an i32.add (ADD32 or
 * ADD32D, as in while ((c = *p++))) that neither reads cond nor writes
 * what the load reads: swaps them, so that the load comes last and can
 * become a load-and-branch. A trap in the load after the add is the
 * same trap: the add only wrote frame slots. */
static int hoist_add(xs *x, uint32_t cond)
{
    long l = x->ldi;
    const uint64_t *ld, *ad;
    uint64_t save[2];
    size_t len;
    unsigned op;

    if (l < 0 || x->n > x->cap || (size_t)l + 3 > x->n)
        return 0;
    ld = &x->code[l];
    ad = &x->code[l + 2];
    len = vm_xf(ad, 0) == X_ADD32D ? 2 : 1;
    op = vm_xf(ld, 0);
    if ((size_t)l + 2 + len != x->n ||
        (vm_xf(ad, 0) != X_ADD32 && vm_xf(ad, 0) != X_ADD32D) ||
        load_branch(op, 1) == 0 || vm_xf(ld, 1) != cond ||
        vm_xf(ad, 2) == cond || vm_xf(ad, 3) == cond ||
        writes(ad, cond) || writes(ad, vm_xf(ld, 2)) ||
        ((op == X_LD8UX || op == X_LD32X) && writes(ad, vm_xf(ld, 3))))
        return 0;
    save[0] = x->code[l];
    save[1] = x->code[l + 1];
    memmove(&x->code[l], &x->code[l + 2], len * 8);
    x->code[l + len] = save[0];
    x->code[l + len + 1] = save[1];
    x->ldi = -1;
    return 1;
}

/* A conditional jump on slot cond (just popped), taken when it is
 * non-zero (when_true) or zero; an i32 comparison that computed cond as
 * the last instruction becomes the jump. Returns the offset word. */
static size_t cond_jump(xs *x, uint32_t cond, int when_true)
{
    const uint64_t *w;
    unsigned op;

    if (x->last >= 0 && (size_t)x->last == x->n - 1 && x->n <= x->cap &&
        cond == nat(x, x->depth)) {
        w = &x->code[x->last];
        op = vm_xf(w, 0);
        if (op <= X_EQZ && vm_xf(w, 1) == cond) {
            x->code[x->last] = vm_xw(op + (when_true ? X_BRIF_EQ :
                                                       X_BRUN_EQ),
                                     0, vm_xf(w, 2), vm_xf(w, 3));
            if (op_at(x, x->prev) == X_ADD32) {
                w = &x->code[x->prev];
                x->code[x->prev] = vm_xw(op + (when_true ? X_AIF_EQ :
                                                           X_AUN_EQ),
                                         vm_xf(w, 1), vm_xf(w, 2),
                                         vm_xf(w, 3));
            }
            return emit(x, 0);
        }
    }
    /* A load whose value is tested: the load writes it, so cond may
     * also be the local a local.tee put it in. */
    if (x->last >= 0 && (size_t)x->last + 2 == x->n && x->n <= x->cap &&
        vm_xf(w = &x->code[x->last], 1) == cond &&
        (op = load_branch(vm_xf(w, 0), when_true)) != 0) {
        x->code[x->last] = vm_xw(op, cond, vm_xf(w, 2), vm_xf(w, 3));
        return emit(x, 0);
    }
    if (hoist_add(x, cond) &&
        (op = load_branch(vm_xf(&x->code[x->n - 2], 0), when_true))) {
        w = &x->code[x->n - 2];
        x->code[x->n - 2] = vm_xw(op, cond, vm_xf(w, 2), vm_xf(w, 3));
        return emit(x, 0);
    }
    emit(x, vm_xw(when_true ? X_BR_IF : X_BR_UNLESS, cond, 0, 0));
    return emit(x, 0);
}

/* Local l = slot s: joins the i32.add that just wrote s (ADD32D) or
 * the MOV just before (MOV2), else a MOV. */
static void copy(xs *x, uint32_t l, uint32_t s)
{
    const uint64_t *w;
    long m = x->mov;

    if (op_at(x, x->last) == X_ADD32 && (size_t)x->last + 1 == x->n &&
        vm_xf(w = &x->code[x->last], 1) == s) {
        x->code[x->last] = vm_xw(X_ADD32D, s, vm_xf(w, 2), vm_xf(w, 3));
        emit(x, l);
    } else if (op_at(x, m) == X_MOV && (size_t)m + 1 == x->n) {
        w = &x->code[m];
        x->code[m] = vm_xw(X_MOV2, vm_xf(w, 1), vm_xf(w, 2), 0);
        emit(x, vm_xw(0, l, s, 0));
    } else {
        x->mov = (long)emit(x, vm_xw(X_MOV, l, s, 0));
    }
}

/* local.set / local.tee of slot l. */
static void set_local(xs *x, uint32_t l, int tee)
{
    uint32_t s = pop(x), i;
    int refs = 0, keep = -1;
    const uint64_t *w;

    /* Setting a declared local that is still zero from the frame's
     * set-up to zero (clang does it first thing): nothing to do. */
    if (x->entry && l >= x->np && l < 64 && !(x->dirty >> l & 1) &&
        s >= x->kbase && s < x->base && x->k[s - x->kbase] == 0) {
        if (tee)
            push(x, l);
        return;
    }
    if (l < 64)
        x->dirty |= (uint64_t)1 << l;
    x->work += x->depth;
    for (i = 0; i < x->depth; i++)
        refs |= x->stk[i] == l;
    if (!refs && s == nat(x, x->depth) && x->last >= 0 &&
        (size_t)x->last < x->cap &&
        vm_xf(w = &x->code[x->last], 1) == s) {
        x->code[x->last] = vm_xw(vm_xf(w, 0), l, vm_xf(w, 2), vm_xf(w, 3));
        if (tee)
            keep = x->last;   /* a local.set of l may still join it */
    } else {
        for (i = 0; i < x->depth; i++)
            if (x->stk[i] == l)
                settle(x, i);
        if (s != l)
            copy(x, l, s);
    }
    x->last = keep;
    if (tee)
        push(x, l);
}

/* Reads n little-endian bytes (a float constant's bits). */
static uint64_t bytes_at(const uint8_t **pp, unsigned n)
{
    uint64_t v = 0;

    memcpy(&v, *pp, n);
    *pp += n;
    return v;
}

/* Parameter and result counts of the block type at *pp. */
static void block_type(const xs *x, const uint8_t **pp, uint32_t *np,
                       uint32_t *nr)
{
    const uint8_t *p = *pp;

    if (*p == 0x40 || *p >= 0x6F) {
        *np = 0;
        *nr = *p != 0x40;
        *pp = p + 1;
        return;
    }
    p = *pp;
    {
        uint64_t t = vm_leb_s64(&p);

        *np = x->m->types[t].np;
        *nr = x->m->types[t].nr;
    }
    *pp = p;
}

/* The value of the constant instruction op whose immediate is at *pp. */
static uint64_t const_at(uint8_t op, const uint8_t **pp)
{
    switch (op) {
    case 0x41: return (uint32_t)vm_leb_s64(pp);
    case 0x42: return vm_leb_s64(pp);
    case 0x43: return bytes_at(pp, 4);
    default: return bytes_at(pp, 8);
    }
}

/* Operands taken and results left by the 0xFC operation sub. */
static void fc_effect(uint32_t sub, uint32_t *pops, uint32_t *pushes)
{
    static const uint8_t in[18] = {1, 1, 1, 1, 1, 1, 1, 1, 3, 0, 3, 3, 3,
                                   0, 3, 2, 0, 3};
    static const uint8_t out[18] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
                                    0, 0, 1, 1, 0};

    *pops = in[sub];
    *pushes = out[sub];
}

/* Moves *pp past the immediates of op (whose byte is already read). */
static void skip_imm(uint8_t op, const uint8_t **pp)
{
    uint32_t n, sub;

    switch (op) {
    case 0x02: case 0x03: case 0x04:
        if (**pp == 0x40 || **pp >= 0x6F)
            (*pp)++;
        else
            (void)vm_leb_s64(pp);
        break;
    case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22:
    case 0x23: case 0x24: case 0x25: case 0x26: case 0xD2:
        (void)vm_leb_u32(pp);
        break;
    case 0x0E:
        for (n = vm_leb_u32(pp) + 1; n > 0; n--)
            (void)vm_leb_u32(pp);
        break;
    case 0x11:
        (void)vm_leb_u32(pp);
        (void)vm_leb_u32(pp);
        break;
    case 0x1C:
        n = vm_leb_u32(pp);
        *pp += n;
        break;
    case 0x3F: case 0x40: case 0xD0:
        (*pp)++;
        break;
    case 0x41: case 0x42: case 0x43: case 0x44:
        (void)const_at(op, pp);
        break;
    case 0xFC:
        sub = vm_leb_u32(pp);
        if (sub == 8 || sub == 12 || sub == 14) {
            (void)vm_leb_u32(pp);
            if (sub == 8)
                (*pp)++;
            else
                (void)vm_leb_u32(pp);
        } else if (sub == 10) {
            *pp += 2;
        } else if (sub == 11) {
            (*pp)++;
        } else if (sub >= 9) {
            (void)vm_leb_u32(pp);
        }
        break;
    default:
        if (op >= 0x28 && op <= 0x3E) {
            (void)vm_leb_u32(pp);
            (void)vm_leb_u32(pp);
        }
        break;
    }
}

/* First pass: the function's first XK_MAX distinct constants and its
 * deepest block nesting. */
static uint32_t scan(xs *x, const vm_funcdef *d)
{
    const uint8_t *p = d->body;
    uint32_t nest = 1, most = 1, i;
    uint8_t op;
    uint64_t v;

    while (p <= d->end) {
        op = *p++;
        if (op >= 0x41 && op <= 0x44) {
            v = const_at(op, &p);
            for (i = 0; i < x->nk && x->k[i] != v; i++)
                ;
            if (i == x->nk && x->nk < XK_MAX)
                x->k[x->nk++] = v;
            continue;
        }
        if (op == 0x02 || op == 0x03 || op == 0x04)
            most = ++nest > most ? nest : most;
        else if (op == 0x0B)
            nest--;
        skip_imm(op, &p);
    }
    return most;
}

/* Pushes a constant: its frame slot, or a CONST into its own slot. */
static void constant(xs *x, uint64_t v)
{
    uint32_t i;

    for (i = 0; i < x->nk; i++)
        if (x->k[i] == v) {
            push(x, x->kbase + i);
            return;
        }
    emit(x, vm_xw(X_CONST, nat(x, x->depth), 0, 0));
    emit(x, v);
    push(x, nat(x, x->depth));
}

/* An operation through the interpreter's helpers: operands settled in
 * their own slots, results replace them. p: the instruction. */
static void generic(xs *x, const uint8_t *p, uint32_t pops,
                    uint32_t pushes)
{
    uint32_t i;

    settle_from(x, x->depth - pops);
    x->depth -= pops;
    emit(x, vm_xw(X_GENERIC, nat(x, x->depth), 0, 0));
    emit(x, (uint64_t)(uintptr_t)p);
    for (i = 0; i < pushes; i++)
        push(x, nat(x, x->depth));
}

/* Pairs of instructions that run as one: the first (of words words)
 * computes a value only the second reads, the second's other operand
 * goes in one more word. The fused form for a op fresh, and for fresh
 * op b (0: none, so floats keep their operand order). */
static const uint16_t pairs[][5] = {
    {X_FMUL64, 1, X_FADD64, X_FMA64, X_FMA64R},
    {X_ADD32, 1, X_ADD32, X_ADD3, X_ADD3},
    {X_ADD3, 2, X_ADD32, X_ADD4, X_ADD4},
    {X_ROTL32, 1, X_XOR32, X_RXOR, X_RXOR},
    {X_XOR32, 1, X_XOR32, X_XOR3, X_XOR3},
    {X_XOR32, 1, X_ADD32, X_XADD, X_XADD},
    {X_AND32, 1, X_ADD32, X_AADD, X_AADD},
    {X_LD32, 2, X_ADD32, X_LDADD32, X_LDADD32},
    {X_LD32X, 2, X_ADD32, X_LDADD32X, X_LDADD32X},
    {X_LD64, 2, X_FMUL64, X_LDFMUL64, 0},
    {X_LD64X, 2, X_FMUL64, X_LDFMUL64X, 0},
    {X_LDFMUL64, 3, X_FADD64, X_LDFMA64, X_LDFMA64R},
    {X_LDFMUL64X, 3, X_FADD64, X_LDFMA64X, X_LDFMA64XR},
};

/* Joins binary operation xop on a and b with the instruction just
 * before, if that computed one of them; 1 if it did. */
static int fuse_pair(xs *x, unsigned xop, uint32_t a, uint32_t b)
{
    unsigned first = op_at(x, x->last), fused = 0;
    const uint64_t *w;
    size_t k;
    uint32_t t;
    long i = x->last;

    for (k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
        if (pairs[k][0] == first && pairs[k][2] == xop &&
            (size_t)i + pairs[k][1] == x->n)
            break;
    if (k == sizeof pairs / sizeof pairs[0])
        return 0;
    t = vm_xf(w = &x->code[i], 1);
    if (t == b && t == nat(x, x->depth + 1))
        fused = pairs[k][3];
    else if (t == a && t == nat(x, x->depth) && b != t)
        fused = pairs[k][4];
    if (fused == 0)
        return 0;
    if (fused == X_RXOR && t == b && op_at(x, x->prev) == X_ROTL32 &&
        x->prev + 1 == i && vm_xf(&x->code[x->prev], 1) == a &&
        a == nat(x, x->depth)) {
        /* rotl ^ rotl, as in SHA-2's sigma functions */
        w = &x->code[x->prev];
        x->code[x->prev] = vm_xw(X_R2XOR, a, vm_xf(w, 2), vm_xf(w, 3));
        w = &x->code[i];
        x->code[i] = vm_xw(0, vm_xf(w, 2), vm_xf(w, 3), 0);
        x->last = x->prev;
        x->prev = -1;
        push(x, a);
        return 1;
    }
    x->code[i] = vm_xw(fused, nat(x, x->depth), vm_xf(w, 2), vm_xf(w, 3));
    emit(x, t == b ? a : b);
    x->last = i;              /* a def local.set may still redirect */
    push(x, nat(x, x->depth));
    return 1;
}

/* A two-operand instruction xop, joined with the one before if it
 * can be. */
static void binary(xs *x, unsigned xop)
{
    uint32_t b = pop(x), a = pop(x);

    if (fuse_pair(x, xop, a, b))
        return;
    def(x, vm_xw(xop, nat(x, x->depth), a, b));
    push(x, nat(x, x->depth));
}

/* A one-operand instruction xop. */
static void unary(xs *x, unsigned xop)
{
    uint32_t a = pop(x);

    def(x, vm_xw(xop, nat(x, x->depth), a, 0));
    push(x, nat(x, x->depth));
}

/* Whether the last instruction is an i32.add into slot a, the address
 * just popped, which a load or store can fold in. */
static int add_before(const xs *x, uint32_t a)
{
    return x->last >= 0 && (size_t)x->last == x->n - 1 &&
           x->n <= x->cap && a == nat(x, x->depth) &&
           vm_xf(&x->code[x->last], 0) == X_ADD32 &&
           vm_xf(&x->code[x->last], 1) == a;
}

/* The address-adding form of a plain load or store, or 0. */
static unsigned indexed(unsigned xop)
{
    switch (xop) {
    case X_LD32: return X_LD32X;
    case X_LD64: return X_LD64X;
    case X_LD8U: return X_LD8UX;
    case X_LD16U: return X_LD16UX;
    case X_ST8: return X_ST8X;
    case X_ST16: return X_ST16X;
    case X_ST32: return X_ST32X;
    case X_ST64: return X_ST64X;
    default: return 0;
    }
}

/* Emits load or store xop of slot v at address slot a, folding in the
 * i32.add that computed a if it came just before. */
static void access(xs *x, unsigned xop, uint32_t v, uint32_t a,
                   uint32_t c, uint32_t off)
{
    const uint64_t *w;

    if (indexed(xop) && add_before(x, a)) {
        w = &x->code[x->last];
        x->code[x->last] = vm_xw(indexed(xop), v, vm_xf(w, 2), vm_xf(w, 3));
        x->last = -1;
    } else if ((xop == X_LD32 || xop == X_LD8U) &&
               op_at(x, x->last) == X_ADD32 &&
               (size_t)x->last + 1 == x->n &&
               vm_xf(w = &x->code[x->last], 1) == a) {
        /* the add's result went to a local (local.tee): keep it */
        x->code[x->last] = vm_xw(xop == X_LD32 ? X_LD32XT : X_LD8UXT, v,
                                 vm_xf(w, 2), vm_xf(w, 3));
        emit(x, off);
        emit(x, a);
        return;
    } else {
        emit(x, vm_xw(xop, v, a, c));
    }
    emit(x, off);
}

/* Loads 0x28-0x35 and stores 0x36-0x3E. */
static void memop(xs *x, uint8_t op, const uint8_t **pp)
{
    static const uint8_t xop[23] = {
        X_LD32, X_LD64, X_LD32, X_LD64, X_LDN, X_LD8U, X_LDN, X_LD16U,
        X_LDN, X_LD8U, X_LDN, X_LD16U, X_LDN, X_LD32,
        X_ST32, X_ST64, X_ST32, X_ST64, X_ST8, X_ST16, X_ST8, X_ST16,
        X_ST32
    };
    uint32_t off, v, a;

    (void)vm_leb_u32(pp);
    off = vm_leb_u32(pp);
    if (op <= 0x35) {
        a = pop(x);
        access(x, xop[op - 0x28], nat(x, x->depth), a, op, off);
        x->last = x->ldi = (long)x->n - 2;
        push(x, nat(x, x->depth));
        return;
    }
    v = pop(x);
    a = pop(x);
    access(x, xop[op - 0x28], v, a, 0, off);
}

/* Numeric instructions 0x45-0xC4 and the reinterpretations. */
static void numeric(xs *x, uint8_t op, const uint8_t *at)
{
    if (op == 0x45)
        unary(x, X_EQZ);
    else if (op <= 0x4F)
        binary(x, X_EQ + (op - 0x46));
    else if (op == 0x50)
        unary(x, X_EQZ64);
    else if (op <= 0x5A)
        binary(x, X_EQ64 + (op - 0x51));
    else if (op <= 0x60)
        binary(x, X_FEQ32 + (op - 0x5B));
    else if (op <= 0x66)
        binary(x, X_FEQ64 + (op - 0x61));
    else if (op >= 0x6A && op <= 0x6C)
        binary(x, X_ADD32 + (op - 0x6A));
    else if (op >= 0x71 && op <= 0x78)
        binary(x, X_AND32 + (op - 0x71));
    else if (op >= 0x7C && op <= 0x7E)
        binary(x, X_ADD64 + (op - 0x7C));
    else if (op >= 0x83 && op <= 0x8A)
        binary(x, X_AND64 + (op - 0x83));
    else if (op >= 0x92 && op <= 0x95)
        binary(x, X_FADD32 + (op - 0x92));
    else if (op >= 0xA0 && op <= 0xA3)
        binary(x, X_FADD64 + (op - 0xA0));
    else if (op == 0xA7 || op == 0xAD)
        unary(x, X_WRAP);
    else if (op == 0xAC)
        unary(x, X_EXTS);
    else if (op >= 0xBC && op <= 0xBF)
        return;                 /* the same bits */
    else if ((op >= 0x6D && op <= 0x70) || (op >= 0x7F && op <= 0x82) ||
             (op >= 0x96 && op <= 0x98) || (op >= 0xA4 && op <= 0xA6))
        generic(x, at, 2, 1);
    else
        generic(x, at, 1, 1);
}

/* Opens a block, loop or if with np parameters and nr results; every
 * operand is settled first, so nothing below refers to a local. */
static void enter_block(xs *x, uint8_t kind, uint32_t np, uint32_t nr)
{
    xctl *c = &x->ctl[x->nctl++];

    settle_from(x, 0);
    c->kind = kind;
    c->dead = 0;
    c->height = x->depth - np;
    c->np = np;
    c->nr = nr;
    c->start = (uint32_t)x->n;
    c->fix = 0;
    c->else_fix = 0;
    if (kind == C_LOOP)
        label(x);
}

/* The results (or, at else, the fall-through) of the top block settled
 * in their slots; returns that block. */
static xctl *close_arm(xs *x)
{
    xctl *c = &x->ctl[x->nctl - 1];

    if (!c->dead)
        settle_from(x, c->height);
    return c;
}

/* The operands after a label of c: n values in their own slots. */
static void reset_stack(xs *x, const xctl *c, uint32_t n)
{
    uint32_t i;

    x->depth = c->height;
    x->work += n;
    for (i = 0; i < n; i++)
        push(x, nat(x, x->depth));
    label(x);
}

/* Returns the one result on top: the instruction that just computed it
 * writes it to slot 0, where results go, if it can. */
static void ret1(xs *x)
{
    uint32_t s = x->stk[x->depth - 1];
    const uint64_t *w;

    if (s == nat(x, x->depth - 1) && x->last >= 0 &&
        (size_t)x->last < x->cap && vm_xf(w = &x->code[x->last], 1) == s) {
        x->code[x->last] = vm_xw(vm_xf(w, 0), 0, vm_xf(w, 2), vm_xf(w, 3));
        s = 0;
    }
    emit(x, vm_xw(X_RET, s, 1, 0));
}

/* else: the then arm jumps to the end; the else arm starts with the
 * if's parameters. */
static void op_else(xs *x)
{
    xctl *c = close_arm(x);
    size_t i;

    if (c->kind == C_DEAD)
        return;
    if (!c->dead) {
        emit(x, vm_xw(X_BR, 0, 0, 0));
        i = emit(x, 0);
        link(x, &c->fix, i);
    }
    patch(x, c->else_fix, x->n);
    c->else_fix = 0;
    c->dead = 0;
    reset_stack(x, c, c->np);
}

/* end of a block; 1 at the end of the function. */
static int op_end(xs *x)
{
    xctl *c = &x->ctl[x->nctl - 1];
    uint32_t nr = c->nr;

    if (c->kind == C_DEAD) {
        x->nctl--;
        return 0;
    }
    if (x->nctl == 1 && c->fix == 0 && !c->dead && nr == 1) {
        ret1(x);
        x->nctl--;
        return 1;
    }
    close_arm(x);
    patch(x, c->else_fix, x->n);
    patch(x, c->fix, x->n);
    reset_stack(x, c, nr);
    x->nctl--;
    if (x->nctl > 0)
        return 0;
    emit(x, vm_xw(X_RET, nat(x, 0), nr, 0));
    return 1;
}

/* br l: carries the values and jumps; the rest of the block is dead. */
static void op_br(xs *x, uint32_t l)
{
    xctl *c = &x->ctl[x->nctl - 1 - l];

    carry(x, c);
    emit(x, vm_xw(X_BR, 0, 0, 0));
    to_label(x, c, emit(x, 0));
    x->ctl[x->nctl - 1].dead = 1;
}

/* br_if l: a conditional jump, around the copies if values move. */
static void op_br_if(xs *x, uint32_t l)
{
    xctl *c = &x->ctl[x->nctl - 1 - l];
    uint32_t cond = pop(x);
    uint32_t skip = 0;

    x->work += arity(c);
    if (in_place(x, c)) {
        to_label(x, c, cond_jump(x, cond, 1));
        return;
    }
    link(x, &skip, cond_jump(x, cond, 0));
    carry(x, c);
    emit(x, vm_xw(X_BR, 0, 0, 0));
    to_label(x, c, emit(x, 0));
    patch(x, skip, x->n);
}

/* br_table: the values settled once, one word per target. */
static void op_br_table(xs *x, const uint8_t **pp)
{
    uint32_t idx = pop(x), cnt = vm_leb_u32(pp), i, l, n;
    const uint8_t *p = *pp;
    xctl *c;
    size_t e;

    for (i = 0; i < cnt; i++)
        (void)vm_leb_u32(&p);
    l = vm_leb_u32(&p);
    n = arity(&x->ctl[x->nctl - 1 - l]);
    settle_from(x, x->depth - n);
    emit(x, vm_xw(X_BR_TABLE, idx, nat(x, x->depth - n), 0));
    emit(x, cnt);
    for (i = 0; i <= cnt; i++) {
        c = &x->ctl[x->nctl - 1 - vm_leb_u32(pp)];
        e = emit(x, VM_XE(0, nat(x, c->height), n));
        to_label(x, c, e);
    }
    x->ctl[x->nctl - 1].dead = 1;
}

/* return: the results to slot 0 on, then back to the caller. */
static void op_return(xs *x)
{
    uint32_t nr = x->ctl[0].nr;

    if (nr == 1) {
        ret1(x);
    } else {
        settle_from(x, x->depth - nr);
        emit(x, vm_xw(X_RET, nat(x, x->depth - nr), nr, 0));
    }
    x->ctl[x->nctl - 1].dead = 1;
}

/* A call of type t: the arguments settled where the callee's frame
 * starts, which is where its results come back. */
static void op_call(xs *x, const vm_functype *t, uint64_t w1,
                    unsigned xop, uint32_t idx)
{
    uint32_t i;

    settle_from(x, x->depth - t->np);
    x->depth -= t->np;
    emit(x, vm_xw(xop, nat(x, x->depth), idx, 0));
    emit(x, w1);
    for (i = 0; i < t->nr; i++)
        push(x, nat(x, x->depth));
}

/* select: A = cond ? a : b. */
static void op_select(xs *x)
{
    uint32_t c = pop(x), b = pop(x), a = pop(x);

    def(x, vm_xw(X_SELECT, nat(x, x->depth), a, b));
    emit(x, c);
    x->last = (long)x->n - 2;
    push(x, nat(x, x->depth));
}

/* Structured control, calls and variables: 0x00-0x24. */
static void control(xs *x, uint8_t op, const uint8_t **pp, int *done)
{
    uint32_t np, nr, a, b;
    vm_instance *in = x->in;

    switch (op) {
    case 0x00:
        emit(x, vm_xw(X_UNREACHABLE, 0, 0, 0));
        x->ctl[x->nctl - 1].dead = 1;
        break;
    case 0x01:
        break;
    case 0x02: case 0x03:
        block_type(x, pp, &np, &nr);
        enter_block(x, op == 0x02 ? C_BLOCK : C_LOOP, np, nr);
        break;
    case 0x04:
        block_type(x, pp, &np, &nr);
        a = pop(x);
        enter_block(x, C_IF, np, nr);
        link(x, &x->ctl[x->nctl - 1].else_fix, cond_jump(x, a, 0));
        break;
    case 0x05: op_else(x); break;
    case 0x0B: *done = op_end(x); break;
    case 0x0C: op_br(x, vm_leb_u32(pp)); break;
    case 0x0D: op_br_if(x, vm_leb_u32(pp)); break;
    case 0x0E: op_br_table(x, pp); break;
    case 0x0F: op_return(x); break;
    case 0x10:
        a = vm_leb_u32(pp);
        /* this instance's own functions: all translated, or none */
        op_call(x, in->funcs[a]->type, (uintptr_t)in->funcs[a],
                in->funcs[a]->inst == in ? X_CALLW : X_CALL, 0);
        break;
    case 0x11:
        a = vm_leb_u32(pp);
        b = vm_leb_u32(pp);
        np = pop(x);
        op_call(x, &x->m->types[a], a | (uint64_t)b << 32, X_CALL_IND,
                np);
        break;
    case 0x1A: (void)pop(x); break;
    case 0x1C: skip_imm(op, pp); op_select(x); break;
    case 0x1B: op_select(x); break;
    case 0x20: push(x, vm_leb_u32(pp)); break;
    case 0x21: set_local(x, vm_leb_u32(pp), 0); break;
    case 0x22: set_local(x, vm_leb_u32(pp), 1); break;
    case 0x23:
        def(x, vm_xw(X_GGET, nat(x, x->depth), 0, 0));
        emit(x, (uintptr_t)in->globals[vm_leb_u32(pp)]);
        x->last = (long)x->n - 2;
        push(x, nat(x, x->depth));
        break;
    default:
        a = pop(x);
        emit(x, vm_xw(X_GSET, a, 0, 0));
        emit(x, (uintptr_t)in->globals[vm_leb_u32(pp)]);
        break;
    }
}

/* Skips an instruction in unreachable code, keeping block nesting. */
static void dead_op(xs *x, uint8_t op, const uint8_t **pp, int *done)
{
    xctl *c;

    if (op == 0x02 || op == 0x03 || op == 0x04) {
        skip_imm(op, pp);
        c = &x->ctl[x->nctl++];
        memset(c, 0, sizeof *c);
        c->kind = C_DEAD;
        c->dead = 1;
    } else if (op == 0x05) {
        op_else(x);
    } else if (op == 0x0B) {
        *done = op_end(x);
    } else {
        skip_imm(op, pp);
    }
}

/* One instruction at *pp. */
static void step(xs *x, const uint8_t **pp, int *done)
{
    const uint8_t *at = *pp;
    uint8_t op = *(*pp)++;
    uint32_t pops, pushes, sub;
    const uint8_t *q;

    if (x->ctl[x->nctl - 1].dead) {
        dead_op(x, op, pp, done);
        return;
    }
    if (op <= 0x24) {
        control(x, op, pp, done);
    } else if (op >= 0x28 && op <= 0x3E) {
        memop(x, op, pp);
    } else if (op >= 0x41 && op <= 0x44) {
        constant(x, const_at(op, pp));
    } else if (op >= 0x45 && op <= 0xC4) {
        numeric(x, op, at);
    } else if (op == 0xFC) {
        q = *pp;
        sub = vm_leb_u32(&q);
        fc_effect(sub, &pops, &pushes);
        skip_imm(op, pp);
        generic(x, at, pops, pushes);
    } else {
        /* table.get/set, memory.size/grow, ref.null/is_null/func */
        skip_imm(op, pp);
        pops = op == 0x26 ? 2 : (op == 0x3F || op == 0xD0 ||
                                 op == 0xD2) ? 0 : 1;
        generic(x, at, pops, 1 - (op == 0x26));
    }
}

/* Translates defined function f into the arena's free space, under
 * limit bytes; VM_ERR_NOMEM if it does not fit. */
static vm_rc xlate_func(vm_arena *a, vm_instance *in, vm_func *f,
                        uint64_t *used, uint64_t limit, vm_error *err)
{
    const vm_funcdef *d = f->def;
    size_t mark = a->hi, room;
    uint32_t nest;
    const uint8_t *p = d->body;
    int done = 0;
    xs x;

    memset(&x, 0, sizeof x);
    x.in = in;
    x.m = in->mod;
    x.last = x.prev = x.mov = x.ldi = -1;
    x.entry = 1;
    x.np = f->type->np;
    nest = scan(&x, d);
    x.kbase = f->type->np + d->nlocals;
    x.base = x.kbase + x.nk;
    if ((uint64_t)x.base + d->max_height + 2 > VM_XSLOT_MAX) {
        vm_errorf(err, VM_ERR_NOMEM, VM_TRAP_NONE,
                  "function frame too large to translate");
        return VM_ERR_NOMEM;
    }
    x.stk = vm_arena_scratch(a, ((size_t)d->max_height + 1) * 4,
                             "translation stack", err);
    x.ctl = vm_arena_scratch(a, (size_t)nest * sizeof *x.ctl,
                             "translation blocks", err);
    f->xconst = vm_arena_alloc(a, (size_t)x.nk * 8 + 8, "constants", err);
    if (!x.stk || !x.ctl || !f->xconst) {
        vm_arena_scratch_reset(a, mark);
        return VM_ERR_NOMEM;
    }
    memcpy((uint64_t *)(uintptr_t)f->xconst, x.k, (size_t)x.nk * 8);
    *used += (uint64_t)x.nk * 8 + 8;
    room = (a->hi - a->lo) / 8;
    if (*used >= limit)
        room = 0;
    else if (limit - *used < (uint64_t)room * 8)
        room = (size_t)((limit - *used) / 8);
    x.code = (uint64_t *)(void *)(a->base + a->lo);
    x.cap = room;
    memset(x.ctl, 0, sizeof *x.ctl);
    x.ctl[0].kind = C_BLOCK;
    x.ctl[0].nr = f->type->nr;
    x.nctl = 1;
    x.budget = (uint64_t)(d->end - d->body) * 64 + 4096;
    while (!done && x.work <= x.budget)
        step(&x, &p, &done);
    vm_arena_scratch_reset(a, mark);
    if (!done) {
        vm_errorf(err, VM_ERR_NOMEM, VM_TRAP_NONE,
                  "function would take too long to translate");
        return VM_ERR_NOMEM;
    }
    if (x.full) {
        vm_errorf(err, VM_ERR_NOMEM, VM_TRAP_NONE,
                  "translated code needs more than %U bytes", limit);
        return VM_ERR_NOMEM;
    }
    a->lo += x.n * 8;
    *used += x.n * 8;
    f->xcode = x.code;
    f->xkbase = x.kbase;
    f->xnloc = d->nlocals;
    f->xnk = x.nk;
    f->xframe = x.base + d->max_height + 2;
    return VM_OK;
}

/* See vm_internal.h. */
vm_rc vm_xlate(vm_arena *a, vm_instance *in, uint64_t limit,
               vm_error *err)
{
    const vm_module *m = in->mod;
    size_t lo = a->lo;
    uint64_t used = 0;
    uint32_t i;
    vm_rc rc = VM_OK;

    for (i = m->nfunc_imports; i < m->nfuncs && rc == VM_OK; i++)
        rc = xlate_func(a, in, in->funcs[i], &used, limit, err);
    if (rc != VM_OK) {
        for (i = m->nfunc_imports; i < m->nfuncs; i++)
            in->funcs[i]->xcode = NULL;
        a->lo = lo;
    }
    return rc;
}
