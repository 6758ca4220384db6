/* Wasmbed WebAssembly engine: the loop that runs translated code.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 4.4
 * (instructions: execution) and 4.5.5 (invocation), over the register
 * code of vm_xcode.h.
 *
 * Built with vm_xlate.c where the compiler has labels as values (GCC,
 * Clang). It shares the interpreter's operations (vm_ops.h), its frames
 * and its fuel rules: one unit per call and per taken backward branch
 * (a loop's back edge). Calls push a vm_frame and loop; C never
 * recurses. A file of its own, so that the in-place loop in vm_exec.c
 * compiles as it would alone.
 */
#pragma GCC diagnostic ignored "-Wpedantic"
/* vm_ops.h serves both loops; this one leaves a few of it unused. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "vm_ops.h"
#include "vm_xcode.h"

#define XF_A 1
#define XF_B 2
#define XF_C 3
#define XS(f) fp[vm_xf(pc, XF_##f)]
#define XOP_LABEL(n) &&XL_##n,
#define XOP_LABEL_BRIF(n) &&XL_BRIF_##n,
#define XOP_LABEL_BRUN(n) &&XL_BRUN_##n,
#define XOP_LABEL_AIF(n) &&XL_AIF_##n,
#define XOP_LABEL_AUN(n) &&XL_AUN_##n,
#define XOP(n) XL_##n:
#define XNEXT                                                            \
    do {                                                                 \
        goto *xlabels[vm_xf(pc, 0)];                                     \
    } while (0)

/* i32 comparisons, as expressions over the operands B and C. */
#define XCMP_EQ (u32v(XS(B)) == u32v(XS(C)))
#define XCMP_NE (u32v(XS(B)) != u32v(XS(C)))
#define XCMP_LT_S (s32(XS(B)) < s32(XS(C)))
#define XCMP_LT_U (u32v(XS(B)) < u32v(XS(C)))
#define XCMP_GT_S (s32(XS(B)) > s32(XS(C)))
#define XCMP_GT_U (u32v(XS(B)) > u32v(XS(C)))
#define XCMP_LE_S (s32(XS(B)) <= s32(XS(C)))
#define XCMP_LE_U (u32v(XS(B)) <= u32v(XS(C)))
#define XCMP_GE_S (s32(XS(B)) >= s32(XS(C)))
#define XCMP_GE_U (u32v(XS(B)) >= u32v(XS(C)))
#define XCMP_EQZ (u32v(XS(B)) == 0)

