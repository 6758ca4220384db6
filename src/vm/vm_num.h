/* Wasmbed WebAssembly engine: numeric helpers of the interpreter.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 4.3 (numerics):
 * NaN propagation, signed zeros, truncation ranges, rounding.
 *
 * Private to vm_exec.c; every function is static inline so the dispatch
 * loop stays a list of short cases.
 */
#ifndef WASMBED_VM_NUM_H
#define WASMBED_VM_NUM_H

#include <string.h>
#include <stdint.h>

static inline float f32_of(uint64_t v)
{
    uint32_t u = (uint32_t)v;
    float f;

    memcpy(&f, &u, 4);
    return f;
}

static inline uint64_t of_f32(float f)
{
    uint32_t u;

    memcpy(&u, &f, 4);
    return u;
}

static inline double f64_of(uint64_t v)
{
    double d;

    memcpy(&d, &v, 8);
    return d;
}

static inline uint64_t of_f64(double d)
{
    uint64_t u;

    memcpy(&u, &d, 8);
    return u;
}

/* min and max: NaN wins (made quiet by the addition), -0 < +0. */
static inline uint64_t fmin32(uint64_t a, uint64_t b)
{
    float x = f32_of(a), y = f32_of(b);

    if (x != x || y != y)
        return of_f32(x + y);
    if (x == y)
        return (uint32_t)(a | b);
    return x < y ? (uint32_t)a : (uint32_t)b;
}

static inline uint64_t fmax32(uint64_t a, uint64_t b)
{
    float x = f32_of(a), y = f32_of(b);

    if (x != x || y != y)
        return of_f32(x + y);
    if (x == y)
        return (uint32_t)(a & b);
    return x > y ? (uint32_t)a : (uint32_t)b;
}

static inline uint64_t fmin64(uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);

    if (x != x || y != y)
        return of_f64(x + y);
    if (x == y)
        return a | b;
    return x < y ? a : b;
}

static inline uint64_t fmax64(uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);

    if (x != x || y != y)
        return of_f64(x + y);
    if (x == y)
        return a & b;
    return x > y ? a : b;
}

/* Rounding without libm, on magnitudes: values at or past 2^52 are
 * integers already; below, adding and subtracting 2^52 rounds to nearest
 * even. The result then takes the sign of the input, which is right for
 * all four operations (floor(-0.5) = -1, ceil(-0.5) = -0). f32 goes
 * through f64 exactly. */
static inline double with_sign(double mag, double x)
{
    uint64_t m = of_f64(mag), s = of_f64(x) & 0x8000000000000000u;

    return f64_of(m | s);
}

static inline double rint_mag(double ax)
{
    double big = 4503599627370496.0;

    return ax < big ? (ax + big) - big : ax;
}

static inline double trunc_mag(double ax)
{
    double r = rint_mag(ax);

    return r > ax ? r - 1.0 : r;
}

/* kind: 0 nearest, 1 trunc, 2 floor, 3 ceil. */
static inline double fround(double x, int kind)
{
    double ax = x < 0 ? -x : x, r;
    int neg = (of_f64(x) >> 63) != 0;

    if (x != x)
        return x + x;
    if (kind == 0)
        return with_sign(rint_mag(ax), x);
    r = trunc_mag(ax);
    if (r < ax && ((kind == 2 && neg) || (kind == 3 && !neg)))
        r += 1.0;
    return with_sign(r, x);
}

static inline uint64_t fround32(uint64_t v, int kind)
{
    return of_f32((float)fround((double)f32_of(v), kind));
}

static inline uint64_t fround64(uint64_t v, int kind)
{
    return of_f64(fround(f64_of(v), kind));
}

/* Truncation to integer: 0 in range, 1 NaN, 2 out of range, where the
 * range is the open interval (lo, hi). */
static inline int trunc_check(double x, double lo, double hi)
{
    if (x != x)
        return 1;
    return (x > lo && x < hi) ? 0 : 2;
}

/* Rotations without a branch: a shift by (32 - k) & 31 is 0 when k is. */
static inline uint32_t rotl32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a << k) | (a >> ((32 - k) & 31));
}

static inline uint32_t rotr32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a >> k) | (a << ((32 - k) & 31));
}

static inline uint64_t rotl64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a << k) | (a >> ((64 - k) & 63));
}

static inline uint64_t rotr64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a >> k) | (a << ((64 - k) & 63));
}

static inline uint32_t clz32(uint32_t a) { return a ? __builtin_clz(a) : 32; }
static inline uint32_t ctz32(uint32_t a) { return a ? __builtin_ctz(a) : 32; }

static inline uint64_t clz64(uint64_t a)
{
    return a ? (uint64_t)__builtin_clzll(a) : 64;
}

static inline uint64_t ctz64(uint64_t a)
{
    return a ? (uint64_t)__builtin_ctzll(a) : 64;
}

static inline uint64_t popcnt32(uint32_t a)
{
    return (uint64_t)__builtin_popcount(a);
}

static inline uint64_t popcnt64(uint64_t a)
{
    return (uint64_t)__builtin_popcountll(a);
}

/* The four basic operations, on slots. */
static inline uint64_t f32_add(uint64_t a, uint64_t b)
{
    return of_f32(f32_of(a) + f32_of(b));
}

static inline uint64_t f32_sub(uint64_t a, uint64_t b)
{
    return of_f32(f32_of(a) - f32_of(b));
}

static inline uint64_t f32_mul(uint64_t a, uint64_t b)
{
    return of_f32(f32_of(a) * f32_of(b));
}

static inline uint64_t f32_div(uint64_t a, uint64_t b)
{
    return of_f32(f32_of(a) / f32_of(b));
}

static inline uint64_t f64_add(uint64_t a, uint64_t b)
{
    return of_f64(f64_of(a) + f64_of(b));
}

static inline uint64_t f64_sub(uint64_t a, uint64_t b)
{
    return of_f64(f64_of(a) - f64_of(b));
}

static inline uint64_t f64_mul(uint64_t a, uint64_t b)
{
    return of_f64(f64_of(a) * f64_of(b));
}

static inline uint64_t f64_div(uint64_t a, uint64_t b)
{
    return of_f64(f64_of(a) / f64_of(b));
}

static inline int32_t s32(uint64_t v) { return (int32_t)(uint32_t)v; }
static inline uint32_t u32v(uint64_t v) { return (uint32_t)v; }
static inline int64_t s64(uint64_t v) { return (int64_t)v; }

/* Arithmetic right shift without relying on implementation-defined >>. */
static inline uint32_t shr_s32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a & 0x80000000u) ? ~(~a >> k) : a >> k;
}

static inline uint64_t shr_s64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a >> 63) ? ~(~a >> k) : a >> k;
}

#endif
