/* test_gateway.c - the real wasmbed-gateway driven by a TLS test device.
 * SPDX-License-Identifier: Apache-2.0
 * Checks docs/gateway.md and docs/protocol.md end to end: enrollment,
 * mutual TLS (RFC 8446), liveness, revocation, API, hostile peers.
 *
 * Usage: test_gateway CASE GATEWAY-BINARY [TESTDEV-BINARY]. Each case
 * starts its own gateway on free loopback ports and requires it to exit
 * 0 on SIGTERM, which under LeakSanitizer also proves that nothing
 * leaked.
 */
#include "testdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

static int failures;
static struct td_gw gw;
static char tmp[64] = "/tmp/wbgw-XXXXXX";
static char data[128];
static const char *bin;
static const char *testdev = "wasmbed-testdev";

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			failures++;                                        \
		}                                                          \
	} while (0)

struct dev {
	EVP_PKEY *key;
	X509 *cert;
	char id[32];
};

static int start(const char *const *extra)
{
	if (td_gw_start(&gw, bin, data, extra) != 0) {
		fprintf(stderr, "gateway did not start\n");
		failures++;
		return -1;
	}
	return 0;
}

static void stop(void)
{
	CHECK(td_gw_stop(&gw) == 0);
}

static int api(const char *method, const char *path, const char *body,
	       char *resp, size_t cap)
{
	return td_http(&gw, method, path, body, 1, resp, cap);
}

static void open_pairing(void)
{
	char r[256];

	CHECK(api("POST", "/api/v1/pairing/open", NULL, r, sizeof(r)) == 200);
}

static int enroll(struct dev *d)
{
	d->key = td_keygen();
	return td_enroll(gw.dev_port, gw.ca, d->key, &d->cert, d->id);
}

static void dev_free(struct dev *d)
{
	EVP_PKEY_free(d->key);
	X509_free(d->cert);
}

static int dev_connect(struct td *t, struct dev *d)
{
	struct td_opts o = { d->key, d->cert, 0 };

	return td_connect(t, gw.dev_port, gw.ca, &o);
}

/* The device's state as the API reports it, into out. */
static void api_state(const char *id, char *out, size_t cap)
{
	char path[128], r[4096];
	const char *p;

	snprintf(path, sizeof(path), "/api/v1/devices/%s", id);
	out[0] = '\0';
	if (api("GET", path, NULL, r, sizeof(r)) != 200)
		return;
	p = strstr(r, "\"state\":\"");
	if (p != NULL)
		snprintf(out, cap, "%.*s", (int)strcspn(p + 9, "\""), p + 9);
}

static int mode_of(const char *name)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", data, name);
	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* First start creates CA, server cert, token and registry, all 0600;
 * the second start reuses them. */
static void case_first_start(void)
{
	static const char *const files[] = { "ca.crt", "ca.key",
					     "server.crt", "server.key",
					     "admin.token", "registry.db",
					     "api.url" };
	char cmd[600], url[64], want[64];
	size_t i;
	FILE *f;

	if (start(NULL))
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK(mode_of(files[i]) == 0600);

	/* api.url tells the CLI on this machine where the API is. */
	snprintf(cmd, sizeof(cmd), "%s/api.url", data);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u\n",
		 (unsigned)gw.api_port);
	f = fopen(cmd, "r");
	CHECK(f != NULL && fgets(url, sizeof(url), f) != NULL &&
	      strcmp(url, want) == 0);
	if (f != NULL)
		fclose(f);
	CHECK(td_log_wait(&gw, "created fleet CA", 0));
	CHECK(td_log_wait(&gw, "/ca.crt", 0));
	CHECK(td_log_wait(&gw, "created admin API token", 0));
	stop();
	remove(gw.log);
	if (start(NULL))
		return;
	CHECK(!td_log_wait(&gw, "created", 0));
	stop();
	snprintf(cmd, sizeof(cmd), "%s --help | grep -q -- --data-dir", bin);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s --bogus 2>/dev/null", bin);
	CHECK(system(cmd) != 0);
}

