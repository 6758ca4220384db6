/* The agent's storage: items and slots in flash.bin through semihosting.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Implements struct agent_storage_ops (src/agent/agent_port.h) over the
 * flash file of docs/emu.md; layout in docs/boards.md "Agent firmware".
 * Each item has two copies; a save writes the older one, data first and
 * its header last, so a cut write leaves the other copy in force. Slots
 * are copied into RAM at boot and written through, so slot_map returns
 * RAM the engine reads directly on every profile.
 */
#include <string.h>

#include "board.h"
#include "board_port.h"
#include "board_semihost.h"

#define STORE_MAGIC 0x31494257u   /* "WBI1" */
#define STORE_COPY 4096u          /* one copy: header and data */
#define STORE_HDR 20u
#define STORE_DATA_MAX (STORE_COPY - STORE_HDR)
#define STORE_SLOT_BASE (64u * 1024u)

_Static_assert(AGENT_ITEM_COUNT * 2u * STORE_COPY <= STORE_SLOT_BASE,
               "items overlap the slots");

/* The header in front of each copy of an item. */
struct store_hdr {
    uint32_t magic;
    uint32_t seq;  /* higher is newer */
    uint32_t len;  /* 0: the item was erased */
    uint32_t dcrc; /* CRC-32 of the data */
    uint32_t hcrc; /* CRC-32 of the four words above */
};

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320). */
static uint32_t store_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;

    while (n-- > 0) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t store_off(int item, int copy)
{
    return ((uint32_t)item * 2u + (uint32_t)copy) * STORE_COPY;
}

/* Reads the header of one copy; 1 if it is intact, else 0. */
static int store_hdr_read(struct board_store *s, int item, int copy,
                          struct store_hdr *h)
{
    if (board_sh_pread(s->fd, store_off(item, copy), h, sizeof(*h)) != 0)
        return 0;
    return h->magic == STORE_MAGIC && h->len <= STORE_DATA_MAX &&
           h->hcrc == store_crc32((const uint8_t *)h, 16);
}

/* Which copy holds the newest intact header: 0, 1, or -1 for none. */
static int store_newest(struct board_store *s, int item,
                        struct store_hdr *h)
{
    struct store_hdr a, b;
    int va = store_hdr_read(s, item, 0, &a);
    int vb = store_hdr_read(s, item, 1, &b);

    if (vb && (!va || b.seq > a.seq)) {
        *h = b;
        return 1;
    }
    if (va)
        *h = a;
    return va ? 0 : -1;
}

/* The newest copy whose data checks; falls back to the other copy. */
static long store_load(void *ctx, int item, uint8_t *buf, size_t cap)
{
    struct board_store *s = ctx;
    struct store_hdr h;
    int copy = store_newest(s, item, &h);

    for (int tries = 0; copy >= 0 && tries < 2; tries++) {
        if (h.len == 0)
            return 0;
        if (h.len > cap)
            return -1;
        if (board_sh_pread(s->fd, store_off(item, copy) + STORE_HDR, buf,
                           h.len) == 0 &&
            store_crc32(buf, h.len) == h.dcrc)
            return (long)h.len;
        copy = 1 - copy;
        if (!store_hdr_read(s, item, copy, &h))
            break;
    }
    return 0;
}

static int store_save(void *ctx, int item, const uint8_t *buf, size_t len)
{
    struct board_store *s = ctx;
    struct store_hdr h;
    int copy = store_newest(s, item, &h);
    uint32_t seq = copy < 0 ? 1u : h.seq + 1u;
    uint32_t off;

    if (item < 0 || item >= AGENT_ITEM_COUNT || len > STORE_DATA_MAX)
        return -1;
    copy = copy == 0 ? 1 : 0;
    off = store_off(item, copy);
    h.magic = STORE_MAGIC;
    h.seq = seq;
    h.len = (uint32_t)len;
    h.dcrc = store_crc32(buf, len);
    h.hcrc = store_crc32((const uint8_t *)&h, 16);
    if (len > 0 && board_sh_pwrite(s->fd, off + STORE_HDR, buf, len) != 0)
        return -1;
    return board_sh_pwrite(s->fd, off, &h, sizeof(h));
}

