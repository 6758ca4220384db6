/* Wasmbed vm test application: printf through the WASI subset.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: a WASI preview 1 command (built with clang, wasi-libc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void)
{
    char *buf = malloc(64);
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    strcpy(buf, "wasmbed");
    printf("hello from %s: %d %.2f %s\n", buf, 42, 2.5, "ok");
    fprintf(stderr, "to stderr\n");
    free(buf);
    return 0;
}
