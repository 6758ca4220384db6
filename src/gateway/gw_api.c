/* gw_api.c - the gateway's HTTP API: routing, tokens, devices, pairing.
 * SPDX-License-Identifier: Apache-2.0
 * HTTP/1.1 (RFC 9110) with JSON bodies (RFC 8259) and bearer tokens
 * (RFC 6750 section 2.1); every route is in docs/api.md.
 */
#include "gw_api_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MOD "api"
/* What the HTTP layer reads at most; modules are checked against
 * --max-module inside it, with a JSON answer. */
#define MAX_BODY (16u << 20)

void gw_reply(struct evhttp_request *req, int code, json_t *body)
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

void gw_reply_err(struct evhttp_request *req, int status, const char *code,
		  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gw_log(status >= 500 ? GW_WARN : GW_INFO, MOD, "%s: %d %s",
	       evhttp_request_get_uri(req), status, msg);
	gw_reply(req, status, json_pack("{s:s,s:s,s:i}", "error", msg,
					"code", code, "status", status));
}

void gw_reply_db(struct evhttp_request *req, gw_err rc, const char *what)
{
	if (rc == GW_E_NOTFOUND)
		gw_reply_err(req, 404, "not_found", "no such %s", what);
	else if (rc == GW_E_CONFLICT)
		gw_reply_err(req, 409, "conflict", "the %s is in use or"
			     " changed; read it again", what);
	else
		gw_reply_err(req, 500, "internal", "registry error (%s); see"
			     " the gateway log", what);
}

json_t *gw_body(struct gw_call *c)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t n = evbuffer_get_length(in);
	json_error_t je;
	json_t *j;

	if (n == 0)
		return json_object();
	j = json_loadb((const char *)evbuffer_pullup(in, (ssize_t)n), n, 0,
		       &je);
	if (j == NULL) {
		gw_reply_err(c->req, 400, "bad_json", "malformed JSON at line"
			     " %d, column %d: %s", je.line, je.column,
			     je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		gw_reply_err(c->req, 400, "bad_json", "the body must be a JSON"
			     " object ({...})");
		return NULL;
	}
	return j;
}

json_t *gw_body_fields(struct gw_call *c, const char *const *known)
{
	json_t *j = gw_body(c), *v;
	const char *key;
	char list[160] = "";
	size_t i;

	if (j == NULL)
		return NULL;
	json_object_foreach(j, key, v) {
		for (i = 0; known[i] != NULL && strcmp(known[i], key); i++)
			;
		if (known[i] != NULL)
			continue;
		for (i = 0; known[i] != NULL; i++)
			snprintf(list + strlen(list),
				 sizeof(list) - strlen(list), "%s\"%s\"",
				 i ? ", " : "", known[i]);
		gw_reply_err(c->req, 400, "unknown_field", "unknown field"
			     " \"%.40s\": this request takes %s", key,
			     list[0] ? list : "no fields");
		json_decref(j);
		return NULL;
	}
	return j;
}

int gw_query_int(struct gw_call *c, const char *key, int64_t lo,
		 int64_t hi, int64_t dflt, int64_t *v)
{
	const char *s = evhttp_find_header(c->query, key);
	char *end;
	long long x;

	*v = dflt;
	if (s == NULL)
		return 0;
	x = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || x < lo || x > hi) {
		gw_reply_err(c->req, 400, "bad_field", "query parameter %s"
			     " must be an integer from %lld to %lld", key,
			     (long long)lo, (long long)hi);
		return -1;
	}
	*v = x;
	return 1;
}

const char *gw_role_name(enum gw_role r)
{
	static const char *const names[] = { "none", "viewer", "operator",
					     "admin" };

	return names[r];
}

static enum gw_role role_of(const char *s)
{
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	if (strcmp(s, "operator") == 0)
		return ROLE_OPERATOR;
	return strcmp(s, "viewer") == 0 ? ROLE_VIEWER : ROLE_NONE;
}

gw_err gw_audit(struct gw_call *c, const char *action, const char *target,
		json_t *detail)
{
	return gw_db_audit(c->gw->db, c->actor, gw_role_name(c->role),
			   action, target, detail);
}

