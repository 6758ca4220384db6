/* Wasmbed WebAssembly engine: the dispatch loop, written once for both
 * dispatch methods.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 4.4
 * (instructions: execution).
 *
 * Included once, by vm_exec.c through vm_loop_goto.h or vm_loop_switch.h,
 * which define VM_OP(opcode) (a handler's label), VM_NEXT (go to the next
 * instruction), VM_OP_DEFAULT, VM_LOOP_BEGIN, VM_LOOP_END and
 * VM_DISPATCH_TABLE. Each handler is a few lines over static helpers; a
 * handler shared by several opcodes reads its own from pc[-1], so the
 * dispatch keeps no opcode register.
 */

/* Runs top's prepared call until it returns (VM_OK), fuel runs out or a
 * host asks to pause (VM_SUSPENDED, registers saved in top), or a trap
 * (VM_ERR_TRAP, VM_ERR_EXIT from a host). */
static vm_rc run(vm_instance *top, uint64_t fuel, vm_error *err)
{
    VM_DISPATCH_TABLE
    regs r;
    const uint8_t *pc, *fend;
    const vm_branch *stp;
    uint64_t *sp, *fp, ea, msize, tos;
    uint8_t *mem, op;
    vm_instance *in;
    vm_func *callee;
    vm_trap t;
    vm_rc rc;
    uint32_t x, y;

    r.pc = top->pc; r.stp = top->stp; r.sp = top->sp; r.fp = top->fp;
    r.fr = top->fr; r.fn = top->fn; r.tos = top->tos;
    pc = r.pc; stp = r.stp; sp = r.sp; fp = r.fp; tos = r.tos;
reload:
    in = r.fn->inst;
    mem = in->mem ? in->mem->data : NULL;
    msize = in->mem ? in->mem->size : 0;
reload_fn:
    fend = r.fn->def->end;
    VM_LOOP_BEGIN

    /* Control. */
    VM_OP(0x00) t = VM_TRAP_UNREACHABLE; goto do_trap;
    VM_OP(0x01) VM_NEXT;
    VM_OP(0x02) VM_OP(0x03) pc = skip_bt(pc); VM_NEXT;
    VM_OP(0x04)
        x = u32v(tos);
        tos = *--sp;
        if (x) {
            pc = skip_bt(pc);
            stp++;
        } else {
            pc = stp->pc;
            stp = stp->at;
        }
        VM_NEXT;
    VM_OP(0x05)
        pc = stp->pc;
        stp = stp->at;
        VM_NEXT;
    VM_OP(0x0B)
        if (pc - 1 == fend)
            goto do_return;
        VM_NEXT;
    VM_OP(0x0C)
    take_branch: {
        uint64_t *dst = fp + stp->height;
        uint32_t n = stp->arity & ~VM_BRANCH_LOOP;
        int back = (stp->arity & VM_BRANCH_LOOP) != 0;

        /* sp - (frame base) is the depth. With values to carry, the top
         * stays in tos and the n - 1 below it move down; without, the
         * new top is in memory unless nothing is dropped. */
        if (n == 0) {
            if (dst != sp) {
                sp = dst;
                tos = *sp;
            }
        } else {
            if (n > 1 && dst + n != sp)
                memmove(dst + 1, sp - n + 1, (size_t)(n - 1) * 8);
            sp = dst + n;
        }
        pc = stp->pc;
        stp = stp->at;
        if (back) {
            /* Fuel: one unit per loop iteration, paid on the back edge;
             * a suspension resumes at the top of the loop body. */
            if (fuel == 0)
                goto suspend;
            fuel--;
        }
        VM_NEXT;
    }
    VM_OP(0x0D)
        x = u32v(tos);
        tos = *--sp;
        if (x)
            goto take_branch;
        pc = skip_leb(pc);
        stp++;
        VM_NEXT;
    VM_OP(0x0E)
        x = rd_u32(&pc);
        y = u32v(tos);
        tos = *--sp;
        stp += y < x ? y : x;
        goto take_branch;
    VM_OP(0x0F)
    do_return:
        r.sp = sp; r.fp = fp; r.tos = tos;
        if (leave(top, &r)) {
            save(top, &r);
            return VM_OK;
        }
        pc = r.pc; stp = r.stp; sp = r.sp; fp = r.fp; tos = r.tos;
        if (r.fn->inst != in)
            goto reload;
        goto reload_fn;
    VM_OP(0x10)
        callee = in->funcs[rd_u32(&pc)];
        goto do_call;
    VM_OP(0x11)
        x = rd_u32(&pc);
        y = rd_u32(&pc);
        t = indirect_target(in, x, y, u32v(tos), &callee);
        tos = *--sp;
        if (t != VM_TRAP_NONE)
            goto do_trap;
    do_call:
        *sp = tos;                  /* the arguments, all in memory */
        if (callee->host) {
            uint64_t *s2 = sp + 1;  /* copies: pc and sp never escape */

            rc = call_host(in, callee, &s2, err);
            sp = s2 - 1;
            tos = *sp;
            if (rc == VM_SUSPENDED)
                goto suspend;
            if (rc != VM_OK)
                goto out;
            msize = in->mem ? in->mem->size : 0;
            VM_NEXT;
        }
        r.pc = pc; r.stp = stp; r.sp = sp + 1; r.fp = fp;
        if ((t = enter(top, callee, &r)) != VM_TRAP_NONE)
            goto do_trap;
        pc = r.pc; stp = r.stp; sp = r.sp; fp = r.fp; r.tos = tos = 0;
        if (fuel == 0) {
            save(top, &r);
            return VM_SUSPENDED;
        }
        fuel--;
        if (r.fn->inst != in)
            goto reload;
        goto reload_fn;

    /* Parametric and variables. */
    VM_OP(0x1A) tos = *--sp; VM_NEXT;
    VM_OP(0x1C)
        pc = skip_leb(pc) + 1;
        goto do_select;
    VM_OP(0x1B)
    do_select:
        sp -= 2;
        tos = u32v(tos) ? sp[0] : sp[1];
        VM_NEXT;
    VM_OP(0x20) *sp++ = tos; tos = fp[rd_u32(&pc)]; VM_NEXT;
    VM_OP(0x21) fp[rd_u32(&pc)] = tos; tos = *--sp; VM_NEXT;
    VM_OP(0x22) fp[rd_u32(&pc)] = tos; VM_NEXT;
    VM_OP(0x23) *sp++ = tos; tos = in->globals[rd_u32(&pc)]->val; VM_NEXT;
    VM_OP(0x24) in->globals[rd_u32(&pc)]->val = tos; tos = *--sp; VM_NEXT;
    VM_OP(0x25)
        ea = tos;               /* a copy: tos never escapes */
        if ((t = table_get(in->tables[rd_u32(&pc)], &ea)) != 0)
            goto do_trap;
        tos = ea;
        VM_NEXT;
    VM_OP(0x26)
        *sp = tos;
        sp -= 1;
        if ((t = table_set(in->tables[rd_u32(&pc)], sp)) != 0)
            goto do_trap;
        tos = *--sp;
        VM_NEXT;

    /* Memory. */
    VM_OP(0x28) VM_OP(0x2A)
        ea = memarg(&pc, tos);
        if (ea + 4 > msize)
            goto oob;
        tos = ld32(mem + ea);
        VM_NEXT;
    VM_OP(0x29) VM_OP(0x2B)
        ea = memarg(&pc, tos);
        if (ea + 8 > msize)
            goto oob;
        tos = ld64(mem + ea);
        VM_NEXT;
    VM_OP(0x2D)
        ea = memarg(&pc, tos);
        if (ea + 1 > msize)
            goto oob;
        tos = mem[ea];
        VM_NEXT;
    VM_OP(0x2C) VM_OP(0x2E) VM_OP(0x2F) VM_OP(0x30) VM_OP(0x31)
    VM_OP(0x32) VM_OP(0x33) VM_OP(0x34) VM_OP(0x35)
        op = pc[-1];
        ea = memarg(&pc, tos);
        if (ea + access_size[op - 0x28] > msize)
            goto oob;
        tos = op_load_narrow(op, mem + ea);
        VM_NEXT;
    VM_OP(0x36) VM_OP(0x38)
        ea = memarg(&pc, sp[-1]);
        if (ea + 4 > msize)
            goto oob;
        st32(mem + ea, (uint32_t)tos);
        sp -= 2;
        tos = *sp;
        VM_NEXT;
    VM_OP(0x37) VM_OP(0x39)
        ea = memarg(&pc, sp[-1]);
        if (ea + 8 > msize)
            goto oob;
        memcpy(mem + ea, &tos, 8);
        sp -= 2;
        tos = *sp;
        VM_NEXT;
    VM_OP(0x3A) VM_OP(0x3C)
        ea = memarg(&pc, sp[-1]);
        if (ea + 1 > msize)
            goto oob;
        mem[ea] = (uint8_t)tos;
        sp -= 2;
        tos = *sp;
        VM_NEXT;
    VM_OP(0x3B) VM_OP(0x3D) VM_OP(0x3E)
        op = pc[-1];
        ea = memarg(&pc, sp[-1]);
        if (ea + access_size[op - 0x28] > msize)
            goto oob;
        op_store(op, mem + ea, tos);
        sp -= 2;
        tos = *sp;
        VM_NEXT;
    VM_OP(0x3F)
        pc++;
        *sp++ = tos;
        tos = in->mem->size >> in->mem->page_log2;
        VM_NEXT;
    VM_OP(0x40)
        pc++;
        tos = mem_grow(in->mem, u32v(tos));
        msize = in->mem->size;
        VM_NEXT;

    /* Constants. */
    VM_OP(0x41) *sp++ = tos; tos = (uint32_t)rd_s64(&pc); VM_NEXT;
    VM_OP(0x42) *sp++ = tos; tos = rd_s64(&pc); VM_NEXT;
    VM_OP(0x43) *sp++ = tos; tos = ld32(pc); pc += 4; VM_NEXT;
    VM_OP(0x44) *sp++ = tos; tos = ld64(pc); pc += 8; VM_NEXT;

    /* i32 comparisons. */
    VM_OP(0x45) tos = u32v(tos) == 0; VM_NEXT;
    VM_OP(0x46) sp--; tos = u32v(*sp) == u32v(tos); VM_NEXT;
    VM_OP(0x47) sp--; tos = u32v(*sp) != u32v(tos); VM_NEXT;
    VM_OP(0x48) sp--; tos = s32(*sp) < s32(tos); VM_NEXT;
    VM_OP(0x49) sp--; tos = u32v(*sp) < u32v(tos); VM_NEXT;
    VM_OP(0x4A) sp--; tos = s32(*sp) > s32(tos); VM_NEXT;
    VM_OP(0x4B) sp--; tos = u32v(*sp) > u32v(tos); VM_NEXT;
    VM_OP(0x4C) sp--; tos = s32(*sp) <= s32(tos); VM_NEXT;
    VM_OP(0x4D) sp--; tos = u32v(*sp) <= u32v(tos); VM_NEXT;
    VM_OP(0x4E) sp--; tos = s32(*sp) >= s32(tos); VM_NEXT;
    VM_OP(0x4F) sp--; tos = u32v(*sp) >= u32v(tos); VM_NEXT;

    /* i64 comparisons. */
    VM_OP(0x50) tos = tos == 0; VM_NEXT;
    VM_OP(0x51) sp--; tos = *sp == tos; VM_NEXT;
    VM_OP(0x52) sp--; tos = *sp != tos; VM_NEXT;
    VM_OP(0x53) sp--; tos = s64(*sp) < s64(tos); VM_NEXT;
    VM_OP(0x54) sp--; tos = *sp < tos; VM_NEXT;
    VM_OP(0x55) sp--; tos = s64(*sp) > s64(tos); VM_NEXT;
    VM_OP(0x56) sp--; tos = *sp > tos; VM_NEXT;
    VM_OP(0x57) sp--; tos = s64(*sp) <= s64(tos); VM_NEXT;
    VM_OP(0x58) sp--; tos = *sp <= tos; VM_NEXT;
    VM_OP(0x59) sp--; tos = s64(*sp) >= s64(tos); VM_NEXT;
    VM_OP(0x5A) sp--; tos = *sp >= tos; VM_NEXT;

    /* Float comparisons. */
    VM_OP(0x5B) sp--; tos = f32_of(*sp) == f32_of(tos); VM_NEXT;
    VM_OP(0x5C) sp--; tos = f32_of(*sp) != f32_of(tos); VM_NEXT;
    VM_OP(0x5D) sp--; tos = f32_of(*sp) < f32_of(tos); VM_NEXT;
    VM_OP(0x5E) sp--; tos = f32_of(*sp) > f32_of(tos); VM_NEXT;
    VM_OP(0x5F) sp--; tos = f32_of(*sp) <= f32_of(tos); VM_NEXT;
    VM_OP(0x60) sp--; tos = f32_of(*sp) >= f32_of(tos); VM_NEXT;
    VM_OP(0x61) sp--; tos = f64_of(*sp) == f64_of(tos); VM_NEXT;
    VM_OP(0x62) sp--; tos = f64_of(*sp) != f64_of(tos); VM_NEXT;
    VM_OP(0x63) sp--; tos = f64_of(*sp) < f64_of(tos); VM_NEXT;
    VM_OP(0x64) sp--; tos = f64_of(*sp) > f64_of(tos); VM_NEXT;
    VM_OP(0x65) sp--; tos = f64_of(*sp) <= f64_of(tos); VM_NEXT;
    VM_OP(0x66) sp--; tos = f64_of(*sp) >= f64_of(tos); VM_NEXT;

    /* i32 arithmetic. */
    VM_OP(0x67) tos = clz32(u32v(tos)); VM_NEXT;
    VM_OP(0x68) tos = ctz32(u32v(tos)); VM_NEXT;
    VM_OP(0x69) tos = popcnt32(u32v(tos)); VM_NEXT;
    VM_OP(0x6A) sp--; tos = (uint32_t)(*sp + tos); VM_NEXT;
    VM_OP(0x6B) sp--; tos = (uint32_t)(*sp - tos); VM_NEXT;
    VM_OP(0x6C) sp--; tos = u32v(*sp) * u32v(tos); VM_NEXT;
    VM_OP(0x6D) VM_OP(0x6E) VM_OP(0x6F) VM_OP(0x70)
        op = pc[-1];
        *sp = tos;              /* the helper works on memory */
        if ((t = op_div32(op, sp)) != VM_TRAP_NONE)
            goto do_trap;
        tos = *--sp;
        VM_NEXT;
    VM_OP(0x71) sp--; tos = (uint32_t)(*sp & tos); VM_NEXT;
    VM_OP(0x72) sp--; tos = (uint32_t)(*sp | tos); VM_NEXT;
    VM_OP(0x73) sp--; tos = (uint32_t)(*sp ^ tos); VM_NEXT;
    VM_OP(0x74) sp--; tos = u32v(*sp) << (tos & 31); VM_NEXT;
    VM_OP(0x75) sp--; tos = shr_s32(u32v(*sp), u32v(tos)); VM_NEXT;
    VM_OP(0x76) sp--; tos = u32v(*sp) >> (tos & 31); VM_NEXT;
    VM_OP(0x77) sp--; tos = rotl32(u32v(*sp), u32v(tos)); VM_NEXT;
    VM_OP(0x78) sp--; tos = rotr32(u32v(*sp), u32v(tos)); VM_NEXT;

    /* i64 arithmetic. */
    VM_OP(0x79) tos = clz64(tos); VM_NEXT;
    VM_OP(0x7A) tos = ctz64(tos); VM_NEXT;
    VM_OP(0x7B) tos = popcnt64(tos); VM_NEXT;
    VM_OP(0x7C) sp--; tos = *sp + tos; VM_NEXT;
    VM_OP(0x7D) sp--; tos = *sp - tos; VM_NEXT;
    VM_OP(0x7E) sp--; tos = *sp * tos; VM_NEXT;
    VM_OP(0x7F) VM_OP(0x80) VM_OP(0x81) VM_OP(0x82)
        op = pc[-1];
        *sp = tos;              /* the helper works on memory */
        if ((t = op_div64(op, sp)) != VM_TRAP_NONE)
            goto do_trap;
        tos = *--sp;
        VM_NEXT;
    VM_OP(0x83) sp--; tos = *sp & tos; VM_NEXT;
    VM_OP(0x84) sp--; tos = *sp | tos; VM_NEXT;
    VM_OP(0x85) sp--; tos = *sp ^ tos; VM_NEXT;
    VM_OP(0x86) sp--; tos = *sp << (tos & 63); VM_NEXT;
    VM_OP(0x87) sp--; tos = shr_s64(*sp, tos); VM_NEXT;
    VM_OP(0x88) sp--; tos = *sp >> (tos & 63); VM_NEXT;
    VM_OP(0x89) sp--; tos = rotl64(*sp, tos); VM_NEXT;
    VM_OP(0x8A) sp--; tos = rotr64(*sp, tos); VM_NEXT;

    /* Float arithmetic: the common ones inline, the rest in op_float. */
    VM_OP(0x92) sp--; tos = f32_add(*sp, tos); VM_NEXT;
    VM_OP(0x93) sp--; tos = f32_sub(*sp, tos); VM_NEXT;
    VM_OP(0x94) sp--; tos = f32_mul(*sp, tos); VM_NEXT;
    VM_OP(0x95) sp--; tos = f32_div(*sp, tos); VM_NEXT;
    VM_OP(0xA0) sp--; tos = f64_add(*sp, tos); VM_NEXT;
    VM_OP(0xA1) sp--; tos = f64_sub(*sp, tos); VM_NEXT;
    VM_OP(0xA2) sp--; tos = f64_mul(*sp, tos); VM_NEXT;
    VM_OP(0xA3) sp--; tos = f64_div(*sp, tos); VM_NEXT;
    VM_OP(0x8B) VM_OP(0x8C) VM_OP(0x8D) VM_OP(0x8E) VM_OP(0x8F) VM_OP(0x90)
    VM_OP(0x91) VM_OP(0x99) VM_OP(0x9A) VM_OP(0x9B) VM_OP(0x9C) VM_OP(0x9D)
    VM_OP(0x9E) VM_OP(0x9F)
        op = pc[-1];
        *sp = tos;
        op_float(op, sp + 1);
        tos = *sp;
        VM_NEXT;
    VM_OP(0x96) VM_OP(0x97) VM_OP(0x98) VM_OP(0xA4) VM_OP(0xA5) VM_OP(0xA6)
        op = pc[-1];
        *sp = tos;
        op_float(op, sp);
        tos = *--sp;
        VM_NEXT;

    /* Conversions. */
    VM_OP(0xA7) tos = (uint32_t)tos; VM_NEXT;
    VM_OP(0xAC) tos = (uint64_t)(int64_t)s32(tos); VM_NEXT;
    VM_OP(0xAD) tos = (uint32_t)tos; VM_NEXT;
    VM_OP(0xA8) VM_OP(0xA9) VM_OP(0xAA) VM_OP(0xAB) VM_OP(0xAE) VM_OP(0xAF)
    VM_OP(0xB0) VM_OP(0xB1)
        op = pc[-1];
        ea = tos;
        if ((t = op_trunc(op, &ea)) != VM_TRAP_NONE)
            goto do_trap;
        tos = ea;
        VM_NEXT;
    VM_OP(0xB2) VM_OP(0xB3) VM_OP(0xB4) VM_OP(0xB5) VM_OP(0xB6) VM_OP(0xB7)
    VM_OP(0xB8) VM_OP(0xB9) VM_OP(0xBA) VM_OP(0xBB)
        op = pc[-1];
        ea = tos;
        op_convert(op, &ea);
        tos = ea;
        VM_NEXT;
    VM_OP(0xBC) VM_OP(0xBD) VM_OP(0xBE) VM_OP(0xBF) VM_NEXT;
    VM_OP(0xC0) VM_OP(0xC1) VM_OP(0xC2) VM_OP(0xC3) VM_OP(0xC4)
        op = pc[-1];
        ea = tos;
        op_extend(op, &ea);
        tos = ea;
        VM_NEXT;

    /* References and the 0xFC prefix. */
    VM_OP(0xD0) pc++; *sp++ = tos; tos = VM_REF_NULL; VM_NEXT;
    VM_OP(0xD1) tos = tos == VM_REF_NULL; VM_NEXT;
    VM_OP(0xD2)
        *sp++ = tos;
        tos = (uintptr_t)in->funcs[rd_u32(&pc)];
        VM_NEXT;
    VM_OP(0xFC) {
        const uint8_t *p2 = pc;
        uint64_t *s2 = sp + 1;

        *sp = tos;              /* the helper works on memory */
        t = op_fc(in, &p2, &s2);
        pc = p2;
        sp = s2 - 1;
        if (t != VM_TRAP_NONE)
            goto do_trap;
        tos = *sp;
        msize = in->mem ? in->mem->size : 0;
        VM_NEXT;
    }
    VM_OP_DEFAULT
        t = VM_TRAP_UNREACHABLE;
        goto do_trap;
    VM_LOOP_END

oob:
    t = VM_TRAP_MEMORY_OOB;
do_trap:
    rc = trap(err, t);
out:
    top->state = VM_IDLE;
    return rc;
suspend:
    r.pc = pc; r.stp = stp; r.sp = sp; r.fp = fp; r.tos = tos;
    save(top, &r);
    return VM_SUSPENDED;
}
