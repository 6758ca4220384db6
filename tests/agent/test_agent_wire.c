/* test_agent_wire.c - application messages over the wire to a device.
 * SPDX-License-Identifier: Apache-2.0
 * Plays the gateway's side of docs/protocol.md "Applications" (deploy,
 * chunk, start, stop, remove) with OpenSSL, since the real gateway
 * cannot deploy yet. The real gateway enrolls the device first and
 * provides the CA and server certificate.
 * Usage: test_agent_wire GATEWAY_BIN DEVICE_BIN APPS_DIR
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "testdev.h"

#define CHUNK 1800u

static int failures;
static SSL *ssl;
static uint64_t next_id;
static uint8_t rx[65536];

#define CHECK(c) check((c), #c, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
		failures++;
	}
}

static int send_msg(struct proto_msg *m)
{
	uint8_t buf[8192];
	size_t n;

	m->id = ++next_id;
	if (proto_encode(m, buf, sizeof(buf), &n) != PROTO_OK)
		return -1;
	return SSL_write(ssl, buf, (int)n) == (int)n ? 0 : -1;
}

static int read_full(uint8_t *p, size_t n)
{
	size_t got = 0;
	int r;

	while (got < n) {
		r = SSL_read(ssl, p + got, (int)(n - got));
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Next frame that is not a heartbeat or log (those are answered);
 * log texts seen are appended to logs. 0, or -1 on end or timeout. */
static int recv_msg(struct proto_msg *m, char *logs, size_t cap)
{
	struct proto_msg r;
	uint32_t n, i;

	for (;;) {
		if (read_full(rx, PROTO_HDR_LEN) != 0 ||
		    proto_frame_len(rx, sizeof(rx) - 4, &n) != PROTO_OK ||
		    read_full(rx + 4, n) != 0 ||
		    proto_decode(rx + 4, n, m, NULL) != PROTO_OK)
			return -1;
		memset(&r, 0, sizeof(r));
		if (m->type == PROTO_HEARTBEAT) {
			r.type = PROTO_HEARTBEAT_ACK;
			r.u.heartbeat_ack.re = m->id;
			send_msg(&r);
			continue;
		}
		if (m->type != PROTO_LOG)
			return 0;
		for (i = 0; i < m->u.log.n_records; i++) {
			const struct proto_log_record *l =
				&m->u.log.records[i];
			size_t used = strlen(logs);

			snprintf(logs + used, cap - used, "%.*s|",
				 (int)l->text.len, (const char *)l->text.ptr);
		}
		r.type = PROTO_LOG_ACK;
		r.u.log_ack.seq = m->u.log.records[i - 1].seq;
		send_msg(&r);
	}
}

/* Waits for a message of type; others (statuses) are skipped. */
static int expect(uint32_t type, struct proto_msg *m, char *logs,
		  size_t cap)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (recv_msg(m, logs, cap) != 0)
			return -1;
		if (m->type == type)
			return 0;
	}
	return -1;
}

/* Waits for app-status of app with state. */
static int expect_status(uint32_t app, uint8_t state, char *logs,
			 size_t cap)
{
	struct proto_msg m;
	int i;

	for (i = 0; i < 50; i++) {
		if (expect(PROTO_APP_STATUS, &m, logs, cap) != 0)
			return -1;
		if (m.u.app_status.app_id == app &&
		    m.u.app_status.state == state)
			return 0;
	}
	return -1;
}

static uint8_t *load(const char *dir, const char *name, size_t *len)
{
	static uint8_t buf[262144];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.wasm", dir, name);
	f = fopen(path, "rb");
	*len = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	return buf;
}

/* Deploys a module: deploy, then each chunk after the previous ack.
 * Returns 0 when every chunk but the last was acknowledged. */
static int deploy(uint32_t app, const uint8_t *mod, size_t len,
		  int spoil, char *logs, size_t cap)
{
	struct proto_msg m;
	uint8_t sha[32];
	uint64_t id;
	size_t off;

	SHA256(mod, len, sha);
	sha[0] ^= (uint8_t)spoil;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DEPLOY;
	m.u.deploy.app_id = app;
	m.u.deploy.name.ptr = (const uint8_t *)"wire";
	m.u.deploy.name.len = 4;
	m.u.deploy.version.ptr = (const uint8_t *)"2";
	m.u.deploy.version.len = 1;
	m.u.deploy.size = (uint32_t)len;
	m.u.deploy.sha256.ptr = sha;
	m.u.deploy.sha256.len = 32;
	m.u.deploy.mem_limit = 65536;
	m.u.deploy.fuel_limit = 100000;
	m.u.deploy.autostart = 1;
	if (send_msg(&m) != 0 ||
	    expect_status(app, PROTO_APP_RECEIVING, logs, cap) != 0)
		return -1;
	for (off = 0; off < len; off += CHUNK) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CHUNK;
		m.u.chunk.app_id = app;
		m.u.chunk.offset = (uint32_t)off;
		m.u.chunk.data.ptr = mod + off;
		m.u.chunk.data.len = len - off < CHUNK ? len - off : CHUNK;
		if (send_msg(&m) != 0)
			return -1;
		id = next_id;
		if (off + CHUNK < len && (expect(PROTO_ACK, &m, logs, cap) != 0
					  || m.u.ack.re != id))
			return -1;
	}
	return 0;
}

