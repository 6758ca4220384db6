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
	GW_E_NOMEM,
	GW_E_CONFLICT   /* contradicts the registry's current state */
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

/* Log records kept per device (0: no bound); the oldest go first. */
void gw_db_set_log_keep(struct gw_db *db, uint64_t keep);
/* Transactions nest; gw_db_end() commits the outermost one if nothing
 * inside failed, else rolls back. Returns rc, or the commit's error. */
gw_err gw_db_begin(struct gw_db *db);
gw_err gw_db_end(struct gw_db *db, gw_err rc);

/* Pairing: until_ms 0 means closed, UINT64_MAX open until closed. */
gw_err gw_db_pairing_open(struct gw_db *db, uint64_t until_ms);
gw_err gw_db_pairing_close(struct gw_db *db);
gw_err gw_db_pairing_get(struct gw_db *db, uint64_t *until_ms);

/* JSON views for the API; the caller owns the returned json_t. */
struct json_t;
gw_err gw_db_devices_json(struct gw_db *db, const char *id,
			  struct json_t **out);
gw_err gw_db_logs_json(struct gw_db *db, const char *id, uint64_t after,
		       int64_t app, uint32_t limit, struct json_t **out);
gw_err gw_db_device_delete(struct gw_db *db, const char *id);

/* ---- applications, deployments, audit, tokens (gw_db_apps.c) ---- */

#define GW_SHA_HEX 64

/* Stores a module once by hash and names it; *created is 0 when the
 * same name and version already held these bytes. GW_E_CONFLICT if
 * they hold others. */
gw_err gw_db_app_put(struct gw_db *db, const char *name,
		     const char *version, const char *sha,
		     const uint8_t *data, size_t len, const char *by,
		     int *created);
/* Versions as an array: all (name NULL), one app's, or one. */
gw_err gw_db_apps_json(struct gw_db *db, const char *name,
		       const char *version, struct json_t **out);
/* GW_E_CONFLICT while a deployment uses the version. */
gw_err gw_db_app_delete(struct gw_db *db, const char *name,
			const char *version);
/* The module's bytes; the caller frees *data. */
gw_err gw_db_module_get(struct gw_db *db, const char *sha,
			uint8_t **data, size_t *len);

/* A deployment as requested; has_* say which fields a PATCH gave. */
struct gw_dep_spec {
	const char *app, *version;
	const char **devices;
	size_t n_devices;
	uint64_t memory_limit, fuel_limit;
	int autostart;
	int has_version, has_devices, has_memory, has_fuel, has_autostart;
};

/* Creates or changes a deployment; err says what was wrong for a
 * person (GW_E_INVALID: a device; GW_E_NOTFOUND: the version). */
gw_err gw_db_dep_create(struct gw_db *db, const struct gw_dep_spec *s,
			const char *by, int64_t *id, char *err,
			size_t cap);
gw_err gw_db_dep_update(struct gw_db *db, int64_t id,
			const struct gw_dep_spec *s, char *err,
			size_t cap);
/* Marks it removing: every target's desired state becomes absent. */
gw_err gw_db_dep_delete(struct gw_db *db, int64_t id);
/* Deployments (id < 0: all) with per-state counts, and with their
 * targets when targets is set. */
gw_err gw_db_deps_json(struct gw_db *db, int64_t id, int targets,
		       struct json_t **out);
/* Targets of a deployment (dep >= 0) or of a device. */
gw_err gw_db_targets_json(struct gw_db *db, int64_t dep,
			  const char *device, struct json_t **out);

/* A deployment target as the device driver sees it. */
struct gw_target {
	uint32_t dep;        /* also the app id on the device */
	char app[65], version[33];
	char sha[GW_SHA_HEX + 1], have_sha[GW_SHA_HEX + 1];
	char desired[12], state[12];
	uint32_t size, memory_limit;
	uint64_t fuel_limit;
	int started;
};

/* Every target of a device; the caller frees *out. */
gw_err gw_db_targets_of(struct gw_db *db, const char *device,
			struct gw_target **out, size_t *n);
