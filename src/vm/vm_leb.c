/* Wasmbed WebAssembly engine: LEB128 and byte readers.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 5.2.2
 * (integers): at most ceil(N/7) bytes, unused bits zero or sign bits.
 */
#include "vm_internal.h"

/* Reads an N-bit LEB128 (signed if sgn) into *out; 0 if truncated or
 * too long or if the unused bits of the last byte are wrong. */
static int read_leb(vm_reader *r, unsigned bits, int sgn, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;

    for (;;) {
        uint8_t b;

        if (r->p >= r->end)
            return 0;
        b = *r->p++;
        if (shift + 7 >= bits) {
            unsigned valid = bits - shift;
            uint8_t unused = (uint8_t)(0x7Fu & ~((1u << valid) - 1u));
            uint8_t want = 0;

            if (b & 0x80u)
                return 0;
            if (sgn && ((b >> (valid - 1u)) & 1u))
                want = unused;
            if ((b & unused) != want)
                return 0;
        }
        v |= (uint64_t)(b & 0x7Fu) << shift;
        shift += 7;
        if (!(b & 0x80u)) {
            if (sgn && (b & 0x40u) && shift < 64)
                v |= ~(uint64_t)0 << shift;
            *out = v;
            return 1;
        }
    }
}

int vm_read_u32(vm_reader *r, uint32_t *out)
{
    uint64_t v;

    if (r->p < r->end && *r->p < 0x80u) {
        *out = *r->p++;
        return 1;
    }
    if (!read_leb(r, 32, 0, &v))
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int vm_read_s32(vm_reader *r, int32_t *out)
{
    uint64_t v;

    if (!read_leb(r, 32, 1, &v))
        return 0;
    *out = (int32_t)(uint32_t)v;
    return 1;
}

int vm_read_s33(vm_reader *r, int64_t *out)
{
    uint64_t v;

    if (!read_leb(r, 33, 1, &v))
        return 0;
    *out = (int64_t)v;
    return 1;
}

int vm_read_s64(vm_reader *r, int64_t *out)
{
    uint64_t v;

    if (!read_leb(r, 64, 1, &v))
        return 0;
    *out = (int64_t)v;
    return 1;
}

int vm_read_u8(vm_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return 0;
    *out = *r->p++;
    return 1;
}

