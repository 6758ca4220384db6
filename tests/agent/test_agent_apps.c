/* test_agent_apps.c - the agent's application path without a gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Drives docs/protocol.md "Applications" through agent_handle() over
 * the Linux storage port, with a transport that never connects; runs
 * the sample applications of apps/ (docs/apps.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "agent.h"
#include "lx_port.h"

#define ARENA (256u * 1024u)
#define CHUNK 1500u

static struct agent ag;
static struct lx_port lx;
static struct agent_port port;
static uint8_t arenas[LX_NSLOTS * ARENA];
static const char *apps_dir;
static char data_dir[256];
static int failures;

#define CHECK(c) check((c), #c, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
		failures++;
	}
}

/* The gateway is never there: every open fails. */
static int off_open(void *ctx) { (void)ctx; return -1; }
static int off_wait(void *ctx, uint32_t ms)
{ (void)ctx; (void)ms; return -1; }
static int off_read(void *ctx, uint8_t *b, size_t n, uint32_t ms)
{ (void)ctx; (void)b; (void)n; (void)ms; return -1; }
static int off_write(void *ctx, const uint8_t *b, size_t n)
{ (void)ctx; (void)b; (void)n; return -1; }
static void off_close(void *ctx) { (void)ctx; }

static const struct agent_transport_ops off_ops = {
	off_open, off_wait, off_read, off_write, off_close
};

static void start_agent(void)
{
	struct agent_conf conf;

	if (lx_port_init(&lx, data_dir, "127.0.0.1", "1") != 0)
		abort();
	port = lx.port;
	port.transport = &off_ops;
	memset(&conf, 0, sizeof(conf));
	conf.arena_pool = arenas;
	conf.arena_size = ARENA;
	conf.backoff_min_ms = 60000; /* no connection attempts in a test */
	conf.log_level = AGENT_WARN;
	CHECK(agent_init(&ag, &port, &conf) == AGENT_OK);
	ag.next_try_ms = UINT64_MAX;
}

static void stop_agent(void)
{
	agent_fini(&ag);
	lx_port_fini(&lx);
}

static uint8_t *read_app(const char *name, size_t *len)
{
	static uint8_t buf[LX_SLOT_SIZE];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.wasm", apps_dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

/* Deploys a sample app as the gateway would: deploy, then chunks. */
static agent_err deploy(uint32_t id, const char *name, uint64_t fuel,
			int autostart, int spoil_hash)
{
	struct proto_msg m;
	uint8_t sha[32];
	wc_Sha256 h;
	size_t len, off;
	uint8_t *mod = read_app(name, &len);
	agent_err rc;

	wc_InitSha256(&h);
	wc_Sha256Update(&h, mod, (word32)len);
	wc_Sha256Final(&h, sha);
	sha[0] ^= (uint8_t)spoil_hash;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DEPLOY;
	m.u.deploy.app_id = id;
	m.u.deploy.name.ptr = (const uint8_t *)name;
	m.u.deploy.name.len = strlen(name);
	m.u.deploy.version.ptr = (const uint8_t *)"1.0";
	m.u.deploy.version.len = 3;
	m.u.deploy.size = (uint32_t)len;
	m.u.deploy.sha256.ptr = sha;
	m.u.deploy.sha256.len = 32;
	m.u.deploy.mem_limit = 65536;
	m.u.deploy.fuel_limit = fuel;
	m.u.deploy.autostart = (uint8_t)autostart;
	rc = agent_handle(&ag, &m);
	for (off = 0; rc == AGENT_OK && off < len; off += CHUNK) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CHUNK;
		m.u.chunk.app_id = id;
		m.u.chunk.offset = (uint32_t)off;
		m.u.chunk.data.ptr = mod + off;
		m.u.chunk.data.len = len - off < CHUNK ? len - off : CHUNK;
		rc = agent_handle(&ag, &m);
	}
	return rc;
}

static agent_err command(uint32_t type, uint32_t id)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.u.app.app_id = id;
	return agent_handle(&ag, &m);
}

static int state(uint32_t id)
{
	const struct agent_app_rec *r = agent_app_find(&ag, id);

	return r ? r->state : PROTO_APP_ABSENT;
}

static void run_for(uint32_t ms)
{
	uint64_t end = lx_clock_ops.now_ms(NULL) + ms;

	while (lx_clock_ops.now_ms(NULL) < end)
		agent_step(&ag, 20);
}