static void case_enroll(void)
{
	struct dev d = { 0 };
	EVP_PKEY *ca_pub;
	X509 *ca;
	FILE *f;
	char r[256], st[32], cn[64];

	if (start(NULL))
		return;
	CHECK(enroll(&d) == PROTO_REFUSE_PAIRING_CLOSED);
	CHECK(td_log_wait(&gw, "pairing is closed", 2000));
	dev_free(&d);

	open_pairing();
	CHECK(enroll(&d) == 0);
	f = fopen(gw.ca, "r");
	ca = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	ca_pub = ca ? X509_get0_pubkey(ca) : NULL;
	CHECK(d.cert && ca_pub && X509_verify(d.cert, ca_pub) == 1);
	X509_NAME_get_text_by_NID(X509_get_subject_name(d.cert),
				  NID_commonName, cn, sizeof(cn));
	CHECK(strcmp(cn, d.id) == 0 && strncmp(d.id, "wb-", 3) == 0);
	api_state(d.id, st, sizeof(st));
	CHECK(strcmp(st, "enrolled") == 0);
	X509_free(ca);
	dev_free(&d);

	/* A window with a duration closes by itself. */
	CHECK(api("POST", "/api/v1/pairing/open", "{\"duration_s\":1}", r,
		  sizeof(r)) == 200);
	CHECK(strstr(r, "\"open\":true") != NULL);
	sleep(2);
	CHECK(api("GET", "/api/v1/pairing", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"open\":false") != NULL);
	CHECK(enroll(&d) == PROTO_REFUSE_PAIRING_CLOSED);
	dev_free(&d);
	stop();
}

static void case_bad_csr(void)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct td_opts o = { NULL, NULL, 0 };
	struct td *t = calloc(1, sizeof(*t));
	struct proto_msg m;

	if (start(NULL))
		return;
	open_pairing();
	CHECK(td_connect(t, gw.dev_port, gw.ca, &o) == 0);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_ENROLL;
	m.u.enroll.csr.ptr = junk;
	m.u.enroll.csr.len = sizeof(junk);
	CHECK(td_send(t, &m) == 0);
	CHECK(td_recv(t, &m, 5000) == 0 && m.type == PROTO_ENROLL_REFUSED &&
	      m.u.enroll_refused.reason == PROTO_REFUSE_BAD_CSR);
	CHECK(td_closed(t, 3000));
	td_close(t);
	free(t);
	stop();
}

static void send_log(struct td *t, uint64_t first, uint32_t n)
{
	struct proto_msg m;
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_LOG;
	m.u.log.n_records = n;
	for (i = 0; i < n; i++) {
		m.u.log.records[i].seq = first + i;
		m.u.log.records[i].app_id = 1;
		m.u.log.records[i].text.ptr = (const uint8_t *)"line";
		m.u.log.records[i].text.len = 4;
	}
	CHECK(td_send(t, &m) == 0);
}

static uint64_t log_acked(struct td *t)
{
	struct proto_msg m;

	if (td_recv(t, &m, 5000) != 0 || m.type != PROTO_LOG_ACK)
		return 0;
	return m.u.log_ack.seq;
}

