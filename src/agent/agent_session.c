/* agent_session.c - the device side of a mutual-TLS session.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md "Session start", "Liveness",
 * "Applications" (dispatch), "Application output" and "Errors and
 * closing".
 */
#include <string.h>

#include "agent_internal.h"

#define MOD "session"

static struct proto_str cstr(const char *s)
{
	struct proto_str r;

	r.ptr = (const uint8_t *)s;
	r.len = s ? strlen(s) : 0;
	return r;
}

static agent_err send_hello(struct agent *a)
{
	const struct agent_port *p = a->port;
	struct proto_msg *m = &a->msg;
	struct proto_hello *h = &m->u.hello;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_HELLO;
	h->board = cstr(p->board);
	h->firmware = cstr(p->firmware ? p->firmware
			   : AGENT_FIRMWARE_DEFAULT);
	h->ram = p->ram;
	h->flash = p->flash;
	h->max_frame = AGENT_FRAME_MAX;
	h->n_features = 2;
	h->features[0] = cstr("wasi");
	h->features[1] = cstr("wasmbed");
	return agent_send(a, m);
}

/* Takes the gateway's settings from welcome. Records the gateway
 * already holds are not sent again. */
static agent_err take_welcome(struct agent *a)
{
	const struct proto_welcome *w = &a->msg.u.welcome;
	uint64_t now = agent_now(a);

	if (a->msg.type != PROTO_WELCOME) {
		agent_log(a, AGENT_ERROR, MOD, "expected welcome, got %s",
			  proto_type_name(a->msg.type));
		return AGENT_E_PROTO;
	}
	a->hb_ms = w->heartbeat_ms ? w->heartbeat_ms : 30000;
	a->peer_max = w->max_frame < PROTO_MIN_FRAME ? PROTO_MIN_FRAME
		      : w->max_frame;
	agent_rec_ack(a, w->log_seq);
	a->sent_seq = w->log_seq;
	if (a->next_seq <= w->log_seq)
		a->next_seq = w->log_seq + 1;
	a->next_hb_ms = now;
	a->last_rx_ms = now;
	if (w->time_ms != 0)
		a->epoch_ms = (int64_t)w->time_ms - (int64_t)now;
	return AGENT_OK;
}

agent_err agent_session_open(struct agent *a)
{
	uint32_t i;
	agent_err rc;

	rc = agent_tls_open(a, 1);
	if (rc != AGENT_OK)
		return rc;
	rc = send_hello(a);
	if (rc == AGENT_OK)
		rc = agent_recv(a);
	if (rc == AGENT_OK)
		rc = take_welcome(a);
	if (rc != AGENT_OK) {
		agent_log(a, AGENT_WARN, MOD, "session refused or broken "
			  "before welcome: %s", agent_strerror(rc));
		agent_tls_close(a);
		return rc;
	}
	a->connected = 1;
	for (i = 0; i < AGENT_MAX_APPS; i++)
		a->apps[i].dirty = a->apps[i].r.app_id != 0;
	agent_log(a, AGENT_INFO, MOD, "connected as %s, heartbeat %u ms",
		  a->id, (unsigned)a->hb_ms);
	return AGENT_OK;
}

void agent_session_close(struct agent *a, const char *why)
{
	struct proto_msg *m = &a->msg;

	if (a->tls == NULL)
		return;
	if (why != NULL) {
		memset(m, 0, sizeof(*m));
		m->type = PROTO_GOODBYE;
		m->u.goodbye.reason = cstr(why);
		(void)agent_send(a, m);
	}
	agent_tls_close(a);
	a->connected = 0;
}

