/* emu_link.h - framing codec of the serial link between board and bridge.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/link.md. Plain C99, no heap, no operating system: the
 * board firmware compiles the same two files as wasmbed-emu.
 */
#ifndef WASMBED_EMU_LINK_H
#define WASMBED_EMU_LINK_H

#include <stddef.h>
#include <stdint.h>

#define EMU_LINK_SOF      0x7E
#define EMU_LINK_MAX      1024 /* largest payload */
#define EMU_LINK_OVERHEAD 6    /* SOF, type, two length, two CRC bytes */
#define EMU_LINK_FRAME_MAX (EMU_LINK_MAX + EMU_LINK_OVERHEAD)

enum emu_link_type {
    EMU_LINK_OPEN = 0x01,
    EMU_LINK_OPENED = 0x02,
    EMU_LINK_DATA = 0x03,
    EMU_LINK_CLOSE = 0x04,
    EMU_LINK_HELLO = 0x05
};

/* What one byte fed to the receiver produced. */
enum emu_link_event {
    EMU_LINK_MORE = 0,  /* nothing complete yet */
    EMU_LINK_FRAME = 1, /* a valid frame is in rx.type, rx.len, rx.payload */
    EMU_LINK_ERROR = 2  /* damaged input dropped; rx.last_error says why */
};

/* Why input was dropped. */
enum emu_link_fault {
    EMU_LINK_F_NONE = 0,
    EMU_LINK_F_NOSOF,    /* bytes where a frame should start */
    EMU_LINK_F_TYPE,     /* unknown frame type */
    EMU_LINK_F_OVERSIZE, /* length over EMU_LINK_MAX */
    EMU_LINK_F_CRC       /* CRC mismatch */
};

/* Receiver state; zero it with emu_link_rx_init. */
struct emu_link_rx {
    uint8_t state;
    uint8_t type;
    uint16_t len;
    uint16_t pos;
    uint16_t crc;          /* computed over type, length, payload */
    uint16_t crc_rx;       /* received, high byte first */
    uint8_t last_error;    /* enum emu_link_fault */
    uint32_t errors;       /* damaged frames and garbage runs dropped */
    uint32_t frames;       /* valid frames delivered */
    uint8_t payload[EMU_LINK_MAX];
};

/* CRC-16/CCITT-FALSE of n bytes, continuing from crc (0xFFFF to start). */
uint16_t emu_link_crc16(uint16_t crc, const uint8_t *p, size_t n);

/* Writes one frame of type with len payload bytes into out (cap bytes).
 * Returns the frame's size, or 0 if len exceeds EMU_LINK_MAX or the frame
 * does not fit in cap. payload may be NULL when len is 0. */
size_t emu_link_encode(uint8_t type, const uint8_t *payload, size_t len,
                       uint8_t *out, size_t cap);

/* Resets a receiver to wait for a frame start; counters are cleared. */
void emu_link_rx_init(struct emu_link_rx *rx);

/* Feeds one received byte. On EMU_LINK_FRAME the frame stays valid until
 * the next call. Damaged input is never delivered: the receiver drops bytes
 * up to the next 0x7E and counts one error per damaged frame or garbage
 * run. */
enum emu_link_event emu_link_rx_byte(struct emu_link_rx *rx, uint8_t byte);

/* Short name of a frame type or fault, for logs. */
const char *emu_link_type_name(uint8_t type);
const char *emu_link_fault_name(uint8_t fault);

#endif
