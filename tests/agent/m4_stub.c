/* m4_stub.c - a do-nothing port, so the agent links for Cortex-M4.
 * SPDX-License-Identifier: Apache-2.0
 * Implements src/agent/agent_port.h with stubs; used only by
 * cortex_m4_size.sh to prove every symbol the agent needs exists in
 * the cross-built wolfSSL, libcbor, src/proto and src/vm.
 */
#include <string.h>

#include "agent.h"

static int t_open(void *c)
{
	(void)c;
	return -1;
}

static int t_wait(void *c, uint32_t ms)
{
	(void)c;
	(void)ms;
	return 0;
}

static int t_read(void *c, uint8_t *b, size_t n, uint32_t ms)
{
	(void)c;
	(void)b;
	(void)n;
	(void)ms;
	return -1;
}

static int t_write(void *c, const uint8_t *b, size_t n)
{
	(void)c;
	(void)b;
	(void)n;
	return -1;
}

static void t_close(void *c)
{
	(void)c;
}

static long s_load(void *c, int item, uint8_t *b, size_t n)
{
	(void)c;
	(void)item;
	(void)b;
	(void)n;
	return 0;
}

static int s_save(void *c, int item, const uint8_t *b, size_t n)
{
	(void)c;
	(void)item;
	(void)b;
	(void)n;
	return 0;
}

static int s_erase(void *c, int item)
{
	(void)c;
	(void)item;
	return 0;
}

static int s_slot_erase(void *c, uint32_t slot)
{
	(void)c;
	(void)slot;
	return 0;
}

static int s_slot_write(void *c, uint32_t slot, uint32_t off,
			const uint8_t *p, size_t n)
{
	(void)c;
	(void)slot;
	(void)off;
	(void)p;
	(void)n;
	return 0;
}

static const uint8_t *s_slot_map(void *c, uint32_t slot, uint32_t len)
{
	(void)c;
	(void)slot;
	(void)len;
	return NULL;
}

static uint64_t c_now(void *c)
{
	(void)c;
	return 0;
}

static void c_sleep(void *c, uint32_t ms)
{
	(void)c;
	(void)ms;
}

static int e_fill(void *c, uint8_t *b, size_t n)
{
	(void)c;
	memset(b, 0, n);
	return 0;
}

static void k_write(void *c, const char *line, size_t n)
{
	(void)c;
	(void)line;
	(void)n;
}

static const struct agent_transport_ops m4_transport = {
	t_open, t_wait, t_read, t_write, t_close
};
static const struct agent_storage_ops m4_storage = {
	s_load, s_save, s_erase, s_slot_erase, s_slot_write, s_slot_map
};
static const struct agent_clock_ops m4_clock = { c_now, c_sleep };
static const struct agent_entropy_ops m4_entropy = { e_fill };
static const struct agent_console_ops m4_console = { k_write };

static struct agent m4_agent;
static uint8_t m4_arenas[2 * 16384];

/* The boards' wolfSSL asks the board for its DRBG seed. */
int wasmbed_tls_seed(unsigned char *out, unsigned int len)
{
	memset(out, 0, len);
	return 0;
}

int main(void)
{
	static const struct agent_port port = {
		&m4_transport, NULL, &m4_storage, NULL, &m4_clock, NULL,
		&m4_entropy, NULL, &m4_console, NULL,
		"stub", "0", 32768, 65536, 2, 16384
	};
	struct agent_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.arena_pool = m4_arenas;
	conf.arena_size = 16384;
	if (agent_init(&m4_agent, &port, &conf) == AGENT_OK)
		agent_run(&m4_agent);
	return 0;
}
