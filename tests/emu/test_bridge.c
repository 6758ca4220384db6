/* test_bridge.c - table-driven unit tests of the bridge logic.
 * SPDX-License-Identifier: Apache-2.0
 * Feeds link frames and gateway events into src/emu/emu_bridge.c with a
 * recording operations table and checks what it did (docs/link.md).
 */
#include <stdio.h>
#include <string.h>

#include "emu_bridge.h"

/* Steps, space-separated: "dT=text" the device sends a frame of type T;
 * "dx" the device sends a damaged frame; "up" the gateway connects;
 * "gw=text" the gateway sends bytes; "down" the gateway side ends;
 * "lost" QEMU's socket drops; "refuse" the next connect fails at once.
 * Actions recorded: "connect", "close", "gw:text" (bytes to the gateway),
 * "dev:T=text" (frames to the device). */
struct bridge_case {
    const char *name;
    const char *steps;
    const char *actions;
};

static const struct bridge_case cases[] = {
    { "open and data", "d1= up d3=hi gw=yo",
      "connect dev:2= gw:hi dev:3=yo" },
    { "data before up dropped", "d1= d3=early up d3=late",
      "connect dev:2= gw:late" },
    { "data with no connection", "d3=lost", "" },
    { "device close", "d1= up d4=", "connect dev:2= close" },
    { "gateway close", "d1= up down", "connect dev:2= dev:4=" },
    { "connect fails later", "d1= down", "connect dev:4=" },
    { "connect refused", "refuse d1=", "connect dev:4=" },
    { "open replaces open", "d1= up d1= up",
      "connect dev:2= close connect dev:2=" },
    { "hello drops old", "d1= up d5=uno-r4", "connect dev:2= close" },
    { "hello when idle", "d5=nano33ble", "" },
    { "qemu socket drops", "d1= up lost", "connect dev:2= close" },
    { "damaged frame ignored", "d1= up dx d3=ok",
      "connect dev:2= gw:ok" },
    { "opened from device ignored", "d2= d3=x", "" },
    { "down when idle", "down", "" },
    { "up without open", "up", "" },
};

struct rec {
    char log[1024];
    int refuse;
};

static void note(struct rec *r, const char *what, const uint8_t *p,
                 size_t n)
{
    size_t at = strlen(r->log);

    snprintf(r->log + at, sizeof r->log - at, "%s%s%.*s", at ? " " : "",
             what, (int)n, (const char *)p);
}

static int op_connect(void *ctx)
{
    struct rec *r = ctx;

    note(r, "connect", NULL, 0);
    if (!r->refuse)
        return 0;
    r->refuse = 0;
    return -1;
}

static void op_close(void *ctx)
{
    note(ctx, "close", NULL, 0);
}

static int op_gw_write(void *ctx, const uint8_t *p, size_t n)
{
    note(ctx, "gw:", p, n);
    return 0;
}

/* Decodes what the bridge sends to the device and records each frame. */
static int op_dev_write(void *ctx, const uint8_t *p, size_t n)
{
    static struct emu_link_rx rx;
    char what[8];

    emu_link_rx_init(&rx);
    for (size_t i = 0; i < n; i++) {
        if (emu_link_rx_byte(&rx, p[i]) == EMU_LINK_FRAME) {
            snprintf(what, sizeof what, "dev:%d=", rx.type);
            note(ctx, what, rx.payload, rx.len);
        }
    }
    return 0;
}

static const struct emu_bridge_ops rec_ops = {
    op_connect, op_close, op_gw_write, op_dev_write
};

/* Sends one device frame (or a damaged one) into the bridge. */
static void device_frame(struct emu_bridge *b, const char *tok, size_t len)
{
    uint8_t frame[EMU_LINK_FRAME_MAX];
    size_t n;

    if (tok[1] == 'x') {
        n = emu_link_encode(EMU_LINK_DATA, (const uint8_t *)"bad", 3,
                            frame, sizeof frame);
        frame[n - 1] ^= 1;
    } else {
        n = emu_link_encode((uint8_t)(tok[1] - '0'),
                            (const uint8_t *)tok + 3, len - 3, frame,
                            sizeof frame);
    }
    emu_bridge_device_bytes(b, frame, n);
}

/* Runs one step token. */
static void step(struct emu_bridge *b, struct rec *r, const char *tok,
                 size_t len)
{
    if (tok[0] == 'd' && len >= 2 && tok[1] != 'o')
        device_frame(b, tok, len);
    else if (strncmp(tok, "up", len) == 0)
        emu_bridge_gw_up(b);
    else if (strncmp(tok, "gw=", 3) == 0)
        emu_bridge_gw_bytes(b, (const uint8_t *)tok + 3, len - 3);
    else if (strncmp(tok, "down", len) == 0)
        emu_bridge_gw_down(b);
    else if (strncmp(tok, "lost", len) == 0)
        emu_bridge_device_lost(b);
    else if (strncmp(tok, "refuse", len) == 0)
        r->refuse = 1;
}

static int run_case(const struct bridge_case *c)
{
    struct emu_bridge b;
    struct rec r = { "", 0 };
    const char *p = c->steps;

    emu_bridge_init(&b, &rec_ops, &r, "test");
    while (*p) {
        size_t len = strcspn(p, " ");

        step(&b, &r, p, len);
        p += len;
        p += *p == ' ';
    }
    if (strcmp(r.log, c->actions) == 0)
        return 0;
    fprintf(stderr, "FAIL %s: did '%s', want '%s'\n", c->name, r.log,
            c->actions);
    return 1;
}

/* Gateway bytes beyond one frame's payload are split into frames. */
static int check_split(void)
{
    static uint8_t big[EMU_LINK_MAX * 2 + 10];
    struct emu_bridge b;
    struct rec r = { "", 0 };

    memset(big, 'z', sizeof big);
    emu_bridge_init(&b, &rec_ops, &r, "test");
    emu_bridge_gw_bytes(&b, big, sizeof big);
    if (b.frames_out == 3 && b.bytes_down == sizeof big)
        return 0;
    fprintf(stderr, "FAIL split: %llu frames\n",
            (unsigned long long)b.frames_out);
    return 1;
}

int main(void)
{
    size_t n = sizeof cases / sizeof cases[0];
    int failed = check_split();

    for (size_t i = 0; i < n; i++)
        failed += run_case(&cases[i]);
    printf("test_bridge: %zu cases, %d failed\n", n + 1, failed);
    return failed != 0;
}