int gw_name_ok(const char *s, size_t max, int plus)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-' || (plus && s[i] == '+')))
			return 0;
	return 1;
}

void gw_sha256_hex(const void *p, size_t n, char out[GW_SHA_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned len = 0;
	size_t i;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[GW_SHA_HEX] = '\0';
}

/* Who is calling: the bootstrap admin token (constant-time compare)
 * or a token of the registry, by its hash. */
static void authenticate(struct gw_call *c)
{
	const char *h = evhttp_find_header(
		evhttp_request_get_input_headers(c->req), "Authorization");
	const char *boot = c->gw->pki.token;
	size_t n = strlen(boot);
	char hash[GW_SHA_HEX + 1], role[12];

	c->role = ROLE_NONE;
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return;
	h += 7;
	if (strlen(h) == n && CRYPTO_memcmp(h, boot, n) == 0) {
		snprintf(c->actor, sizeof(c->actor), "admin");
		c->role = ROLE_ADMIN;
		return;
	}
	gw_sha256_hex(h, strlen(h), hash);
	if (gw_db_token_find(c->gw->db, hash, c->actor, role) == GW_OK)
		c->role = role_of(role);
}

/* ---- pairing ---- */

static json_t *pairing_json(struct gw *gw)
{
	int open = gw_pairing_is_open(gw);
	json_t *until = open && gw->pairing_until != UINT64_MAX
			? json_integer((json_int_t)gw->pairing_until)
			: json_null();

	return json_pack("{s:b,s:o}", "open", open, "until_ms", until);
}

static void pairing_get(struct gw_call *c)
{
	gw_reply(c->req, 200, pairing_json(c->gw));
}

static void pairing_open(struct gw_call *c)
{
	static const char *const known[] = { "duration_s", NULL };
	json_t *body = gw_body_fields(c, known);
	json_t *d = body ? json_object_get(body, "duration_s") : NULL;
	uint64_t until = UINT64_MAX;
	gw_err rc;

	if (body == NULL)
		return;
	if (d != NULL && (!json_is_integer(d) || json_integer_value(d) <= 0
			  || json_integer_value(d) > 31 * 86400)) {
		json_decref(body);
		gw_reply_err(c->req, 400, "bad_field", "duration_s must be an"
			     " integer from 1 to 2678400 (omit it to stay"
			     " open until closed)");
		return;
	}
	if (d != NULL)
		until = gw_now_ms() + 1000u * (uint64_t)json_integer_value(d);
	rc = gw_db_begin(c->gw->db);
	if (rc == GW_OK)
		rc = gw_db_pairing_open(c->gw->db, until);
	if (rc == GW_OK)
		rc = gw_audit(c, "pairing.open", NULL, body);
	rc = gw_db_end(c->gw->db, rc);
	json_decref(body);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "pairing");
		return;
	}
	c->gw->pairing_until = until;
	gw_reply(c->req, 200, pairing_json(c->gw));
}

static void pairing_close(struct gw_call *c)
{
	gw_err rc = gw_db_begin(c->gw->db);

	if (rc == GW_OK)
		rc = gw_db_pairing_close(c->gw->db);
	if (rc == GW_OK)
		rc = gw_audit(c, "pairing.close", NULL, NULL);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "pairing");
		return;
	}
	c->gw->pairing_until = 0;
	gw_reply(c->req, 200, pairing_json(c->gw));
}

/* ---- devices ---- */

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

static void devices_list(struct gw_call *c)
{
	json_t *arr = NULL, *d;
	size_t i;
	gw_err rc = gw_db_devices_json(c->gw->db, NULL, &arr);

	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "device");
		return;
	}
	json_array_foreach(arr, i, d)
		add_live(c->gw, d);
	gw_reply(c->req, 200, json_pack("{s:o}", "devices", arr));
}

static void device_get(struct gw_call *c)
{
	json_t *arr = NULL, *apps = NULL, *d;
	gw_err rc = gw_db_devices_json(c->gw->db, c->seg[1], &arr);

	if (rc == GW_OK)
		rc = gw_db_targets_json(c->gw->db, -1, c->seg[1], &apps);
	if (rc != GW_OK) {
		json_decref(arr);
		gw_reply_db(c->req, rc, "device");
		return;
	}
	d = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	add_live(c->gw, d);
	gw_api_add_connected(c->gw, apps);
	json_object_set_new(d, "apps", apps);
	gw_reply(c->req, 200, d);
}

