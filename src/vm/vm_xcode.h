/* Wasmbed WebAssembly engine: the register code functions are translated
 * to, shared by the translator (vm_xlate.c) and its loop (vm_xexec.c).
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; an internal form of section 2.4
 * (instructions) that keeps their semantics (section 4.4).
 *
 * A translated function is an array of 64-bit words. The first word of
 * an instruction holds four 16-bit fields in memory order, so the loop
 * reads each with one load: the operation and up to three slot numbers
 * A, B and C. A slot is a 64-bit
 * value at fp[slot], where the frame is the parameters, the declared
 * locals, the operand stack (one slot per depth) and the function's
 * constants. Operands name any slot, so local.get and i32.const emit
 * nothing and most instructions read and write locals directly.
 *
 * Words after the first: a branch offset (low 32 bits, signed, in words
 * from that word), a memory offset, a pointer (callee, global) or the
 * original instruction in the module bytes for the rare operations that
 * run through the interpreter's own helpers (X_GENERIC).
 */
#ifndef WASMBED_VM_XCODE_H
#define WASMBED_VM_XCODE_H

#include <stdint.h>
#include <string.h>

/* The i32 comparisons in their wasm order 0x46..0x4F, then eqz: each
 * exists as a plain instruction, fused with br_if / br_unless (BRIF_*,
 * BRUN_*), and as AIF_* / AUN_*: an i32.add A = B + C whose next
 * instruction is that BRIF_* / BRUN_* (a loop's counter and test), run
 * without a dispatch between them. */
#define VM_XCMP(X) \
    X(EQ) X(NE) X(LT_S) X(LT_U) X(GT_S) X(GT_U) X(LE_S) X(LE_U) X(GE_S) \
    X(GE_U) X(EQZ)

/* Two-operand operations with one result: A = B op C. */
#define VM_XBIN(X) \
    X(ADD32) X(SUB32) X(MUL32) X(AND32) X(OR32) X(XOR32) X(SHL32) \
    X(SHRS32) X(SHRU32) X(ROTL32) X(ROTR32) \
    X(ADD64) X(SUB64) X(MUL64) X(AND64) X(OR64) X(XOR64) X(SHL64) \
    X(SHRS64) X(SHRU64) X(ROTL64) X(ROTR64) \
    X(EQ64) X(NE64) X(LTS64) X(LTU64) X(GTS64) X(GTU64) X(LES64) \
    X(LEU64) X(GES64) X(GEU64) \
    X(FADD32) X(FSUB32) X(FMUL32) X(FDIV32) \
    X(FEQ32) X(FNE32) X(FLT32) X(FGT32) X(FLE32) X(FGE32) \
    X(FADD64) X(FSUB64) X(FMUL64) X(FDIV64) \
    X(FEQ64) X(FNE64) X(FLT64) X(FGT64) X(FLE64) X(FGE64)

/* Everything else, by shape:
 * UNREACHABLE                      trap
 * BR        +1 off                 jump
 * BR_IF / BR_UNLESS  A=cond, +1 off
 * BR_TABLE  A=index B=values, +1 count, +2.. one word per target: off,
 *           destination slot (bits 32-47), values carried (48-63)
 * RET       A=first result B=count
 * CALL      A=frame base of the callee, +1 the vm_func
 * CALLW     the same, for a translated function of the same instance
 * CALL_IND  A=frame base B=table index slot, +1 type | table << 32
 * MOV       A=B;  CONST A, +1 value;  SELECT A = C ? B : +1 slot
 * GGET A, +1 vm_global;  GSET A (the value), +1 vm_global
 * LD*       A=dst B=address, +1 offset;  LDN also C = wasm opcode
 * ST*       A=value B=address, +1 offset
 * LD*X ST*X the same with the address B + C (an i32.add folded in)
 * ADD32D    A = B + C, and slot +1 gets the same value
 * FMA64     A = slot(+1) + B * C, as f64.mul then f64.add (two roundings);
 *           FMA64R the same as B * C + slot(+1)
 * ADD3 XOR3 RXOR XADD AADD  A = slot(+1) + / ^ (B +, ^, rotl, ^, & C)
 * ADD4      A = B + C + slot(+1) + slot(+2)
 * R2XOR     A = rotl(B, C) ^ rotl(+1's A, +1's B)
 * LB{IF,UN}{8,32}[X]  LD8U / LD32 [X], then a branch on the value: +2
 *           holds the branch offset
 * LDADD32[X]  LD32 [X] plus slot(+2);  LDFMUL64[X]  slot(+2) times
 *           LD64 [X];  LDFMA64[X][R]  slot(+3) plus that (R: after)
 * LD{32,8U}XT  LD*X that also stores the address B + C in slot(+2) (an
 *           i32.add whose local.tee the load reads)
 * MOV2      A = B, then +1's A = +1's B
 * EQZ64 WRAP EXTS  A = f(B)
 * GENERIC   A=first operand (results replace the operands), +1 the
 *           instruction in the module bytes */