/* What the device reported. have_sha NULL keeps it, "" clears it;
 * started < 0 and bytes UINT32_MAX keep theirs; error NULL clears it
 * (but a failure without a reason keeps the reason known).
 * GW_E_NOTFOUND: no such target (an app the gateway did not deploy,
 * or whose deployment went meanwhile). */
gw_err gw_db_target_report(struct gw_db *db, const char *device,
			   uint32_t dep, const char *state, uint32_t bytes,
			   const char *error, const char *have_sha,
			   int started);
/* The device no longer holds the app: forget the target, and the
 * deployment too once it is removing and has none left. */
gw_err gw_db_target_purge(struct gw_db *db, const char *device,
			  uint32_t dep);
/* Devices (NULL-ended, caller frees with gw_strv_free) of a
 * deployment's targets. */
gw_err gw_db_dep_devices(struct gw_db *db, int64_t dep, char ***out);
void gw_strv_free(char **v);

/* Audit trail: detail (borrowed, may be NULL) is stored as JSON. */
gw_err gw_db_audit(struct gw_db *db, const char *actor, const char *role,
		   const char *action, const char *target,
		   struct json_t *detail);
gw_err gw_db_audit_json(struct gw_db *db, int64_t after, uint32_t limit,
			struct json_t **out);

/* API tokens: only the SHA-256 (hex) of a secret is stored. */
gw_err gw_db_token_add(struct gw_db *db, const char *id, const char *name,
		       const char *role, const char *hash, const char *by);
gw_err gw_db_token_find(struct gw_db *db, const char *hash,
			char name[65], char role[12]);
gw_err gw_db_tokens_json(struct gw_db *db, struct json_t **out);
gw_err gw_db_token_revoke(struct gw_db *db, const char *id);

/* Figures for /metrics, as {"devices":{state:n},"targets":{...},
 * "deployments":{...},"log_dropped":n}. */
gw_err gw_db_metrics_json(struct gw_db *db, struct json_t **out);

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
	uint32_t max_module;    /* largest module uploaded */
	uint64_t log_keep;      /* log records kept per device */
};

struct gw;

/* Device endpoint (gw_dev.c). */
gw_err gw_dev_start(struct gw *gw);
/* Sends goodbye to every session and breaks the loop once flushed. */
void gw_dev_stop(struct gw *gw);
void gw_dev_free(struct gw *gw);
/* Drops the session of a device, if it has one. */
void gw_dev_drop(struct gw *gw, const char *id, const char *why);
/* Its desired state changed: a connected device is driven to it, and
 * steps that failed in this session are tried again. */
void gw_dev_kick(struct gw *gw, const char *id);
/* Live figures of a connected device, or -1 if not connected. */
int gw_dev_live(struct gw *gw, const char *id, uint64_t *uptime_ms,
		uint32_t *free_mem, uint64_t *last_beat_ms);
size_t gw_dev_count(struct gw *gw);

/* HTTP API (gw_api.c). */
gw_err gw_api_start(struct gw *gw);
/* Answers every request held for a device's records (log follow). */
void gw_api_logs_notify(struct gw *gw, const char *id);
void gw_api_free(struct gw *gw);

/* Refused sessions by reason, for /metrics. */
enum gw_fail { GW_FAIL_TLS, GW_FAIL_CERT, GW_FAIL_REVOKED,
	       GW_FAIL_TIMEOUT, GW_FAIL_PAIRING, GW_FAIL_CSR, GW_FAIL_N };

/* Counters since start, for /metrics. */
struct gw_stats {
	uint64_t frames_in, frames_out;
	uint64_t hs_ok;
	uint64_t hs_fail[GW_FAIL_N];
};

/* Validates a module with the device's engine (gw_valid.c): GW_OK, or
 * GW_E_INVALID with the engine's message in msg. */
gw_err gw_module_check(const uint8_t *mod, size_t len, char *msg,
		       size_t cap);

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
	struct gw_stats stats;
};

int gw_pairing_is_open(struct gw *gw);

#endif
