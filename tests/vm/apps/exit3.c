/* Wasmbed vm test application: exit status through proc_exit.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: a WASI preview 1 command that exits with status 3.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    puts("exiting");
    exit(3);
}