static void case_session(void)
{
	static const uint8_t unknown[] = { 0, 0, 0, 6, 0x84, 0x01, 0x18,
					   0x63, 0x18, 0x63 };
	struct td *t = calloc(1, sizeof(*t));
	struct dev d = { 0 };
	struct proto_msg w, m;
	char st[32], path[64], r[4096];

	if (start(NULL))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0);
	CHECK(dev_connect(t, &d) == 0);
	CHECK(td_hello(t, &w) == 0);
	CHECK(w.u.welcome.device_id.len == strlen(d.id) &&
	      memcmp(w.u.welcome.device_id.ptr, d.id, strlen(d.id)) == 0);
	CHECK(w.u.welcome.heartbeat_ms == 30000 && w.u.welcome.log_seq == 0);
	CHECK(td_heartbeat(t) == 0);
	api_state(d.id, st, sizeof(st));
	CHECK(strcmp(st, "connected") == 0);
	snprintf(path, sizeof(path), "/api/v1/devices/%s", d.id);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 200 &&
	      strstr(r, "\"uptime_ms\":1234") != NULL);

	/* Log records: stored once, acknowledged by their last seq. */
	send_log(t, 1, 3);
	CHECK(log_acked(t) == 3);
	send_log(t, 2, 3);
	CHECK(log_acked(t) == 4);

	/* An unknown type is answered; the session goes on. */
	CHECK(td_send_raw(t, unknown, sizeof(unknown)) == 0);
	CHECK(td_recv(t, &m, 5000) == 0 && m.type == PROTO_ERROR &&
	      m.u.error.code == PROTO_CODE_UNKNOWN_TYPE);
	CHECK(td_heartbeat(t) == 0);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_GOODBYE;
	CHECK(td_send(t, &m) == 0);
	CHECK(td_closed(t, 3000));
	td_close(t);
	api_state(d.id, st, sizeof(st));
	CHECK(strcmp(st, "disconnected") == 0);

	/* After a reconnect the device learns what the gateway holds. */
	CHECK(dev_connect(t, &d) == 0);
	CHECK(td_hello(t, &w) == 0 && w.u.welcome.log_seq == 4);
	td_close(t);
	CHECK(td_log_wait(&gw, "connection lost without goodbye", 3000));

	/* A clean stop says goodbye to connected devices. */
	CHECK(dev_connect(t, &d) == 0 && td_hello(t, &w) == 0);
	stop();
	CHECK(td_recv(t, &m, 3000) == 0 && m.type == PROTO_GOODBYE);
	td_close(t);
	if (start(NULL) == 0) {
		api_state(d.id, st, sizeof(st));
		CHECK(strcmp(st, "disconnected") == 0);
		stop();
	}
	dev_free(&d);
	free(t);
}

static void case_liveness(void)
{
	static const char *const fast[] = { "--heartbeat-interval", "300ms",
					    "--missed-heartbeats", "3", NULL };
	struct td *t = calloc(1, sizeof(*t));
	struct dev d = { 0 };
	struct proto_msg w;
	char st[32];
	int i;

	if (start(fast))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0);
	CHECK(dev_connect(t, &d) == 0);
	CHECK(td_hello(t, &w) == 0 && w.u.welcome.heartbeat_ms == 300);
	for (i = 0; i < 8; i++) {
		usleep(150 * 1000);
		CHECK(td_heartbeat(t) == 0);
	}
	api_state(d.id, st, sizeof(st));
	CHECK(strcmp(st, "connected") == 0);
	CHECK(td_closed(t, 3000));
	api_state(d.id, st, sizeof(st));
	CHECK(strcmp(st, "unreachable") == 0);
	CHECK(td_log_wait(&gw, "unreachable: no heartbeat for 900 ms", 0));
	td_close(t);
	dev_free(&d);
	free(t);
	stop();
}

/* Connects with o and expects the gateway to refuse, logging why. */
static void expect_refused(const struct td_opts *o, const char *why)
{
	struct td *t = calloc(1, sizeof(*t));
	struct proto_msg w;

	if (td_connect(t, gw.dev_port, gw.ca, o) == 0)
		CHECK(td_hello(t, &w) != 0);
	td_close(t);
	free(t);
	if (!td_log_wait(&gw, why, 3000)) {
		fprintf(stderr, "log lacks \"%s\"\n", why);
		failures++;
	}
}

/* A certificate for key from a CA the gateway has never seen. */
static X509 *other_ca_cert(EVP_PKEY *key, const char *cn)
{
	char kpath[128], cpath[128];
	EVP_PKEY *ck = td_keygen();
	X509 *ca = td_issue(ck, "Other CA", NULL, NULL, -60, 86400), *x;
	FILE *kf, *cf;

	snprintf(kpath, sizeof(kpath), "%s/other.key", tmp);
	snprintf(cpath, sizeof(cpath), "%s/other.crt", tmp);
	kf = fopen(kpath, "w");
	cf = fopen(cpath, "w");
	if (kf && cf) {
		PEM_write_PrivateKey(kf, ck, NULL, NULL, 0, NULL, NULL);
		PEM_write_X509(cf, ca);
	}
	if (kf)
		fclose(kf);
	if (cf)
		fclose(cf);
	x = td_issue(key, cn, kpath, cpath, -60, 86400);
	EVP_PKEY_free(ck);
	X509_free(ca);
	return x;
}