/* Number of held records of app id whose text starts with prefix. */
static int count_recs(uint32_t id, const char *prefix)
{
	const struct agent_rec *r;
	uint32_t i;
	int n = 0;

	for (i = 0; (r = agent_rec_at(&ag, i)) != NULL; i++)
		if (r->app_id == id &&
		    strncmp(r->text, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static void case_hello(void)
{
	const struct agent_rec *r;
	uint32_t i;
	int line = 1;
	uint64_t last = 0;

	CHECK(deploy(1, "hello", 0, 1, 0) == AGENT_OK);
	CHECK(state(1) == PROTO_APP_RUNNING);
	run_for(200);
	CHECK(state(1) == PROTO_APP_INSTALLED);

	/* Its three lines, in order, with rising sequence numbers. */
	for (i = 0; (r = agent_rec_at(&ag, i)) != NULL; i++) {
		char want[64];

		if (r->app_id != 1)
			continue;
		snprintf(want, sizeof(want), "hello from wasmbed, line %d",
			 line);
		CHECK(r->len == strlen(want) &&
		      memcmp(r->text, want, r->len) == 0);
		CHECK(r->seq > last);
		last = r->seq;
		line++;
	}
	CHECK(line == 4);
}

static void case_interleave(void)
{
	CHECK(command(PROTO_REMOVE, 1) == AGENT_OK);
	CHECK(state(1) == PROTO_APP_ABSENT);
	CHECK(deploy(2, "counter", 100000, 1, 0) == AGENT_OK);
	CHECK(deploy(3, "sensor", 100000, 1, 0) == AGENT_OK);
	CHECK(deploy(4, "trap", 100000, 1, 0) == AGENT_OK);
	CHECK(deploy(5, "busy", 50000, 1, 0) == AGENT_OK);
	run_for(1300);

	/* Both sleepers ran side by side; the faulty ones failed alone. */
	CHECK(state(2) == PROTO_APP_RUNNING);
	CHECK(state(3) == PROTO_APP_RUNNING);
	CHECK(count_recs(2, "count ") >= 2);
	CHECK(count_recs(3, "samples 5 ") == 1);
	CHECK(count_recs(3, "sensor on ") == 1);
	CHECK(state(4) == PROTO_APP_FAILED);
	CHECK(strstr(agent_app_find(&ag, 4)->error, "trap") != NULL);
	CHECK(count_recs(4, "about to trap") == 1);
	CHECK(state(5) == PROTO_APP_FAILED);
	CHECK(strstr(agent_app_find(&ag, 5)->error, "out of fuel") != NULL);
}

static void case_bad_hash(void)
{
	/* All four slots are taken: removing frees one. */
	CHECK(deploy(6, "hello", 0, 1, 0) == AGENT_E_NOSPACE);
	CHECK(command(PROTO_REMOVE, 5) == AGENT_OK);
	CHECK(state(5) == PROTO_APP_ABSENT);
	CHECK(deploy(6, "hello", 0, 1, 1) == AGENT_E_CRYPTO);
	CHECK(state(6) == PROTO_APP_FAILED);
	CHECK(command(PROTO_START, 99) == AGENT_E_NOTFOUND);
}

static void case_lifecycle(void)
{
	CHECK(command(PROTO_STOP, 3) == AGENT_OK);
	CHECK(state(3) == PROTO_APP_INSTALLED);
	CHECK(command(PROTO_START, 3) == AGENT_OK);
	CHECK(state(3) == PROTO_APP_RUNNING);
	CHECK(command(PROTO_STOP, 3) == AGENT_OK);

	/* Update in place: app 4 becomes hello, version 1.0 again. */
	CHECK(deploy(4, "hello", 0, 0, 0) == AGENT_OK);
	CHECK(state(4) == PROTO_APP_INSTALLED);
	CHECK(agent_app_find(&ag, 4)->error[0] == '\0');
}

/* After a restart: counter running again, sensor stopped, hash failure
 * still failed; log sequence numbers are never reused. */
static void case_restart(void)
{
	uint64_t before = ag.next_seq;

	stop_agent();
	start_agent();
	CHECK(state(2) == PROTO_APP_RUNNING);
	CHECK(state(3) == PROTO_APP_INSTALLED);
	CHECK(state(4) == PROTO_APP_INSTALLED);
	CHECK(state(6) == PROTO_APP_FAILED);
	CHECK(ag.next_seq >= before);
	run_for(700);
	CHECK(count_recs(2, "count 1") >= 1);
	CHECK(agent_rec_at(&ag, 0) == NULL ||
	      agent_rec_at(&ag, 0)->seq >= before);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_agent_apps APPS_DIR\n");
		return 2;
	}
	apps_dir = argv[1];
	snprintf(data_dir, sizeof(data_dir), "/tmp/wb-agent-apps-%d",
		 (int)getpid());
	start_agent();
	case_hello();
	case_interleave();
	case_bad_hash();
	case_lifecycle();
	case_restart();
	stop_agent();
	if (failures == 0) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", data_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", data_dir);
	}
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