#define XCMP_HANDLERS(n)                                                 \
    XOP(n) XS(A) = XCMP_##n; pc++; XNEXT;                                \
    XOP(BRIF_##n) if (XCMP_##n) goto taken; pc += 2; XNEXT;              \
    XOP(BRUN_##n) if (!XCMP_##n) goto taken; pc += 2; XNEXT;            \
    XOP(AIF_##n) XS(A) = XB_ADD32; pc++; goto XL_BRIF_##n;              \
    XOP(AUN_##n) XS(A) = XB_ADD32; pc++; goto XL_BRUN_##n;

/* Two-operand operations: the value of slot A from B and C. */
#define XB_ADD32 (uint32_t)(XS(B) + XS(C))
#define XB_SUB32 (uint32_t)(XS(B) - XS(C))
#define XB_MUL32 (uint32_t)(u32v(XS(B)) * u32v(XS(C)))
#define XB_AND32 (uint32_t)(XS(B) & XS(C))
#define XB_OR32 (uint32_t)(XS(B) | XS(C))
#define XB_XOR32 (uint32_t)(XS(B) ^ XS(C))
#define XB_SHL32 (uint32_t)(u32v(XS(B)) << (XS(C) & 31))
#define XB_SHRS32 shr_s32(u32v(XS(B)), u32v(XS(C)))
#define XB_SHRU32 (u32v(XS(B)) >> (XS(C) & 31))
#define XB_ROTL32 rotl32(u32v(XS(B)), u32v(XS(C)))
#define XB_ROTR32 rotr32(u32v(XS(B)), u32v(XS(C)))
#define XB_ADD64 (XS(B) + XS(C))
#define XB_SUB64 (XS(B) - XS(C))
#define XB_MUL64 (XS(B) * XS(C))
#define XB_AND64 (XS(B) & XS(C))
#define XB_OR64 (XS(B) | XS(C))
#define XB_XOR64 (XS(B) ^ XS(C))
#define XB_SHL64 (XS(B) << (XS(C) & 63))
#define XB_SHRS64 shr_s64(XS(B), XS(C))
#define XB_SHRU64 (XS(B) >> (XS(C) & 63))
#define XB_ROTL64 rotl64(XS(B), XS(C))
#define XB_ROTR64 rotr64(XS(B), XS(C))
#define XB_EQ64 (uint64_t)(XS(B) == XS(C))
#define XB_NE64 (uint64_t)(XS(B) != XS(C))
#define XB_LTS64 (uint64_t)(s64(XS(B)) < s64(XS(C)))
#define XB_LTU64 (uint64_t)(XS(B) < XS(C))
#define XB_GTS64 (uint64_t)(s64(XS(B)) > s64(XS(C)))
#define XB_GTU64 (uint64_t)(XS(B) > XS(C))
#define XB_LES64 (uint64_t)(s64(XS(B)) <= s64(XS(C)))
#define XB_LEU64 (uint64_t)(XS(B) <= XS(C))
#define XB_GES64 (uint64_t)(s64(XS(B)) >= s64(XS(C)))
#define XB_GEU64 (uint64_t)(XS(B) >= XS(C))
#define XB_FADD32 f32_add(XS(B), XS(C))
#define XB_FSUB32 f32_sub(XS(B), XS(C))
#define XB_FMUL32 f32_mul(XS(B), XS(C))
#define XB_FDIV32 f32_div(XS(B), XS(C))
#define XB_FEQ32 (uint64_t)(f32_of(XS(B)) == f32_of(XS(C)))
#define XB_FNE32 (uint64_t)(f32_of(XS(B)) != f32_of(XS(C)))
#define XB_FLT32 (uint64_t)(f32_of(XS(B)) < f32_of(XS(C)))
#define XB_FGT32 (uint64_t)(f32_of(XS(B)) > f32_of(XS(C)))
#define XB_FLE32 (uint64_t)(f32_of(XS(B)) <= f32_of(XS(C)))
#define XB_FGE32 (uint64_t)(f32_of(XS(B)) >= f32_of(XS(C)))
#define XB_FADD64 f64_add(XS(B), XS(C))
#define XB_FSUB64 f64_sub(XS(B), XS(C))
#define XB_FMUL64 f64_mul(XS(B), XS(C))
#define XB_FDIV64 f64_div(XS(B), XS(C))
#define XB_FEQ64 (uint64_t)(f64_of(XS(B)) == f64_of(XS(C)))
#define XB_FNE64 (uint64_t)(f64_of(XS(B)) != f64_of(XS(C)))
#define XB_FLT64 (uint64_t)(f64_of(XS(B)) < f64_of(XS(C)))
#define XB_FGT64 (uint64_t)(f64_of(XS(B)) > f64_of(XS(C)))
#define XB_FLE64 (uint64_t)(f64_of(XS(B)) <= f64_of(XS(C)))
#define XB_FGE64 (uint64_t)(f64_of(XS(B)) >= f64_of(XS(C)))

#define XBIN_HANDLER(n) XOP(n) XS(A) = XB_##n; pc++; XNEXT;

/* The end of a load-and-branch: the loaded value v goes to slot A,
 * then the branch (offset in the third word) is taken if v cmp 0. */
#define XLB(v, cmp)                                                      \
    {                                                                    \
        uint64_t lv = (v);                                               \
                                                                         \
        XS(A) = lv;                                                      \
        pc++;                                                            \
        if (lv cmp 0)                                                    \
            goto taken;                                                  \
        pc += 2;                                                         \
        XNEXT;                                                           \
    }

/* The end of a load, multiply and add: p is slot(+2) times the loaded
 * f64, sum the addition, in the operand order the code had. */
#define XFMA(sum)                                                        \
    {                                                                    \
        uint64_t p = f64_mul(fp[(uint32_t)pc[2]], ld64(mem + ea));       \
                                                                         \
        XS(A) = sum;                                                     \
        pc += 4;                                                         \
        XNEXT;                                                           \
    }

/* Zeroes f's locals and copies its constants into the frame at fp. */
static inline void xframe_init(const vm_func *f, uint64_t *fp)
{
    uint64_t *k = fp + f->xkbase, *p = k - f->xnloc;
    uint32_t i;

    /* Loops, not memset and memcpy: most frames are a few slots. */
    for (; p < k; p++)
        *p = 0;
    for (i = 0; i < f->xnk; i++)
        k[i] = f->xconst[i];
}

/* Operands taken by the 0xFC operation sub, as the helpers count. */
static uint32_t xfc_pops(uint32_t sub)
{
    return sub < 8 ? 1 : sub == 15 ? 2 : (sub == 9 || sub == 13 ||
                                           sub == 16) ? 0 : 3;
}

/* A rare instruction p (in the module bytes) through the interpreter's
 * helpers, its operands at s[0..), its result in s[0]. */
static vm_trap xgeneric(vm_instance *in, const uint8_t *p, uint64_t *s)
{
    uint8_t op = *p++;
    const uint8_t *q = p;
    uint64_t *sp;

    switch (op) {
    case 0x25: return table_get(in->tables[rd_u32(&p)], s);
    case 0x26: return table_set(in->tables[rd_u32(&p)], s);
    case 0x3F: s[0] = in->mem->size >> in->mem->page_log2; break;
    case 0x40: s[0] = mem_grow(in->mem, u32v(s[0])); break;
    case 0x67: s[0] = clz32(u32v(s[0])); break;
    case 0x68: s[0] = ctz32(u32v(s[0])); break;
    case 0x69: s[0] = popcnt32(u32v(s[0])); break;
    case 0x79: s[0] = clz64(s[0]); break;
    case 0x7A: s[0] = ctz64(s[0]); break;
    case 0x7B: s[0] = popcnt64(s[0]); break;
    case 0x6D: case 0x6E: case 0x6F: case 0x70:
        return op_div32(op, s + 1);
    case 0x7F: case 0x80: case 0x81: case 0x82:
        return op_div64(op, s + 1);
    case 0xD0: s[0] = VM_REF_NULL; break;
    case 0xD1: s[0] = s[0] == VM_REF_NULL; break;
    case 0xD2: s[0] = (uintptr_t)in->funcs[rd_u32(&p)]; break;
    case 0xFC:
        sp = s + xfc_pops(rd_u32(&q));
        return op_fc(in, &p, &sp);
    default:
        if (op >= 0x8B && op <= 0xA6)
            op_float(op, s + 1);
        else if (op >= 0xA8 && op <= 0xB1)
            return op_trunc(op, s);
        else if (op >= 0xB2 && op <= 0xBB)
            op_convert(op, s);
        else
            op_extend(op, s);
        break;
    }
    return VM_TRAP_NONE;
}

/* See vm_internal.h. */
vm_rc vm_xrun(vm_instance *top, uint64_t fuel, vm_error *err)
{
    static const void *const xlabels[X_COUNT] = {
        VM_XCMP(XOP_LABEL) VM_XCMP(XOP_LABEL_BRIF)
        VM_XCMP(XOP_LABEL_BRUN) VM_XCMP(XOP_LABEL_AIF)
        VM_XCMP(XOP_LABEL_AUN) VM_XBIN(XOP_LABEL) VM_XOTHER(XOP_LABEL)
    };
    const uint64_t *pc = top->xpc;
    uint64_t *fp = top->fp, ea, msize;
    vm_frame *fr = top->fr;
    const vm_frame *frames_end = top->frames_end, *frames = top->frames;
    const uint64_t *stack_end = top->stack_end;
    vm_func *fn = top->fn, *callee;
    vm_instance *in;
    uint8_t *mem;
    vm_trap t;
    vm_rc rc;
    int32_t off;

reload:
    in = fn->inst;
    mem = in->mem ? in->mem->data : NULL;
    msize = in->mem ? in->mem->size : 0;
    XNEXT;

    VM_XCMP(XCMP_HANDLERS)
    VM_XBIN(XBIN_HANDLER)

    XOP(UNREACHABLE) t = VM_TRAP_UNREACHABLE; goto trap_out;
    XOP(BR)
    taken:
        off = (int32_t)pc[1];
        pc = pc + 1 + off;  /* the offset counts from its word */
        if (off < 0) {
            /* A loop's back edge: one unit of fuel; a suspension
             * resumes at the top of the loop. */
            if (fuel == 0)
                goto suspend;
            fuel--;
        }
        XNEXT;
    XOP(BR_IF) if (u32v(XS(A))) goto taken; pc += 2; XNEXT;
    XOP(BR_UNLESS) if (!u32v(XS(A))) goto taken; pc += 2; XNEXT;
    XOP(BR_TABLE) {
        uint32_t i = u32v(XS(A)), n = (uint32_t)pc[1];
        const uint64_t *e = pc + 2 + (i < n ? i : n);
        uint64_t ew = *e;

        if (VM_XE_N(ew) > 0 && VM_XE_DST(ew) != vm_xf(pc, 2))
            memmove(fp + VM_XE_DST(ew), fp + vm_xf(pc, 2),
                    (size_t)VM_XE_N(ew) * 8);
        off = (int32_t)ew;
        pc = e + off;
        if (off < 0) {
            if (fuel == 0)
                goto suspend;
            fuel--;
        }
        XNEXT;
    }
    XOP(RET)
        if (vm_xf(pc, 2) == 1)
            fp[0] = XS(A);
        else if (vm_xf(pc, 1) != 0)
            memmove(fp, fp + vm_xf(pc, 1), (size_t)vm_xf(pc, 2) * 8);
        if (fr == frames) {
            top->sp = fp + vm_xf(pc, 2);
            return VM_OK;
        }
        pc = fr->pc;
        fp = fr->fp;
        fn = fr->fn;
        fr--;
        if (fn->inst != in)
            goto reload;
        XNEXT;
    XOP(CALL_IND)
        t = indirect_target(in, (uint32_t)pc[1], (uint32_t)(pc[1] >> 32),
                            u32v(XS(B)), &callee);
        if (t != VM_TRAP_NONE)
            goto trap_out;
        goto call;
    XOP(CALL)
        callee = (vm_func *)(uintptr_t)pc[1];
    call:
        if (callee->host) {
            uint64_t *s2 = fp + vm_xf(pc, 1) + callee->type->np;

            rc = call_host(in, callee, &s2, err);
            pc += 2;
            if (rc == VM_SUSPENDED)
                goto suspend;
            if (rc != VM_OK)
                goto out;
            msize = in->mem ? in->mem->size : 0;
            XNEXT;
        }
        if (!callee->xcode) {
            vm_errorf(err, VM_ERR_TRAP, VM_TRAP_HOST,
                      "call into an instance that runs in place, from "
                      "translated code");
            rc = VM_ERR_TRAP;
            goto out;
        }
        goto enter;
    XOP(CALLW)      /* this instance's own function: no checks needed */
        callee = (vm_func *)(uintptr_t)pc[1];
    enter: {
        uint64_t *nfp = fp + vm_xf(pc, 1);

        if ((size_t)(stack_end - nfp) < callee->xframe ||
            fr + 1 >= frames_end) {
            t = VM_TRAP_STACK_EXHAUSTED;
            goto trap_out;
        }
        fr++;
        fr->pc = pc + 2;
        fr->fp = fp;
        fr->fn = fn;
        xframe_init(callee, nfp);
        fp = nfp;
        fn = callee;
        pc = callee->xcode;
        if (fuel == 0)
            goto suspend;
        fuel--;
        if (fn->inst != in)
            goto reload;
        XNEXT;
    }
    XOP(MOV) XS(A) = XS(B); pc++; XNEXT;
    XOP(MOV2)
        XS(A) = XS(B);
        fp[vm_xf(pc + 1, 1)] = fp[vm_xf(pc + 1, 2)];
        pc += 2;
        XNEXT;
    XOP(ADD32D) {
        uint64_t v = XB_ADD32;

        XS(A) = v;
        fp[(uint32_t)pc[1]] = v;
        pc += 2;
        XNEXT;
    }
#define XD fp[(uint32_t)pc[1]]
    XOP(ADD3) XS(A) = (uint32_t)(XS(B) + XS(C) + XD); pc += 2; XNEXT;
    XOP(XOR3) XS(A) = (uint32_t)(XS(B) ^ XS(C) ^ XD); pc += 2; XNEXT;
    XOP(RXOR)
        XS(A) = rotl32(u32v(XS(B)), u32v(XS(C))) ^ u32v(XD);
        pc += 2;
        XNEXT;
    XOP(ADD4)
        XS(A) = (uint32_t)(XS(B) + XS(C) + XD + fp[(uint32_t)pc[2]]);
        pc += 3;
        XNEXT;
    XOP(R2XOR)
        XS(A) = rotl32(u32v(XS(B)), u32v(XS(C))) ^
                rotl32(u32v(fp[vm_xf(pc + 1, 1)]),
                       u32v(fp[vm_xf(pc + 1, 2)]));
        pc += 2;
        XNEXT;
    XOP(XADD) XS(A) = (uint32_t)((XS(B) ^ XS(C)) + XD); pc += 2; XNEXT;
    XOP(AADD) XS(A) = (uint32_t)((XS(B) & XS(C)) + XD); pc += 2; XNEXT;
#undef XD
    XOP(FMA64) {
        uint64_t p = f64_mul(XS(B), XS(C));

        XS(A) = f64_add(fp[(uint32_t)pc[1]], p);
        pc += 2;
        XNEXT;
    }
    XOP(FMA64R) {
        uint64_t p = f64_mul(XS(B), XS(C));

        XS(A) = f64_add(p, fp[(uint32_t)pc[1]]);
        pc += 2;
        XNEXT;
    }
    XOP(CONST) XS(A) = pc[1]; pc += 2; XNEXT;
    XOP(SELECT)
        XS(A) = u32v(fp[(uint32_t)pc[1]]) ? XS(B) : XS(C);
        pc += 2;
        XNEXT;
    XOP(GGET) XS(A) = ((vm_global *)(uintptr_t)pc[1])->val; pc += 2; XNEXT;
    XOP(GSET) ((vm_global *)(uintptr_t)pc[1])->val = XS(A); pc += 2; XNEXT;

    /* Memory: the effective address is the i32 address plus the
     * offset, in 64 bits, so it never wraps. The family of accesses is
     * written once and built for both address forms: slot B (suffix
     * none) and slot B + slot C, an i32.add folded in (suffix X). */
#define XMEM(S)                                                          \
    XOP(LD32##S) XEA(4) XS(A) = ld32(mem + ea); pc += 2; XNEXT;         \
    XOP(LD64##S) XEA(8) XS(A) = ld64(mem + ea); pc += 2; XNEXT;         \
    XOP(LD8U##S) XEA(1) XS(A) = mem[ea]; pc += 2; XNEXT;                \
    XOP(LD16U##S) XEA(2) XS(A) = ld16(mem + ea); pc += 2; XNEXT;        \
    XOP(ST8##S) XEA(1) mem[ea] = (uint8_t)XS(A); pc += 2; XNEXT;        \
    XOP(ST16##S) XEA(2) st16(mem + ea, (uint16_t)XS(A)); pc += 2; XNEXT; \
    XOP(ST32##S) XEA(4) st32(mem + ea, (uint32_t)XS(A)); pc += 2; XNEXT; \
    XOP(ST64##S) XEA(8) memcpy(mem + ea, &XS(A), 8); pc += 2; XNEXT;    \
    XOP(LDADD32##S) XEA(4)                                               \
        XS(A) = (uint32_t)(ld32(mem + ea) + fp[(uint32_t)pc[2]]);        \
        pc += 3;                                                         \
        XNEXT;                                                           \
    XOP(LDFMUL64##S) XEA(8)                                              \
        XS(A) = f64_mul(fp[(uint32_t)pc[2]], ld64(mem + ea));            \
        pc += 3;                                                         \
        XNEXT;                                                           \
    XOP(LDFMA64##S) XEA(8) XFMA(f64_add(fp[(uint32_t)pc[3]], p))         \
    XOP(LDFMA64##S##R) XEA(8) XFMA(f64_add(p, fp[(uint32_t)pc[3]]))      \
    XOP(LBIF8##S) XEA(1) XLB(mem[ea], !=)                                \
    XOP(LBUN8##S) XEA(1) XLB(mem[ea], ==)                                \
    XOP(LBIF32##S) XEA(4) XLB(ld32(mem + ea), !=)                        \
    XOP(LBUN32##S) XEA(4) XLB(ld32(mem + ea), ==)
#define XEA(n)                                                           \
    ea = (uint64_t)u32v(XS(B)) + (uint32_t)pc[1];                        \
    if (ea + (n) > msize)                                                \
        goto oob;
    XMEM()
    XOP(LDN)
        XEA(access_size[vm_xf(pc, 3) - 0x28])
        XS(A) = op_load_narrow((uint8_t)vm_xf(pc, 3), mem + ea);
        pc += 2;
        XNEXT;
#undef XEA
#define XEA(n)                                                           \
    ea = (uint64_t)(uint32_t)(XS(B) + XS(C)) + (uint32_t)pc[1];          \
    if (ea + (n) > msize)                                                \
        goto oob;
    XMEM(X)
#undef XEA
    /* Loads whose address an i32.add also kept in a local. */
#define XEAT(n)                                                          \
    ea = (uint32_t)(XS(B) + XS(C));                                      \
    fp[(uint32_t)pc[2]] = ea;                                            \
    ea += (uint32_t)pc[1];                                               \
    if (ea + (n) > msize)                                                \
        goto oob;
    XOP(LD32XT) XEAT(4) XS(A) = ld32(mem + ea); pc += 3; XNEXT;
    XOP(LD8UXT) XEAT(1) XS(A) = mem[ea]; pc += 3; XNEXT;
#undef XEAT

    XOP(EQZ64) XS(A) = XS(B) == 0; pc++; XNEXT;
    XOP(WRAP) XS(A) = (uint32_t)XS(B); pc++; XNEXT;
    XOP(EXTS) XS(A) = (uint64_t)(int64_t)s32(XS(B)); pc++; XNEXT;
    XOP(GENERIC)
        t = xgeneric(in, (const uint8_t *)(uintptr_t)pc[1],
                     fp + vm_xf(pc, 1));
        if (t != VM_TRAP_NONE)
            goto trap_out;
        msize = in->mem ? in->mem->size : 0;
        pc += 2;
        XNEXT;

oob:
    t = VM_TRAP_MEMORY_OOB;
trap_out:
    rc = trap(err, t);
out:
    top->state = VM_IDLE;
    return rc;
suspend:
    top->xpc = pc;
    top->fp = fp;
    top->fr = fr;
    top->fn = fn;
    return VM_SUSPENDED;
}

/* See vm_internal.h. */
void vm_xenter(vm_instance *inst, vm_func *f, uint64_t *fp)
{
    xframe_init(f, fp);
    inst->xpc = f->xcode;
}
