/* The agent's transport: docs/link.md framing on the transport UART.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Implements docs/link.md (device side) with the codec src/emu/emu_link.c
 * and struct agent_transport_ops (src/agent/agent_port.h). The UART is
 * polled; QEMU holds bytes back while the receiver is full, so none are
 * lost while the agent computes.
 */
#include <string.h>

#include "board.h"
#include "board_port.h"

#define LINK_OPEN_MS 10000u
/* After this long without input the pump idles on WFI between polls. */
#define LINK_IDLE_MS 2u

static const struct board_uart *board_link_uart(void)
{
    return board_profile.transport;
}

static void board_link_send(struct board_link *l, uint8_t type,
                            const uint8_t *p, size_t n)
{
    size_t len = emu_link_encode(type, p, n, l->frame, sizeof(l->frame));

    board_uart_write(board_link_uart(), l->frame, len);
}

/* Acts on one decoded frame. DATA is kept only while a connection is
 * open; stale bytes of an older connection are dropped. */
static void board_link_frame(struct board_link *l)
{
    switch (l->rx.type) {
    case EMU_LINK_OPENED:
        l->open = 1;
        l->closed = 0;
        break;
    case EMU_LINK_CLOSE:
        l->open = 0;
        l->closed = 1;
        break;
    case EMU_LINK_DATA:
        if (l->open) {
            l->data_pos = 0;
            l->data_len = l->rx.len;
        }
        break;
    default:
        break;
    }
}

/* Feeds UART bytes to the decoder until DATA is held, the bridge
 * closed, or the deadline (board_millis) passes. Returns 1 if DATA is
 * held. */
static int board_link_pump(struct board_link *l, uint32_t deadline)
{
    uint8_t b;

    for (;;) {
        if (l->data_pos < l->data_len)
            return 1;
        if (l->closed)
            return 0;
        if (board_uart_read(board_link_uart(), &b)) {
            l->last_rx_ms = board_millis();
            if (emu_link_rx_byte(&l->rx, b) == EMU_LINK_FRAME)
                board_link_frame(l);
            continue;
        }
        if ((int32_t)(board_millis() - deadline) >= 0)
            return 0;
        if (board_millis() - l->last_rx_ms > LINK_IDLE_MS)
            __asm__ volatile("wfi");
    }
}

void board_link_init(struct board_link *l)
{
    const char *name = board_profile.name;

    memset(l, 0, sizeof(*l));
    emu_link_rx_init(&l->rx);
    board_link_send(l, EMU_LINK_HELLO, (const uint8_t *)name,
                    strlen(name));
}

/* OPEN, then OPENED within LINK_OPEN_MS, else -1. */
static int board_link_open(void *ctx)
{
    struct board_link *l = ctx;
    uint32_t deadline = board_millis() + LINK_OPEN_MS;

    l->open = 0;
    l->closed = 0;
    l->data_len = l->data_pos = 0;
    board_link_send(l, EMU_LINK_OPEN, NULL, 0);
    while (!l->open && !l->closed &&
           (int32_t)(board_millis() - deadline) < 0)
        board_link_pump(l, board_millis() + 1);
    return l->open ? 0 : -1;
}

static int board_link_wait(void *ctx, uint32_t timeout_ms)
{
    struct board_link *l = ctx;

    if (board_link_pump(l, board_millis() + timeout_ms))
        return 1;
    return l->open ? 0 : -1;
}

static int board_link_read(void *ctx, uint8_t *buf, size_t len,
                           uint32_t timeout_ms)
{
    struct board_link *l = ctx;
    size_t n = 0;

    if (!board_link_pump(l, board_millis() + timeout_ms))
        return l->open ? 0 : -1;
    while (n < len && l->data_pos < l->data_len)
        buf[n++] = l->rx.payload[l->data_pos++];
    return (int)n;
}

static int board_link_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct board_link *l = ctx;
    size_t n;

    while (len > 0) {
        if (!l->open)
            return -1;
        n = len < EMU_LINK_MAX ? len : EMU_LINK_MAX;
        board_link_send(l, EMU_LINK_DATA, buf, n);
        buf += n;
        len -= n;
    }
    return 0;
}

static void board_link_close(void *ctx)
{
    struct board_link *l = ctx;

    if (l->open)
        board_link_send(l, EMU_LINK_CLOSE, NULL, 0);
    l->open = 0;
    l->data_len = l->data_pos = 0;
}

const struct agent_transport_ops board_link_ops = {
    .open = board_link_open,
    .wait = board_link_wait,
    .read = board_link_read,
    .write = board_link_write,
    .close = board_link_close,
};
