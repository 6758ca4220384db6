/* testdev.h - an OpenSSL test device and gateway harness for tests.
 * SPDX-License-Identifier: Apache-2.0
 * Speaks docs/protocol.md over TLS 1.3 (RFC 8446) like a real device,
 * and can also misbehave on purpose.
 */
#ifndef WASMBED_TESTDEV_H
#define WASMBED_TESTDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "proto.h"

#define TD_RX_MAX 65536

/* One device connection. */
struct td {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	uint64_t next_id;
	uint32_t last_len; /* body length of the last frame received */
	uint8_t rx[TD_RX_MAX];
};

/* Options of td_connect(); zeroed means TLS 1.3, no certificate. */
struct td_opts {
	EVP_PKEY *key;  /* client key, with cert */
	X509 *cert;     /* client certificate, NULL for enrollment */
	int tls12;      /* offer TLS 1.2 only */
};

/* Connects and completes the handshake (client side). Returns 0, or
 * -1 if the handshake failed. */
int td_connect(struct td *t, uint16_t port, const char *ca_file,
	       const struct td_opts *o);
void td_close(struct td *t);
/* A plain TCP connection to the loopback port, or -1. */
int td_tcp(uint16_t port);
/* Sends m with the next id. Returns 0 or -1. */
int td_send(struct td *t, struct proto_msg *m);
int td_send_raw(struct td *t, const void *p, size_t n);
/* Receives one frame into t->rx and decodes it. Returns 0, -1 if the
 * connection ended or broke, -2 on timeout. */
int td_recv(struct td *t, struct proto_msg *m, int timeout_ms);
/* 1 if the gateway ends the connection within timeout_ms. */
int td_closed(struct td *t, int timeout_ms);

/* Sends hello and waits for welcome; 0 on success. */
int td_hello(struct td *t, struct proto_msg *welcome);
/* Sends a heartbeat and waits for its ack; 0 on success. */
int td_heartbeat(struct td *t);

EVP_PKEY *td_keygen(void);
/* Enrolls key: 0 and *cert/id set, or the refusal reason (> 0), or -1
 * on any other failure. */
int td_enroll(uint16_t port, const char *ca_file, EVP_PKEY *key,
	      X509 **cert, char id[32]);
/* A certificate for key with subject CN cn, signed by the CA in
 * ca_key/ca_cert files (or self-signed when NULL), valid from
 * now+from_s to now+to_s seconds. */
X509 *td_issue(EVP_PKEY *key, const char *cn, const char *ca_key,
	       const char *ca_cert, long from_s, long to_s);

/* A gateway process under test, on free loopback ports. */
struct td_gw {
	pid_t pid;
	char dir[256];
	char bin[512];
	char ca[300];
	char log[300];
	char token[80];
	uint16_t dev_port;
	uint16_t api_port;
};

/* Starts bin with --data-dir dir and extra arguments (NULL-ended);
 * waits until it logs that it is ready, retrying on other ports if it
 * could not bind. Returns 0 or -1. */
int td_gw_start(struct td_gw *g, const char *bin, const char *dir,
		const char *const *extra);
/* SIGTERM and wait: returns the exit status, or -1 if it did not stop
 * or died of a signal. */
int td_gw_stop(struct td_gw *g);
void td_gw_kill9(struct td_gw *g);
/* HTTP request to the API; body may be NULL; auth 0 sends no token, 1
 * the admin token, 2 a wrong one. Returns the status code
 * and the response body in resp, or -1. */
int td_http(struct td_gw *g, const char *method, const char *path,
	    const char *body, int auth, char *resp, size_t cap);
/* 1 once the gateway log holds needle, 0 after timeout_ms. */
int td_log_wait(struct td_gw *g, const char *needle, int timeout_ms);
/* Like td_http, with a body of len bytes and a token of one's own
 * (NULL: none). */
int td_http_as(struct td_gw *g, const char *method, const char *path,
	       const void *body, size_t len, const char *token, char *resp,
	       size_t cap);

/* ---- applications, answered as the device agent does ---- */

#define TD_APPS 4

struct td_app {
	uint32_t id;        /* 0: slot free */
	uint8_t state;      /* enum proto_app_state */
	uint32_t size, got;
	uint8_t want[32];
	int autostart;
	void *md;           /* EVP_MD_CTX of the transfer */
};

struct td_apps {
	struct td_app app[TD_APPS];
	unsigned deploys, chunks, starts, stops, removes;
	uint32_t max_chunk;   /* largest chunk data received */
	unsigned corrupt;     /* deploys still to fail their hash */
};

typedef int (*td_send_fn)(void *ctx, struct proto_msg *m);
/* td_send() as a td_send_fn; ctx is the struct td. */
int td_send_cb(void *ctx, struct proto_msg *m);

/* Answers deploy, chunk, start, stop and remove like the agent
 * (docs/agent.md): 1 if m was one of them, 0 if not, -1 if a reply
 * could not be sent. */
int td_apps_handle(struct td_apps *a, const struct proto_msg *m,
		   td_send_fn send, void *ctx);
/* app-status of every app, as after a welcome. */
int td_apps_report(struct td_apps *a, td_send_fn send, void *ctx);
/* Fills the app list of a heartbeat. */
void td_apps_brief(const struct td_apps *a, struct proto_heartbeat *h);
void td_apps_free(struct td_apps *a);
/* Serves t for ms: answers app commands, acks logs are ignored.
 * Returns the number of frames handled, or -1 if t was closed. */
int td_serve(struct td *t, struct td_apps *a, int ms);
/* Sends a heartbeat listing a's apps (its ack is read by td_serve). */
int td_beat(struct td *t, const struct td_apps *a);

#endif
