/* gw_api_misc.c - HTTP API of logs, audit, tokens and metrics.
 * SPDX-License-Identifier: Apache-2.0
 * docs/api.md "Logs", "Audit", "Tokens"; /metrics in the Prometheus
 * text exposition format 0.0.4.
 */
#include "gw_api_internal.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/rand.h>

#define MOD "api"

/* ---- logs ---- */

/* A follower held until records arrive or its wait runs out. */
struct gw_waiter {
	struct gw_waiter *next;
	struct gw *gw;
	struct evhttp_request *req;
	struct event *timer;
	char device[GW_ID_LEN + 1];
	uint64_t after;
	int64_t app;
	uint32_t limit;
};

/* Reads the records a request asks for; 0, or -1 after an error
 * reply. */
static int read_logs(struct gw *gw, struct evhttp_request *req,
		     const char *dev, uint64_t after, int64_t app,
		     uint32_t limit, json_t **out)
{
	gw_err rc = gw_db_logs_json(gw->db, dev, after, app, limit, out);

	if (rc != GW_OK) {
		gw_reply_db(req, rc, "device");
		return -1;
	}
	return 0;
}

static void waiter_unlink(struct gw_waiter *w)
{
	struct gw_waiter **p = &w->gw->api->waiters;

	while (*p != NULL && *p != w)
		p = &(*p)->next;
	if (*p == w)
		*p = w->next;
	event_free(w->timer);
	free(w);
}

/* Answers a follower with what there is now, and forgets it. */
static void waiter_answer(struct gw_waiter *w)
{
	json_t *r = NULL;

	if (read_logs(w->gw, w->req, w->device, w->after, w->app, w->limit,
		      &r) == 0)
		gw_reply(w->req, 200, r);
	waiter_unlink(w);
}

static void on_wait_over(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	waiter_answer(arg);
}

/* Holds the request for up to wait_s seconds. */
static void hold(struct gw_call *c, uint64_t after, int64_t app,
		 uint32_t limit, int64_t wait_s)
{
	struct gw_waiter *w = calloc(1, sizeof(*w));
	struct timeval tv = { (time_t)wait_s, 0 };

	if (w != NULL)
		w->timer = evtimer_new(c->gw->base, on_wait_over, w);
	if (w == NULL || w->timer == NULL) {
		free(w);
		gw_reply_err(c->req, 500, "internal", "out of memory");
		return;
	}
	w->gw = c->gw;
	w->req = c->req;
	snprintf(w->device, sizeof(w->device), "%s", c->seg[1]);
	w->after = after;
	w->app = app;
	w->limit = limit;
	w->next = c->gw->api->waiters;
	c->gw->api->waiters = w;
	evtimer_add(w->timer, &tv);
}

void gw_api_logs(struct gw_call *c)
{
	int64_t after, limit, app, wait;
	json_t *r = NULL;

	if (gw_query_int(c, "after", 0, INT64_MAX, 0, &after) < 0 ||
	    gw_query_int(c, "limit", 1, 1000, 100, &limit) < 0 ||
	    gw_query_int(c, "app", 0, UINT32_MAX, -1, &app) < 0 ||
	    gw_query_int(c, "wait", 0, 60, 0, &wait) < 0)
		return;
	if (read_logs(c->gw, c->req, c->seg[1], (uint64_t)after, app,
		      (uint32_t)limit, &r) != 0)
		return;
	if (wait == 0 || json_array_size(json_object_get(r, "records"))) {
		gw_reply(c->req, 200, r);
		return;
	}
	json_decref(r);
	hold(c, (uint64_t)after, app, (uint32_t)limit, wait);
}

void gw_api_logs_notify(struct gw *gw, const char *id)
{
	struct gw_waiter *w, *nx;

	if (gw->api == NULL)
		return;
	for (w = gw->api->waiters; w != NULL; w = nx) {
		nx = w->next;
		if (strcmp(w->device, id) == 0)
			waiter_answer(w);
	}
}

void gw_api_waiters_free(struct gw *gw)
{
	while (gw->api->waiters != NULL)
		waiter_answer(gw->api->waiters);
}

/* ---- audit ---- */

void gw_api_audit(struct gw_call *c)
{
	int64_t after, limit;
	json_t *r = NULL;
	gw_err rc;

	if (gw_query_int(c, "after", 0, INT64_MAX, 0, &after) < 0 ||
	    gw_query_int(c, "limit", 1, 1000, 100, &limit) < 0)
		return;
	rc = gw_db_audit_json(c->gw->db, after, (uint32_t)limit, &r);
	if (rc != GW_OK)
		gw_reply_db(c->req, rc, "audit entry");
	else
		gw_reply(c->req, 200, r);
}

/* ---- tokens ---- */

