/* agent_app.c - application slots, lifecycle and fuel-slice scheduling.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md "Applications" (deploy, chunk, start,
 * stop, remove, app-status) and docs/agent.md "Applications".
 */
#ifndef WOLFSSL_USER_SETTINGS
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/sha256.h>

#include <stdio.h>
#include <string.h>

#include "agent_internal.h"

#define MOD "app"
#define TABLE_MAGIC 0x57424150u /* "WBAP" */
#define TABLE_VERSION 1u

/* The stored table must fit the scratch buffer it is built in. */
typedef char table_fits[(8 + AGENT_MAX_APPS * sizeof(struct agent_app_rec)
			 <= PROTO_HDR_LEN + AGENT_FRAME_MAX) ? 1 : -1];

static struct agent_app *find(struct agent *a, uint32_t app_id)
{
	uint32_t i;

	for (i = 0; i < a->port->nslots; i++)
		if (app_id != 0 && a->apps[i].r.app_id == app_id)
			return &a->apps[i];
	return NULL;
}

const struct agent_app_rec *agent_app_find(const struct agent *a,
					   uint32_t app_id)
{
	const struct agent_app *app = find((struct agent *)a, app_id);

	return app ? &app->r : NULL;
}

/* Writes the whole table; a->tx is free scratch outside agent_send. */
static agent_err table_save(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint8_t *buf = a->tx;
	uint32_t hdr[2] = { TABLE_MAGIC, TABLE_VERSION }, i;
	size_t n = sizeof(hdr);

	memcpy(buf, hdr, sizeof(hdr));
	for (i = 0; i < p->nslots; i++) {
		memcpy(buf + n, &a->apps[i].r, sizeof(a->apps[i].r));
		n += sizeof(a->apps[i].r);
	}
	if (p->storage->save(p->storage_ctx, AGENT_ITEM_APPS, buf, n) != 0) {
		agent_log(a, AGENT_ERROR, MOD, "cannot store the app table");
		return AGENT_E_STORAGE;
	}
	return AGENT_OK;
}

/* Changes state, marks the status for reporting and stores it. */
static agent_err set_state(struct agent_app *app, uint8_t state)
{
	app->r.state = state;
	app->dirty = 1;
	return table_save(app->agent);
}

static void unload(struct agent_app *app)
{
	agent_host_flush(app);
	app->inst = NULL;
	app->entry = NULL;
	app->wake_ms = 0;
}

void agent_app_fail(struct agent_app *app, const char *why)
{
	struct agent *a = app->agent;

	unload(app);
	snprintf(app->r.error, sizeof(app->r.error), "%s", why);
	agent_log(a, AGENT_WARN, MOD, "app %u failed: %s",
		  (unsigned)app->r.app_id, why);
	agent_rec_push(a, app->r.app_id, AGENT_ERROR, app->r.error,
		       strlen(app->r.error));
	(void)set_state(app, PROTO_APP_FAILED);
}

/* Loads the stored module into the app's own arena and validates it;
 * with run, also instantiates it and prepares a call of _start. */
static agent_err load_module(struct agent_app *app, int run)
{
	struct agent *a = app->agent;
	const struct agent_port *p = a->port;
	const uint8_t *bytes;
	vm_imports imp;
	vm_config cfg;
	vm_module *mod;
	vm_error err;
	vm_rc vr;

	bytes = p->storage->slot_map(p->storage_ctx, app->slot, app->r.size);
	if (bytes == NULL) {
		agent_app_fail(app, "slot unreadable");
		return AGENT_E_STORAGE;
	}
	vm_arena_init(&app->arena, a->conf.arena_pool +
		      (size_t)app->slot * a->conf.arena_size,
		      a->conf.arena_size);
	vr = vm_load(&app->arena, bytes, app->r.size, &mod, &err);
	if (vr != VM_OK || !run)
		goto out;

	/* Each app links its own copy of the host functions. */
	agent_host_bind(app);
	memset(&imp, 0, sizeof(imp));
	imp.funcs = app->funcs;
	imp.nfuncs = AGENT_APP_NFUNCS;
	memset(&cfg, 0, sizeof(cfg));
	cfg.memory_limit = app->r.mem_limit;
	cfg.code_bytes = a->conf.code_bytes;
	vr = vm_instantiate(&app->arena, mod, &imp, &cfg, &app->inst, &err);
	if (vr != VM_OK)
		goto out;
	app->entry = vm_export_func(app->inst, "_start");
	if (app->entry == NULL) {
		vm_error_set(&err, VM_ERR_LINK, VM_TRAP_NONE,
			     "no _start export");
		vr = VM_ERR_LINK;
		goto out;
	}
	vr = vm_call(app->inst, app->entry, NULL, 0, &err);
out:
	if (vr != VM_OK) {
		agent_app_fail(app, err.msg);
		return AGENT_E_INVALID;
	}
	return AGENT_OK;
}