/* Revocation is durable before the reply; any session is cut at once. */
static void device_revoke(struct gw_call *c)
{
	const char *id = c->seg[1];
	gw_err rc = gw_db_begin(c->gw->db);

	if (rc == GW_OK)
		rc = gw_db_revoke(c->gw->db, id);
	if (rc == GW_OK)
		rc = gw_audit(c, "device.revoke", id, NULL);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "device");
		return;
	}
	gw_dev_drop(c->gw, id, "device revoked");
	gw_reply(c->req, 200, json_pack("{s:s,s:b}", "id", id, "revoked",
					1));
}

static void device_delete(struct gw_call *c)
{
	const char *id = c->seg[1];
	gw_err rc = gw_db_begin(c->gw->db);

	if (rc == GW_OK)
		rc = gw_db_revoke(c->gw->db, id);
	if (rc == GW_OK)
		rc = gw_db_device_delete(c->gw->db, id);
	if (rc == GW_OK)
		rc = gw_audit(c, "device.delete", id, NULL);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "device");
		return;
	}
	gw_dev_drop(c->gw, id, "device deleted");
	gw_reply(c->req, 200, json_pack("{s:s,s:b}", "id", id, "deleted",
					1));
}

/* ---- routing ---- */

struct route {
	const char *path; /* segments, '*' matches any one */
	enum evhttp_cmd_type method;
	enum gw_role role;
	void (*fn)(struct gw_call *c);
};

static const struct route routes[] = {
	{ "devices", EVHTTP_REQ_GET, ROLE_VIEWER, devices_list },
	{ "devices/*", EVHTTP_REQ_GET, ROLE_VIEWER, device_get },
	{ "devices/*", EVHTTP_REQ_DELETE, ROLE_ADMIN, device_delete },
	{ "devices/*/revoke", EVHTTP_REQ_POST, ROLE_ADMIN, device_revoke },
	{ "devices/*/logs", EVHTTP_REQ_GET, ROLE_VIEWER, gw_api_logs },
	{ "pairing", EVHTTP_REQ_GET, ROLE_VIEWER, pairing_get },
	{ "pairing/open", EVHTTP_REQ_POST, ROLE_OPERATOR, pairing_open },
	{ "pairing/close", EVHTTP_REQ_POST, ROLE_OPERATOR, pairing_close },
	{ "apps", EVHTTP_REQ_GET, ROLE_VIEWER, gw_api_app_list },
	{ "apps", EVHTTP_REQ_POST, ROLE_OPERATOR, gw_api_app_upload },
	{ "apps/*", EVHTTP_REQ_GET, ROLE_VIEWER, gw_api_app_get },
	{ "apps/*/*", EVHTTP_REQ_GET, ROLE_VIEWER, gw_api_app_get },
	{ "apps/*/*", EVHTTP_REQ_DELETE, ROLE_OPERATOR, gw_api_app_delete },
	{ "deployments", EVHTTP_REQ_GET, ROLE_VIEWER, gw_api_dep_list },
	{ "deployments", EVHTTP_REQ_POST, ROLE_OPERATOR, gw_api_dep_create },
	{ "deployments/*", EVHTTP_REQ_GET, ROLE_VIEWER, gw_api_dep_get },
	{ "deployments/*", EVHTTP_REQ_PATCH, ROLE_OPERATOR,
	  gw_api_dep_patch },
	{ "deployments/*", EVHTTP_REQ_DELETE, ROLE_OPERATOR,
	  gw_api_dep_delete },
	{ "deployments/*/devices", EVHTTP_REQ_GET, ROLE_VIEWER,
	  gw_api_dep_targets },
	{ "audit", EVHTTP_REQ_GET, ROLE_ADMIN, gw_api_audit },
	{ "tokens", EVHTTP_REQ_GET, ROLE_ADMIN, gw_api_tokens },
	{ "tokens", EVHTTP_REQ_POST, ROLE_ADMIN, gw_api_token_create },
	{ "tokens/*", EVHTTP_REQ_DELETE, ROLE_ADMIN, gw_api_token_revoke },
};

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "?";
	}
}

