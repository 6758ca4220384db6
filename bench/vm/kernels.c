/* Wasmbed vm bench: compute kernels built both to wasm32 and natively.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: FIPS 180-4 (SHA-256), IEEE 802.3 CRC-32, and plain
 * algorithms (matrix multiply, quicksort, Fibonacci, sieve, strings).
 *
 * No libc: the same C runs in both builds. Every kernel takes a size and
 * returns a checksum, so the harness can check both builds agree.
 */
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

static uint8_t data[1 << 16];
static uint32_t crc_table[256];
static int32_t ints[20000];
static double ma[48 * 48], mb[48 * 48], mc[48 * 48];
static uint8_t sieve_bits[1 << 20];
static char text[1 << 15];

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void fill_data(uint32_t seed)
{
    uint32_t i;

    for (i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)lcg(&seed);
}

/* CRC-32, table-driven, over 64 KiB, n times. */
EXPORT uint32_t crc32_run(uint32_t n)
{
    uint32_t i, k, c = 0;

    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    fill_data(1);
    for (k = 0; k < n; k++) {
        c = 0xFFFFFFFFu;
        for (i = 0; i < sizeof data; i++)
            c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        data[k % sizeof data] ^= (uint8_t)c;
    }
    return ~c;
}

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64], s[8], i, t1, t2;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++)
        w[i] = (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10)) +
               w[i - 7] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
                           (w[i - 15] >> 3)) + w[i - 16];
    for (i = 0; i < 8; i++)
        s[i] = h[i];
    for (i = 0; i < 64; i++) {
        t1 = s[7] + (ror(s[4], 6) ^ ror(s[4], 11) ^ ror(s[4], 25)) +
             ((s[4] & s[5]) ^ (~s[4] & s[6])) + sha_k[i] + w[i];
        t2 = (ror(s[0], 2) ^ ror(s[0], 13) ^ ror(s[0], 22)) +
             ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        s[7] = s[6]; s[6] = s[5]; s[5] = s[4]; s[4] = s[3] + t1;
        s[3] = s[2]; s[2] = s[1]; s[1] = s[0]; s[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++)
        h[i] += s[i];
}

/* SHA-256 compression over 64 KiB, n times (no padding: a kernel). */
EXPORT uint32_t sha256_run(uint32_t n)
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t k, i;

    fill_data(2);
    for (k = 0; k < n; k++)
        for (i = 0; i < sizeof data; i += 64)
            sha_block(h, data + i);
    return h[0] ^ h[7];
}

/* 48x48 double matrix product, n times. */
EXPORT uint32_t matmul_run(uint32_t n)
{
    uint32_t i, j, k, r, s = 3;
    double sum = 0;

    for (i = 0; i < 48 * 48; i++) {
        ma[i] = (double)(lcg(&s) % 100) / 10.0;
        mb[i] = (double)(lcg(&s) % 100) / 10.0;
    }
    for (r = 0; r < n; r++) {
        for (i = 0; i < 48; i++)
            for (j = 0; j < 48; j++) {
                double acc = 0;

                for (k = 0; k < 48; k++)
                    acc += ma[i * 48 + k] * mb[k * 48 + j];
                mc[i * 48 + j] = acc;
            }
        ma[r % (48 * 48)] = mc[(r * 7) % (48 * 48)] / 1000.0;
    }
    for (i = 0; i < 48 * 48; i++)
        sum += mc[i];
    return (uint32_t)(int64_t)sum;
}

static void quicksort(int32_t *a, int lo, int hi)
{
    while (lo < hi) {
        int32_t p = a[(lo + hi) / 2], t;
        int i = lo, j = hi;

        while (i <= j) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i <= j) {
                t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

/* Quicksort of 20000 pseudo-random ints, n times. */
EXPORT uint32_t sort_run(uint32_t n)
{
    uint32_t k, i, s = 4, sum = 0;

    for (k = 0; k < n; k++) {
        for (i = 0; i < 20000; i++)
            ints[i] = (int32_t)lcg(&s);
        quicksort(ints, 0, 19999);
        sum += (uint32_t)ints[k % 20000];
    }
    return sum;
}

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Recursive Fibonacci. */
EXPORT uint32_t fib_run(uint32_t n)
{
    return fib(n);
}

/* Sieve of Eratosthenes to 1M, n times; counts primes. */
EXPORT uint32_t sieve_run(uint32_t n)
{
    uint32_t k, i, j, count = 0;

    for (k = 0; k < n; k++) {
        for (i = 0; i < sizeof sieve_bits; i++)
            sieve_bits[i] = 1;
        count = 0;
        for (i = 2; i < sizeof sieve_bits; i++) {
            if (!sieve_bits[i])
                continue;
            count++;
            for (j = i + i; j < sizeof sieve_bits; j += i)
                sieve_bits[j] = 0;
        }
    }
    return count;
}

static uint32_t str_len(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return (uint32_t)(p - s);
}

static int str_cmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* Strings: build a text of words, then split, hash, compare and
 * reverse them, n times. */
EXPORT uint32_t strings_run(uint32_t n)
{
    static const char *const words[] = {"device", "gateway", "wasm",
        "module", "flash", "fleet", "enroll", "heartbeat"};
    char word[32], prev[32];
    uint32_t k, i, len, pos, h = 2166136261u, s = 5, same = 0;

    for (pos = 0; pos + 16 < sizeof text;) {
        const char *w = words[lcg(&s) % 8];

        while (*w)
            text[pos++] = *w++;
        text[pos++] = ' ';
    }
    text[pos] = 0;
    prev[0] = 0;
    for (k = 0; k < n; k++) {
        for (i = 0; text[i];) {
            for (len = 0; text[i] && text[i] != ' ' && len < 31; i++)
                word[len++] = text[i];
            word[len] = 0;
            while (text[i] == ' ')
                i++;
            same += str_cmp(word, prev) == 0;
            for (len = 0; len < str_len(word) / 2; len++) {
                char t = word[len];

                word[len] = word[str_len(word) - 1 - len];
                word[str_len(word) - 1 - len] = t;
            }
            for (len = 0; word[len]; len++) {
                h = (h ^ (uint8_t)word[len]) * 16777619u;
                prev[len] = word[len];
            }
            prev[len] = 0;
        }
    }
    return h ^ same;
}

#if defined(__wasm__)
/* The wasm build has no libc: what clang may call for loops it spots. */
void *memset(void *d, int c, unsigned long n)
{
    unsigned char *p = d;

    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
    unsigned char *p = d;
    const unsigned char *q = s;

    while (n--)
        *p++ = *q++;
    return d;
}
#endif