static int store_erase(void *ctx, int item)
{
    return store_save(ctx, item, NULL, 0);
}

static uint32_t store_slot_off(uint32_t slot)
{
    return STORE_SLOT_BASE + slot * BOARD_AGENT_SLOT_SIZE;
}

static int store_slot_erase(void *ctx, uint32_t slot)
{
    struct board_store *s = ctx;

    if (slot >= BOARD_AGENT_NSLOTS)
        return -1;
    memset(s->slots[slot], 0xFF, BOARD_AGENT_SLOT_SIZE);
    return board_sh_pwrite(s->fd, store_slot_off(slot), s->slots[slot],
                           BOARD_AGENT_SLOT_SIZE);
}

static int store_slot_write(void *ctx, uint32_t slot, uint32_t off,
                            const uint8_t *p, size_t n)
{
    struct board_store *s = ctx;

    if (slot >= BOARD_AGENT_NSLOTS || off > BOARD_AGENT_SLOT_SIZE ||
        n > BOARD_AGENT_SLOT_SIZE - off)
        return -1;
    memcpy(s->slots[slot] + off, p, n);
    return board_sh_pwrite(s->fd, store_slot_off(slot) + off, p, n);
}

static const uint8_t *store_slot_map(void *ctx, uint32_t slot,
                                     uint32_t len)
{
    struct board_store *s = ctx;

    if (slot >= BOARD_AGENT_NSLOTS || len > BOARD_AGENT_SLOT_SIZE)
        return NULL;
    return s->slots[slot];
}

const struct agent_storage_ops board_store_ops = {
    .load = store_load,
    .save = store_save,
    .erase = store_erase,
    .slot_erase = store_slot_erase,
    .slot_write = store_slot_write,
    .slot_map = store_slot_map,
};

/* Imports ca.der from QEMU's working directory when no CA is stored:
 * the board's counterpart of wasmbed-device --ca. */
static void store_import_ca(struct board_store *s)
{
    uint8_t der[STORE_DATA_MAX];
    int fd;
    long n;

    if (store_load(s, AGENT_ITEM_CA, der, sizeof(der)) > 0)
        return;
    fd = board_sh_open("ca.der", BOARD_SH_RB);
    if (fd < 0) {
        board_console_puts("store: no fleet CA stored, no ca.der\r\n");
        return;
    }
    n = board_sh_flen(fd);
    if (n > 0 && (size_t)n <= sizeof(der) &&
        board_sh_pread(fd, 0, der, (size_t)n) == 0 &&
        store_save(s, AGENT_ITEM_CA, der, (size_t)n) == 0)
        board_printf("store: fleet CA imported from ca.der, %ld bytes\r\n",
                     n);
    else
        board_console_puts("store: ca.der unusable\r\n");
    board_sh_close(fd);
}

int board_store_init(struct board_store *s)
{
    uint32_t need = store_slot_off(BOARD_AGENT_NSLOTS);
    long len;

    s->fd = board_sh_open("flash.bin", BOARD_SH_RPB);
    if (s->fd < 0) {
        board_console_puts("store: cannot open flash.bin\r\n");
        return -1;
    }
    len = board_sh_flen(s->fd);
    if (len < 0 || (uint32_t)len < need) {
        board_printf("store: flash.bin has %ld bytes, need %lu\r\n", len,
                     (unsigned long)need);
        return -1;
    }
    s->size = (uint32_t)len;
    for (uint32_t i = 0; i < BOARD_AGENT_NSLOTS; i++) {
        if (board_sh_pread(s->fd, store_slot_off(i), s->slots[i],
                           BOARD_AGENT_SLOT_SIZE) != 0) {
            board_console_puts("store: cannot read flash.bin\r\n");
            return -1;
        }
    }
    store_import_ca(s);
    return 0;
}
