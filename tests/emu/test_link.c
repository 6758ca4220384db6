/* test_link.c - table-driven unit tests of the link framing codec.
 * SPDX-License-Identifier: Apache-2.0
 * Checks src/emu/emu_link.c against docs/link.md: valid frames, damaged
 * frames, bad CRC, oversize length, unknown type and resynchronisation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_link.h"

/* One case: input written as space-separated tokens, and what the receiver
 * must deliver. Tokens: "fT=text" a valid frame of type T (hex digit) with
 * that payload; "cT=text" the same with its last CRC byte flipped;
 * "xHEX" raw bytes; "bigN" a valid DATA frame of N bytes 'a'..'z';
 * "oversize" a DATA header announcing 1025 bytes. Expected frames are
 * written "T=text" (big frames as "T=#N"), space-separated. */
struct link_case {
    const char *name;
    const char *input;
    const char *frames;
    unsigned errors;
    int fault;
};

static const struct link_case cases[] = {
    { "one open", "f1=", "1=", 0, EMU_LINK_F_NONE },
    { "data", "f3=hello", "3=hello", 0, EMU_LINK_F_NONE },
    { "hello names profile", "f5=uno-r4", "5=uno-r4", 0, EMU_LINK_F_NONE },
    { "back to back", "f1= f3=ab f4=", "1= 3=ab 4=", 0, EMU_LINK_F_NONE },
    { "sof inside payload", "f3=~~x~", "3=~~x~", 0, EMU_LINK_F_NONE },
    { "largest payload", "big1024", "3=#1024", 0, EMU_LINK_F_NONE },
    { "garbage before", "x0001020304 f2=", "2=", 1, EMU_LINK_F_NOSOF },
    { "garbage between", "f1= xAABB f4=", "1= 4=", 1, EMU_LINK_F_NOSOF },
    { "bad crc dropped", "c3=lost", "", 1, EMU_LINK_F_CRC },
    { "bad crc then resync", "c3=lost f3=kept", "3=kept", 1,
      EMU_LINK_F_CRC },
    { "oversize length", "oversize", "", 1, EMU_LINK_F_OVERSIZE },
    { "oversize then resync", "oversize x0102 f4=", "4=", 1,
      EMU_LINK_F_OVERSIZE },
    { "unknown type", "x7E09 f1=", "1=", 1, EMU_LINK_F_TYPE },
    { "type zero", "x7E00000000 f2=", "2=", 1, EMU_LINK_F_TYPE },
    { "doubled start byte", "x7E f3=z", "3=z", 1, EMU_LINK_F_TYPE },
    { "truncated then frame", "x7E0300 big200 f1=", "1=", 1,
      EMU_LINK_F_CRC },
    { "damaged length swallows", "x7E030010 f3=abc f4= f2= f2=", "2=", 1,
      EMU_LINK_F_CRC },
    { "two damaged", "c1= c4= f2=", "2=", 2, EMU_LINK_F_CRC },
};

struct buf {
    unsigned char b[8192];
    size_t n;
};

/* Appends one encoded frame; flips the last CRC byte when damage. */
static void put_frame(struct buf *in, int type, const char *text,
                      size_t len, int damage)
{
    size_t n = emu_link_encode((unsigned char)type,
                               (const unsigned char *)text, len,
                               in->b + in->n, sizeof in->b - in->n);

    if (n == 0) {
        fprintf(stderr, "encode refused a valid frame\n");
        exit(1);
    }
    if (damage)
        in->b[in->n + n - 1] ^= 0x5A;
    in->n += n;
}

/* Appends raw bytes written in hex. */
static void put_hex(struct buf *in, const char *hex, size_t len)
{
    unsigned v;

    for (size_t i = 0; i + 1 < len; i += 2) {
        sscanf(hex + i, "%2x", &v);
        in->b[in->n++] = (unsigned char)v;
    }
}

