/* wolfdev.c - a wolfSSL device session against the gateway (interop).
 * SPDX-License-Identifier: Apache-2.0
 * TLS 1.3 (RFC 8446) as the agent will speak it with wolfSSL, carrying
 * docs/protocol.md: hello, heartbeat, goodbye.
 *
 * wolfdev PORT CA-FILE [CERT-FILE KEY-FILE]
 * Exit status: 0 welcome and heartbeat ack received, 3 the gateway
 * ended the session (as it must without a certificate), 1 other failure.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "proto.h"

static uint8_t rx[8192];
static uint64_t next_id;

static int tcp(uint16_t port)
{
	struct sockaddr_in a;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int send_msg(WOLFSSL *ssl, struct proto_msg *m)
{
	uint8_t buf[1024];
	size_t n;

	m->id = ++next_id;
	if (proto_encode(m, buf, sizeof(buf), &n) != PROTO_OK)
		return -1;
	return wolfSSL_write(ssl, buf, (int)n) == (int)n ? 0 : -1;
}

static int read_full(WOLFSSL *ssl, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int r = wolfSSL_read(ssl, p + got, (int)(n - got));

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Receives one message; -1 when the gateway ended the session. */
static int recv_msg(WOLFSSL *ssl, struct proto_msg *m)
{
	uint32_t n;

	if (read_full(ssl, rx, PROTO_HDR_LEN) != 0 ||
	    proto_frame_len(rx, sizeof(rx) - PROTO_HDR_LEN, &n) != PROTO_OK ||
	    read_full(ssl, rx + PROTO_HDR_LEN, n) != 0)
		return -1;
	return proto_decode(rx + PROTO_HDR_LEN, n, m, NULL) == PROTO_OK
	       ? 0 : -1;
}

/* hello, welcome, heartbeat, ack, goodbye; returns the exit status. */
static int session(WOLFSSL *ssl)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello.board.ptr = (const uint8_t *)"wolfdev";
	m.u.hello.board.len = 7;
	m.u.hello.firmware.ptr = (const uint8_t *)"0";
	m.u.hello.firmware.len = 1;
	m.u.hello.max_frame = 2048;
	if (send_msg(ssl, &m) != 0)
		return 1;
	if (recv_msg(ssl, &m) != 0)
		return 3;
	if (m.type != PROTO_WELCOME)
		return m.type == PROTO_ERROR ? 3 : 1;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HEARTBEAT;
	if (send_msg(ssl, &m) != 0 || recv_msg(ssl, &m) != 0 ||
	    m.type != PROTO_HEARTBEAT_ACK)
		return 1;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_GOODBYE;
	return send_msg(ssl, &m) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	WOLFSSL_CTX *ctx = NULL;
	WOLFSSL *ssl = NULL;
	int fd = -1, rc = 1;

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: wolfdev PORT CA [CERT KEY]\n");
		return 1;
	}
	wolfSSL_Init();
	ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
	if (ctx == NULL || wolfSSL_CTX_load_verify_locations(ctx, argv[2],
							     NULL) !=
	    WOLFSSL_SUCCESS)
		goto out;
	if (argc == 5 &&
	    (wolfSSL_CTX_use_certificate_file(ctx, argv[3],
					      WOLFSSL_FILETYPE_PEM) !=
	     WOLFSSL_SUCCESS ||
	     wolfSSL_CTX_use_PrivateKey_file(ctx, argv[4],
					     WOLFSSL_FILETYPE_PEM) !=
	     WOLFSSL_SUCCESS))
		goto out;
	fd = tcp((uint16_t)atoi(argv[1]));
	ssl = fd >= 0 ? wolfSSL_new(ctx) : NULL;
	if (ssl == NULL || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
	    wolfSSL_connect(ssl) != WOLFSSL_SUCCESS)
		goto out;
	rc = session(ssl);
out:
	printf("wolfdev: %s\n", rc == 0 ? "session ok" : rc == 3
	       ? "session ended by the gateway" : "failed");
	if (ssl) {
		wolfSSL_shutdown(ssl);
		wolfSSL_free(ssl);
	}
	if (fd >= 0)
		close(fd);
	wolfSSL_CTX_free(ctx);
	wolfSSL_Cleanup();
	return rc;
}