static void case_bad_tls(void)
{
	static const char *const quick[] = { "--handshake-timeout", "1s",
					     NULL };
	static const uint8_t partial[] = { 0x16, 0x03, 0x01, 0x02, 0x00,
					   0x01 };
	char ca_key[300];
	struct dev d = { 0 };
	struct td_opts o = { NULL, NULL, 0 };
	EVP_PKEY *k = td_keygen();
	struct td *t = calloc(1, sizeof(*t));
	struct td_opts ok = { NULL, NULL, 0 };
	struct pollfd pfd;
	uint8_t partial2[8];
	X509 *x;
	int fd;

	if (start(quick))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0);
	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", data);

	o.tls12 = 1;
	expect_refused(&o, "unsupported protocol");
	o.tls12 = 0;
	expect_refused(&o, "without a client certificate");

	o.key = k;
	o.cert = x = td_issue(k, d.id, NULL, NULL, -60, 86400);
	expect_refused(&o, "client certificate refused: self-signed");
	X509_free(x);
	o.cert = x = other_ca_cert(k, d.id);
	expect_refused(&o, "unable to get local issuer certificate");
	X509_free(x);
	o.cert = x = td_issue(k, d.id, ca_key, gw.ca, -86400 * 2, -86400);
	expect_refused(&o, "certificate has expired");
	X509_free(x);
	o.cert = x = td_issue(k, "wb-00000000000000ff", ca_key, gw.ca, -60,
			      86400);
	expect_refused(&o, "not issued to this device");
	X509_free(x);

	/* A peer that stalls inside the handshake is cut. */
	fd = td_tcp(gw.dev_port);
	CHECK(fd >= 0 && write(fd, partial, sizeof(partial)) == 6);
	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 3000) == 1 && read(fd, partial2, 8) <= 0);
	close(fd);
	CHECK(td_log_wait(&gw, "TLS handshake timed out", 3000));

	/* So is one that says nothing after its handshake. */
	ok.key = d.key;
	ok.cert = d.cert;
	CHECK(td_connect(t, gw.dev_port, gw.ca, &ok) == 0);
	CHECK(td_closed(t, 3000));
	td_close(t);
	free(t);
	CHECK(td_log_wait(&gw, "first message timed out", 3000));
	EVP_PKEY_free(k);
	dev_free(&d);
	stop();
}

/* Sends raw bytes in an active session; the gateway must close. */
static void expect_closed_after(struct dev *d, const void *raw, size_t n,
				const char *why, int hello)
{
	struct td *t = calloc(1, sizeof(*t));
	struct proto_msg w;

	CHECK(dev_connect(t, d) == 0);
	if (hello)
		CHECK(td_hello(t, &w) == 0);
	CHECK(td_send_raw(t, raw, n) == 0);
	CHECK(td_closed(t, 3000));
	td_close(t);
	free(t);
	if (!td_log_wait(&gw, why, 3000)) {
		fprintf(stderr, "log lacks \"%s\"\n", why);
		failures++;
	}
}

static void case_bad_frames(void)
{
	static const uint8_t big[] = { 1, 0, 0, 0 };
	static const uint8_t zero[] = { 0, 0, 0, 0 };
	static const uint8_t junk[] = { 0, 0, 0, 3, 0xff, 0xff, 0xff };
	static const uint8_t indef[] = { 0, 0, 0, 2, 0x9f, 0xff };
	static const uint8_t early[] = { 0, 0, 0, 7, 0x84, 0x01, 0x01, 0x11,
					 0xa1, 0x01, 0x00 };
	struct dev d = { 0 };

	if (start(NULL))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0);
	expect_closed_after(&d, big, sizeof(big),
			    "frame of 16777216 bytes: over a size limit", 1);
	expect_closed_after(&d, zero, sizeof(zero), "frame of 0 bytes", 1);
	expect_closed_after(&d, junk, sizeof(junk),
			    "malformed frame: malformed CBOR at byte 0", 1);
	expect_closed_after(&d, indef, sizeof(indef), "malformed CBOR", 1);
	expect_closed_after(&d, early, sizeof(early), "message before hello",
			    0);
	dev_free(&d);
	stop();
}

