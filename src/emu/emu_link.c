/* emu_link.c - framing codec of the serial link between board and bridge.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/link.md: 0x7E, type, 16-bit big-endian length,
 * payload, CRC-16/CCITT-FALSE. C99, no heap, no operating system.
 */
#include "emu_link.h"

/* Receiver states: where the next byte belongs. */
enum {
    RX_START,   /* a frame should start here */
    RX_HUNT,    /* after damage: drop bytes until 0x7E */
    RX_TYPE,
    RX_LEN_HI,
    RX_LEN_LO,
    RX_PAYLOAD,
    RX_CRC_HI,
    RX_CRC_LO
};

uint16_t emu_link_crc16(uint16_t crc, const uint8_t *p, size_t n)
{
    size_t i;
    int bit;

    for (i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u)
                                  : (uint16_t)(crc << 1);
    }
    return crc;
}

size_t emu_link_encode(uint8_t type, const uint8_t *payload, size_t len,
                       uint8_t *out, size_t cap)
{
    uint16_t crc;
    size_t i;

    if (len > EMU_LINK_MAX || cap < len + EMU_LINK_OVERHEAD)
        return 0;
    out[0] = EMU_LINK_SOF;
    out[1] = type;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    for (i = 0; i < len; i++)
        out[4 + i] = payload[i];

    /* The CRC covers type, length and payload, not the start byte. */
    crc = emu_link_crc16(0xFFFFu, out + 1, len + 3);
    out[4 + len] = (uint8_t)(crc >> 8);
    out[5 + len] = (uint8_t)crc;
    return len + EMU_LINK_OVERHEAD;
}

void emu_link_rx_init(struct emu_link_rx *rx)
{
    rx->state = RX_START;
    rx->type = 0;
    rx->len = 0;
    rx->pos = 0;
    rx->crc = 0;
    rx->crc_rx = 0;
    rx->last_error = EMU_LINK_F_NONE;
    rx->errors = 0;
    rx->frames = 0;
}

/* Records damage and starts hunting for the next frame start. */
static enum emu_link_event rx_fail(struct emu_link_rx *rx, uint8_t fault)
{
    rx->last_error = fault;
    rx->errors++;
    rx->state = RX_HUNT;
    return EMU_LINK_ERROR;
}

/* Handles a byte where a frame should start (or while hunting). */
static enum emu_link_event rx_start(struct emu_link_rx *rx, uint8_t byte)
{
    if (byte == EMU_LINK_SOF) {
        rx->state = RX_TYPE;
        return EMU_LINK_MORE;
    }
    if (rx->state == RX_HUNT)
        return EMU_LINK_MORE;
    return rx_fail(rx, EMU_LINK_F_NOSOF);
}

/* Handles the type byte; a repeated 0x7E counts as a new frame start. */
static enum emu_link_event rx_type(struct emu_link_rx *rx, uint8_t byte)
{
    if (byte < EMU_LINK_OPEN || byte > EMU_LINK_HELLO) {
        (void)rx_fail(rx, EMU_LINK_F_TYPE);
        if (byte == EMU_LINK_SOF)
            rx->state = RX_TYPE;
        return EMU_LINK_ERROR;
    }
    rx->type = byte;
    rx->crc = emu_link_crc16(0xFFFFu, &byte, 1);
    rx->state = RX_LEN_HI;
    return EMU_LINK_MORE;
}

/* Handles the low length byte: refuses an oversize frame at once. */
static enum emu_link_event rx_len_lo(struct emu_link_rx *rx, uint8_t byte)
{
    rx->len = (uint16_t)(rx->len | byte);
    rx->crc = emu_link_crc16(rx->crc, &byte, 1);
    if (rx->len > EMU_LINK_MAX)
        return rx_fail(rx, EMU_LINK_F_OVERSIZE);
    rx->pos = 0;
    rx->state = rx->len ? RX_PAYLOAD : RX_CRC_HI;
    return EMU_LINK_MORE;
}

/* Handles the last CRC byte: delivers the frame or drops it. */
static enum emu_link_event rx_crc_lo(struct emu_link_rx *rx, uint8_t byte)
{
    rx->crc_rx = (uint16_t)(rx->crc_rx | byte);
    if (rx->crc_rx != rx->crc)
        return rx_fail(rx, EMU_LINK_F_CRC);
    rx->frames++;
    rx->state = RX_START;
    return EMU_LINK_FRAME;
}

enum emu_link_event emu_link_rx_byte(struct emu_link_rx *rx, uint8_t byte)
{
    switch (rx->state) {
    case RX_TYPE:
        return rx_type(rx, byte);
    case RX_LEN_HI:
        rx->len = (uint16_t)(byte << 8);
        rx->crc = emu_link_crc16(rx->crc, &byte, 1);
        rx->state = RX_LEN_LO;
        return EMU_LINK_MORE;
    case RX_LEN_LO:
        return rx_len_lo(rx, byte);
    case RX_PAYLOAD:
        rx->payload[rx->pos++] = byte;
        rx->crc = emu_link_crc16(rx->crc, &byte, 1);
        if (rx->pos == rx->len)
            rx->state = RX_CRC_HI;
        return EMU_LINK_MORE;
    case RX_CRC_HI:
        rx->crc_rx = (uint16_t)(byte << 8);
        rx->state = RX_CRC_LO;
        return EMU_LINK_MORE;
    case RX_CRC_LO:
        return rx_crc_lo(rx, byte);
    default:
        return rx_start(rx, byte);
    }
}

const char *emu_link_type_name(uint8_t type)
{
    static const char *const names[] = { "?", "OPEN", "OPENED", "DATA",
                                         "CLOSE", "HELLO" };

    return type <= EMU_LINK_HELLO ? names[type] : "?";
}

const char *emu_link_fault_name(uint8_t fault)
{
    static const char *const names[] = { "none", "no frame start",
                                         "unknown type", "oversize length",
                                         "bad CRC" };

    return fault <= EMU_LINK_F_CRC ? names[fault] : "?";
}