static agent_err send_heartbeat(struct agent *a)
{
	struct proto_msg *m = &a->msg;
	struct proto_heartbeat *h = &m->u.heartbeat;
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_HEARTBEAT;
	h->uptime_ms = agent_now(a) - a->start_ms;
	h->free_mem = agent_apps_free(a);
	for (i = 0; i < AGENT_MAX_APPS && h->n_apps < PROTO_MAX_APPS; i++) {
		const struct agent_app_rec *r = &a->apps[i].r;

		if (r->app_id == 0)
			continue;
		h->apps[h->n_apps].app_id = r->app_id;
		h->apps[h->n_apps].state = r->state;
		h->n_apps++;
	}
	return agent_send(a, m);
}

static agent_err send_status(struct agent *a, struct agent_app *app)
{
	struct proto_msg *m = &a->msg;
	struct proto_app_status *s = &m->u.app_status;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_APP_STATUS;
	s->app_id = app->r.app_id;
	s->state = app->r.state;
	s->received = app->r.received;
	if (app->r.state == PROTO_APP_FAILED)
		s->error = cstr(app->r.error);
	app->dirty = 0;
	return agent_send(a, m);
}

/* Sends up to max records not yet sent as one log frame. */
static agent_err send_log_frame(struct agent *a, uint32_t max)
{
	struct proto_msg *m = &a->msg;
	struct proto_log_record *out;
	const struct agent_rec *r;
	agent_err rc;
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_LOG;
	for (i = 0; (r = agent_rec_at(a, i)) != NULL &&
		    m->u.log.n_records < max; i++) {
		if (r->seq <= a->sent_seq)
			continue;
		out = &m->u.log.records[m->u.log.n_records++];
		out->seq = r->seq;
		out->app_id = r->app_id;
		out->time_ms = r->time_ms;
		out->level = r->level;
		out->text.ptr = (const uint8_t *)r->text;
		out->text.len = r->len;
	}
	if (m->u.log.n_records == 0)
		return AGENT_OK;
	i = m->u.log.n_records;
	rc = agent_send(a, m);
	if (rc == AGENT_OK)
		a->sent_seq = m->u.log.records[i - 1].seq;
	return rc;
}

/* Sends the next records: PROTO_MAX_LOG per frame, fewer when the
 * peer's frame limit cannot hold that many. */
static agent_err send_logs(struct agent *a)
{
	uint32_t max = PROTO_MAX_LOG;
	agent_err rc;

	do {
		rc = send_log_frame(a, max);
		max /= 2;
	} while (rc == AGENT_E_NOSPACE && max > 0);
	return rc;
}

/* Reports that an app is gone; its record no longer exists. */
agent_err agent_session_absent(struct agent *a, uint32_t app_id)
{
	struct proto_msg *m = &a->msg;

	if (!a->connected)
		return AGENT_OK;
	memset(m, 0, sizeof(*m));
	m->type = PROTO_APP_STATUS;
	m->u.app_status.app_id = app_id;
	m->u.app_status.state = PROTO_APP_ABSENT;
	return agent_send(a, m);
}

agent_err agent_session_tick(struct agent *a)
{
	uint64_t now = agent_now(a);
	agent_err rc = AGENT_OK;
	uint32_t i;

	if (!a->connected)
		return AGENT_OK;
	if (now - a->last_rx_ms > (uint64_t)a->hb_ms * AGENT_MISSED_BEATS) {
		agent_log(a, AGENT_WARN, MOD, "gateway silent for %u ms",
			  (unsigned)(now - a->last_rx_ms));
		return AGENT_E_IO;
	}
	if (now >= a->next_hb_ms) {
		rc = send_heartbeat(a);
		a->next_hb_ms = now + a->hb_ms;
	}
	for (i = 0; i < AGENT_MAX_APPS && rc == AGENT_OK; i++)
		if (a->apps[i].dirty && a->apps[i].r.app_id != 0)
			rc = send_status(a, &a->apps[i]);
	while (rc == AGENT_OK && a->rec_count > 0 &&
	       agent_rec_at(a, a->rec_count - 1)->seq > a->sent_seq) {
		rc = send_logs(a);
	}
	return rc;
}

