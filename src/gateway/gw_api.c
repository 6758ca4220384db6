/* gw_api.c - the gateway's HTTP API: health, devices, pairing.
 * SPDX-License-Identifier: Apache-2.0
 * HTTP/1.1 (RFC 9110) with JSON bodies (RFC 8259) and bearer tokens
 * (RFC 6750 section 2.1); routes are listed in docs/gateway.md.
 */
#include "gw.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>

#define MOD "api"
#define MAX_BODY 16384

struct gw_api {
	struct evhttp *http;
};

/* Sends body (consumed) with status code. */
static void reply(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "application/json");
	if (buf != NULL && text != NULL)
		evbuffer_add_printf(buf, "%s\n", text);
	evhttp_send_reply(req, code, NULL, buf);
	free(text);
	json_decref(body);
	if (buf != NULL)
		evbuffer_free(buf);
}

static void reply_error(struct evhttp_request *req, int code,
			const char *msg)
{
	gw_log(GW_INFO, MOD, "%s: %d %s", evhttp_request_get_uri(req), code,
	       msg);
	reply(req, code, json_pack("{s:s}", "error", msg));
}

/* Constant-time check of "Authorization: Bearer <admin token>". */
static int authorized(struct gw *gw, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(
		evhttp_request_get_input_headers(req), "Authorization");
	size_t n = strlen(gw->pki.token);

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	return strlen(h) == n && CRYPTO_memcmp(h, gw->pki.token, n) == 0;
}

/* Reads a JSON object body; an empty body is an empty object. */
static json_t *read_body(struct evhttp_request *req, char *err,
			 size_t cap)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	json_error_t je;
	json_t *j;

	if (n == 0)
		return json_object();
	j = json_loadb((const char *)evbuffer_pullup(in, (ssize_t)n), n, 0,
		       &je);
	if (j == NULL)
		snprintf(err, cap, "malformed JSON: %s", je.text);
	else if (!json_is_object(j))
		snprintf(err, cap, "body must be a JSON object");
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static json_t *pairing_json(struct gw *gw)
{
	int open = gw_pairing_is_open(gw);
	json_t *until = open && gw->pairing_until != UINT64_MAX
			? json_integer((json_int_t)gw->pairing_until)
			: json_null();

	return json_pack("{s:b,s:o}", "open", open, "until_ms", until);
}

static void pairing_open(struct gw *gw, struct evhttp_request *req)
{
	char err[200];
	json_t *body = read_body(req, err, sizeof(err));
	json_t *d = body ? json_object_get(body, "duration_s") : NULL;
	uint64_t until = UINT64_MAX;

	if (body == NULL) {
		reply_error(req, 400, err);
		return;
	}
	if (d != NULL && (!json_is_integer(d) || json_integer_value(d) <= 0
			  || json_integer_value(d) > 31 * 86400)) {
		json_decref(body);
		reply_error(req, 400, "duration_s must be an integer from 1"
			    " to 2678400 (omit it to stay open until closed)");
		return;
	}
	if (d != NULL)
		until = gw_now_ms() + 1000u * (uint64_t)json_integer_value(d);
	json_decref(body);
	if (gw_db_pairing_open(gw->db, until) != GW_OK) {
		reply_error(req, 500, "registry error");
		return;
	}
	gw->pairing_until = until;
	gw_log(GW_INFO, MOD, "pairing opened %s", until == UINT64_MAX
	       ? "until closed" : "for a while");
	reply(req, 200, pairing_json(gw));
}

static void pairing_close(struct gw *gw, struct evhttp_request *req)
{
	if (gw_db_pairing_close(gw->db) != GW_OK) {
		reply_error(req, 500, "registry error");
		return;
	}
	gw->pairing_until = 0;
	gw_log(GW_INFO, MOD, "pairing closed");
	reply(req, 200, pairing_json(gw));
}

/* Adds what only the live session knows to a device object. */
static void add_live(struct gw *gw, json_t *d)
{
	const char *id = json_string_value(json_object_get(d, "id"));
	uint64_t up, beat;
	uint32_t mem;

	if (id == NULL || gw_dev_live(gw, id, &up, &mem, &beat) != 0)
		return;
	json_object_set_new(d, "uptime_ms", json_integer((json_int_t)up));
	json_object_set_new(d, "free_mem", json_integer(mem));
	json_object_set_new(d, "last_heartbeat_ms",
			    json_integer((json_int_t)beat));
}

