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
    uint64_t *sp, *fp, ea, msize;
    uint8_t *mem, op;
    vm_instance *in;
    vm_func *callee;
    vm_trap t;
    vm_rc rc;
    uint32_t x, y;

    r.pc = top->pc; r.stp = top->stp; r.sp = top->sp; r.fp = top->fp;
    r.fr = top->fr; r.fn = top->fn;
    pc = r.pc; stp = r.stp; sp = r.sp; fp = r.fp;
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
        if (u32v(*--sp)) {
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

        if (dst + n != sp)
            memmove(dst, sp - n, (size_t)n * 8);
        sp = dst + n;
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
        if (u32v(*--sp))
            goto take_branch;
        pc = skip_leb(pc);
        stp++;
        VM_NEXT;
    VM_OP(0x0E)
        x = rd_u32(&pc);
        y = u32v(*--sp);
        stp += y < x ? y : x;
        goto take_branch;
    VM_OP(0x0F)
    do_return:
        r.sp = sp; r.fp = fp;
        if (leave(top, &r)) {
            save(top, &r);
            return VM_OK;
        }
        pc = r.pc; stp = r.stp; sp = r.sp; fp = r.fp;
        if (r.fn->inst != in)
            goto reload;
        goto reload_fn;
    VM_OP(0x10)
        callee = in->funcs[rd_u32(&pc)];
        goto do_call;
    VM_OP(0x11)
        x = rd_u32(&pc);
        y = rd_u32(&pc);
        t = indirect_target(in, x, y, u32v(*--sp), &callee);
        if (t != VM_TRAP_NONE)
            goto do_trap;
    do_call:
        if (callee->host) {
            uint64_t *s2 = sp;      /* copies: pc and sp never escape */

            rc = call_host(in, callee, &s2, err);
            sp = s2;
            if (rc == VM_ERR_TRAP && err->trap == VM_TRAP_NONE)
                err->trap = VM_TRAP_HOST;
            if (rc == VM_SUSPENDED)
                goto suspend;
            if (rc != VM_OK)
                goto out;
            msize = in->mem ? in->mem->size : 0;
            VM_NEXT;
        }
        r.pc = pc; r.stp = stp; r.sp = sp; r.fp = fp;
        if ((t = enter(top, callee, &r)) != VM_TRAP_NONE)
            goto do_trap;
        pc = r.pc; stp = r.stp; sp = r.sp; fp = r.fp;
        if (fuel == 0) {
            save(top, &r);
            return VM_SUSPENDED;
        }
        fuel--;
        if (r.fn->inst != in)
            goto reload;
        goto reload_fn;

    /* Parametric and variables. */
    VM_OP(0x1A) sp--; VM_NEXT;
    VM_OP(0x1B)
        sp -= 2;
        if (!u32v(sp[1]))
            sp[-1] = sp[0];
        VM_NEXT;
    VM_OP(0x1C)
        pc = skip_leb(pc) + 1;
        sp -= 2;
        if (!u32v(sp[1]))
            sp[-1] = sp[0];
        VM_NEXT;
    VM_OP(0x20) *sp++ = fp[rd_u32(&pc)]; VM_NEXT;
    VM_OP(0x21) fp[rd_u32(&pc)] = *--sp; VM_NEXT;
    VM_OP(0x22) fp[rd_u32(&pc)] = sp[-1]; VM_NEXT;
    VM_OP(0x23) *sp++ = in->globals[rd_u32(&pc)]->val; VM_NEXT;
    VM_OP(0x24) in->globals[rd_u32(&pc)]->val = *--sp; VM_NEXT;
    VM_OP(0x25)
        if ((t = table_get(in->tables[rd_u32(&pc)], &sp[-1])) != 0)
            goto do_trap;
        VM_NEXT;
    VM_OP(0x26)
        sp -= 2;
        if ((t = table_set(in->tables[rd_u32(&pc)], sp)) != 0)
            goto do_trap;
        VM_NEXT;

    /* Memory. */
    VM_OP(0x28) VM_OP(0x2A)
        ea = memarg(&pc, sp[-1]);
        if (ea + 4 > msize)
            goto oob;
        sp[-1] = ld32(mem + ea);
        VM_NEXT;
    VM_OP(0x29) VM_OP(0x2B)
        ea = memarg(&pc, sp[-1]);
        if (ea + 8 > msize)
            goto oob;
        sp[-1] = ld64(mem + ea);
        VM_NEXT;
    VM_OP(0x2D)
        ea = memarg(&pc, sp[-1]);
        if (ea + 1 > msize)
            goto oob;
        sp[-1] = mem[ea];
        VM_NEXT;
    VM_OP(0x2C) VM_OP(0x2E) VM_OP(0x2F) VM_OP(0x30) VM_OP(0x31)
    VM_OP(0x32) VM_OP(0x33) VM_OP(0x34) VM_OP(0x35)
        op = pc[-1];
        ea = memarg(&pc, sp[-1]);
        if (ea + access_size[op - 0x28] > msize)
            goto oob;
        sp[-1] = op_load_narrow(op, mem + ea);
        VM_NEXT;
    VM_OP(0x36) VM_OP(0x38)
        sp -= 2;
        ea = memarg(&pc, sp[0]);
        if (ea + 4 > msize)
            goto oob;
        st32(mem + ea, (uint32_t)sp[1]);
        VM_NEXT;
    VM_OP(0x37) VM_OP(0x39)
        sp -= 2;
        ea = memarg(&pc, sp[0]);
        if (ea + 8 > msize)
            goto oob;
        memcpy(mem + ea, &sp[1], 8);
        VM_NEXT;
    VM_OP(0x3A) VM_OP(0x3C)
        sp -= 2;
        ea = memarg(&pc, sp[0]);
        if (ea + 1 > msize)
            goto oob;
        mem[ea] = (uint8_t)sp[1];
        VM_NEXT;
    VM_OP(0x3B) VM_OP(0x3D) VM_OP(0x3E)
        op = pc[-1];
        sp -= 2;
        ea = memarg(&pc, sp[0]);
        if (ea + access_size[op - 0x28] > msize)
            goto oob;
        op_store(op, mem + ea, sp[1]);
        VM_NEXT;
    VM_OP(0x3F)
        pc++;
        *sp++ = in->mem->size >> in->mem->page_log2;
        VM_NEXT;
    VM_OP(0x40)
        pc++;
        sp[-1] = mem_grow(in->mem, u32v(sp[-1]));
        msize = in->mem->size;
        VM_NEXT;

    /* Constants. */
    VM_OP(0x41) *sp++ = (uint32_t)rd_s64(&pc); VM_NEXT;
    VM_OP(0x42) *sp++ = rd_s64(&pc); VM_NEXT;
    VM_OP(0x43) *sp++ = ld32(pc); pc += 4; VM_NEXT;
    VM_OP(0x44) *sp++ = ld64(pc); pc += 8; VM_NEXT;

    /* i32 comparisons. */
    VM_OP(0x45) sp[-1] = u32v(sp[-1]) == 0; VM_NEXT;
    VM_OP(0x46) sp--; sp[-1] = u32v(sp[-1]) == u32v(sp[0]); VM_NEXT;
    VM_OP(0x47) sp--; sp[-1] = u32v(sp[-1]) != u32v(sp[0]); VM_NEXT;
    VM_OP(0x48) sp--; sp[-1] = s32(sp[-1]) < s32(sp[0]); VM_NEXT;
    VM_OP(0x49) sp--; sp[-1] = u32v(sp[-1]) < u32v(sp[0]); VM_NEXT;
    VM_OP(0x4A) sp--; sp[-1] = s32(sp[-1]) > s32(sp[0]); VM_NEXT;
    VM_OP(0x4B) sp--; sp[-1] = u32v(sp[-1]) > u32v(sp[0]); VM_NEXT;
    VM_OP(0x4C) sp--; sp[-1] = s32(sp[-1]) <= s32(sp[0]); VM_NEXT;
    VM_OP(0x4D) sp--; sp[-1] = u32v(sp[-1]) <= u32v(sp[0]); VM_NEXT;
    VM_OP(0x4E) sp--; sp[-1] = s32(sp[-1]) >= s32(sp[0]); VM_NEXT;
    VM_OP(0x4F) sp--; sp[-1] = u32v(sp[-1]) >= u32v(sp[0]); VM_NEXT;

    /* i64 comparisons. */
    VM_OP(0x50) sp[-1] = sp[-1] == 0; VM_NEXT;
    VM_OP(0x51) sp--; sp[-1] = sp[-1] == sp[0]; VM_NEXT;
    VM_OP(0x52) sp--; sp[-1] = sp[-1] != sp[0]; VM_NEXT;
    VM_OP(0x53) sp--; sp[-1] = s64(sp[-1]) < s64(sp[0]); VM_NEXT;
    VM_OP(0x54) sp--; sp[-1] = sp[-1] < sp[0]; VM_NEXT;
    VM_OP(0x55) sp--; sp[-1] = s64(sp[-1]) > s64(sp[0]); VM_NEXT;
    VM_OP(0x56) sp--; sp[-1] = sp[-1] > sp[0]; VM_NEXT;
    VM_OP(0x57) sp--; sp[-1] = s64(sp[-1]) <= s64(sp[0]); VM_NEXT;
    VM_OP(0x58) sp--; sp[-1] = sp[-1] <= sp[0]; VM_NEXT;
    VM_OP(0x59) sp--; sp[-1] = s64(sp[-1]) >= s64(sp[0]); VM_NEXT;
    VM_OP(0x5A) sp--; sp[-1] = sp[-1] >= sp[0]; VM_NEXT;

    /* Float comparisons. */
    VM_OP(0x5B) sp--; sp[-1] = f32_of(sp[-1]) == f32_of(sp[0]); VM_NEXT;
    VM_OP(0x5C) sp--; sp[-1] = f32_of(sp[-1]) != f32_of(sp[0]); VM_NEXT;
    VM_OP(0x5D) sp--; sp[-1] = f32_of(sp[-1]) < f32_of(sp[0]); VM_NEXT;
    VM_OP(0x5E) sp--; sp[-1] = f32_of(sp[-1]) > f32_of(sp[0]); VM_NEXT;
    VM_OP(0x5F) sp--; sp[-1] = f32_of(sp[-1]) <= f32_of(sp[0]); VM_NEXT;
    VM_OP(0x60) sp--; sp[-1] = f32_of(sp[-1]) >= f32_of(sp[0]); VM_NEXT;
    VM_OP(0x61) sp--; sp[-1] = f64_of(sp[-1]) == f64_of(sp[0]); VM_NEXT;
    VM_OP(0x62) sp--; sp[-1] = f64_of(sp[-1]) != f64_of(sp[0]); VM_NEXT;
    VM_OP(0x63) sp--; sp[-1] = f64_of(sp[-1]) < f64_of(sp[0]); VM_NEXT;
    VM_OP(0x64) sp--; sp[-1] = f64_of(sp[-1]) > f64_of(sp[0]); VM_NEXT;
    VM_OP(0x65) sp--; sp[-1] = f64_of(sp[-1]) <= f64_of(sp[0]); VM_NEXT;
    VM_OP(0x66) sp--; sp[-1] = f64_of(sp[-1]) >= f64_of(sp[0]); VM_NEXT;

    /* i32 arithmetic. */
    VM_OP(0x67) sp[-1] = clz32(u32v(sp[-1])); VM_NEXT;
    VM_OP(0x68) sp[-1] = ctz32(u32v(sp[-1])); VM_NEXT;
    VM_OP(0x69) sp[-1] = popcnt32(u32v(sp[-1])); VM_NEXT;
    VM_OP(0x6A) sp--; sp[-1] = (uint32_t)(sp[-1] + sp[0]); VM_NEXT;
    VM_OP(0x6B) sp--; sp[-1] = (uint32_t)(sp[-1] - sp[0]); VM_NEXT;
    VM_OP(0x6C) sp--; sp[-1] = u32v(sp[-1]) * u32v(sp[0]); VM_NEXT;
    VM_OP(0x6D) VM_OP(0x6E) VM_OP(0x6F) VM_OP(0x70)
        op = pc[-1];
        sp--;
        if ((t = op_div32(op, sp)) != VM_TRAP_NONE)
            goto do_trap;
        VM_NEXT;
    VM_OP(0x71) sp--; sp[-1] = (uint32_t)(sp[-1] & sp[0]); VM_NEXT;
    VM_OP(0x72) sp--; sp[-1] = (uint32_t)(sp[-1] | sp[0]); VM_NEXT;
    VM_OP(0x73) sp--; sp[-1] = (uint32_t)(sp[-1] ^ sp[0]); VM_NEXT;
    VM_OP(0x74) sp--; sp[-1] = u32v(sp[-1]) << (sp[0] & 31); VM_NEXT;
    VM_OP(0x75) sp--; sp[-1] = shr_s32(u32v(sp[-1]), u32v(sp[0])); VM_NEXT;
    VM_OP(0x76) sp--; sp[-1] = u32v(sp[-1]) >> (sp[0] & 31); VM_NEXT;
    VM_OP(0x77) sp--; sp[-1] = rotl32(u32v(sp[-1]), u32v(sp[0])); VM_NEXT;
    VM_OP(0x78) sp--; sp[-1] = rotr32(u32v(sp[-1]), u32v(sp[0])); VM_NEXT;

    /* i64 arithmetic. */
    VM_OP(0x79) sp[-1] = clz64(sp[-1]); VM_NEXT;
    VM_OP(0x7A) sp[-1] = ctz64(sp[-1]); VM_NEXT;
    VM_OP(0x7B) sp[-1] = popcnt64(sp[-1]); VM_NEXT;
    VM_OP(0x7C) sp--; sp[-1] += sp[0]; VM_NEXT;
    VM_OP(0x7D) sp--; sp[-1] -= sp[0]; VM_NEXT;
    VM_OP(0x7E) sp--; sp[-1] *= sp[0]; VM_NEXT;
    VM_OP(0x7F) VM_OP(0x80) VM_OP(0x81) VM_OP(0x82)
        op = pc[-1];
        sp--;
        if ((t = op_div64(op, sp)) != VM_TRAP_NONE)
            goto do_trap;
        VM_NEXT;
    VM_OP(0x83) sp--; sp[-1] &= sp[0]; VM_NEXT;
    VM_OP(0x84) sp--; sp[-1] |= sp[0]; VM_NEXT;
    VM_OP(0x85) sp--; sp[-1] ^= sp[0]; VM_NEXT;
    VM_OP(0x86) sp--; sp[-1] <<= (sp[0] & 63); VM_NEXT;
    VM_OP(0x87) sp--; sp[-1] = shr_s64(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0x88) sp--; sp[-1] >>= (sp[0] & 63); VM_NEXT;
    VM_OP(0x89) sp--; sp[-1] = rotl64(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0x8A) sp--; sp[-1] = rotr64(sp[-1], sp[0]); VM_NEXT;

    /* Float arithmetic: the common ones inline, the rest in op_float. */
    VM_OP(0x92) sp--; sp[-1] = f32_add(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0x93) sp--; sp[-1] = f32_sub(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0x94) sp--; sp[-1] = f32_mul(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0x95) sp--; sp[-1] = f32_div(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0xA0) sp--; sp[-1] = f64_add(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0xA1) sp--; sp[-1] = f64_sub(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0xA2) sp--; sp[-1] = f64_mul(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0xA3) sp--; sp[-1] = f64_div(sp[-1], sp[0]); VM_NEXT;
    VM_OP(0x8B) VM_OP(0x8C) VM_OP(0x8D) VM_OP(0x8E) VM_OP(0x8F) VM_OP(0x90)
    VM_OP(0x91) VM_OP(0x99) VM_OP(0x9A) VM_OP(0x9B) VM_OP(0x9C) VM_OP(0x9D)
    VM_OP(0x9E) VM_OP(0x9F)
        op = pc[-1];
        op_float(op, sp);
        VM_NEXT;
    VM_OP(0x96) VM_OP(0x97) VM_OP(0x98) VM_OP(0xA4) VM_OP(0xA5) VM_OP(0xA6)
        op = pc[-1];
        sp--;
        op_float(op, sp);
        VM_NEXT;

    /* Conversions. */
    VM_OP(0xA7) sp[-1] = (uint32_t)sp[-1]; VM_NEXT;
    VM_OP(0xAC) sp[-1] = (uint64_t)(int64_t)s32(sp[-1]); VM_NEXT;
    VM_OP(0xAD) sp[-1] = (uint32_t)sp[-1]; VM_NEXT;
    VM_OP(0xA8) VM_OP(0xA9) VM_OP(0xAA) VM_OP(0xAB) VM_OP(0xAE) VM_OP(0xAF)
    VM_OP(0xB0) VM_OP(0xB1)
        op = pc[-1];
        if ((t = op_trunc(op, &sp[-1])) != VM_TRAP_NONE)
            goto do_trap;
        VM_NEXT;
    VM_OP(0xB2) VM_OP(0xB3) VM_OP(0xB4) VM_OP(0xB5) VM_OP(0xB6) VM_OP(0xB7)
    VM_OP(0xB8) VM_OP(0xB9) VM_OP(0xBA) VM_OP(0xBB)
        op = pc[-1];
        op_convert(op, &sp[-1]);
        VM_NEXT;
    VM_OP(0xBC) VM_OP(0xBD) VM_OP(0xBE) VM_OP(0xBF) VM_NEXT;
    VM_OP(0xC0) VM_OP(0xC1) VM_OP(0xC2) VM_OP(0xC3) VM_OP(0xC4)
        op = pc[-1];
        op_extend(op, &sp[-1]);
        VM_NEXT;

    /* References and the 0xFC prefix. */
    VM_OP(0xD0) pc++; *sp++ = VM_REF_NULL; VM_NEXT;
    VM_OP(0xD1) sp[-1] = sp[-1] == VM_REF_NULL; VM_NEXT;
    VM_OP(0xD2) *sp++ = (uintptr_t)in->funcs[rd_u32(&pc)]; VM_NEXT;
    VM_OP(0xFC) {
        const uint8_t *p2 = pc;
        uint64_t *s2 = sp;

        t = op_fc(in, &p2, &s2);
        pc = p2;
        sp = s2;
        if (t != VM_TRAP_NONE)
            goto do_trap;
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
    r.pc = pc; r.stp = stp; r.sp = sp; r.fp = fp;
    save(top, &r);
    return VM_SUSPENDED;
}