/* 1 if the route's pattern matches the call's segments. */
static int path_matches(const char *pat, const struct gw_call *c)
{
	size_t i = 0, n;

	for (; *pat != '\0' && i < c->n_seg; i++) {
		n = strcspn(pat, "/");
		if (!(n == 1 && *pat == '*') &&
		    (strlen(c->seg[i]) != n ||
		     strncmp(pat, c->seg[i], n) != 0))
			return 0;
		pat += n;
		if (*pat == '/')
			pat++;
	}
	return *pat == '\0' && i == c->n_seg;
}

/* The method asked for, after X-HTTP-Method-Override on a POST. */
static enum evhttp_cmd_type method_of(struct evhttp_request *req)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *o = evhttp_find_header(
		evhttp_request_get_input_headers(req),
		"X-HTTP-Method-Override");

	if (m != EVHTTP_REQ_POST || o == NULL)
		return m;
	if (strcmp(o, "PATCH") == 0)
		return EVHTTP_REQ_PATCH;
	return strcmp(o, "DELETE") == 0 ? EVHTTP_REQ_DELETE : m;
}

static void dispatch(struct gw_call *c)
{
	enum evhttp_cmd_type m = method_of(c->req);
	char allowed[64] = "";
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!path_matches(routes[i].path, c))
			continue;
		if (routes[i].method != m) {
			snprintf(allowed + strlen(allowed),
				 sizeof(allowed) - strlen(allowed), "%s%s",
				 allowed[0] ? " or " : "",
				 method_name(routes[i].method));
			continue;
		}
		if (c->role < routes[i].role) {
			gw_reply_err(c->req, 403, "forbidden", "this needs"
				     " the %s role; the token has %s",
				     gw_role_name(routes[i].role),
				     gw_role_name(c->role));
			return;
		}
		routes[i].fn(c);
		return;
	}
	if (allowed[0])
		gw_reply_err(c->req, 405, "method", "use %s", allowed);
	else
		gw_reply_err(c->req, 404, "not_found", "no such route (see"
			     " docs/api.md)");
}

/* A query is taken only if no key repeats and nothing decodes to NUL:
 * C strings would silently cut "a%00b" to "a". */
static int query_ok(struct evkeyvalq *q, const char *raw)
{
	struct evkeyval *a, *b;

	if (strstr(raw, "%00") != NULL)
		return 0;
	TAILQ_FOREACH(a, q, next)
		for (b = TAILQ_NEXT(a, next); b != NULL;
		     b = TAILQ_NEXT(b, next))
			if (strcmp(a->key, b->key) == 0)
				return 0;
	return 1;
}

/* Splits path into c->seg; 0, or -1 if it has too many or bad ones. */
static int split(char *path, struct gw_call *c)
{
	char *p = path, *slash;

	c->n_seg = 0;
	while (*p != '\0') {
		if (c->n_seg == GW_SEGS)
			return -1;
		slash = strchr(p, '/');
		if (slash != NULL)
			*slash = '\0';
		if (!gw_name_ok(p, 64, 1))
			return -1;
		c->seg[c->n_seg++] = p;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	return 0;
}

static void route_api(struct gw *gw, struct evhttp_request *req,
		      const char *path, const struct evhttp_uri *uri)
{
	struct gw_call c;
	struct evkeyvalq q;
	char buf[300];
	const char *qs = evhttp_uri_get_query(uri);

	memset(&c, 0, sizeof(c));
	TAILQ_INIT(&q);
	c.gw = gw;
	c.req = req;
	c.query = &q;
	authenticate(&c);
	snprintf(buf, sizeof(buf), "%s", path);
	if (c.role == ROLE_NONE) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "WWW-Authenticate", "Bearer");
		gw_reply_err(req, 401, "unauthorized", "missing or wrong"
			     " bearer token (Authorization: Bearer TOKEN; a"
			     " revoked token is wrong too)");
	} else if (strlen(path) >= sizeof(buf) || split(buf, &c) != 0) {
		gw_reply_err(req, 404, "not_found", "no such route (see"
			     " docs/api.md)");
	} else if (qs != NULL && (evhttp_parse_query_str(qs, &q) != 0 ||
				  !query_ok(&q, qs))) {
		gw_reply_err(req, 400, "bad_field", "malformed query string:"
			     " a parameter given twice, or %%00 in a value");
	} else {
		dispatch(&c);
	}
	evhttp_clear_headers(&q);
}

