/* agent_tls.c - TLS 1.3 client over the transport port, and framing.
 * SPDX-License-Identifier: Apache-2.0
 * Implements RFC 8446 (client, through wolfSSL) with ECDSA P-256
 * certificates, and docs/protocol.md "Framing".
 */
#ifndef WOLFSSL_USER_SETTINGS
#include <wolfssl/options.h>
#endif
#include <wolfssl/ssl.h>

#include <string.h>

#include "agent_internal.h"

#define MOD "tls"
#define KEY_MAX 256u

/* wolfSSL's receive callback: blocks up to the I/O timeout. */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct agent *a = ctx;
	const struct agent_port *p = a->port;
	int n;

	(void)ssl;
	n = p->transport->read(p->transport_ctx, (uint8_t *)buf, (size_t)sz,
			       a->conf.io_timeout_ms);
	if (n > 0)
		return n;
	return n == 0 ? WOLFSSL_CBIO_ERR_TIMEOUT : WOLFSSL_CBIO_ERR_CONN_CLOSE;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct agent *a = ctx;
	const struct agent_port *p = a->port;

	(void)ssl;
	if (p->transport->write(p->transport_ctx, (const uint8_t *)buf,
				(size_t)sz) != 0)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	return sz;
}

/* Loads a stored DER item into buf and hands it to wolfSSL as the
 * trust anchor (what 0), certificate (1) or private key (2). */
static agent_err load_der(struct agent *a, WOLFSSL_CTX *ctx, int item,
			  int what, uint8_t *buf, size_t cap)
{
	const struct agent_port *p = a->port;
	long n = p->storage->load(p->storage_ctx, item, buf, cap);
	int r;

	if (n <= 0)
		return AGENT_E_STORAGE;
	if (what == 0)
		r = wolfSSL_CTX_load_verify_buffer(ctx, buf, n,
						   WOLFSSL_FILETYPE_ASN1);
	else if (what == 1)
		r = wolfSSL_CTX_use_certificate_buffer(ctx, buf, n,
						       WOLFSSL_FILETYPE_ASN1);
	else
		r = wolfSSL_CTX_use_PrivateKey_buffer(ctx, buf, n,
						      WOLFSSL_FILETYPE_ASN1);
	return r == WOLFSSL_SUCCESS ? AGENT_OK : AGENT_E_TLS;
}

/* A context trusting only the fleet CA, with the device's certificate
 * and key when with_cert. The key's DER copy is wiped before return. */
static agent_err make_ctx(struct agent *a, int with_cert)
{
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
	uint8_t key[KEY_MAX];
	agent_err rc = AGENT_E_TLS;

	if (ctx == NULL)
		goto out;
	a->tls_ctx = ctx;
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
	wolfSSL_CTX_SetIORecv(ctx, io_recv);
	wolfSSL_CTX_SetIOSend(ctx, io_send);
	rc = load_der(a, ctx, AGENT_ITEM_CA, 0, a->rx, sizeof(a->rx));
	if (rc != AGENT_OK) {
		agent_log(a, AGENT_ERROR, MOD, "no usable fleet CA stored");
		goto out;
	}
	if (!with_cert)
		goto out;
	rc = load_der(a, ctx, AGENT_ITEM_CERT, 1, a->rx, sizeof(a->rx));
	if (rc == AGENT_OK)
		rc = load_der(a, ctx, AGENT_ITEM_KEY, 2, key, sizeof(key));
	if (rc != AGENT_OK)
		agent_log(a, AGENT_ERROR, MOD, "stored credentials unusable");
out:
	agent_wipe(key, sizeof(key));
	return rc;
}

/* Logs why a handshake failed, in wolfSSL's words. */
static void log_tls_error(struct agent *a, WOLFSSL *ssl, int ret)
{
	char buf[WOLFSSL_MAX_ERROR_SZ];
	int e = wolfSSL_get_error(ssl, ret);

	wolfSSL_ERR_error_string_n((unsigned long)e, buf, sizeof(buf));
	agent_log(a, AGENT_WARN, MOD, "handshake failed: %s (%d)", buf, e);
}

