/* gw_deploy.c - drives each connected device to its desired apps.
 * SPDX-License-Identifier: Apache-2.0
 * The gateway's side of docs/protocol.md "Applications": deploy and
 * chunks (one in flight, within the device's max-frame), start, stop,
 * remove; desired and reported state in the registry (docs/api.md).
 */
#include "gw_dev_internal.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#define MOD "deploy"
/* Bytes of a chunk frame that are not module data: envelope, keys,
 * app id, offset and the byte string's head, with room to spare. */
#define CHUNK_OVERHEAD 64u
/* An application step the device does not answer in this long is
 * given up for the session. */
#define OP_TIMEOUT_S 30

static const char *const state_names[] = { "absent", "receiving",
	"installed", "running", "failed" };

static const char *state_name(uint8_t st)
{
	return st < 5 ? state_names[st] : "failed";
}

static void unhex(const char *in, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n && sscanf(in + 2 * i, "%2x", &v) == 1; i++)
		out[i] = (uint8_t)v;
}

static int skipped(const struct gw_sess *s, uint32_t app)
{
	size_t i;

	for (i = 0; i < s->n_skip; i++)
		if (s->skip[i] == app)
			return 1;
	return 0;
}

/* Ends the step in flight; a failed one is not tried again in this
 * session (the next connection or a change of the deployment will). */
static void op_end(struct gw_sess *s, int failed)
{
	if (failed && !skipped(s, s->op.app) && s->n_skip < GW_SKIP_MAX)
		s->skip[s->n_skip++] = s->op.app;
	free(s->op.mod);
	memset(&s->op, 0, sizeof(s->op));
	event_del(s->op_timer);
}

static void on_op_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gw_sess *s = arg;

	(void)fd;
	(void)what;
	gw_log(GW_WARN, MOD, "%s: app %u: no answer in %d s, given up for"
	       " this session", s->id, (unsigned)s->op.app, OP_TIMEOUT_S);
	gw_db_target_report(s->dev->gw->db, s->id, s->op.app, "failed",
			    UINT32_MAX, "the device did not answer", NULL,
			    -1);
	op_end(s, 1);
	gw_deploy_step(s);
}

gw_err gw_deploy_sess_init(struct gw_sess *s)
{
	s->op_timer = evtimer_new(s->dev->gw->base, on_op_timeout, s);
	return s->op_timer ? GW_OK : GW_E_NOMEM;
}

void gw_deploy_sess_free(struct gw_sess *s)
{
	free(s->op.mod);
	s->op.mod = NULL;
	if (s->op_timer)
		event_free(s->op_timer);
	s->op_timer = NULL;
}

/* Sends m and waits for its answer. */
static gw_err op_send(struct gw_sess *s, struct proto_msg *m)
{
	struct timeval tv = { OP_TIMEOUT_S, 0 };
	gw_err rc = gw_sess_send(s, m);

	if (rc == GW_OK) {
		s->op.wait_id = m->id;
		evtimer_add(s->op_timer, &tv);
	}
	return rc;
}

static gw_err send_ref(struct gw_sess *s, uint32_t type, uint32_t app)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.u.app.app_id = app;
	return op_send(s, &m);
}

static gw_err send_deploy(struct gw_sess *s, const struct gw_target *t)
{
	uint8_t sha[PROTO_SHA256_LEN];
	struct proto_msg m;

	unhex(t->sha, sha, sizeof(sha));
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DEPLOY;
	m.u.deploy.app_id = t->dep;
	m.u.deploy.name.ptr = (const uint8_t *)t->app;
	m.u.deploy.name.len = strlen(t->app);
	m.u.deploy.version.ptr = (const uint8_t *)t->version;
	m.u.deploy.version.len = strlen(t->version);
	m.u.deploy.size = (uint32_t)s->op.len;
	m.u.deploy.sha256.ptr = sha;
	m.u.deploy.sha256.len = sizeof(sha);
	m.u.deploy.mem_limit = t->memory_limit;
	m.u.deploy.fuel_limit = t->fuel_limit;
	m.u.deploy.autostart = strcmp(t->desired, "running") == 0;
	return op_send(s, &m);
}

/* The next chunk: as much as the device's frame limit allows. */
static gw_err send_chunk(struct gw_sess *s)
{
	size_t room = s->peer_max, n = s->op.len - s->op.off;
	struct proto_msg m;

	if (room > s->dev->gw->conf.max_frame)
		room = s->dev->gw->conf.max_frame;
	room -= CHUNK_OVERHEAD;
	if (n > room)
		n = room;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_CHUNK;
	m.u.chunk.app_id = s->op.app;
	m.u.chunk.offset = (uint32_t)s->op.off;
	m.u.chunk.data.ptr = s->op.mod + s->op.off;
	m.u.chunk.data.len = n;
	s->op.off += n;
	return op_send(s, &m);
}

