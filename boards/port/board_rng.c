/* The board's DRBG: SHA-256 over a key seeded from seed.bin at boot.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Output block i is SHA-256(K || i || "o"); after each request K is
 * replaced by SHA-256(K || i || "k"), so earlier output cannot be
 * recomputed from a later state (NIST SP 800-90A, 8.6.1 backtracking
 * resistance, in spirit). At boot K = SHA-256("boot" || seed || clock)
 * and a seed derived from K under another label replaces seed.bin
 * (seed.tmp, then SYS_RENAME; docs/emu.md). wolfSSL's own Hash_DRBG
 * takes its seed from here through wasmbed_tls_seed().
 */
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "board.h"
#include "board_port.h"
#include "board_semihost.h"

#define RNG_LEN 32u

int wasmbed_tls_seed(unsigned char *out, unsigned int len);

static struct {
    uint8_t key[RNG_LEN];
    uint32_t ctr;
    int ready;
} board_rng;

/* out = SHA-256(a || b || label byte); 0 or -1. */
static int rng_hash(uint8_t out[RNG_LEN], const void *a, size_t na,
                    const void *b, size_t nb, uint8_t label)
{
    wc_Sha256 sha;
    int rc = -1;

    if (wc_InitSha256(&sha) != 0)
        return -1;
    if (wc_Sha256Update(&sha, a, (word32)na) == 0 &&
        wc_Sha256Update(&sha, b, (word32)nb) == 0 &&
        wc_Sha256Update(&sha, &label, 1) == 0 &&
        wc_Sha256Final(&sha, out) == 0)
        rc = 0;
    wc_Sha256Free(&sha);
    return rc;
}

/* Fills buf from the DRBG, then steps its key forward. */
static int rng_fill(void *ctx, uint8_t *buf, size_t n)
{
    uint8_t block[RNG_LEN];
    int rc = -1;

    (void)ctx;
    if (!board_rng.ready)
        goto out;
    while (n > 0) {
        size_t k = n < RNG_LEN ? n : RNG_LEN;

        board_rng.ctr++;
        if (rng_hash(block, board_rng.key, RNG_LEN, &board_rng.ctr,
                     sizeof(board_rng.ctr), 'o') != 0)
            goto out;
        memcpy(buf, block, k);
        buf += k;
        n -= k;
    }
    board_rng.ctr++;
    rc = rng_hash(board_rng.key, board_rng.key, RNG_LEN, &board_rng.ctr,
                  sizeof(board_rng.ctr), 'k');
out:
    memset(block, 0, sizeof(block));
    return rc;
}

const struct agent_entropy_ops board_rng_ops = { .fill = rng_fill };

int wasmbed_tls_seed(unsigned char *out, unsigned int len)
{
    return rng_fill(NULL, out, len);
}

/* Writes next to seed.tmp and renames it over seed.bin. */
static int rng_store_seed(const uint8_t *next)
{
    int fd = board_sh_open("seed.tmp", BOARD_SH_WB);
    int rc;

    if (fd < 0)
        return -1;
    rc = board_sh_pwrite(fd, 0, next, RNG_LEN);
    if (board_sh_close(fd) != 0)
        rc = -1;
    if (rc == 0)
        rc = board_sh_rename("seed.tmp", "seed.bin");
    return rc;
}

int board_rng_boot(void)
{
    uint8_t seed[RNG_LEN], next[RNG_LEN];
    uint32_t now = board_millis();
    int fd = board_sh_open("seed.bin", BOARD_SH_RB);
    int rc = -1;

    if (fd < 0 || board_sh_flen(fd) < (long)RNG_LEN ||
        board_sh_pread(fd, 0, seed, RNG_LEN) != 0) {
        board_console_puts("rng: seed.bin missing or short\r\n");
        goto out;
    }

    /* The boot key, then the next boot's seed under another label. */
    if (rng_hash(board_rng.key, seed, RNG_LEN, &now, sizeof(now), 'b') ||
        rng_hash(next, board_rng.key, RNG_LEN, "seed", 4, 's'))
        goto out;
    if (rng_store_seed(next) != 0) {
        board_console_puts("rng: cannot rewrite seed.bin\r\n");
        goto out;
    }
    board_rng.ready = 1;
    rc = 0;
out:
    if (fd >= 0)
        board_sh_close(fd);
    memset(seed, 0, sizeof(seed));
    memset(next, 0, sizeof(next));
    return rc;
}
