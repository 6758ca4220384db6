/* agent.c - the agent's main loop: connect, back off, serve, run apps.
 * SPDX-License-Identifier: Apache-2.0
 * Implements DESIGN.md "The main job" steps 4, 5 and 7 on the device
 * side; docs/agent.md "Main loop".
 */
#ifndef WOLFSSL_USER_SETTINGS
#include <wolfssl/options.h>
#endif
#include <wolfssl/ssl.h>

#include <string.h>

#include "agent_internal.h"

#define MOD "agent"

static const char *const err_names[] = {
	"ok", "transport failed", "TLS refused", "protocol violation",
	"storage failed", "enrollment refused", "crypto failed",
	"no space", "invalid", "not found", "closed by the gateway"
};

const char *agent_strerror(agent_err err)
{
	if ((unsigned)err >= sizeof(err_names) / sizeof(err_names[0]))
		return "unknown error";
	return err_names[err];
}

static agent_err check_port(const struct agent_port *p,
			    const struct agent_conf *c)
{
	if (p == NULL || p->transport == NULL || p->storage == NULL ||
	    p->clock == NULL || p->entropy == NULL || p->console == NULL)
		return AGENT_E_INVALID;
	if (p->nslots > AGENT_MAX_APPS || c == NULL ||
	    (p->nslots > 0 && (c->arena_pool == NULL || c->arena_size == 0)))
		return AGENT_E_INVALID;
	return AGENT_OK;
}

static void conf_defaults(struct agent_conf *c)
{
	if (c->backoff_min_ms == 0)
		c->backoff_min_ms = 1000;
	if (c->backoff_max_ms < c->backoff_min_ms)
		c->backoff_max_ms = c->backoff_min_ms < 60000 ? 60000
				    : c->backoff_min_ms;
	if (c->io_timeout_ms == 0)
		c->io_timeout_ms = 10000;
	if (c->slice_fuel == 0)
		c->slice_fuel = 2000;
}

agent_err agent_init(struct agent *a, const struct agent_port *port,
		     const struct agent_conf *conf)
{
	uint8_t seed[4];
	agent_err rc;

	rc = check_port(port, conf);
	if (rc != AGENT_OK)
		return rc;
	memset(a, 0, sizeof(*a));
	a->port = port;
	a->conf = *conf;
	conf_defaults(&a->conf);
	a->start_ms = agent_now(a);
	a->backoff_ms = a->conf.backoff_min_ms;
	if (port->entropy->fill(port->entropy_ctx, seed, sizeof(seed)) == 0)
		memcpy(&a->rand_state, seed, sizeof(seed));
	if (wolfSSL_Init() != WOLFSSL_SUCCESS)
		return AGENT_E_TLS;
	rc = agent_seq_init(a);
	if (rc == AGENT_OK)
		rc = agent_apps_load(a);
	if (rc != AGENT_OK)
		agent_log(a, AGENT_ERROR, MOD, "cannot read storage: %s",
			  agent_strerror(rc));
	return rc;
}

void agent_request_stop(struct agent *a)
{
	a->stop = 1;
}

/* Next attempt after the current back-off, with jitter: a uniform
 * delay in [d/2, d], then d doubles up to the cap. */
static void back_off(struct agent *a)
{
	uint32_t d = a->backoff_ms, wait = d / 2 + agent_rand(a) % (d / 2 + 1);

	a->next_try_ms = agent_now(a) + wait;
	agent_log(a, AGENT_INFO, MOD, "next attempt in %u ms",
		  (unsigned)wait);
	a->backoff_ms = d > a->conf.backoff_max_ms / 2 ? a->conf.backoff_max_ms
			: d * 2;
}

/* One connection attempt: enroll first if there are no credentials. */
static void try_connect(struct agent *a)
{
	agent_err rc;

	if (!agent_cred_ready(a)) {
		rc = agent_enroll(a);
		if (rc != AGENT_OK) {
			back_off(a);
			return;
		}
	}
	rc = agent_session_open(a);
	if (rc != AGENT_OK) {
		back_off(a);
		return;
	}
	a->backoff_ms = a->conf.backoff_min_ms;
}

static void drop(struct agent *a, agent_err why)
{
	agent_log(a, AGENT_WARN, MOD, "session lost: %s",
		  agent_strerror(why));
	agent_session_close(a, NULL);
	back_off(a);
}

/* How long the loop may idle: until an app, a heartbeat or a
 * connection attempt is due, and never more than max_wait_ms. */
static uint32_t idle_ms(struct agent *a, uint32_t apps_wait,
			uint32_t max_wait_ms)
{
	uint64_t now = agent_now(a), due;
	uint32_t w = apps_wait < max_wait_ms ? apps_wait : max_wait_ms;

	due = a->connected ? a->next_hb_ms : a->next_try_ms;
	if (due <= now)
		return 0;
	return due - now < w ? (uint32_t)(due - now) : w;
}

void agent_step(struct agent *a, uint32_t max_wait_ms)
{
	const struct agent_port *p = a->port;
	uint32_t apps_wait, w;
	agent_err rc;
	int ready;

	if (!a->connected && agent_now(a) >= a->next_try_ms)
		try_connect(a);
	apps_wait = agent_apps_run(a);
	if (a->connected) {
		rc = agent_session_tick(a);
		if (rc != AGENT_OK) {
			drop(a, rc);
			return;
		}
	}
	w = idle_ms(a, apps_wait, max_wait_ms);
	if (!a->connected) {
		if (w > 0)
			p->clock->sleep(p->clock_ctx, w);
		return;
	}

	/* Input from the gateway, or the time something else is due. */
	ready = agent_tls_wait(a, w);
	if (ready == 0)
		return;
	rc = ready < 0 ? AGENT_E_IO : agent_session_input(a);
	if (rc != AGENT_OK)
		drop(a, rc);
}

agent_err agent_run(struct agent *a)
{
	agent_log(a, AGENT_INFO, MOD, "starting (%s, %u app slots)",
		  a->port->board, (unsigned)a->port->nslots);
	while (!a->stop)
		agent_step(a, 1000);
	if (a->connected)
		agent_log(a, AGENT_INFO, MOD, "stopping: goodbye");
	agent_session_close(a, "device shutting down");
	return AGENT_OK;
}

void agent_fini(struct agent *a)
{
	agent_tls_close(a);
	agent_rec_save(a);
	wolfSSL_Cleanup();
	agent_wipe(a->rx, sizeof(a->rx));
	agent_wipe(a->tx, sizeof(a->tx));
}
