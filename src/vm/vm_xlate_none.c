/* Wasmbed WebAssembly engine: translation left out of the build.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; stands for vm_xlate.c and
 * vm_xexec.c in builds without translation (the boards, compilers
 * without labels as values). Every function runs in place from the
 * module bytes; nothing is ever translated, so vm_xrun and vm_xenter
 * are never reached.
 */
#include "vm_internal.h"

/* See vm_internal.h: always refuses. */
vm_rc vm_xlate(vm_arena *a, vm_instance *inst, uint64_t limit,
               vm_error *err)
{
    (void)a;
    (void)inst;
    (void)limit;
    vm_errorf(err, VM_ERR_ARG, VM_TRAP_NONE,
              "engine built without translation");
    return VM_ERR_ARG;
}

/* See vm_internal.h: never reached here. */
vm_rc vm_xrun(vm_instance *inst, uint64_t fuel, vm_error *err)
{
    (void)inst;
    (void)fuel;
    vm_errorf(err, VM_ERR_ARG, VM_TRAP_NONE,
              "engine built without translation");
    return VM_ERR_ARG;
}

/* See vm_internal.h: never reached here. */
void vm_xenter(vm_instance *inst, vm_func *f, uint64_t *fp)
{
    (void)inst;
    (void)f;
    (void)fp;
}
