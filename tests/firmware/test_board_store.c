/* Unit test of the agent firmware's storage (boards/port/board_store.c)
 * on the host, with semihosting played by files in a temporary folder.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Checks docs/boards.md "Agent firmware", storage: items round-trip, an
 * erase reads absent, a write cut at any byte leaves the old or the new
 * value and never a damaged one, a damaged newest copy falls back to the
 * older, slots persist across a restart, ca.der is imported once.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "board_port.h"
#include "board_semihost.h"

#define FLASH_SIZE (256u * 1024u)

static int failures;
static long cut_left = -1; /* bytes writable before the "power cut" */

#define CHECK(c)                                                       \
    do {                                                               \
        if (!(c)) {                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, \
                    #c);                                               \
            failures++;                                                \
        }                                                              \
    } while (0)

/* ---- semihosting over host files ---- */

static FILE *files[8];

int board_sh_open(const char *name, enum board_sh_mode mode)
{
    const char *m = mode == BOARD_SH_RB ? "rb"
                    : mode == BOARD_SH_RPB ? "r+b" : "wb";

    for (int i = 0; i < 8; i++) {
        if (files[i] == NULL) {
            files[i] = fopen(name, m);
            return files[i] != NULL ? i : -1;
        }
    }
    return -1;
}

int board_sh_close(int fd)
{
    int rc = fclose(files[fd]);

    files[fd] = NULL;
    return rc == 0 ? 0 : -1;
}

int board_sh_pread(int fd, uint32_t off, void *buf, size_t n)
{
    if (fseek(files[fd], (long)off, SEEK_SET) != 0)
        return -1;
    return fread(buf, 1, n, files[fd]) == n ? 0 : -1;
}

/* Writes, unless the power cut comes first: then only the bytes before
 * it reach the file and every later write fails. */
int board_sh_pwrite(int fd, uint32_t off, const void *buf, size_t n)
{
    size_t k = n;

    if (cut_left >= 0 && (long)n > cut_left)
        k = (size_t)cut_left;
    if (fseek(files[fd], (long)off, SEEK_SET) != 0 ||
        fwrite(buf, 1, k, files[fd]) != k || fflush(files[fd]) != 0)
        return -1;
    if (cut_left >= 0)
        cut_left -= (long)k;
    return k == n ? 0 : -1;
}

long board_sh_flen(int fd)
{
    if (fseek(files[fd], 0, SEEK_END) != 0)
        return -1;
    return ftell(files[fd]);
}

int board_sh_rename(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : -1;
}

/* ---- console stubs ---- */

void board_console_puts(const char *s)
{
    (void)s;
}

void board_printf(const char *fmt, ...)
{
    (void)fmt;
}

/* ---- helpers ---- */

static struct board_store store;

static void make_flash(void)
{
    static uint8_t erased[FLASH_SIZE];
    FILE *f = fopen("flash.bin", "wb");

    memset(erased, 0xFF, sizeof(erased));
    fwrite(erased, 1, sizeof(erased), f);
    fclose(f);
}

static void reopen(void)
{
    if (store.fd >= 0 && files[store.fd] != NULL)
        board_sh_close(store.fd);
    CHECK(board_store_init(&store) == 0);
}

static long load(int item, uint8_t *buf)
{
    return board_store_ops.load(&store, item, buf, 4096);
}

static int save_str(int item, const char *s)
{
    return board_store_ops.save(&store, item, (const uint8_t *)s,
                                strlen(s));
}

static int holds(int item, const char *s)
{
    uint8_t buf[4096];
    long n = load(item, buf);

    return n == (long)strlen(s) && memcmp(buf, s, (size_t)n) == 0;
}

/* ---- cases ---- */

