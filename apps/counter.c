/* counter.c - sample application: counts and publishes periodically.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/apps.md "counter": wasmbed_publish every 500 ms.
 */
#include <stdio.h>
#include <string.h>

#include "wasmbed.h"

#define PERIOD_MS 500u

int main(void)
{
	char msg[32];
	unsigned n;

	for (n = 1;; n++) {
		int len = snprintf(msg, sizeof(msg), "%u", n);

		printf("count %u\n", n);
		wasmbed_publish("counter", 7, msg, (uint32_t)len);
		wasmbed_sleep_ms(PERIOD_MS);
	}
}