agent_err agent_tls_open(struct agent *a, int with_cert)
{
	const struct agent_port *p = a->port;
	WOLFSSL *ssl;
	agent_err rc;
	int ret;

	if (p->transport->open(p->transport_ctx) != 0) {
		agent_log(a, AGENT_WARN, MOD, "gateway not reachable");
		return AGENT_E_IO;
	}
	rc = make_ctx(a, with_cert);
	if (rc != AGENT_OK)
		goto out;

	/* The gateway must hold the name we dialled (SAN or CN). */
	rc = AGENT_E_TLS;
	ssl = wolfSSL_new(a->tls_ctx);
	if (ssl == NULL)
		goto out;
	a->tls = ssl;
	wolfSSL_SetIOReadCtx(ssl, a);
	wolfSSL_SetIOWriteCtx(ssl, a);
	wolfSSL_UseKeyShare(ssl, WOLFSSL_ECC_SECP256R1);
	if (a->conf.host != NULL &&
	    wolfSSL_check_domain_name(ssl, a->conf.host) != WOLFSSL_SUCCESS)
		goto out;
	ret = wolfSSL_connect(ssl);
	if (ret != WOLFSSL_SUCCESS) {
		log_tls_error(a, ssl, ret);
		goto out;
	}
	a->next_id = 0;
	a->peer_max = PROTO_MIN_FRAME;
	rc = AGENT_OK;
out:
	if (rc != AGENT_OK)
		agent_tls_close(a);
	return rc;
}

void agent_tls_close(struct agent *a)
{
	const struct agent_port *p = a->port;

	if (a->tls != NULL) {
		wolfSSL_shutdown(a->tls);
		wolfSSL_free(a->tls);
	}
	if (a->tls_ctx != NULL)
		wolfSSL_CTX_free(a->tls_ctx);
	a->tls = NULL;
	a->tls_ctx = NULL;
	p->transport->close(p->transport_ctx);
}

agent_err agent_send(struct agent *a, struct proto_msg *m)
{
	size_t cap = PROTO_HDR_LEN + a->peer_max, len;
	proto_err pe;

	if (a->tls == NULL)
		return AGENT_E_IO;
	if (cap > sizeof(a->tx))
		cap = sizeof(a->tx);
	m->id = ++a->next_id;
	pe = proto_encode(m, a->tx, cap, &len);
	if (pe == PROTO_E_NOSPACE)
		return AGENT_E_NOSPACE; /* over the peer's limit: caller's */
	if (pe != PROTO_OK) {
		agent_log(a, AGENT_ERROR, MOD, "cannot encode %s: %s",
			  proto_type_name(m->type), proto_strerror(pe));
		return AGENT_E_PROTO;
	}
	if (wolfSSL_write(a->tls, a->tx, (int)len) != (int)len)
		return AGENT_E_IO;
	return AGENT_OK;
}

int agent_tls_wait(struct agent *a, uint32_t ms)
{
	const struct agent_port *p = a->port;

	if (a->tls == NULL)
		return -1;
	if (wolfSSL_pending(a->tls) > 0)
		return 1;
	return p->transport->wait(p->transport_ctx, ms);
}

/* Reads exactly n bytes of plaintext; says why when it cannot (an
 * alert from the gateway, such as a refused certificate). */
static agent_err read_full(struct agent *a, uint8_t *buf, size_t n)
{
	char why[WOLFSSL_MAX_ERROR_SZ];
	size_t got = 0;
	int r, e;

	while (got < n) {
		r = wolfSSL_read(a->tls, buf + got, (int)(n - got));
		if (r <= 0) {
			e = wolfSSL_get_error(a->tls, r);
			wolfSSL_ERR_error_string_n((unsigned long)e, why,
						   sizeof(why));
			agent_log(a, AGENT_INFO, MOD, "read ended: %s (%d)",
				  why, e);
			return AGENT_E_IO;
		}
		got += (size_t)r;
	}
	return AGENT_OK;
}

agent_err agent_recv(struct agent *a)
{
	struct proto_diag diag;
	uint32_t n;
	proto_err pe;
	agent_err rc;

	rc = read_full(a, a->rx, PROTO_HDR_LEN);
	if (rc != AGENT_OK)
		return rc;
	pe = proto_frame_len(a->rx, AGENT_FRAME_MAX, &n);
	if (pe != PROTO_OK) {
		agent_log(a, AGENT_ERROR, MOD, "bad frame header: %s",
			  proto_strerror(pe));
		return AGENT_E_PROTO;
	}
	rc = read_full(a, a->rx + PROTO_HDR_LEN, n);
	if (rc != AGENT_OK)
		return rc;
	memset(&a->msg, 0, sizeof(a->msg));
	pe = proto_decode(a->rx + PROTO_HDR_LEN, n, &a->msg, &diag);
	if (pe == PROTO_E_TYPE) {
		agent_log(a, AGENT_WARN, MOD, "unknown message type %u",
			  (unsigned)a->msg.type);
		a->msg.type = 0;
		return AGENT_OK;
	}
	if (pe != PROTO_OK) {
		agent_log(a, AGENT_ERROR, MOD, "malformed frame: %s at byte "
			  "%zu, key %u", proto_strerror(pe), diag.offset,
			  (unsigned)diag.key);
		return AGENT_E_PROTO;
	}
	return AGENT_OK;
}
