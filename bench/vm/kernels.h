/* Wasmbed vm bench: the kernels of kernels.c, for the native side.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; see kernels.c. Each takes a
 * size and returns a checksum.
 */
#ifndef WASMBED_BENCH_KERNELS_H
#define WASMBED_BENCH_KERNELS_H

#include <stdint.h>

uint32_t crc32_run(uint32_t n);
uint32_t sha256_run(uint32_t n);
uint32_t matmul_run(uint32_t n);
uint32_t sort_run(uint32_t n);
uint32_t fib_run(uint32_t n);
uint32_t sieve_run(uint32_t n);
uint32_t strings_run(uint32_t n);

#endif