/* Random frames, with and without a client certificate: the gateway
 * answers or closes, and stays up and leak-free. */
static void case_garbage(void)
{
	struct dev d = { 0 };
	struct td *t = calloc(1, sizeof(*t));
	struct proto_msg w;
	uint8_t frame[68];
	char r[256];
	int i, j;

	if (start(NULL))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0);
	srand(4);
	for (i = 0; i < 40; i++) {
		struct td_opts o = { d.key, i % 2 ? d.cert : NULL, 0 };
		uint32_t n = 1 + (uint32_t)rand() % 64;

		frame[0] = frame[1] = frame[2] = 0;
		frame[3] = (uint8_t)n;
		for (j = 0; j < (int)n; j++)
			frame[4 + j] = (uint8_t)rand();
		/* Mostly CBOR arrays, to get past the first byte. */
		if (i % 4 != 3)
			frame[4] = 0x84;
		CHECK(td_connect(t, gw.dev_port, gw.ca, &o) == 0);
		if (i % 2)
			CHECK(td_hello(t, &w) == 0);
		td_send_raw(t, frame, 4 + n);
		td_recv(t, &w, 300);
		td_close(t);
	}
	CHECK(td_http(&gw, "GET", "/health", NULL, 0, r, sizeof(r)) == 200);
	dev_free(&d);
	free(t);
	stop();
}

static void case_revoke(void)
{
	struct td *t = calloc(1, sizeof(*t));
	struct dev d = { 0 }, other = { 0 };
	struct proto_msg w;
	char path[128], r[4096];

	if (start(NULL))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0 && enroll(&other) == 0);
	CHECK(dev_connect(t, &d) == 0 && td_hello(t, &w) == 0);
	snprintf(path, sizeof(path), "/api/v1/devices/%s/revoke", d.id);
	CHECK(api("POST", path, NULL, r, sizeof(r)) == 200);
	CHECK(td_closed(t, 1000));
	td_close(t);
	snprintf(path, sizeof(path), "/api/v1/devices/%s", d.id);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 200 &&
	      strstr(r, "\"revoked\":true") != NULL);
	{
		struct td_opts o = { d.key, d.cert, 0 };

		expect_refused(&o, "refused: revoked");
	}
	CHECK(dev_connect(t, &other) == 0 && td_hello(t, &w) == 0);
	td_close(t);
	CHECK(api("POST", "/api/v1/devices/wb-00/revoke", NULL, r,
		  sizeof(r)) == 404);
	dev_free(&d);
	dev_free(&other);
	free(t);
	stop();
}

