/* busy.c - sample application that never sleeps.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/apps.md "busy": spins until its fuel limit is spent,
 * so the device marks it Failed (out of fuel).
 */
#include <stdio.h>

int main(void)
{
	volatile unsigned n = 0;

	puts("spinning");
	fflush(stdout);
	for (;;)
		n++;
}