static agent_err send_error(struct agent *a, uint64_t re, uint32_t code,
			    const char *text)
{
	struct proto_msg *m = &a->msg;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_ERROR;
	m->u.error.re = re;
	m->u.error.code = code;
	m->u.error.message = cstr(text);
	return agent_send(a, m);
}

agent_err agent_session_ack(struct agent *a, uint64_t re)
{
	struct proto_msg *m = &a->msg;

	if (!a->connected)
		return AGENT_OK;
	memset(m, 0, sizeof(*m));
	m->type = PROTO_ACK;
	m->u.ack.re = re;
	return agent_send(a, m);
}

static uint32_t code_of(agent_err rc)
{
	switch (rc) {
	case AGENT_E_NOSPACE:
		return PROTO_CODE_NO_SPACE;
	case AGENT_E_NOTFOUND:
		return PROTO_CODE_NOT_FOUND;
	case AGENT_E_INVALID:
		return PROTO_CODE_INVALID;
	case AGENT_E_CRYPTO:
		return PROTO_CODE_BAD_HASH;
	default:
		return PROTO_CODE_INTERNAL;
	}
}

agent_err agent_handle(struct agent *a, const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_DEPLOY:
		return agent_app_deploy(a, m->id, &m->u.deploy);
	case PROTO_CHUNK:
		return agent_app_chunk(a, m->id, &m->u.chunk);
	case PROTO_START:
		return agent_app_start(a, m->u.app.app_id);
	case PROTO_STOP:
		return agent_app_stop(a, m->u.app.app_id);
	case PROTO_REMOVE:
		return agent_app_remove(a, m->u.app.app_id);
	default:
		return AGENT_E_INVALID;
	}
}

/* Answers an application command: app-status for the app touched
 * (sent by the next tick, since it is dirty) or an error. */
static agent_err on_app_cmd(struct agent *a)
{
	uint64_t id = a->msg.id;
	uint32_t type = a->msg.type;
	agent_err rc = agent_handle(a, &a->msg);

	if (rc == AGENT_OK)
		return AGENT_OK;
	agent_log(a, AGENT_WARN, MOD, "%s refused: %s",
		  proto_type_name(type), agent_strerror(rc));
	return send_error(a, id, code_of(rc), agent_strerror(rc));
}

agent_err agent_session_input(struct agent *a)
{
	struct proto_msg *m = &a->msg;
	agent_err rc = agent_recv(a);

	if (rc != AGENT_OK)
		return rc;
	a->last_rx_ms = agent_now(a);
	switch (m->type) {
	case 0:
		return send_error(a, m->id, PROTO_CODE_UNKNOWN_TYPE,
				  "unknown message type");
	case PROTO_HEARTBEAT_ACK:
	case PROTO_ACK:
		return AGENT_OK;
	case PROTO_LOG_ACK:
		agent_rec_ack(a, m->u.log_ack.seq);
		return AGENT_OK;
	case PROTO_ERROR:
		agent_log(a, AGENT_WARN, MOD, "gateway error %u for %llu: "
			  "%.*s", (unsigned)m->u.error.code,
			  (unsigned long long)m->u.error.re,
			  (int)m->u.error.message.len,
			  (const char *)m->u.error.message.ptr);
		return AGENT_OK;
	case PROTO_GOODBYE:
		agent_log(a, AGENT_INFO, MOD, "gateway said goodbye: %.*s",
			  (int)m->u.goodbye.reason.len,
			  (const char *)m->u.goodbye.reason.ptr);
		return AGENT_E_CLOSED;
	case PROTO_DEPLOY:
	case PROTO_CHUNK:
	case PROTO_START:
	case PROTO_STOP:
	case PROTO_REMOVE:
		return on_app_cmd(a);
	default:
		return send_error(a, m->id, PROTO_CODE_UNEXPECTED,
				  "not expected by a device");
	}
}
