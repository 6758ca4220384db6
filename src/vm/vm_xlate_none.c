/* Wasmbed WebAssembly engine: translation left out of the build.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; see vm_xlate.c. With this file
 * every function runs in place from the module bytes.
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
