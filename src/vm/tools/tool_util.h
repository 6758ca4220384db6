/* Wasmbed engine tools: helpers shared by wasmbed-run and -spectest.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; host-side file and value I/O.
 */
#ifndef WASMBED_TOOL_UTIL_H
#define WASMBED_TOOL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
uint8_t *tool_read_file(const char *path, size_t *len);

/* Parses text as a value of wasm type t (decimal integers, floats in C
 * syntax, or raw bits as 0x...); 0 on failure. */
int tool_parse_value(uint8_t t, const char *text, uint64_t *out);

/* Prints v of type t to stdout as "i32:5". */
void tool_print_value(uint8_t t, uint64_t v);

#endif
