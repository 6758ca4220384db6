/* gw_valid.c - checks an uploaded module with the devices' engine.
 * SPDX-License-Identifier: Apache-2.0
 * Decoding and validation of WebAssembly Core Specification 2.0,
 * sections 5 and 3, by src/vm (vm_load), the engine devices run.
 */
#include "gw.h"

#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* Room for the decoded module and the validator's scratch: generous,
 * since the gateway is not the device. */
#define ARENA_BASE (1u << 20)
#define ARENA_PER_BYTE 16u

gw_err gw_module_check(const uint8_t *mod, size_t len, char *msg,
		       size_t cap)
{
	size_t size = ARENA_BASE + ARENA_PER_BYTE * len;
	void *buf = malloc(size);
	vm_arena arena;
	vm_module *m = NULL;
	vm_error err;
	gw_err rc = GW_E_NOMEM;

	if (buf == NULL)
		goto out;
	memset(&err, 0, sizeof(err));
	vm_arena_init(&arena, buf, size);
	if (vm_load(&arena, mod, len, &m, &err) == VM_OK) {
		rc = GW_OK;
		goto out;
	}
	snprintf(msg, cap, "%s", err.msg[0] ? err.msg : "not a module");
	rc = GW_E_INVALID;
out:
	free(buf);
	return rc;
}