agent_err agent_app_start(struct agent *a, uint32_t app_id)
{
	struct agent_app *app = find(a, app_id);
	agent_err rc;

	if (app == NULL)
		return AGENT_E_NOTFOUND;
	if (app->r.state == PROTO_APP_RECEIVING ||
	    app->r.received != app->r.size)
		return AGENT_E_INVALID; /* no complete, verified module */
	if (app->inst != NULL)
		return AGENT_OK;
	app->r.error[0] = '\0';
	rc = load_module(app, 1);
	if (rc != AGENT_OK)
		return AGENT_OK; /* reported as Failed, not as an error */
	app->fuel_left = app->r.fuel_limit;
	app->line_len = 0;
	agent_log(a, AGENT_INFO, MOD, "app %u (%s) started, arena %zu of "
		  "%zu bytes, %s", (unsigned)app_id, app->r.name,
		  vm_arena_used(&app->arena), a->conf.arena_size,
		  vm_translated_bytes(app->inst) > 0 ? "translated"
						     : "in place");
	return set_state(app, PROTO_APP_RUNNING);
}

agent_err agent_app_stop(struct agent *a, uint32_t app_id)
{
	struct agent_app *app = find(a, app_id);

	if (app == NULL)
		return AGENT_E_NOTFOUND;
	if (app->r.state != PROTO_APP_RUNNING)
		return AGENT_OK;
	unload(app);
	agent_log(a, AGENT_INFO, MOD, "app %u stopped", (unsigned)app_id);
	return set_state(app, PROTO_APP_INSTALLED);
}

agent_err agent_app_remove(struct agent *a, uint32_t app_id)
{
	const struct agent_port *p = a->port;
	struct agent_app *app = find(a, app_id);

	if (app == NULL)
		return AGENT_E_NOTFOUND;
	unload(app);
	(void)p->storage->slot_erase(p->storage_ctx, app->slot);
	memset(&app->r, 0, sizeof(app->r));
	app->dirty = 0;
	agent_log(a, AGENT_INFO, MOD, "app %u removed", (unsigned)app_id);
	if (agent_session_absent(a, app_id) != AGENT_OK)
		agent_log(a, AGENT_WARN, MOD, "removal of %u not reported",
			  (unsigned)app_id);
	return table_save(a);
}

static void copy_str(char *dst, size_t cap, const struct proto_str *s)
{
	size_t n = s->len < cap - 1 ? s->len : cap - 1;

	memcpy(dst, s->ptr, n);
	dst[n] = '\0';
}

/* Picks the app's slot: its own on an update, else a free one. */
static struct agent_app *slot_for(struct agent *a, uint32_t app_id)
{
	struct agent_app *app = find(a, app_id);
	uint32_t i;

	for (i = 0; app == NULL && i < a->port->nslots; i++)
		if (a->apps[i].r.app_id == 0)
			app = &a->apps[i];
	return app;
}

