/* agent_host.c - the `wasmbed` import module and the WASI bindings.
 * SPDX-License-Identifier: Apache-2.0
 * Implements the host API of apps/include/wasmbed.h and WASI preview 1
 * console output (fd 1 and 2 become log records), docs/apps.md.
 */
#include <string.h>

#include "agent_internal.h"

#define MOD "host"
#define TOPIC_MAX 64u
#define PAYLOAD_MAX 256u

/* Levels of log records: stdout is info, stderr warn. */
#define LEVEL_STDOUT 2u
#define LEVEL_STDERR 1u

static vm_rc bad_pointer(vm_error *err)
{
	vm_error_set(err, VM_ERR_TRAP, VM_TRAP_HOST,
		     "host call with a pointer outside memory");
	return VM_ERR_TRAP;
}

/* log(level, ptr, len): one record with the app's text. */
static vm_rc h_log(void *ctx, vm_instance *in, const uint64_t *args,
		   uint64_t *res, vm_error *err)
{
	struct agent_app *app = ctx;
	uint32_t len = (uint32_t)args[2];
	const char *p = vm_memory_ptr(in, (uint32_t)args[1], len);

	(void)res;
	if (p == NULL)
		return bad_pointer(err);
	agent_rec_push(app->agent, app->r.app_id, (uint8_t)args[0], p, len);
	agent_log(app->agent, AGENT_DEBUG, MOD, "app %u: %.*s",
		  (unsigned)app->r.app_id, (int)len, p);
	return VM_OK;
}

static vm_rc h_uptime(void *ctx, vm_instance *in, const uint64_t *args,
		      uint64_t *res, vm_error *err)
{
	struct agent_app *app = ctx;

	(void)in;
	(void)args;
	(void)err;
	res[0] = agent_now(app->agent) - app->agent->start_ms;
	return VM_OK;
}

/* sleep_ms(ms): suspends this app only; the scheduler wakes it. */
static vm_rc h_sleep(void *ctx, vm_instance *in, const uint64_t *args,
		     uint64_t *res, vm_error *err)
{
	struct agent_app *app = ctx;

	(void)in;
	(void)res;
	(void)err;
	app->wake_ms = agent_now(app->agent) + (uint32_t)args[0];
	app->yielded = 1;
	return VM_SUSPENDED;
}

/* device_id(buf, cap) -> length, or -1 if cap is too small. */
static vm_rc h_device_id(void *ctx, vm_instance *in, const uint64_t *args,
			 uint64_t *res, vm_error *err)
{
	struct agent_app *app = ctx;
	size_t n = strlen(app->agent->id);
	uint8_t *p = vm_memory_ptr(in, (uint32_t)args[0], (uint32_t)args[1]);

	if (p == NULL)
		return bad_pointer(err);
	if (n > (uint32_t)args[1]) {
		res[0] = (uint32_t)-1;
		return VM_OK;
	}
	memcpy(p, app->agent->id, n);
	res[0] = (uint32_t)n;
	return VM_OK;
}

/* publish(topic, tlen, payload, plen) -> 0 sent, -1 offline, -2 too
 * large. A publish is not queued: it is a live reading. */
static vm_rc h_publish(void *ctx, vm_instance *in, const uint64_t *args,
		       uint64_t *res, vm_error *err)
{
	struct agent_app *app = ctx;
	struct agent *a = app->agent;
	uint32_t tlen = (uint32_t)args[1], plen = (uint32_t)args[3];
	const uint8_t *t = vm_memory_ptr(in, (uint32_t)args[0], tlen);
	const uint8_t *pl = vm_memory_ptr(in, (uint32_t)args[2], plen);
	struct proto_msg *m = &a->msg;

	if (t == NULL || pl == NULL)
		return bad_pointer(err);
	res[0] = (uint32_t)-2;
	if (tlen > TOPIC_MAX || plen > PAYLOAD_MAX)
		return VM_OK;
	res[0] = (uint32_t)-1;
	if (!a->connected)
		return VM_OK;
	memset(m, 0, sizeof(*m));
	m->type = PROTO_PUBLISH;
	m->u.publish.app_id = app->r.app_id;
	m->u.publish.topic.ptr = t;
	m->u.publish.topic.len = tlen;
	m->u.publish.payload.ptr = pl;
	m->u.publish.payload.len = plen;
	if (agent_send(a, m) == AGENT_OK)
		res[0] = 0;
	return VM_OK;
}

void agent_host_flush(struct agent_app *app)
{
	uint8_t level = app->line_fd == 2 ? LEVEL_STDERR : LEVEL_STDOUT;

	if (app->line_len == 0)
		return;
	agent_rec_push(app->agent, app->r.app_id, level, app->line,
		       app->line_len);
	agent_log(app->agent, AGENT_DEBUG, MOD, "app %u: %.*s",
		  (unsigned)app->r.app_id, (int)app->line_len, app->line);
	app->line_len = 0;
}

/* WASI fd_write sink: each line becomes a record at the level of its
 * stream; a line longer than the buffer is cut into records, and a
 * switch between stdout and stderr ends the partial line. */
static void wasi_write(void *ctx, int fd, const uint8_t *buf, size_t len)
{
	struct agent_app *app = ctx;
	size_t i;

	if (fd != app->line_fd) {
		agent_host_flush(app);
		app->line_fd = fd;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			app->line[app->line_len++] = (char)buf[i];
		if (buf[i] == '\n' || app->line_len == AGENT_APP_LINE)
			agent_host_flush(app);
	}
}

/* Realtime (id 0) is the gateway's clock once a welcome gave it; every
 * other clock, and realtime before that, is uptime. Nanoseconds. */
static uint64_t wasi_clock(void *ctx, uint32_t clock_id)
{
	struct agent *a = ((struct agent_app *)ctx)->agent;
	uint64_t now = agent_now(a);

	if (clock_id == 0 && a->epoch_ms != 0)
		return (uint64_t)((int64_t)now + a->epoch_ms) * 1000000u;
	return (now - a->start_ms) * 1000000u;
}

static void wasi_random(void *ctx, uint8_t *buf, size_t len)
{
	struct agent_app *app = ctx;
	const struct agent_port *p = app->agent->port;

	if (p->entropy->fill(p->entropy_ctx, buf, len) != 0)
		memset(buf, 0, len);
}

void agent_host_bind(struct agent_app *app)
{
	static const struct {
		const char *name, *sig;
		vm_host_cb cb;
	} own[5] = {
		{ "log", "iii:", h_log },
		{ "uptime_ms", ":I", h_uptime },
		{ "sleep_ms", "i:", h_sleep },
		{ "device_id", "ii:i", h_device_id },
		{ "publish", "iiii:i", h_publish },
	};
	uint32_t i;

	for (i = 0; i < 5; i++) {
		app->funcs[i].module = "wasmbed";
		app->funcs[i].name = own[i].name;
		app->funcs[i].sig = own[i].sig;
		app->funcs[i].cb = own[i].cb;
		app->funcs[i].ctx = app;
	}
	app->wasi.write = wasi_write;
	app->wasi.clock = wasi_clock;
	app->wasi.random = wasi_random;
	app->wasi.ctx = app;
	vm_wasi_funcs(&app->wasi, app->funcs + 5);
}