static void devices(struct gw *gw, struct evhttp_request *req,
		    const char *id)
{
	json_t *arr = NULL, *d;
	size_t i;
	gw_err rc = gw_db_devices_json(gw->db, id, &arr);

	if (rc == GW_E_NOTFOUND) {
		reply_error(req, 404, "no such device");
		return;
	}
	if (rc != GW_OK) {
		reply_error(req, 500, "registry error");
		return;
	}
	json_array_foreach(arr, i, d)
		add_live(gw, d);
	if (id == NULL) {
		reply(req, 200, json_pack("{s:o}", "devices", arr));
		return;
	}
	reply(req, 200, json_incref(json_array_get(arr, 0)));
	json_decref(arr);
}

/* Revocation is durable before the reply; any session is cut at once. */
static void revoke(struct gw *gw, struct evhttp_request *req,
		   const char *id)
{
	gw_err rc = gw_db_revoke(gw->db, id);

	if (rc == GW_E_NOTFOUND) {
		reply_error(req, 404, "no such device");
		return;
	}
	if (rc != GW_OK) {
		reply_error(req, 500, "registry error");
		return;
	}
	gw_log(GW_INFO, MOD, "device %s revoked", id);
	gw_dev_drop(gw, id, "device revoked");
	reply(req, 200, json_pack("{s:s,s:b}", "id", id, "revoked", 1));
}

static int valid_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > GW_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* Routes /api/v1/devices[/ID[/revoke]]. */
static void route_devices(struct gw *gw, struct evhttp_request *req,
			  const char *rest, int get)
{
	char id[GW_ID_LEN + 1];
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

	if (*rest == '\0') {
		if (get)
			devices(gw, req, NULL);
		else
			reply_error(req, 405, "use GET");
		return;
	}
	if (!valid_id(rest, n)) {
		reply_error(req, 404, "no such device");
		return;
	}
	memcpy(id, rest, n);
	id[n] = '\0';
	if (slash == NULL && get)
		devices(gw, req, id);
	else if (slash != NULL && strcmp(slash, "/revoke") == 0 && !get)
		revoke(gw, req, id);
	else if (slash == NULL || strcmp(slash, "/revoke") == 0)
		reply_error(req, 405, slash ? "use POST" : "use GET");
	else
		reply_error(req, 404, "no such route");
}

static void route_api(struct gw *gw, struct evhttp_request *req,
		      const char *path, int get)
{
	if (!authorized(gw, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "WWW-Authenticate", "Bearer");
		reply_error(req, 401, "missing or wrong bearer token");
	} else if (strncmp(path, "devices", 7) == 0 &&
		   (path[7] == '\0' || path[7] == '/')) {
		route_devices(gw, req, path[7] ? path + 8 : "", get);
	} else if (strcmp(path, "pairing") == 0) {
		if (get)
			reply(req, 200, pairing_json(gw));
		else
			reply_error(req, 405, "use GET");
	} else if (strcmp(path, "pairing/open") == 0 && !get) {
		pairing_open(gw, req);
	} else if (strcmp(path, "pairing/close") == 0 && !get) {
		pairing_close(gw, req);
	} else if (strncmp(path, "pairing/", 8) == 0) {
		reply_error(req, 405, "use POST");
	} else {
		reply_error(req, 404, "no such route");
	}
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct gw *gw = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	if (path == NULL) {
		reply_error(req, 400, "bad request target");
	} else if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_POST) {
		reply_error(req, 405, "only GET and POST");
	} else if (strcmp(path, "/health") == 0) {
		reply(req, 200, json_pack("{s:s,s:I}", "status", "ok",
					  "sessions",
					  (json_int_t)gw_dev_count(gw)));
	} else if (strncmp(path, "/api/v1/", 8) == 0) {
		route_api(gw, req, path + 8, cmd == EVHTTP_REQ_GET);
	} else {
		reply_error(req, 404, "no such route");
	}
}

gw_err gw_api_start(struct gw *gw)
{
	struct gw_api *api = calloc(1, sizeof(*api));

	if (api == NULL)
		return GW_E_NOMEM;
	gw->api = api;
	api->http = evhttp_new(gw->base);
	if (api->http == NULL)
		return GW_E_NOMEM;
	evhttp_set_max_body_size(api->http, MAX_BODY);
	evhttp_set_timeout(api->http, 30);
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET |
				   EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE);
	evhttp_set_gencb(api->http, on_request, gw);
	if (evhttp_bind_socket_with_handle(api->http, gw->conf.api_host,
					   gw->conf.api_port) == NULL) {
		gw_log(GW_ERROR, MOD, "cannot listen on %s:%u",
		       gw->conf.api_host, gw->conf.api_port);
		return GW_E_SYS;
	}
	gw_log(GW_INFO, MOD, "HTTP API on %s:%u", gw->conf.api_host,
	       gw->conf.api_port);
	return GW_OK;
}

void gw_api_free(struct gw *gw)
{
	if (gw->api == NULL)
		return;
	if (gw->api->http)
		evhttp_free(gw->api->http);
	free(gw->api);
	gw->api = NULL;
}
