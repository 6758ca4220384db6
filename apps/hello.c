/* hello.c - sample application: prints through WASI and exits.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/apps.md "hello": stdout lines become log records.
 */
#include <stdio.h>

int main(void)
{
	int i;

	for (i = 1; i <= 3; i++)
		printf("hello from wasmbed, line %d\n", i);
	return 0;
}
