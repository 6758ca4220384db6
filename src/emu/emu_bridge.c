/* emu_bridge.c - bridge logic between a board's link and the gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Implements the bridge side of docs/link.md: OPEN connects, DATA flows
 * both ways, CLOSE both ways, HELLO drops what was left from before.
 */
#include "emu.h"

#define MOD "bridge"

void emu_bridge_init(struct emu_bridge *b, const struct emu_bridge_ops *ops,
                     void *ctx, const char *name)
{
    b->ops = ops;
    b->ctx = ctx;
    b->name = name;
    b->gw = EMU_GW_NONE;
    emu_link_rx_init(&b->rx);
    b->frames_in = b->frames_out = 0;
    b->bytes_up = b->bytes_down = b->dropped = 0;
}

/* Sends one frame to the device. */
static void send_frame(struct emu_bridge *b, uint8_t type, const uint8_t *p,
                       size_t n)
{
    uint8_t frame[EMU_LINK_FRAME_MAX];
    size_t len = emu_link_encode(type, p, n, frame, sizeof frame);

    if (len && b->ops->dev_write(b->ctx, frame, len) == 0)
        b->frames_out++;
}

/* Closes the gateway side if there is one; the device is not told. */
static void drop_gw(struct emu_bridge *b)
{
    if (b->gw == EMU_GW_NONE)
        return;
    b->ops->gw_close(b->ctx);
    b->gw = EMU_GW_NONE;
}

/* OPEN: replaces any connection with a fresh one. */
static void on_open(struct emu_bridge *b)
{
    drop_gw(b);
    b->gw = EMU_GW_CONNECTING;
    if (b->ops->gw_connect(b->ctx) == 0)
        return;
    b->gw = EMU_GW_NONE;
    emu_log(EMU_WARN, MOD, "%s: gateway unreachable", b->name);
    send_frame(b, EMU_LINK_CLOSE, NULL, 0);
}

/* Acts on one valid frame from the device. */
static void on_frame(struct emu_bridge *b, const struct emu_link_rx *rx)
{
    b->frames_in++;
    switch (rx->type) {
    case EMU_LINK_OPEN:
        emu_log(EMU_INFO, MOD, "%s: OPEN", b->name);
        on_open(b);
        break;
    case EMU_LINK_DATA:
        if (b->gw == EMU_GW_UP &&
            b->ops->gw_write(b->ctx, rx->payload, rx->len) == 0) {
            b->bytes_up += rx->len;
            break;
        }
        b->dropped += rx->len;
        emu_log(EMU_DEBUG, MOD, "%s: DATA without connection, %u bytes "
                "dropped", b->name, rx->len);
        break;
    case EMU_LINK_CLOSE:
        emu_log(EMU_INFO, MOD, "%s: CLOSE from device", b->name);
        drop_gw(b);
        break;
    case EMU_LINK_HELLO:
        emu_log(EMU_INFO, MOD, "%s: HELLO %.*s", b->name, rx->len,
                (const char *)rx->payload);
        drop_gw(b);
        break;
    default:
        emu_log(EMU_WARN, MOD, "%s: %s is not for the bridge, ignored",
                b->name, emu_link_type_name(rx->type));
        break;
    }
}

void emu_bridge_device_bytes(struct emu_bridge *b, const uint8_t *p,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        enum emu_link_event ev = emu_link_rx_byte(&b->rx, p[i]);

        if (ev == EMU_LINK_FRAME)
            on_frame(b, &b->rx);
        else if (ev == EMU_LINK_ERROR)
            emu_log(EMU_WARN, MOD, "%s: link: %s, %u errors so far",
                    b->name, emu_link_fault_name(b->rx.last_error),
                    (unsigned)b->rx.errors);
    }
}

void emu_bridge_device_lost(struct emu_bridge *b)
{
    uint32_t errors = b->rx.errors, frames = b->rx.frames;

    drop_gw(b);
    emu_link_rx_init(&b->rx);
    b->rx.errors = errors;
    b->rx.frames = frames;
}

void emu_bridge_gw_up(struct emu_bridge *b)
{
    if (b->gw != EMU_GW_CONNECTING)
        return;
    b->gw = EMU_GW_UP;
    emu_log(EMU_INFO, MOD, "%s: gateway connected, OPENED", b->name);
    send_frame(b, EMU_LINK_OPENED, NULL, 0);
}

void emu_bridge_gw_bytes(struct emu_bridge *b, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t chunk = n < EMU_LINK_MAX ? n : EMU_LINK_MAX;

        send_frame(b, EMU_LINK_DATA, p, chunk);
        b->bytes_down += chunk;
        p += chunk;
        n -= chunk;
    }
}

void emu_bridge_gw_down(struct emu_bridge *b)
{
    if (b->gw == EMU_GW_NONE)
        return;
    b->gw = EMU_GW_NONE;
    emu_log(EMU_INFO, MOD, "%s: gateway side closed, CLOSE", b->name);
    send_frame(b, EMU_LINK_CLOSE, NULL, 0);
}
