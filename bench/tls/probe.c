/* Wasmbed bench: TLS 1.3 footprint probe, a board image that runs one
 * wolfSSL handshake over the transport UART and reports its RAM.
 * SPDX-License-Identifier: Apache-2.0
 *
 * RFC 8446 client handshake against a real server (bench/tls/run starts
 * `openssl s_server`). The CA certificate (DER) is placed by QEMU's loader
 * at the end of flash: a 4-byte little-endian length, then the DER. Heap
 * use is counted through wolfSSL's allocator hooks, stack use by painting
 * the stack before the handshake.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "board.h"

#define PROBE_PAINT 0xA5A5A5A5u
/* The CA blob sits in the last 16 KB of flash (bench/tls/run). */
#define PROBE_CA_BYTES 16384u

extern uint32_t __stack_bottom, __stack_top;
extern char __flash_end;

static size_t probe_heap_now, probe_heap_peak;
static uint32_t probe_seed_state = 0x9E3779B9u;

/* Bench-only seed: QEMU boards have no TRNG, and the probe measures
 * memory, not key quality. The agent seeds from its per-device DRBG. */
int wasmbed_tls_seed(unsigned char *out, unsigned int len)
{
    for (unsigned int i = 0; i < len; i++) {
        probe_seed_state ^= probe_seed_state << 13;
        probe_seed_state ^= probe_seed_state >> 17;
        probe_seed_state ^= probe_seed_state << 5;
        out[i] = (unsigned char)(probe_seed_state ^ board_millis());
    }
    return 0;
}

/* Counting allocator: each block carries its size in front. */
static void *probe_malloc(size_t n)
{
    size_t *p = malloc(n + sizeof(size_t) * 2);

    if (p == NULL)
        return NULL;
    p[0] = n;
    probe_heap_now += n;
    if (probe_heap_now > probe_heap_peak)
        probe_heap_peak = probe_heap_now;
    return p + 2;
}

static void probe_free(void *q)
{
    size_t *p = q;

    if (p == NULL)
        return;
    probe_heap_now -= p[-2];
    free(p - 2);
}

static void *probe_realloc(void *q, size_t n)
{
    void *r = probe_malloc(n);
    size_t *p = q;

    if (r != NULL && p != NULL)
        memcpy(r, p, p[-2] < n ? p[-2] : n);
    if (r != NULL)
        probe_free(q);
    return r;
}

/* wolfSSL receive callback: blocks for the first byte, then takes what
 * has already arrived. */
static int probe_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    const struct board_uart *t = board_profile.transport;
    int n = 0;

    (void)ssl, (void)ctx;
    while (n == 0)
        n = board_uart_read(t, (uint8_t *)buf);
    while (n < sz && board_uart_read(t, (uint8_t *)buf + n))
        n++;
    return n;
}

static int probe_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl, (void)ctx;
    board_uart_write(board_profile.transport, buf, (size_t)sz);
    return sz;
}

/* Fills the unused stack below the current frame with the paint. */
static void probe_paint_stack(void)
{
    uint32_t *p = &__stack_bottom;
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 64;

    while (p < sp)
        *p++ = PROBE_PAINT;
}

static size_t probe_stack_used(void)
{
    uint32_t *p = &__stack_bottom;

    while (p < &__stack_top && *p == PROBE_PAINT)
        p++;
    return (size_t)((char *)&__stack_top - (char *)p);
}

/* Runs one handshake; returns 0 on success. */
static int probe_handshake(const uint8_t *ca, uint32_t ca_len)
{
    WOLFSSL_CTX *ctx = NULL;
    WOLFSSL *ssl = NULL;
    int rc = -1;

    ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
    if (ctx == NULL ||
        wolfSSL_CTX_load_verify_buffer(ctx, ca, (long)ca_len,
                                       WOLFSSL_FILETYPE_ASN1) !=
            WOLFSSL_SUCCESS) {
        board_console_puts("tls: cannot load the CA certificate\r\n");
        goto out;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    wolfSSL_SetIORecv(ctx, probe_recv);
    wolfSSL_SetIOSend(ctx, probe_send);
    ssl = wolfSSL_new(ctx);
    if (ssl == NULL)
        goto out;
    if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) {
        board_printf("tls: handshake failed, error %d\r\n",
                     wolfSSL_get_error(ssl, 0));
        goto out;
    }
    board_printf("tls: handshake ok, %s %s\r\n", wolfSSL_get_version(ssl),
                 wolfSSL_get_cipher(ssl));
    board_printf("tls: heap during session %lu bytes\r\n",
                 (unsigned long)probe_heap_now);
    wolfSSL_write(ssl, "wasmbed probe\n", 14);
    rc = 0;
out:
    wolfSSL_free(ssl);
    wolfSSL_CTX_free(ctx);
    return rc;
}

int main(void)
{
    uintptr_t at = (uintptr_t)&__flash_end - PROBE_CA_BYTES;
    const uint32_t *blob = (const uint32_t *)at;
    uint32_t ca_len = blob[0];
    int rc;

    board_init();
    board_printf("tls probe: profile=%s\r\n", board_profile.name);
    if (ca_len == 0 || ca_len > 4000) {
        board_console_puts("tls probe: no CA certificate in flash\r\n");
        for (;;)
            __asm__ volatile("wfi");
    }
    wolfSSL_SetAllocators(probe_malloc, probe_free, probe_realloc);
    wolfSSL_Init();
    probe_paint_stack();
    rc = probe_handshake((const uint8_t *)(blob + 1), ca_len);
    board_printf("tls: heap peak %lu bytes, stack peak %lu bytes\r\n",
                 (unsigned long)probe_heap_peak,
                 (unsigned long)probe_stack_used());
    board_printf("tls probe: %s\r\n", rc == 0 ? "done" : "failed");
    for (;;)
        __asm__ volatile("wfi");
}