static void case_api(void)
{
	char r[4096];

	if (start(NULL))
		return;
	CHECK(td_http(&gw, "GET", "/health", NULL, 0, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"status\":\"ok\"") != NULL);
	CHECK(td_http(&gw, "GET", "/api/v1/devices", NULL, 0, r,
		      sizeof(r)) == 401);
	CHECK(td_http(&gw, "GET", "/api/v1/devices", NULL, 2, r,
		      sizeof(r)) == 401);
	CHECK(strstr(r, "bearer token") != NULL);
	CHECK(api("GET", "/api/v1/devices", NULL, r, sizeof(r)) == 200);
	CHECK(strcmp(r, "{\"devices\":[]}\n") == 0);
	CHECK(api("GET", "/api/v1/pairing", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"open\":false") != NULL);
	CHECK(api("POST", "/api/v1/pairing/open", "{nope", r,
		  sizeof(r)) == 400);
	CHECK(strstr(r, "malformed JSON") != NULL);
	CHECK(api("POST", "/api/v1/pairing/open", "{\"duration_s\":\"x\"}",
		  r, sizeof(r)) == 400);
	CHECK(api("POST", "/api/v1/pairing/open", "[]", r, sizeof(r)) == 400);
	/* A misspelt field must not open pairing until closed. */
	CHECK(api("POST", "/api/v1/pairing/open", "{\"duration\":\"5m\"}",
		  r, sizeof(r)) == 400);
	CHECK(strstr(r, "unknown field \\\"duration\\\"") != NULL);
	CHECK(api("GET", "/api/v1/pairing", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"open\":false") != NULL);
	CHECK(api("POST", "/api/v1/deployments", "{\"memory\":1}", r,
		  sizeof(r)) == 400);
	CHECK(strstr(r, "unknown_field") != NULL);
	/* "a%00b" must not be cut to "a"; a repeated key is not guessed. */
	CHECK(api("GET", "/api/v1/devices?after=1%00", NULL, r, sizeof(r)) ==
	      400);
	CHECK(api("GET", "/api/v1/devices?a=1&a=2", NULL, r, sizeof(r)) ==
	      400);
	CHECK(strstr(r, "given twice") != NULL);
	CHECK(api("POST", "/api/v1/pairing/open", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"open\":true,\"until_ms\":null") != NULL);
	CHECK(api("POST", "/api/v1/pairing/close", NULL, r, sizeof(r)) ==
	      200);
	CHECK(strstr(r, "\"open\":false") != NULL);
	CHECK(api("GET", "/api/v1/devices/wb-0000", NULL, r, sizeof(r)) ==
	      404);
	CHECK(api("GET", "/api/v1/devices/..%2f", NULL, r, sizeof(r)) ==
	      404);
	CHECK(api("GET", "/api/v1/devices/wb-1/revoke", NULL, r,
		  sizeof(r)) == 405);
	CHECK(api("GET", "/api/v1/nothing", NULL, r, sizeof(r)) == 404);
	CHECK(api("DELETE", "/api/v1/devices", NULL, r, sizeof(r)) == 405);
	stop();
}

/* Whatever the API or a device saw acknowledged survives kill -9. */
static void case_kill9(void)
{
	struct dev d[5];
	struct td *t = calloc(1, sizeof(*t));
	struct proto_msg w;
	char path[128], r[8192], st[32];
	int i;

	memset(d, 0, sizeof(d));
	if (start(NULL))
		return;
	open_pairing();
	for (i = 0; i < 5; i++)
		CHECK(enroll(&d[i]) == 0);
	snprintf(path, sizeof(path), "/api/v1/devices/%s/revoke", d[0].id);
	CHECK(api("POST", path, NULL, r, sizeof(r)) == 200);
	CHECK(dev_connect(t, &d[1]) == 0 && td_hello(t, &w) == 0);
	send_log(t, 1, 5);
	CHECK(log_acked(t) == 5);
	td_gw_kill9(&gw);
	td_close(t);

	if (start(NULL))
		return;
	CHECK(api("GET", "/api/v1/pairing", NULL, r, sizeof(r)) == 200 &&
	      strstr(r, "\"open\":true") != NULL);
	CHECK(api("GET", "/api/v1/devices", NULL, r, sizeof(r)) == 200);
	for (i = 0; i < 5; i++)
		CHECK(strstr(r, d[i].id) != NULL);
	snprintf(path, sizeof(path), "/api/v1/devices/%s", d[0].id);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 200 &&
	      strstr(r, "\"revoked\":true") != NULL);
	api_state(d[1].id, st, sizeof(st));
	CHECK(strcmp(st, "unreachable") == 0);
	CHECK(dev_connect(t, &d[1]) == 0 && td_hello(t, &w) == 0 &&
	      w.u.welcome.log_seq == 5);
	td_close(t);
	CHECK(dev_connect(t, &d[2]) == 0 && td_hello(t, &w) == 0);
	td_close(t);
	{
		struct td_opts o = { d[0].key, d[0].cert, 0 };

		expect_refused(&o, "refused: revoked");
	}
	for (i = 0; i < 5; i++)
		dev_free(&d[i]);
	free(t);
	stop();
}