static int command(uint32_t type, uint32_t app)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.u.app.app_id = app;
	return send_msg(&m);
}

/* The conversation, once the device has said hello. */
static void converse(const char *apps)
{
	static const uint8_t unknown[] = { 0, 0, 0, 7, 0x84, 0x01, 0x18,
					   0x63, 0x18, 0x32, 0xa0 };
	static char logs[65536];
	struct proto_msg m;
	const uint8_t *mod;
	size_t len;

	mod = load(apps, "counter", &len);
	CHECK(len > 0 && deploy(7, mod, len, 0, logs, sizeof(logs)) == 0);
	CHECK(expect_status(7, PROTO_APP_RUNNING, logs, sizeof(logs)) == 0);
	while (strstr(logs, "count 3|") == NULL &&
	       recv_msg(&m, logs, sizeof(logs)) == 0)
		;
	CHECK(strstr(logs, "count 1|count 2|count 3|") != NULL);
	CHECK(command(PROTO_STOP, 7) == 0);
	CHECK(expect_status(7, PROTO_APP_INSTALLED, logs, sizeof(logs)) == 0);

	/* An unknown type gets an error reply and the session goes on. */
	CHECK(SSL_write(ssl, unknown, sizeof(unknown)) == sizeof(unknown));
	CHECK(expect(PROTO_ERROR, &m, logs, sizeof(logs)) == 0 &&
	      m.u.error.code == PROTO_CODE_UNKNOWN_TYPE && m.u.error.re == 99);

	/* A corrupted module is refused with bad-hash and marked Failed. */
	mod = load(apps, "hello", &len);
	CHECK(deploy(8, mod, len, 1, logs, sizeof(logs)) == 0);
	CHECK(expect(PROTO_ERROR, &m, logs, sizeof(logs)) == 0 &&
	      m.u.error.code == PROTO_CODE_BAD_HASH);
	CHECK(expect_status(8, PROTO_APP_FAILED, logs, sizeof(logs)) == 0);
	CHECK(command(PROTO_REMOVE, 8) == 0);
	CHECK(expect_status(8, PROTO_APP_ABSENT, logs, sizeof(logs)) == 0);
	CHECK(command(PROTO_START, 42) == 0);
	CHECK(expect(PROTO_ERROR, &m, logs, sizeof(logs)) == 0 &&
	      m.u.error.code == PROTO_CODE_NOT_FOUND);
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(fd, 4) != 0)
		return -1;
	return fd;
}

/* Accepts the device's mutual-TLS connection and answers its hello. */
static int serve(const char *gwdir, uint16_t port, const char *apps)
{
	char cert[400], key[400], ca[400];
	struct timeval tv = { 10, 0 };
	struct proto_msg m;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int lfd = listen_on(port), fd;
	char logs[256] = "";

	snprintf(cert, sizeof(cert), "%s/server.crt", gwdir);
	snprintf(key, sizeof(key), "%s/server.key", gwdir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", gwdir);
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	if (lfd < 0 || SSL_CTX_use_certificate_file(ctx, cert,
						    SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		return -1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	fd = accept(lfd, NULL, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1 || recv_msg(&m, logs, sizeof(logs)) != 0 ||
	    m.type != PROTO_HELLO)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_WELCOME;
	m.u.welcome.heartbeat_ms = 1000;
	m.u.welcome.max_frame = 16384;
	m.u.welcome.device_id.ptr = (const uint8_t *)"wb-wire";
	m.u.welcome.device_id.len = 7;
	if (send_msg(&m) != 0)
		return -1;
	converse(apps);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	close(lfd);
	return 0;
}

static pid_t dev_start(const char *dev, const char *dir, struct td_gw *g)
{
	char gwaddr[40], log[320];
	pid_t pid;

	snprintf(gwaddr, sizeof(gwaddr), "127.0.0.1:%u", g->dev_port);
	snprintf(log, sizeof(log), "%s.log", dir);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		execl(dev, dev, "--gateway", gwaddr, "--data-dir", dir,
		      "--ca", g->ca, "--backoff-min", "200ms",
		      "--backoff-max", "400ms", (char *)NULL);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	char base[200], gwdir[260], devdir[260], resp[256];
	struct td_gw g;
	pid_t dev;
	int st = -1;

	if (argc != 4) {
		fprintf(stderr, "usage: test_agent_wire GATEWAY DEVICE APPS\n");
		return 2;
	}
	snprintf(base, sizeof(base), "/tmp/wb-agent-wire-%d", (int)getpid());
	mkdir(base, 0700);
	snprintf(gwdir, sizeof(gwdir), "%s/gw", base);
	snprintf(devdir, sizeof(devdir), "%s/dev", base);
	if (td_gw_start(&g, argv[1], gwdir, NULL) != 0)
		return 1;
	CHECK(td_http(&g, "POST", "/api/v1/pairing/open", NULL, 1, resp,
		      sizeof(resp)) == 200);
	dev = dev_start(argv[2], devdir, &g);
	CHECK(td_log_wait(&g, "connected (linux", 10000));

	/* The gateway leaves; this test takes its port and its role. */
	CHECK(td_gw_stop(&g) == 0);
	CHECK(serve(gwdir, g.dev_port, argv[3]) == 0);
	kill(dev, SIGTERM);
	waitpid(dev, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (failures == 0) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", base);
	} else {
		fprintf(stderr, "logs kept in %s\n", base);
	}
	printf("wire %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
