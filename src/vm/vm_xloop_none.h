/* Wasmbed WebAssembly engine: the loop of translated code, left out.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; the build choice of vm_exec.c
 * for engines without translation (boards, compilers without labels as
 * values): no function is ever translated (vm_xlate_none.c), so these
 * are never reached.
 */

static vm_rc xrun(vm_instance *top, uint64_t fuel, vm_error *err)
{
    (void)top;
    (void)fuel;
    vm_errorf(err, VM_ERR_ARG, VM_TRAP_NONE,
              "engine built without translation");
    return VM_ERR_ARG;
}

static void xenter(vm_instance *inst, vm_func *f, uint64_t *fp)
{
    (void)inst;
    (void)f;
    (void)fp;
}