/* The test device as a program: enrolls once, then reuses its files. */
static void case_program(void)
{
	char cmd[1200], st[32];
	const char *id;
	static char out[256];
	FILE *p;

	if (start(NULL))
		return;
	snprintf(cmd, sizeof(cmd), "%s %u %s %s 2 50 2>&1", testdev,
		 gw.dev_port, gw.ca, tmp);
	CHECK(system(cmd) == 3 << 8);
	open_pairing();
	p = popen(cmd, "r");
	out[0] = '\0';
	if (p != NULL) {
		size_t n = fread(out, 1, sizeof(out) - 1, p);

		out[n] = '\0';
		CHECK(pclose(p) == 0);
	}
	id = strstr(out, "enrolled as ");
	CHECK(id != NULL);
	if (id != NULL) {
		char dev[32];

		snprintf(dev, sizeof(dev), "%.*s", (int)strcspn(id + 12, "\n"),
			 id + 12);
		api_state(dev, st, sizeof(st));
		CHECK(strcmp(st, "disconnected") == 0);
	}
	CHECK(system(cmd) == 0);
	stop();
}

/* A wolfSSL client, as the agent will be, with an enrolled identity
 * and without one. argv[3] of this case is the wolfdev program. */
static void case_wolfssl(void)
{
	char cmd[1200], cert[128], key[128], st[32];
	struct dev d = { 0 };
	FILE *cf, *kf;

	if (start(NULL))
		return;
	open_pairing();
	CHECK(enroll(&d) == 0);
	snprintf(cert, sizeof(cert), "%s/dev.crt", tmp);
	snprintf(key, sizeof(key), "%s/dev.key", tmp);
	cf = fopen(cert, "w");
	kf = fopen(key, "w");
	if (cf && kf) {
		PEM_write_X509(cf, d.cert);
		PEM_write_PrivateKey(kf, d.key, NULL, NULL, 0, NULL, NULL);
	}
	if (cf)
		fclose(cf);
	if (kf)
		fclose(kf);
	snprintf(cmd, sizeof(cmd), "%s %u %s %s %s", testdev, gw.dev_port,
		 gw.ca, cert, key);
	CHECK(system(cmd) == 0);
	CHECK(td_log_wait(&gw, "goodbye from device", 3000));
	api_state(d.id, st, sizeof(st));
	CHECK(strcmp(st, "disconnected") == 0);
	snprintf(cmd, sizeof(cmd), "%s %u %s", testdev, gw.dev_port, gw.ca);
	CHECK(system(cmd) == 3 << 8);
	dev_free(&d);
	stop();
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "first_start", case_first_start },
	{ "enroll", case_enroll },
	{ "bad_csr", case_bad_csr },
	{ "session", case_session },
	{ "liveness", case_liveness },
	{ "bad_tls", case_bad_tls },
	{ "bad_frames", case_bad_frames },
	{ "garbage", case_garbage },
	{ "revoke", case_revoke },
	{ "api", case_api },
	{ "kill9", case_kill9 },
	{ "program", case_program },
	{ "wolfssl", case_wolfssl },
};

static void show_log(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "cat %s >&2", gw.log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no gateway log)\n");
}

int main(int argc, char **argv)
{
	char cmd[200];
	size_t i;

	if (argc < 3 || mkdtemp(tmp) == NULL) {
		fprintf(stderr, "usage: test_gateway CASE GATEWAY"
			" [TESTDEV]\n");
		return 2;
	}
	bin = argv[2];
	if (argc > 3)
		testdev = argv[3];
	snprintf(data, sizeof(data), "%s/data", tmp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(argv[1], cases[i].name) == 0)
			break;
	if (i == sizeof(cases) / sizeof(cases[0])) {
		fprintf(stderr, "no case %s\n", argv[1]);
		return 2;
	}
	cases[i].run();
	td_gw_kill9(&gw);
	if (failures)
		show_log();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	printf("%s: %s\n", argv[1], failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