agent_err agent_app_deploy(struct agent *a, uint64_t re,
			   const struct proto_deploy *d)
{
	const struct agent_port *p = a->port;
	struct agent_app *app;

	(void)re;
	if (d->app_id == 0 || d->sha256.len != PROTO_SHA256_LEN)
		return AGENT_E_INVALID;
	if (d->size == 0 || d->size > p->slot_size)
		return AGENT_E_NOSPACE;
	app = slot_for(a, d->app_id);
	if (app == NULL)
		return AGENT_E_NOSPACE;

	/* An update replaces the module in place: stop the old one. */
	unload(app);
	if (p->storage->slot_erase(p->storage_ctx, app->slot) != 0)
		return AGENT_E_STORAGE;
	memset(&app->r, 0, sizeof(app->r));
	app->r.app_id = d->app_id;
	copy_str(app->r.name, sizeof(app->r.name), &d->name);
	copy_str(app->r.version, sizeof(app->r.version), &d->version);
	memcpy(app->r.sha256, d->sha256.ptr, PROTO_SHA256_LEN);
	app->r.size = d->size;
	app->r.mem_limit = d->mem_limit;
	app->r.fuel_limit = d->fuel_limit;
	app->r.autostart = d->autostart;
	agent_log(a, AGENT_INFO, MOD, "receiving app %u (%s %s), %u bytes",
		  (unsigned)d->app_id, app->r.name, app->r.version,
		  (unsigned)d->size);
	return set_state(app, PROTO_APP_RECEIVING);
}

/* SHA-256 of the stored module equals the announced one. */
static int hash_ok(struct agent_app *app, const uint8_t *bytes)
{
	uint8_t got[WC_SHA256_DIGEST_SIZE];
	wc_Sha256 sha;
	int ok;

	ok = wc_InitSha256(&sha) == 0 &&
	     wc_Sha256Update(&sha, bytes, app->r.size) == 0 &&
	     wc_Sha256Final(&sha, got) == 0;
	wc_Sha256Free(&sha);
	return ok && memcmp(got, app->r.sha256, sizeof(got)) == 0;
}

/* The module is complete: check, validate, install, maybe start. */
static agent_err finish(struct agent *a, struct agent_app *app)
{
	const struct agent_port *p = a->port;
	const uint8_t *bytes;

	bytes = p->storage->slot_map(p->storage_ctx, app->slot, app->r.size);
	if (bytes == NULL || !hash_ok(app, bytes)) {
		/* Nothing unverified stays around to be started later. */
		(void)p->storage->slot_erase(p->storage_ctx, app->slot);
		app->r.received = 0;
		agent_app_fail(app, "SHA-256 of the module does not match");
		return AGENT_E_CRYPTO;
	}
	if (load_module(app, 0) != AGENT_OK)
		return AGENT_OK; /* reported as Failed */
	agent_log(a, AGENT_INFO, MOD, "app %u installed",
		  (unsigned)app->r.app_id);
	if (set_state(app, PROTO_APP_INSTALLED) != AGENT_OK)
		return AGENT_E_STORAGE;
	return app->r.autostart ? agent_app_start(a, app->r.app_id)
	       : AGENT_OK;
}

agent_err agent_app_chunk(struct agent *a, uint64_t re,
			  const struct proto_chunk *c)
{
	const struct agent_port *p = a->port;
	struct agent_app *app = find(a, c->app_id);

	if (app == NULL)
		return AGENT_E_NOTFOUND;
	if (app->r.state != PROTO_APP_RECEIVING ||
	    c->offset != app->r.received ||
	    c->data.len > app->r.size - app->r.received)
		return AGENT_E_INVALID;
	if (p->storage->slot_write(p->storage_ctx, app->slot, c->offset,
				   c->data.ptr, c->data.len) != 0)
		return AGENT_E_STORAGE;
	app->r.received += (uint32_t)c->data.len;
	if (app->r.received == app->r.size)
		return finish(a, app);
	return agent_session_ack(a, re);
}

