/* Wasmbed engine tools: file reading and value text for the host tools.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: no specification section; host-side file and value I/O.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tool_util.h"
#include "vm.h"

uint8_t *tool_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int tool_parse_value(uint8_t t, const char *text, uint64_t *out)
{
    char *end;
    float f;
    double d;
    uint32_t u;

    if (strncmp(text, "0x", 2) == 0 && (t == VM_F32 || t == VM_F64)) {
        *out = strtoull(text, &end, 16);
        return *end == '\0';
    }
    switch (t) {
    case VM_I32:
        *out = (uint32_t)strtoll(text, &end, 0);
        break;
    case VM_F32:
        f = strtof(text, &end);
        memcpy(&u, &f, 4);
        *out = u;
        break;
    case VM_F64:
        d = strtod(text, &end);
        memcpy(out, &d, 8);
        break;
    default:
        *out = text[0] == '-' ? (uint64_t)strtoll(text, &end, 0)
                              : strtoull(text, &end, 0);
        break;
    }
    return *end == '\0';
}

void tool_print_value(uint8_t t, uint64_t v)
{
    float f;
    double d;
    uint32_t u = (uint32_t)v;

    switch (t) {
    case VM_I32: printf("i32:%" PRId32, (int32_t)u); break;
    case VM_I64: printf("i64:%" PRId64, (int64_t)v); break;
    case VM_F32: memcpy(&f, &u, 4); printf("f32:%.9g", (double)f); break;
    case VM_F64: memcpy(&d, &v, 8); printf("f64:%.17g", d); break;
    default: printf("ref:0x%" PRIx64, v); break;
    }
}
