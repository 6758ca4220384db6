/* Wasmbed WebAssembly engine: the interpreter.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 4.4
 * (instructions: execution) and 4.5.5 (invocation).
 *
 * Code runs straight from the module bytes. Values are 64-bit slots on a
 * flat stack; a frame is its locals followed by its operands, the top
 * one cached in a register (tos) and the slot below the first operand a
 * scratch the cache may spill into. Branches
 * use the side table the validator built: the pointer stp walks it in
 * step with pc, so a taken branch reads its target, the height to cut the
 * stack to and the values to carry. Calls between wasm functions push a
 * vm_frame and loop; C never recurses. Fuel is charged at every call and
 * every loop back edge; running out saves the registers in the instance.
 */
#include <string.h>
#include "vm_ops.h"

/* The dispatch loop's file: vm_loop_goto.h (computed goto, GCC and
 * Clang) or vm_loop_switch.h (portable C); the build chooses. */
#ifndef VM_DISPATCH_LOOP
#define VM_DISPATCH_LOOP "vm_loop_switch.h"
#endif

/* The registers of the interpreter, saved while suspended. */
typedef struct regs {
    const uint8_t *pc;
    const vm_branch *stp;
    uint64_t *sp, *fp;
    vm_frame *fr;
    vm_func *fn;
    uint64_t tos;         /* the top operand, kept out of memory */
} regs;

/* Pushes a frame for wasm function f whose arguments are on top of the
 * stack. Returns VM_TRAP_NONE or VM_TRAP_STACK_EXHAUSTED. */
static inline vm_trap enter(vm_instance *in, vm_func *f, regs *r)
{
    const vm_funcdef *d = f->def;
    uint64_t *fp = r->sp - f->type->np;
    uint32_t nloc = d->nlocals;

    if ((size_t)(in->stack_end - fp) < (size_t)f->type->np + nloc +
                                       d->max_height + 1 ||
        r->fr + 1 >= in->frames_end)
        return VM_TRAP_STACK_EXHAUSTED;
    r->fr++;
    r->fr->pc = r->pc;
    r->fr->stp = r->stp;
    r->fr->fp = r->fp;
    r->fr->fn = r->fn;
    memset(r->sp, 0, (size_t)nloc * 8);
    r->sp += nloc;
    r->fp = fp;
    r->fn = f;
    r->pc = d->body;
    r->stp = d->side;
    return VM_TRAP_NONE;
}

/* Returns from the current function; 1 when the entry call is done. */
static inline int leave(vm_instance *in, regs *r)
{
    uint32_t nr = r->fn->type->nr;

    /* Results go where the arguments were: all in memory for the host,
     * the last one also in tos for a wasm caller. */
    if (nr > 0) {
        if (nr > 1)
            memmove(r->fp, r->sp - nr + 1, (size_t)(nr - 1) * 8);
        r->fp[nr - 1] = r->tos;
    }
    if (r->fr == in->frames) {
        r->sp = r->fp + nr;
        return 1;
    }
    r->sp = r->fp + nr - 1;
    r->tos = *r->sp;
    r->pc = r->fr->pc;
    r->stp = r->fr->stp;
    r->fp = r->fr->fp;
    r->fn = r->fr->fn;
    r->fr--;
    return 0;
}

/* Saves the loop registers in the instance for vm_resume. */
static void save(vm_instance *top, const regs *r)
{
    top->pc = r->pc;
    top->stp = r->stp;
    top->sp = r->sp;
    top->fp = r->fp;
    top->fr = r->fr;
    top->fn = r->fn;
    top->tos = r->tos;
}

#include VM_DISPATCH_LOOP

/* See vm.h: copies the arguments and sets the registers to the
 * entry of f; frame 0 stands for the host. */
vm_rc vm_call(vm_instance *inst, vm_func *f, const uint64_t *args,
              uint32_t nargs, vm_error *err)
{
    uint64_t need;

    if (inst->state == VM_RUNNING || inst->state == VM_READY) {
        vm_errorf(err, VM_ERR_ARG, VM_TRAP_NONE,
                  "instance is busy with another call");
        return VM_ERR_ARG;
    }
    if (!f || nargs != f->type->np) {
        vm_errorf(err, VM_ERR_ARG, VM_TRAP_NONE,
                  "call needs %u arguments", f ? f->type->np : 0);
        return VM_ERR_ARG;
    }
    need = (uint64_t)nargs + f->type->nr + (f->def ? f->def->nlocals +
                                            f->def->max_height : 0);
    if (f->xcode)
        need = f->xframe;
    if (need + 1 > (uint64_t)(inst->stack_end - inst->stack))
        return trap(err, VM_TRAP_STACK_EXHAUSTED);
    if (nargs > 0)
        memcpy(inst->stack, args, (size_t)nargs * 8);
    inst->entry = f;
    inst->fn = f;
    inst->fr = inst->frames;
    inst->fp = inst->stack;
    inst->sp = inst->stack + nargs;
    inst->tos = 0;
    inst->xmode = f->xcode != NULL;
    if (f->xcode) {
        vm_xenter(inst, f, inst->stack);
    } else if (f->def) {
        memset(inst->sp, 0, (size_t)f->def->nlocals * 8);
        inst->sp += f->def->nlocals;
        inst->pc = f->def->body;
        inst->stp = f->def->side;
    }
    inst->state = VM_READY;
    return VM_OK;
}

/* See vm.h. A host function as entry is called directly. */
vm_rc vm_resume(vm_instance *inst, uint64_t fuel, vm_error *err)
{
    vm_rc rc;

    if (inst->state != VM_READY) {
        vm_errorf(err, VM_ERR_ARG, VM_TRAP_NONE, "nothing to resume");
        return VM_ERR_ARG;
    }
    inst->state = VM_RUNNING;
    if (inst->fn->host) {
        uint64_t *sp = inst->sp;

        rc = call_host(inst, inst->fn, &sp, err);
        inst->state = rc == VM_OK || rc == VM_SUSPENDED ? VM_DONE : VM_IDLE;
        return rc == VM_SUSPENDED ? VM_OK : rc;
    }
    rc = inst->xmode ? vm_xrun(inst, fuel, err) : run(inst, fuel, err);
    if (rc == VM_OK)
        inst->state = VM_DONE;
    else if (rc == VM_SUSPENDED)
        inst->state = VM_READY;
    return rc;
}

uint64_t vm_result(const vm_instance *inst, uint32_t i)
{
    return inst->stack[i];
}

/* See vm.h: host pauses are resumed at once. */
vm_rc vm_invoke(vm_instance *inst, vm_func *f, const uint64_t *args,
                uint32_t nargs, uint64_t *results, uint32_t nresults,
                vm_error *err)
{
    vm_rc rc = vm_call(inst, f, args, nargs, err);
    uint32_t i;

    while (rc == VM_OK || rc == VM_SUSPENDED) {
        rc = vm_resume(inst, UINT64_MAX, err);
        if (rc == VM_OK)
            break;
    }
    for (i = 0; rc == VM_OK && i < nresults && i < f->type->nr; i++)
        results[i] = inst->stack[i];
    return rc;
}