static void test_items(void)
{
    uint8_t buf[4096];

    make_flash();
    reopen();
    for (int i = 0; i < AGENT_ITEM_COUNT; i++)
        CHECK(load(i, buf) == 0);
    CHECK(save_str(AGENT_ITEM_ID, "wb-1") == 0);
    CHECK(save_str(AGENT_ITEM_ID, "wb-22") == 0);
    CHECK(save_str(AGENT_ITEM_ID, "wb-333") == 0);
    CHECK(holds(AGENT_ITEM_ID, "wb-333"));
    CHECK(load(AGENT_ITEM_KEY, buf) == 0);
    reopen();
    CHECK(holds(AGENT_ITEM_ID, "wb-333"));
    CHECK(board_store_ops.erase(&store, AGENT_ITEM_ID) == 0);
    CHECK(load(AGENT_ITEM_ID, buf) == 0);
    CHECK(board_store_ops.load(&store, AGENT_ITEM_CA, buf, 2) == 0);
    CHECK(save_str(AGENT_ITEM_CA, "certificate") == 0);
    CHECK(board_store_ops.load(&store, AGENT_ITEM_CA, buf, 2) == -1);
    CHECK(board_store_ops.save(&store, AGENT_ITEM_CA, buf, 5000) == -1);
    CHECK(board_store_ops.save(&store, AGENT_ITEM_COUNT, buf, 1) == -1);
}

/* A save cut after every possible number of bytes. */
static void test_power_cut(void)
{
    const char *old = "the old value", *new = "a newer, longer value";
    long total = (long)strlen(new) + 20;

    for (long k = 0; k <= total; k++) {
        make_flash();
        reopen();
        CHECK(save_str(AGENT_ITEM_APPS, old) == 0);
        cut_left = k;
        save_str(AGENT_ITEM_APPS, new);
        cut_left = -1;
        reopen();
        CHECK(holds(AGENT_ITEM_APPS, k < total ? old : new));
        /* The next save still works and wins. */
        CHECK(save_str(AGENT_ITEM_APPS, "after") == 0);
        CHECK(holds(AGENT_ITEM_APPS, "after"));
    }
}

/* Damaged data in the newest copy: the older copy is used. */
static void test_damage(void)
{
    uint8_t bad = 0;

    make_flash();
    reopen();
    CHECK(save_str(AGENT_ITEM_SEQ, "first") == 0);
    CHECK(save_str(AGENT_ITEM_SEQ, "second") == 0);
    /* "second" went to copy 1 of item SEQ; flip a data byte. */
    CHECK(board_sh_pwrite(store.fd, (AGENT_ITEM_SEQ * 2 + 1) * 4096 + 20,
                          &bad, 1) == 0);
    CHECK(holds(AGENT_ITEM_SEQ, "first"));
}

static void test_slots(void)
{
    const uint8_t mod[] = { 0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0 };
    const uint8_t *p;

    make_flash();
    reopen();
    CHECK(board_store_ops.slot_erase(&store, 0) == 0);
    CHECK(board_store_ops.slot_write(&store, 0, 0, mod, 4) == 0);
    CHECK(board_store_ops.slot_write(&store, 0, 4, mod + 4, 4) == 0);
    p = board_store_ops.slot_map(&store, 0, sizeof(mod));
    CHECK(p != NULL && memcmp(p, mod, sizeof(mod)) == 0);
    reopen();
    p = board_store_ops.slot_map(&store, 0, sizeof(mod));
    CHECK(p != NULL && memcmp(p, mod, sizeof(mod)) == 0);
    CHECK(board_store_ops.slot_erase(&store, 0) == 0);
    CHECK(board_store_ops.slot_map(&store, 0, 1)[0] == 0xFF);
    CHECK(board_store_ops.slot_write(&store, 0, BOARD_AGENT_SLOT_SIZE - 1,
                                     mod, 2) == -1);
    CHECK(board_store_ops.slot_erase(&store, BOARD_AGENT_NSLOTS) == -1);
    CHECK(board_store_ops.slot_map(&store, 0,
                                   BOARD_AGENT_SLOT_SIZE + 1) == NULL);
}

static void test_ca_import(void)
{
    FILE *f;

    make_flash();
    f = fopen("ca.der", "wb");
    fputs("fleet-ca", f);
    fclose(f);
    reopen();
    CHECK(holds(AGENT_ITEM_CA, "fleet-ca"));
    f = fopen("ca.der", "wb");
    fputs("another", f);
    fclose(f);
    reopen();
    CHECK(holds(AGENT_ITEM_CA, "fleet-ca"));
    remove("ca.der");
}

int main(void)
{
    char dir[] = "/tmp/board-store.XXXXXX";

    if (mkdtemp(dir) == NULL || chdir(dir) != 0)
        return 2;
    store.fd = -1;
    test_items();
    test_power_cut();
    test_damage();
    test_slots();
    test_ca_import();
    board_sh_close(store.fd);
    remove("flash.bin");
    if (chdir("/") != 0 || rmdir(dir) != 0)
        failures++;
    printf("board_store: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
