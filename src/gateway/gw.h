/* gw.h - internal interfaces between the parts of wasmbed-gateway.
 * SPDX-License-Identifier: Apache-2.0
 * The device endpoint speaks docs/protocol.md; see docs/gateway.md.
 */
#ifndef WASMBED_GW_H
#define WASMBED_GW_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "proto.h"

/* The gateway's one error type. */
typedef enum gw_err {
	GW_OK = 0,
	GW_E_SYS,       /* an operating system call failed, errno kept */
	GW_E_CRYPTO,    /* OpenSSL refused */
	GW_E_DB,        /* SQLite refused */
	GW_E_NOTFOUND,  /* no such device, certificate or route */
	GW_E_INVALID,   /* input refused: bad CSR, bad argument */
	GW_E_DENIED,    /* revoked, pairing closed, bad token */
	GW_E_NOMEM
} gw_err;

enum gw_level { GW_ERROR, GW_WARN, GW_INFO, GW_DEBUG };

/* Leveled log line on stderr: time, level, module, message. */
void gw_log(enum gw_level lvl, const char *mod, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void gw_log_set_level(enum gw_level lvl);

/* Milliseconds since the Unix epoch. */
uint64_t gw_now_ms(void);

/* ---- PKI: fleet CA, server certificate, device certificates ---- */

#define GW_ID_LEN 20  /* "wb-" and 16 hex digits */
#define GW_SERIAL_LEN 32 /* hex digits of a certificate serial */
#define GW_TOKEN_LEN 64

struct gw_pki {
	EVP_PKEY *ca_key;
	X509 *ca;
	uint8_t *ca_der;
	int ca_der_len;
	char ca_path[512];
	char srv_cert_path[512];
	char srv_key_path[512];
	char token[GW_TOKEN_LEN + 1];
	long device_days;
};

/* Loads the CA, server credentials and admin token from dir, creating
 * whatever is missing (files 0600, each creation logged). */
gw_err gw_pki_init(struct gw_pki *pki, const char *dir);
void gw_pki_free(struct gw_pki *pki);

/* Checks a DER PKCS#10 request (P-256 key, valid self-signature) and
 * issues a certificate whose subject CN is id. On GW_OK the caller owns
 * *der (OPENSSL_free) and serial holds the hex serial. */
gw_err gw_pki_issue(struct gw_pki *pki, const uint8_t *csr, size_t len,
		    const char *id, uint8_t **der, int *der_len,
		    char serial[GW_SERIAL_LEN + 1], int64_t *not_after);

/* Hex serial of a certificate, for registry look-ups. */
void gw_pki_serial_hex(const X509 *x, char out[GW_SERIAL_LEN + 1]);
/* Fresh random device id "wb-<16 hex>". */
gw_err gw_pki_new_id(char out[GW_ID_LEN + 1]);

/* ---- registry: SQLite in WAL mode ---- */

struct gw_db;
struct gw_hello_info {
	const struct proto_hello *hello;
	const char *peer;
};

gw_err gw_db_open(struct gw_db **db, const char *path);
void gw_db_close(struct gw_db *db);

/* Records an issued certificate and its new device, atomically. */
gw_err gw_db_enroll(struct gw_db *db, const char *id, const char *name,
		    const char *serial, int64_t not_after,
		    const char *peer);
/* Records a refused enrollment (audit only). */
gw_err gw_db_enroll_refused(struct gw_db *db, const char *peer,
			    const char *reason);
/* GW_OK if serial belongs to device id and neither is revoked. */
gw_err gw_db_cert_ok(struct gw_db *db, const char *serial,
		     const char *id);
gw_err gw_db_hello(struct gw_db *db, const char *id,
		   const struct proto_hello *h, const char *peer,
		   uint64_t *log_seq);
gw_err gw_db_set_state(struct gw_db *db, const char *id, const char *state);
/* Every connected device becomes disconnected: a clean shutdown. */
gw_err gw_db_disconnect_all(struct gw_db *db);
gw_err gw_db_revoke(struct gw_db *db, const char *id);
gw_err gw_db_log_append(struct gw_db *db, const char *id,
			const struct proto_log *log, uint64_t *last);

/* Pairing: until_ms 0 means closed, UINT64_MAX open until closed. */
gw_err gw_db_pairing_open(struct gw_db *db, uint64_t until_ms);
gw_err gw_db_pairing_close(struct gw_db *db);
gw_err gw_db_pairing_get(struct gw_db *db, uint64_t *until_ms);

/* JSON views for the API; the caller owns the returned json_t. */
struct json_t;
gw_err gw_db_devices_json(struct gw_db *db, const char *id,
			  struct json_t **out);

/* ---- the gateway ---- */

struct gw_conf {
	const char *data_dir;
	char device_host[64];
	uint16_t device_port;
	char api_host[64];
	uint16_t api_port;
	uint32_t heartbeat_ms;
	uint32_t missed_beats;  /* heartbeats missed before Unreachable */
	uint32_t handshake_ms;  /* TLS handshake and first message */
	uint32_t max_frame;     /* largest frame body accepted */
};

struct gw;

/* Device endpoint (gw_dev.c). */
gw_err gw_dev_start(struct gw *gw);
/* Sends goodbye to every session and breaks the loop once flushed. */
void gw_dev_stop(struct gw *gw);
void gw_dev_free(struct gw *gw);
/* Drops the session of a device, if it has one. */
void gw_dev_drop(struct gw *gw, const char *id, const char *why);
/* Live figures of a connected device, or -1 if not connected. */
int gw_dev_live(struct gw *gw, const char *id, uint64_t *uptime_ms,
		uint32_t *free_mem, uint64_t *last_beat_ms);
size_t gw_dev_count(struct gw *gw);

/* HTTP API (gw_api.c). */
gw_err gw_api_start(struct gw *gw);
void gw_api_free(struct gw *gw);

/* Shared state of the process; one event loop drives it all. */
struct gw {
	struct gw_conf conf;
	struct event_base *base;
	struct gw_pki pki;
	struct gw_db *db;
	SSL_CTX *tls;
	struct gw_dev *dev;
	struct gw_api *api;
	uint64_t pairing_until; /* cached gw_db_pairing_get() */
};

int gw_pairing_is_open(struct gw *gw);

#endif
