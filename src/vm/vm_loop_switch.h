/* Wasmbed WebAssembly engine: switch dispatch for vm_loop.h (portable).
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; a build choice of vm_exec.c.
 */
#define VM_DISPATCH_TABLE
#define VM_LOOP_BEGIN for (;;) { switch (*pc++) {
#define VM_OP(x) case x:
#define VM_OP_DEFAULT default:
#define VM_NEXT continue
#define VM_LOOP_END } }

#include "vm_loop.h"