/* Turns a case's input tokens into bytes. */
static void build(const char *spec, struct buf *in)
{
    static char big[EMU_LINK_MAX];
    const char *p = spec;

    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    in->n = 0;
    while (*p) {
        size_t len = strcspn(p, " ");

        if (p[0] == 'f' || p[0] == 'c')
            put_frame(in, p[1] - '0', p + 3, len - 3, p[0] == 'c');
        else if (p[0] == 'x')
            put_hex(in, p + 1, len - 1);
        else if (strncmp(p, "big", 3) == 0)
            put_frame(in, EMU_LINK_DATA, big, strtoul(p + 3, NULL, 10),
                      0);
        else if (strncmp(p, "oversize", 8) == 0)
            put_hex(in, "7E030401", 8);
        p += len;
        p += *p == ' ';
    }
}

/* Appends the text form of a delivered frame to got. */
static void describe(const struct emu_link_rx *rx, char *got, size_t cap)
{
    size_t at = strlen(got);

    if (at)
        got[at++] = ' ';
    if (rx->len > 64)
        snprintf(got + at, cap - at, "%d=#%u", rx->type, rx->len);
    else
        snprintf(got + at, cap - at, "%d=%.*s", rx->type, rx->len,
                 (const char *)rx->payload);
}

/* Runs one case; returns 0 when it passes. */
static int run_case(const struct link_case *c)
{
    static struct emu_link_rx rx;
    struct buf in;
    char got[512] = "";
    unsigned events_err = 0;

    build(c->input, &in);
    emu_link_rx_init(&rx);
    for (size_t i = 0; i < in.n; i++) {
        enum emu_link_event ev = emu_link_rx_byte(&rx, in.b[i]);

        if (ev == EMU_LINK_FRAME)
            describe(&rx, got, sizeof got);
        events_err += ev == EMU_LINK_ERROR;
    }
    if (strcmp(got, c->frames) != 0 || rx.errors != c->errors ||
        events_err != c->errors ||
        (c->errors && rx.last_error != c->fault)) {
        fprintf(stderr,
                "FAIL %s: frames '%s' (want '%s'), errors %u (want %u), "
                "fault %s (want %s)\n",
                c->name, got, c->frames, rx.errors, c->errors,
                emu_link_fault_name(rx.last_error),
                emu_link_fault_name((unsigned char)c->fault));
        return 1;
    }
    return 0;
}

/* Encoder limits and the CRC's published check value. */
static int check_encoder(void)
{
    static unsigned char big[EMU_LINK_MAX + 1], out[EMU_LINK_FRAME_MAX + 8];
    unsigned char want[] = { 0x7E, 0x01, 0x00, 0x00, 0, 0 };
    unsigned short crc;
    int fail = 0;

    crc = emu_link_crc16(0xFFFF, (const unsigned char *)"123456789", 9);
    fail |= crc != 0x29B1;
    fail |= emu_link_encode(3, big, EMU_LINK_MAX + 1, out, sizeof out) != 0;
    fail |= emu_link_encode(3, big, 10, out, 15) != 0;
    fail |= emu_link_encode(3, big, 10, out, 16) != 16;
    fail |= emu_link_encode(3, big, EMU_LINK_MAX, out, sizeof out) !=
            EMU_LINK_FRAME_MAX;
    crc = emu_link_crc16(0xFFFF, want + 1, 3);
    want[4] = (unsigned char)(crc >> 8);
    want[5] = (unsigned char)crc;
    fail |= emu_link_encode(1, NULL, 0, out, sizeof out) != 6;
    fail |= memcmp(out, want, 6) != 0;
    if (fail)
        fprintf(stderr, "FAIL encoder checks (crc %04x)\n", crc);
    return fail;
}

int main(void)
{
    size_t n = sizeof cases / sizeof cases[0];
    int failed = check_encoder();

    for (size_t i = 0; i < n; i++)
        failed += run_case(&cases[i]);
    printf("test_link: %zu cases, %d failed\n", n + 1, failed);
    return failed != 0;
}