#define VM_XOTHER(X) \
    X(UNREACHABLE) X(BR) X(BR_IF) X(BR_UNLESS) X(BR_TABLE) X(RET) \
    X(CALL) X(CALLW) X(CALL_IND) X(MOV) X(CONST) X(SELECT) X(GGET) X(GSET) \
    X(LD32) X(LD64) X(LD8U) X(LD16U) X(LDN) X(ST8) X(ST16) X(ST32) \
    X(ST64) X(LD32X) X(LD64X) X(LD8UX) X(LD16UX) X(ST8X) X(ST16X) \
    X(ST32X) X(ST64X) X(EQZ64) X(WRAP) X(EXTS) X(GENERIC) X(ADD32D) \
    X(FMA64) X(MOV2) X(ADD3) X(XOR3) X(RXOR) X(XADD) X(AADD) \
    X(LBIF8) X(LBUN8) X(LBIF32) X(LBUN32) X(LBIF8X) X(LBUN8X) \
    X(LBIF32X) X(LBUN32X) X(LDADD32) X(LDADD32X) X(LD32XT) X(LD8UXT) \
    X(FMA64R) X(LDFMUL64) X(LDFMUL64X) X(LDFMA64) X(LDFMA64R) \
    X(LDFMA64X) X(LDFMA64XR) X(ADD4) X(R2XOR)

#define VM_XENUM(n) X_##n,
#define VM_XENUM_BRIF(n) X_BRIF_##n,
#define VM_XENUM_BRUN(n) X_BRUN_##n,
#define VM_XENUM_AIF(n) X_AIF_##n,
#define VM_XENUM_AUN(n) X_AUN_##n,
enum vm_xop {
    VM_XCMP(VM_XENUM) VM_XCMP(VM_XENUM_BRIF) VM_XCMP(VM_XENUM_BRUN)
    VM_XCMP(VM_XENUM_AIF) VM_XCMP(VM_XENUM_AUN)
    VM_XBIN(VM_XENUM) VM_XOTHER(VM_XENUM)
    X_COUNT
};

/* The instruction word op A B C. */
static inline uint64_t vm_xw(unsigned op, uint32_t a, uint32_t b,
                             uint32_t c)
{
    uint16_t h[4];
    uint64_t w;

    h[0] = (uint16_t)op;
    h[1] = (uint16_t)a;
    h[2] = (uint16_t)b;
    h[3] = (uint16_t)c;
    memcpy(&w, h, 8);
    return w;
}

/* Field i of the instruction word at p: 0 the operation, 1 A, 2 B,
 * 3 C. */
static inline uint32_t vm_xf(const uint64_t *p, unsigned i)
{
    uint16_t v;

    memcpy(&v, (const unsigned char *)p + 2 * i, 2);
    return v;
}

/* A br_table target: offset, destination slot, values carried. */
#define VM_XE(off, dst, n)                                               \
    ((uint64_t)(uint32_t)(off) | (uint64_t)(dst) << 32 |                 \
     (uint64_t)(n) << 48)
#define VM_XE_DST(e) ((uint32_t)((e) >> 32) & 0xFFFFu)
#define VM_XE_N(e) ((uint32_t)((e) >> 48))

/* Largest slot number an operand field holds. */
#define VM_XSLOT_MAX 0xFFFFu

#endif