/* Starts a transfer: the module comes from the registry. */
static gw_err start_deploy(struct gw_sess *s, const struct gw_target *t)
{
	gw_err rc = gw_db_module_get(s->dev->gw->db, t->sha, &s->op.mod,
				     &s->op.len);

	if (rc != GW_OK)
		return rc;
	s->op.kind = OP_DEPLOY;
	snprintf(s->op.sha, sizeof(s->op.sha), "%s", t->sha);
	gw_log(GW_INFO, MOD, "%s: app %u: deploying %s %s (%zu bytes)",
	       s->id, (unsigned)t->dep, t->app, t->version, s->op.len);
	return send_deploy(s, t);
}

/* What a target needs next; OP_NONE when it is where it should be. */
static enum gw_op_kind need(const struct gw_target *t)
{
	int have = strcmp(t->have_sha, t->sha) == 0;

	if (strcmp(t->desired, "absent") == 0)
		return strcmp(t->state, "absent") ? OP_REMOVE : OP_NONE;
	if (!have || strcmp(t->state, "absent") == 0)
		return OP_DEPLOY;
	if (strcmp(t->desired, "running") == 0 && !t->started &&
	    strcmp(t->state, "installed") == 0)
		return OP_START;
	if (strcmp(t->desired, "installed") == 0 &&
	    strcmp(t->state, "running") == 0)
		return OP_STOP;
	return OP_NONE;
}

/* Begins the step t needs; returns 1 if one is now in flight. */
static int begin(struct gw_sess *s, const struct gw_target *t)
{
	static const uint32_t types[] = { 0, 0, PROTO_START, PROTO_STOP,
					  PROTO_REMOVE };
	enum gw_op_kind k = need(t);
	gw_err rc;

	if (k == OP_NONE && strcmp(t->desired, "absent") == 0)
		gw_db_target_purge(s->dev->gw->db, s->id, t->dep);
	if (k == OP_NONE)
		return 0;
	s->op.app = t->dep;
	if (k == OP_DEPLOY) {
		rc = start_deploy(s, t);
	} else {
		s->op.kind = k;
		gw_log(GW_INFO, MOD, "%s: app %u: %s", s->id,
		       (unsigned)t->dep, proto_type_name(types[k]));
		rc = send_ref(s, types[k], t->dep);
	}
	if (k == OP_START && rc == GW_OK)
		gw_db_target_report(s->dev->gw->db, s->id, t->dep, t->state,
				    UINT32_MAX, NULL, NULL, 1);
	if (rc != GW_OK)
		op_end(s, 1);
	return rc == GW_OK;
}

void gw_deploy_step(struct gw_sess *s)
{
	struct gw_target *t = NULL;
	size_t n = 0, i;

	if (s->state != S_ACTIVE || s->op.kind != OP_NONE)
		return;
	if (gw_db_targets_of(s->dev->gw->db, s->id, &t, &n) != GW_OK)
		return;
	for (i = 0; i < n; i++)
		if (!skipped(s, t[i].dep) && begin(s, &t[i]))
			break;
	free(t);
}

/* Removes an app the gateway sent but no longer wants. */
static void remove_orphan(struct gw_sess *s, uint32_t app)
{
	gw_log(GW_INFO, MOD, "%s: app %u: remove (deployment gone)", s->id,
	       (unsigned)app);
	s->op.kind = OP_REMOVE;
	s->op.app = app;
	if (send_ref(s, PROTO_REMOVE, app) != GW_OK)
		op_end(s, 1);
}

/* Writes what an app-status says to the registry; done: it ends the
 * step in flight. GW_E_NOTFOUND if the gateway has no such target. */
static gw_err record_status(struct gw_sess *s,
			    const struct proto_app_status *a, int done)
{
	struct gw_op *op = &s->op;
	const char *st = state_name(a->state);
	int ok = a->state != PROTO_APP_FAILED;
	int have = done && op->kind == OP_DEPLOY &&
		   (a->state == PROTO_APP_INSTALLED ||
		    a->state == PROTO_APP_RUNNING);
	char err[200];

	if (a->state == PROTO_APP_ABSENT)
		return gw_db_target_report(s->dev->gw->db, s->id, a->app_id,
					   st, 0, NULL, "", 0);

	/* The error frame of the step says more than a bare status. */
	snprintf(err, sizeof(err), "%.*s", (int)a->error.len,
		 (const char *)a->error.ptr);
	if (!ok && op->app == a->app_id && op->error[0])
		snprintf(err, sizeof(err), "%s", op->error);
	if (!ok)
		gw_log(GW_WARN, MOD, "%s: app %u failed: %s", s->id,
		       (unsigned)a->app_id, err[0] ? err : "no reason given");
	return gw_db_target_report(s->dev->gw->db, s->id, a->app_id, st,
				   a->received, err[0] ? err : NULL,
				   have ? op->sha : NULL, have ? 1 : -1);
}

