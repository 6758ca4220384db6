/* gw_api_internal.h - what the HTTP API's files share.
 * SPDX-License-Identifier: Apache-2.0
 * HTTP/1.1 (RFC 9110), JSON (RFC 8259), bearer tokens (RFC 6750);
 * the routes are docs/api.md.
 */
#ifndef WASMBED_GW_API_INTERNAL_H
#define WASMBED_GW_API_INTERNAL_H

#include <event2/http.h>
#include <jansson.h>

#include "gw.h"

enum gw_role { ROLE_NONE, ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

#define GW_SEGS 4

/* One API request being answered. */
struct gw_call {
	struct gw *gw;
	struct evhttp_request *req;
	struct evkeyvalq *query;
	const char *seg[GW_SEGS]; /* path below /api/v1/, by segment */
	size_t n_seg;
	char actor[65];           /* the token's name */
	enum gw_role role;
};

/* Sends body (consumed, may be NULL) with status code. */
void gw_reply(struct evhttp_request *req, int code, json_t *body);
/* {"error":..., "code":..., "status":...} with status code. */
void gw_reply_err(struct evhttp_request *req, int status,
		  const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 500 or the status fitting a registry error. */
void gw_reply_db(struct evhttp_request *req, gw_err rc, const char *what);
/* The body as a JSON object (an empty body is {}), or NULL after a
 * 400 reply. */
json_t *gw_body(struct gw_call *c);
/* gw_body, also refusing (400, replied) any member not named in known,
 * a NULL-terminated list: a misspelt field is an error, never ignored. */
json_t *gw_body_fields(struct gw_call *c, const char *const *known);
/* Query parameter as an integer in [lo, hi]: 1 and *v set, 0 if
 * absent (*v = dflt), -1 after a 400 reply. */
int gw_query_int(struct gw_call *c, const char *key, int64_t lo,
		 int64_t hi, int64_t dflt, int64_t *v);
const char *gw_role_name(enum gw_role r);
/* Writes an audit entry for c in the open transaction. */
gw_err gw_audit(struct gw_call *c, const char *action, const char *target,
		json_t *detail);
/* 1 if s matches [A-Za-z0-9._-]{1,max} (plus '+' when plus). */
int gw_name_ok(const char *s, size_t max, int plus);
void gw_sha256_hex(const void *p, size_t n, char out[GW_SHA_HEX + 1]);

/* Sets "connected" in each target object of the array. */
void gw_api_add_connected(struct gw *gw, json_t *targets);

/* Handlers (gw_api_apps.c). */
void gw_api_app_upload(struct gw_call *c);
void gw_api_app_list(struct gw_call *c);
void gw_api_app_get(struct gw_call *c);
void gw_api_app_delete(struct gw_call *c);
void gw_api_dep_create(struct gw_call *c);
void gw_api_dep_list(struct gw_call *c);
void gw_api_dep_get(struct gw_call *c);
void gw_api_dep_targets(struct gw_call *c);
void gw_api_dep_patch(struct gw_call *c);
void gw_api_dep_delete(struct gw_call *c);

/* Handlers (gw_api_misc.c). */
void gw_api_logs(struct gw_call *c);
void gw_api_audit(struct gw_call *c);
void gw_api_tokens(struct gw_call *c);
void gw_api_token_create(struct gw_call *c);
void gw_api_token_revoke(struct gw_call *c);
void gw_api_metrics(struct gw *gw, struct evhttp_request *req);
/* Log followers waiting; freed (answered) by gw_api_waiters_free(). */
void gw_api_waiters_free(struct gw *gw);

struct gw_waiter;
struct gw_api {
	struct evhttp *http;
	struct gw_waiter *waiters;
};

#endif
