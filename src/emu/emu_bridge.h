/* emu_bridge.h - bridge logic between a board's link and the gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Implements the bridge side of docs/link.md, free of sockets: the owner
 * supplies an operations table and reports gateway events back.
 */
#ifndef WASMBED_EMU_BRIDGE_H
#define WASMBED_EMU_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "emu_link.h"

/* What the bridge asks of its owner. Each returns 0, or -1 on failure. */
struct emu_bridge_ops {
    /* Start connecting to the gateway; the owner later calls
     * emu_bridge_gw_up or emu_bridge_gw_down. */
    int (*gw_connect)(void *ctx);
    /* Drop the gateway connection now, without reporting it back. */
    void (*gw_close)(void *ctx);
    int (*gw_write)(void *ctx, const uint8_t *p, size_t n);
    int (*dev_write)(void *ctx, const uint8_t *p, size_t n);
};

enum emu_bridge_gw { EMU_GW_NONE, EMU_GW_CONNECTING, EMU_GW_UP };

struct emu_bridge {
    const struct emu_bridge_ops *ops;
    void *ctx;
    const char *name;        /* board name, for logs */
    enum emu_bridge_gw gw;
    struct emu_link_rx rx;
    uint64_t frames_in, frames_out, bytes_up, bytes_down, dropped;
};

/* Prepares a bridge with no gateway connection. name must outlive it. */
void emu_bridge_init(struct emu_bridge *b, const struct emu_bridge_ops *ops,
                     void *ctx, const char *name);

/* Bytes that came from the board's transport UART. */
void emu_bridge_device_bytes(struct emu_bridge *b, const uint8_t *p,
                             size_t n);
/* The board's transport socket dropped (QEMU stopped): closes the gateway
 * side and forgets any partial frame. */
void emu_bridge_device_lost(struct emu_bridge *b);

/* The gateway connection is up: tells the device OPENED. */
void emu_bridge_gw_up(struct emu_bridge *b);
/* Bytes from the gateway: sent to the device as DATA frames. */
void emu_bridge_gw_bytes(struct emu_bridge *b, const uint8_t *p, size_t n);
/* The gateway connection failed or ended: tells the device CLOSE. */
void emu_bridge_gw_down(struct emu_bridge *b);

#endif