/* Ends a call that returned, exited or trapped. */
static void call_ended(struct agent_app *app, vm_rc vr, const vm_error *e)
{
	char why[AGENT_ERRMSG_MAX];

	if (vr == VM_OK || (vr == VM_ERR_EXIT && e->exit_code == 0)) {
		unload(app);
		agent_log(app->agent, AGENT_INFO, MOD, "app %u exited",
			  (unsigned)app->r.app_id);
		(void)set_state(app, PROTO_APP_INSTALLED);
		return;
	}
	if (vr == VM_ERR_EXIT)
		snprintf(why, sizeof(why), "exit code %d", (int)e->exit_code);
	else
		snprintf(why, sizeof(why), "%.94s", e->msg);
	agent_app_fail(app, why);
}

/* Runs one slice of app; fuel counts up to the next sleep. */
static void run_slice(struct agent *a, struct agent_app *app)
{
	uint64_t slice = a->conf.slice_fuel;
	char why[AGENT_ERRMSG_MAX];
	vm_error err;
	vm_rc vr;

	if (app->r.fuel_limit != 0 && app->fuel_left < slice)
		slice = app->fuel_left;
	app->yielded = 0;
	vr = vm_resume(app->inst, slice, &err);
	if (vr != VM_SUSPENDED) {
		call_ended(app, vr, &err);
		return;
	}
	if (app->yielded) {
		app->fuel_left = app->r.fuel_limit;
		return;
	}
	if (app->r.fuel_limit == 0)
		return;
	app->fuel_left -= slice;
	if (app->fuel_left == 0) {
		snprintf(why, sizeof(why), "out of fuel: %llu units without "
			 "sleeping", (unsigned long long)app->r.fuel_limit);
		agent_app_fail(app, why);
	}
}

uint32_t agent_apps_run(struct agent *a)
{
	uint64_t now = agent_now(a), wait = UINT32_MAX;
	uint32_t i;

	for (i = 0; i < a->port->nslots; i++) {
		struct agent_app *app = &a->apps[i];

		if (app->inst == NULL)
			continue;
		if (app->wake_ms <= now)
			run_slice(a, app);
		if (app->inst == NULL)
			continue;
		if (app->wake_ms <= now)
			wait = 0;
		else if (app->wake_ms - now < wait)
			wait = app->wake_ms - now;
	}
	return (uint32_t)wait;
}

uint32_t agent_apps_free(const struct agent *a)
{
	size_t total = 0;
	uint32_t i;

	for (i = 0; i < a->port->nslots; i++)
		total += a->conf.arena_size -
			 (a->apps[i].inst ? vm_arena_used(&a->apps[i].arena)
			  : 0);
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

/* Restores the table and brings each app back in its stored state: a
 * running app starts again, a transfer cut by the restart starts over
 * at the next deploy. */
agent_err agent_apps_load(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint32_t hdr[2], i;
	long n;

	for (i = 0; i < AGENT_MAX_APPS; i++) {
		memset(&a->apps[i], 0, sizeof(a->apps[i]));
		a->apps[i].agent = a;
		a->apps[i].slot = i;
	}
	n = p->storage->load(p->storage_ctx, AGENT_ITEM_APPS, a->tx,
			     sizeof(a->tx));
	if (n < 0)
		return AGENT_E_STORAGE;
	if ((size_t)n != sizeof(hdr) + p->nslots * sizeof(a->apps[0].r))
		return AGENT_OK; /* none stored, or another layout */
	memcpy(hdr, a->tx, sizeof(hdr));
	if (hdr[0] != TABLE_MAGIC || hdr[1] != TABLE_VERSION)
		return AGENT_OK;
	for (i = 0; i < p->nslots; i++)
		memcpy(&a->apps[i].r, a->tx + sizeof(hdr) +
		       i * sizeof(a->apps[i].r), sizeof(a->apps[i].r));
	for (i = 0; i < p->nslots; i++) {
		struct agent_app *app = &a->apps[i];

		if (app->r.state == PROTO_APP_RECEIVING)
			app->r.received = 0;
		if (app->r.state != PROTO_APP_RUNNING)
			continue;
		app->r.state = PROTO_APP_INSTALLED;
		agent_log(a, AGENT_INFO, MOD, "restoring app %u (%s)",
			  (unsigned)app->r.app_id, app->r.name);
		(void)agent_app_start(a, app->r.app_id);
	}
	return AGENT_OK;
}
