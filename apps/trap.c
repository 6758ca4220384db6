/* trap.c - sample application that traps on purpose.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/apps.md "trap": logs, then executes `unreachable`,
 * so the device marks it Failed and goes on.
 */
#include <string.h>

#include "wasmbed.h"

int main(void)
{
	static const char msg[] = "about to trap";

	wasmbed_log(WASMBED_WARN, msg, (uint32_t)strlen(msg));
	wasmbed_sleep_ms(50);
	__builtin_trap();
}