/* Records an app-status; moves or ends the step it answers. */
static void on_status(struct gw_sess *s, const struct proto_app_status *a)
{
	struct gw_op *op = &s->op;
	int mine = op->kind != OP_NONE && op->app == a->app_id;
	int done = mine && (op->kind != OP_DEPLOY ||
			    a->state != PROTO_APP_RECEIVING);
	gw_err rc = record_status(s, a, done);
	int orphan;

	/* Receiving: the deploy is accepted, chunks follow. */
	if (mine && !done && !op->receiving && op->off == 0) {
		op->receiving = 1;
		if (send_chunk(s) != GW_OK)
			op_end(s, 1);
		return;
	}
	if (!done)
		return;

	/* Its deployment went while the module was on its way. */
	orphan = rc == GW_E_NOTFOUND && op->kind == OP_DEPLOY &&
		 a->state != PROTO_APP_ABSENT;
	op_end(s, a->state == PROTO_APP_FAILED);
	if (orphan)
		remove_orphan(s, a->app_id);
}

/* A chunk acknowledged: send the next, or wait for the verdict. */
static void on_ack(struct gw_sess *s, uint64_t re)
{
	if (s->op.kind != OP_DEPLOY || re != s->op.wait_id ||
	    s->op.off >= s->op.len)
		return;
	if (send_chunk(s) != GW_OK)
		op_end(s, 1);
}

static void on_error(struct gw_sess *s, const struct proto_error *e)
{
	static const char *const codes[] = { "", "malformed",
		"unknown-type", "unexpected", "too-large", "not-found",
		"no-space", "bad-hash", "invalid", "internal" };
	struct gw_op *op = &s->op;
	const char *code = e->code < 10 ? codes[e->code] : "error";

	if (op->kind == OP_NONE || e->re != op->wait_id)
		return;
	snprintf(op->error, sizeof(op->error), "%s: %.*s", code,
		 (int)e->message.len, (const char *)e->message.ptr);
	gw_log(GW_WARN, MOD, "%s: app %u: %s", s->id, (unsigned)op->app,
	       op->error);

	/* A bad hash is followed by app-status failed, which ends it. */
	if (e->code == PROTO_CODE_BAD_HASH)
		return;
	if (e->code == PROTO_CODE_NOT_FOUND) {
		gw_db_target_report(s->dev->gw->db, s->id, op->app, "absent",
				    0, NULL, "", 0);
		op_end(s, op->kind != OP_REMOVE);
		return;
	}
	gw_db_target_report(s->dev->gw->db, s->id, op->app, "failed",
			    UINT32_MAX, op->error, NULL, -1);
	op_end(s, 1);
}

void gw_deploy_on_msg(struct gw_sess *s, const struct proto_msg *m)
{
	if (m->type == PROTO_APP_STATUS)
		on_status(s, &m->u.app_status);
	else if (m->type == PROTO_ACK)
		on_ack(s, m->u.ack.re);
	else if (m->type == PROTO_ERROR)
		on_error(s, &m->u.error);
	gw_deploy_step(s);
}

/* The state a heartbeat gives for app, or -1 if it lists none. */
static int brief_state(const struct proto_heartbeat *h, uint32_t app)
{
	uint32_t i;

	for (i = 0; i < h->n_apps; i++)
		if (h->apps[i].app_id == app)
			return h->apps[i].state;
	return -1;
}

/* Heartbeats list every app: a settled state the registry has wrong,
 * or an app the device lost, is corrected and acted upon. */
void gw_deploy_on_heartbeat(struct gw_sess *s,
			    const struct proto_heartbeat *h)
{
	struct gw_target *t = NULL;
	size_t n = 0, i;
	int st, changed = 0;

	if (h->n_apps >= PROTO_MAX_APPS ||
	    gw_db_targets_of(s->dev->gw->db, s->id, &t, &n) != GW_OK)
		return;
	for (i = 0; i < n; i++) {
		if ((s->op.kind != OP_NONE && s->op.app == t[i].dep) ||
		    strcmp(t[i].state, "receiving") == 0 ||
		    strcmp(t[i].state, "pending") == 0)
			continue;
		st = brief_state(h, t[i].dep);
		if (st < 0)
			st = PROTO_APP_ABSENT;
		if (strcmp(state_name((uint8_t)st), t[i].state) == 0)
			continue;
		gw_db_target_report(s->dev->gw->db, s->id, t[i].dep,
				    state_name((uint8_t)st), UINT32_MAX, NULL,
				    st == PROTO_APP_ABSENT ? "" : NULL, -1);
		changed = 1;
	}
	free(t);
	if (changed)
		gw_deploy_step(s);
}
