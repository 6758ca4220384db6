/* agent_fixture.c - an agent without a gateway, for tests.
 * SPDX-License-Identifier: Apache-2.0
 * See agent_fixture.h; messages per docs/protocol.md "Applications".
 */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "agent_fixture.h"
#include "lx_port.h"

#define ARENA (256u * 1024u)
#define CHUNK 1500u

struct agent fx_agent;
static struct lx_port fx_lx;
static struct agent_port fx_port;
static uint8_t fx_arenas[LX_NSLOTS * ARENA];

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

int fx_start(const char *dir)
{
	struct agent_conf conf;

	if (lx_port_init(&fx_lx, dir, "127.0.0.1", "1") != 0)
		return -1;
	fx_port = fx_lx.port;
	fx_port.transport = &off_ops;
	memset(&conf, 0, sizeof(conf));
	conf.arena_pool = fx_arenas;
	conf.arena_size = ARENA;
	conf.log_level = AGENT_WARN;
	if (agent_init(&fx_agent, &fx_port, &conf) != AGENT_OK)
		return -1;
	fx_agent.next_try_ms = UINT64_MAX; /* never tries to connect */
	return 0;
}

void fx_stop(void)
{
	agent_fini(&fx_agent);
	lx_port_fini(&fx_lx);
}

static size_t read_app(const char *apps_dir, const char *name,
		       uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.wasm", apps_dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return 0;
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static agent_err send_chunks(uint32_t id, const uint8_t *mod, size_t len)
{
	struct proto_msg m;
	size_t off;
	agent_err rc = AGENT_OK;

	for (off = 0; rc == AGENT_OK && off < len; off += CHUNK) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CHUNK;
		m.u.chunk.app_id = id;
		m.u.chunk.offset = (uint32_t)off;
		m.u.chunk.data.ptr = mod + off;
		m.u.chunk.data.len = len - off < CHUNK ? len - off : CHUNK;
		rc = agent_handle(&fx_agent, &m);
	}
	return rc;
}

agent_err fx_deploy(const char *apps_dir, uint32_t id, const char *name,
		    uint64_t fuel, int autostart, int spoil_hash)
{
	static uint8_t mod[LX_SLOT_SIZE];
	struct proto_msg m;
	uint8_t sha[32];
	wc_Sha256 h;
	size_t len = read_app(apps_dir, name, mod, sizeof(mod));
	agent_err rc;

	if (len == 0)
		return AGENT_E_INVALID;
	wc_InitSha256(&h);
	wc_Sha256Update(&h, mod, (word32)len);
	wc_Sha256Final(&h, sha);
	wc_Sha256Free(&h);
	sha[0] ^= (uint8_t)(spoil_hash != 0);
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
	rc = agent_handle(&fx_agent, &m);
	return rc == AGENT_OK ? send_chunks(id, mod, len) : rc;
}

agent_err fx_command(uint32_t type, uint32_t id)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.u.app.app_id = id;
	return agent_handle(&fx_agent, &m);
}

void fx_run_for(uint32_t ms)
{
	uint64_t end = lx_clock_ops.now_ms(NULL) + ms;

	while (lx_clock_ops.now_ms(NULL) < end)
		agent_step(&fx_agent, 20);
}