void gw_api_tokens(struct gw_call *c)
{
	json_t *arr = NULL;
	gw_err rc = gw_db_tokens_json(c->gw->db, &arr);

	if (rc != GW_OK)
		gw_reply_db(c->req, rc, "token");
	else
		gw_reply(c->req, 200, json_pack("{s:o}", "tokens", arr));
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Reads and checks name and role; 0, or -1 after a 400 reply. */
static int token_fields(struct gw_call *c, json_t *body,
			const char **name, const char **role)
{
	json_t *n = json_object_get(body, "name");
	json_t *r = json_object_get(body, "role");

	*name = json_string_value(n);
	*role = json_string_value(r);
	if (!gw_name_ok(*name, 64, 0)) {
		gw_reply_err(c->req, 400, "bad_field", "field \"name\" must be"
			     " a string matching [A-Za-z0-9._-]{1,64}");
		return -1;
	}
	if (*role == NULL || (strcmp(*role, "viewer") &&
			      strcmp(*role, "operator") &&
			      strcmp(*role, "admin"))) {
		gw_reply_err(c->req, 400, "bad_field", "field \"role\" must be"
			     " \"viewer\", \"operator\" or \"admin\"");
		return -1;
	}
	return 0;
}

void gw_api_token_create(struct gw_call *c)
{
	unsigned char raw[GW_TOKEN_LEN / 2 + 4];
	char secret[GW_TOKEN_LEN + 1], id[16], hash[GW_SHA_HEX + 1];
	const char *name, *role;
	static const char *const known[] = { "name", "role", NULL };
	json_t *body = gw_body_fields(c, known), *d;
	gw_err rc = GW_E_CRYPTO;

	if (body == NULL || token_fields(c, body, &name, &role) != 0)
		goto out;
	if (RAND_bytes(raw, sizeof(raw)) == 1) {
		hex(raw, GW_TOKEN_LEN / 2, secret);
		memcpy(id, "t-", 2);
		hex(raw + GW_TOKEN_LEN / 2, 4, id + 2);
		gw_sha256_hex(secret, strlen(secret), hash);
		rc = gw_db_begin(c->gw->db);
	}
	if (rc == GW_OK)
		rc = gw_db_token_add(c->gw->db, id, name, role, hash,
				     c->actor);
	d = json_pack("{s:s,s:s}", "name", name, "role", role);
	if (rc == GW_OK)
		rc = gw_audit(c, "token.create", id, d);
	json_decref(d);
	if (rc != GW_E_CRYPTO)
		rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "token");
		goto out;
	}
	gw_reply(c->req, 201, json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "id",
					id, "name", name, "role", role,
					"token", secret, "created_at",
					(json_int_t)gw_now_ms(),
					"created_by", c->actor));
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(raw, sizeof(raw));
	json_decref(body);
}

void gw_api_token_revoke(struct gw_call *c)
{
	gw_err rc;

	if (strcmp(c->seg[1], "admin") == 0) {
		gw_reply_err(c->req, 409, "conflict", "the bootstrap token"
			     " cannot be revoked here: delete DATA/"
			     "admin.token and restart the gateway");
		return;
	}
	rc = gw_db_begin(c->gw->db);
	if (rc == GW_OK)
		rc = gw_db_token_revoke(c->gw->db, c->seg[1]);
	if (rc == GW_OK)
		rc = gw_audit(c, "token.revoke", c->seg[1], NULL);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK)
		gw_reply_db(c->req, rc, "token");
	else
		gw_reply(c->req, 200, json_pack("{s:s,s:b}", "id", c->seg[1],
						"revoked", 1));
}

/* ---- metrics ---- */

/* One metric family from a {label value: count} object. */
static void family(struct evbuffer *b, const char *name, const char *type,
		   const char *help, const char *label, json_t *o)
{
	const char *k;
	json_t *v;

	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			    name, type);
	json_object_foreach(o, k, v)
		evbuffer_add_printf(b, "%s{%s=\"%s\"} %lld\n", name, label, k,
				    (long long)json_integer_value(v));
}

static void counter(struct evbuffer *b, const char *name, const char *type,
		    const char *help, uint64_t v)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name,
			    help, name, type, name, (unsigned long long)v);
}

static json_t *fail_counts(const struct gw_stats *st)
{
	static const char *const reasons[GW_FAIL_N] = { "tls",
		"certificate", "revoked", "timeout", "pairing_closed",
		"bad_csr" };
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < GW_FAIL_N; i++)
		json_object_set_new(o, reasons[i], json_integer(
			(json_int_t)st->hs_fail[i]));
	return o;
}

void gw_api_metrics(struct gw *gw, struct evhttp_request *req)
{
	const struct gw_stats *st = &gw->stats;
	struct evbuffer *b = evbuffer_new();
	json_t *m = NULL, *o;
	uint64_t failed = 0;
	size_t i;

	if (b == NULL || gw_db_metrics_json(gw->db, &m) != GW_OK) {
		if (b != NULL)
			evbuffer_free(b);
		gw_reply_err(req, 500, "internal", "cannot read figures");
		return;
	}
	for (i = 0; i < GW_FAIL_N; i++)
		failed += st->hs_fail[i];
	family(b, "wasmbed_devices", "gauge", "Devices by state.", "state",
	       json_object_get(m, "devices"));
	counter(b, "wasmbed_sessions", "gauge", "Open device connections,"
		" any stage.", gw_dev_count(gw));
	o = json_pack("{s:I,s:I}", "ok", (json_int_t)st->hs_ok, "failed",
		      (json_int_t)failed);
	family(b, "wasmbed_handshakes_total", "counter", "TLS sessions by"
	       " outcome.", "result", o);
	json_decref(o);
	o = fail_counts(st);
	family(b, "wasmbed_handshake_failures_total", "counter", "Refused"
	       " sessions by reason.", "reason", o);
	json_decref(o);
	o = json_pack("{s:I,s:I}", "in", (json_int_t)st->frames_in, "out",
		      (json_int_t)st->frames_out);
	family(b, "wasmbed_frames_total", "counter", "Protocol frames by"
	       " direction.", "dir", o);
	json_decref(o);
	family(b, "wasmbed_deployments", "gauge", "Deployments by state.",
	       "state", json_object_get(m, "deployments"));
	family(b, "wasmbed_deployment_targets", "gauge", "Device targets by"
	       " reported state.", "state", json_object_get(m, "targets"));
	counter(b, "wasmbed_log_records_dropped_total", "counter", "Oldest"
		" records dropped.", (uint64_t)json_integer_value(
			json_object_get(m, "log_dropped")));
	json_decref(m);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, NULL, b);
	evbuffer_free(b);
}