static void health(struct gw *gw, struct evhttp_request *req)
{
	uint64_t until;
	int ok = gw_db_pairing_get(gw->db, &until) == GW_OK;

	gw_reply(req, ok ? 200 : 503, json_pack(
		"{s:s,s:I,s:s}", "status", ok ? "ok" : "degraded",
		"sessions", (json_int_t)gw_dev_count(gw), "registry",
		ok ? "ok" : "error"));
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct gw *gw = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	if (path == NULL) {
		gw_reply_err(req, 400, "bad_field", "bad request target");
	} else if (strncmp(path, "/api/v1/", 8) == 0) {
		route_api(gw, req, path + 8, uri);
	} else if (cmd != EVHTTP_REQ_GET &&
		   (strcmp(path, "/health") == 0 ||
		    strcmp(path, "/metrics") == 0)) {
		gw_reply_err(req, 405, "method", "use GET");
	} else if (strcmp(path, "/health") == 0) {
		health(gw, req);
	} else if (strcmp(path, "/metrics") == 0) {
		gw_api_metrics(gw, req);
	} else {
		gw_reply_err(req, 404, "not_found", "no such route (see"
			     " docs/api.md)");
	}
}

/* The port the API socket is bound to (the one asked for, or the one the
 * kernel chose for port 0); 0 if it cannot be read. */
static unsigned bound_port(struct evhttp_bound_socket *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = (int)evhttp_bound_socket_get_fd(h);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Writes DATA/api.url, one line "http://HOST:PORT", replacing it whole,
 * so the CLI on this machine finds the API without being told. */
static gw_err write_api_url(const struct gw *gw, unsigned port)
{
	char path[1100], tmp[1110], line[320];
	const char *h = gw->conf.api_host;
	int v6 = strchr(h, ':') != NULL, n, fd;
	gw_err rc = GW_OK;

	snprintf(path, sizeof(path), "%s/api.url", gw->conf.data_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(line, sizeof(line), "http://%s%s%s:%u\n", v6 ? "[" : "",
		     h, v6 ? "]" : "", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0)
		rc = GW_E_SYS;
	if (fd >= 0 && close(fd) != 0)
		rc = GW_E_SYS;
	if (rc == GW_OK && rename(tmp, path) != 0)
		rc = GW_E_SYS;
	if (rc != GW_OK)
		gw_log(GW_ERROR, MOD, "write %s: %s", path, strerror(errno));
	return rc;
}

gw_err gw_api_start(struct gw *gw)
{
	struct evhttp_bound_socket *h;
	unsigned port;

	struct gw_api *api = calloc(1, sizeof(*api));

	if (api == NULL)
		return GW_E_NOMEM;
	gw->api = api;
	api->http = evhttp_new(gw->base);
	if (api->http == NULL)
		return GW_E_NOMEM;
	evhttp_set_max_body_size(api->http, MAX_BODY);
	evhttp_set_timeout(api->http, 90);
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET |
				   EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(api->http, on_request, gw);
	h = evhttp_bind_socket_with_handle(api->http, gw->conf.api_host,
					   gw->conf.api_port);
	if (h == NULL) {
		gw_log(GW_ERROR, MOD, "cannot listen on %s:%u",
		       gw->conf.api_host, gw->conf.api_port);
		return GW_E_SYS;
	}
	port = bound_port(h);
	gw_log(GW_INFO, MOD, "HTTP API on %s:%u (address in %s/api.url)",
	       gw->conf.api_host, port, gw->conf.data_dir);
	return write_api_url(gw, port);
}

void gw_api_free(struct gw *gw)
{
	if (gw->api == NULL)
		return;
	gw_api_waiters_free(gw);
	if (gw->api->http)
		evhttp_free(gw->api->http);
	free(gw->api);
	gw->api = NULL;
}
