/* gw_api_apps.c - HTTP API of applications and deployments.
 * SPDX-License-Identifier: Apache-2.0
 * docs/api.md "Applications" and "Deployments"; modules are checked by
 * the devices' engine (WebAssembly Core Specification 2.0, section 3).
 */
#include "gw_api_internal.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#define MAX_TARGETS 1000

/* ---- applications ---- */

/* Replies 400 and returns 0 unless name and version are well formed. */
static int check_names(struct gw_call *c, const char *name,
		       const char *version)
{
	if (!gw_name_ok(name, 64, 0)) {
		gw_reply_err(c->req, 400, "bad_field", "name must match"
			     " [A-Za-z0-9._-]{1,64}, e.g. ?name=hello");
		return 0;
	}
	if (!gw_name_ok(version, 32, 1)) {
		gw_reply_err(c->req, 400, "bad_field", "version must match"
			     " [A-Za-z0-9._+-]{1,32}, e.g. &version=1.0");
		return 0;
	}
	return 1;
}

/* Stores the module and its audit entry in one transaction. */
static gw_err app_store(struct gw_call *c, const char *name,
			const char *version, const char *sha,
			const uint8_t *mod, size_t len, int *created)
{
	struct gw_db *db = c->gw->db;
	json_t *d;
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = gw_db_app_put(db, name, version, sha, mod, len,
				   c->actor, created);
	if (rc == GW_OK && *created) {
		d = json_pack("{s:s,s:s,s:s,s:I}", "name", name, "version",
			      version, "sha256", sha, "size",
			      (json_int_t)len);
		rc = gw_audit(c, "app.upload", name, d);
		json_decref(d);
	}
	return gw_db_end(db, rc);
}

void gw_api_app_upload(struct gw_call *c)
{
	const char *name = evhttp_find_header(c->query, "name");
	const char *version = evhttp_find_header(c->query, "version");
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	char sha[GW_SHA_HEX + 1], msg[200];
	const uint8_t *mod;
	json_t *arr = NULL;
	int created = 0;
	gw_err rc;

	if (!check_names(c, name, version))
		return;
	if (len == 0) {
		gw_reply_err(c->req, 400, "bad_field", "the body must be the"
			     " .wasm module (curl --data-binary @app.wasm)");
		return;
	}
	if (len > c->gw->conf.max_module) {
		gw_reply_err(c->req, 413, "too_large", "module of %zu bytes"
			     " is above the limit of %u bytes"
			     " (--max-module)", len, c->gw->conf.max_module);
		return;
	}
	mod = evbuffer_pullup(in, (ssize_t)len);
	if (gw_module_check(mod, len, msg, sizeof(msg)) != GW_OK) {
		gw_reply_err(c->req, 422, "invalid_module", "module refused by"
			     " the engine: %s", msg);
		return;
	}
	gw_sha256_hex(mod, len, sha);
	rc = app_store(c, name, version, sha, mod, len, &created);
	if (rc == GW_E_CONFLICT) {
		gw_reply_err(c->req, 409, "conflict", "%s %s already holds"
			     " another module; upload a new version", name,
			     version);
		return;
	}
	if (rc == GW_OK)
		rc = gw_db_apps_json(c->gw->db, name, version, &arr);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "application");
		return;
	}
	gw_reply(c->req, created ? 201 : 200,
		 json_incref(json_array_get(arr, 0)));
	json_decref(arr);
}

void gw_api_app_list(struct gw_call *c)
{
	json_t *arr = NULL;
	gw_err rc = gw_db_apps_json(c->gw->db, NULL, NULL, &arr);

	if (rc != GW_OK)
		gw_reply_db(c->req, rc, "application");
	else
		gw_reply(c->req, 200, json_pack("{s:o}", "apps", arr));
}

/* GET apps/NAME (its versions) and apps/NAME/VERSION (one). */
void gw_api_app_get(struct gw_call *c)
{
	const char *version = c->n_seg > 2 ? c->seg[2] : NULL;
	json_t *arr = NULL;
	gw_err rc = gw_db_apps_json(c->gw->db, c->seg[1], version, &arr);

	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "application or version");
		return;
	}
	if (version != NULL) {
		gw_reply(c->req, 200, json_incref(json_array_get(arr, 0)));
		json_decref(arr);
		return;
	}
	gw_reply(c->req, 200, json_pack("{s:s,s:o}", "name", c->seg[1],
					"versions", arr));
}

void gw_api_app_delete(struct gw_call *c)
{
	struct gw_db *db = c->gw->db;
	json_t *d = json_pack("{s:s}", "version", c->seg[2]);
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = gw_db_app_delete(db, c->seg[1], c->seg[2]);
	if (rc == GW_OK)
		rc = gw_audit(c, "app.delete", c->seg[1], d);
	rc = gw_db_end(db, rc);
	json_decref(d);
	if (rc == GW_E_CONFLICT)
		gw_reply_err(c->req, 409, "conflict", "%s %s is used by a"
			     " deployment; delete or update it first",
			     c->seg[1], c->seg[2]);
	else if (rc != GW_OK)
		gw_reply_db(c->req, rc, "application version");
	else
		gw_reply(c->req, 200, json_pack("{s:s,s:s,s:b}", "name",
						c->seg[1], "version",
						c->seg[2], "deleted", 1));
}

/* ---- deployments ---- */

/* Reads an optional integer field in [lo, hi]; 0 absent, 1 read, -1
 * after a 400 reply. */
static int int_field(struct gw_call *c, json_t *body, const char *key,
		     json_int_t lo, json_int_t hi, uint64_t *out)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		gw_reply_err(c->req, 400, "bad_field", "field \"%s\" must be"
			     " an integer from %lld to %lld", key,
			     (long long)lo, (long long)hi);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

/* "devices": 1..MAX_TARGETS device ids; fills s->devices (freed by
 * the caller). */
static int devices_field(struct gw_call *c, json_t *body,
			 struct gw_dep_spec *s)
{
	json_t *v = json_object_get(body, "devices"), *e;
	size_t i;

	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > MAX_TARGETS) {
		gw_reply_err(c->req, 400, "bad_field", "field \"devices\""
			     " must be an array of 1 to %d device ids",
			     MAX_TARGETS);
		return -1;
	}
	s->devices = calloc(json_array_size(v), sizeof(*s->devices));
	if (s->devices == NULL) {
		gw_reply_err(c->req, 500, "internal", "out of memory");
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			gw_reply_err(c->req, 400, "bad_field", "field"
				     " \"devices\" must hold strings (device"
				     " ids); item %zu does not", i);
			return -1;
		}
		s->devices[i] = json_string_value(e);
	}
	s->n_devices = json_array_size(v);
	return 1;
}

/* A string field: 0 absent, 1 read, -1 after a 400 reply. */
static int str_field(struct gw_call *c, json_t *body, const char *key,
		     const char **out)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		gw_reply_err(c->req, 400, "bad_field", "field \"%s\" must be"
			     " a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* Reads every field of a deployment request into s; 0, or -1 after a
 * 400 reply. create: app, version and devices are required. */
static int read_spec(struct gw_call *c, json_t *body, int create,
		     struct gw_dep_spec *s)
{
	json_t *a = json_object_get(body, "autostart");
	int r[6];

	s->memory_limit = 65536;
	s->autostart = 1;
	if ((r[0] = str_field(c, body, "app", &s->app)) < 0 ||
	    (r[1] = str_field(c, body, "version", &s->version)) < 0 ||
	    (r[2] = devices_field(c, body, s)) < 0 ||
	    (r[3] = int_field(c, body, "memory_limit", 1, UINT32_MAX,
			      &s->memory_limit)) < 0 ||
	    (r[4] = int_field(c, body, "fuel_limit", 0, INT64_MAX,
			      &s->fuel_limit)) < 0)
		return -1;
	r[5] = a != NULL;
	if (a != NULL && !json_is_boolean(a)) {
		gw_reply_err(c->req, 400, "bad_field", "field \"autostart\""
			     " must be true or false");
		return -1;
	}
	s->autostart = a ? json_is_true(a) : 1;
	if (create && (!r[0] || !r[1] || !r[2])) {
		gw_reply_err(c->req, 400, "bad_field", "fields \"app\","
			     " \"version\" and \"devices\" are required");
		return -1;
	}
	if (!create && r[0]) {
		gw_reply_err(c->req, 400, "bad_field", "a deployment's \"app\""
			     " cannot change; create another deployment");
		return -1;
	}
	s->has_version = r[1];
	s->has_devices = r[2];
	s->has_memory = r[3];
	s->has_fuel = r[4];
	s->has_autostart = r[5];
	return 0;
}

/* Drives every device of a deployment towards its new desired state. */
static void kick_devices(struct gw *gw, int64_t id)
{
	char **v = NULL;
	size_t i;

	if (gw_db_dep_devices(gw->db, id, &v) != GW_OK)
		return;
	for (i = 0; v[i] != NULL; i++)
		gw_dev_kick(gw, v[i]);
	gw_strv_free(v);
}

void gw_api_add_connected(struct gw *gw, json_t *targets)
{
	const char *id;
	uint64_t up, beat;
	uint32_t mem;
	json_t *t;
	size_t i;

	json_array_foreach(targets, i, t) {
		id = json_string_value(json_object_get(t, "device"));
		json_object_set_new(t, "connected", json_boolean(
			id && gw_dev_live(gw, id, &up, &mem, &beat) == 0));
	}
}

/* Replies with deployment id, targets included. */
static void reply_dep(struct gw_call *c, int code, int64_t id)
{
	json_t *arr = NULL;
	gw_err rc = gw_db_deps_json(c->gw->db, id, 1, &arr);

	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "deployment");
		return;
	}
	gw_api_add_connected(c->gw, json_object_get(json_array_get(arr, 0),
						    "devices"));
	gw_reply(c->req, code, json_incref(json_array_get(arr, 0)));
	json_decref(arr);
}

/* A registry refusal of a deployment change, as the right reply. */
static void reply_dep_err(struct gw_call *c, gw_err rc, const char *err)
{
	if (rc == GW_E_INVALID)
		gw_reply_err(c->req, 400, "bad_field", "%s", err);
	else if (rc == GW_E_NOTFOUND && err[0])
		gw_reply_err(c->req, 404, "not_found", "%s", err);
	else if (rc == GW_E_CONFLICT && err[0])
		gw_reply_err(c->req, 409, "conflict", "%s", err);
	else
		gw_reply_db(c->req, rc, "deployment");
}

/* Members of a deployment's JSON (docs/api.md, Deployments). */
static const char *const dep_fields[] = { "app", "version", "devices",
	"memory_limit", "fuel_limit", "autostart", NULL };

void gw_api_dep_create(struct gw_call *c)
{
	struct gw_dep_spec s;
	char err[300] = "", target[24];
	json_t *body = gw_body_fields(c, dep_fields);
	int64_t id = -1;
	gw_err rc;

	memset(&s, 0, sizeof(s));
	if (body == NULL || read_spec(c, body, 1, &s) != 0)
		goto out;
	rc = gw_db_begin(c->gw->db);
	if (rc == GW_OK)
		rc = gw_db_dep_create(c->gw->db, &s, c->actor, &id, err,
				      sizeof(err));
	snprintf(target, sizeof(target), "%lld", (long long)id);
	if (rc == GW_OK)
		rc = gw_audit(c, "deployment.create", target, body);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		reply_dep_err(c, rc, err);
		goto out;
	}
	kick_devices(c->gw, id);
	reply_dep(c, 201, id);
out:
	free(s.devices);
	json_decref(body);
}

/* The deployment id of the path, or -1 after a 404 reply. */
static int64_t dep_id(struct gw_call *c)
{
	char *end;
	long long id = strtoll(c->seg[1], &end, 10);

	if (*end != '\0' || id <= 0 || id > UINT32_MAX) {
		gw_reply_err(c->req, 404, "not_found", "no deployment %s"
			     " (ids are positive integers)", c->seg[1]);
		return -1;
	}
	return id;
}

void gw_api_dep_list(struct gw_call *c)
{
	json_t *arr = NULL;
	gw_err rc = gw_db_deps_json(c->gw->db, -1, 0, &arr);

	if (rc != GW_OK)
		gw_reply_db(c->req, rc, "deployment");
	else
		gw_reply(c->req, 200, json_pack("{s:o}", "deployments",
						arr));
}

void gw_api_dep_get(struct gw_call *c)
{
	int64_t id = dep_id(c);

	if (id > 0)
		reply_dep(c, 200, id);
}

void gw_api_dep_targets(struct gw_call *c)
{
	int64_t id = dep_id(c);
	json_t *arr = NULL;
	gw_err rc;

	if (id <= 0)
		return;
	rc = gw_db_deps_json(c->gw->db, id, 0, &arr);
	json_decref(arr);
	if (rc == GW_OK)
		rc = gw_db_targets_json(c->gw->db, id, NULL, &arr);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "deployment");
		return;
	}
	gw_api_add_connected(c->gw, arr);
	gw_reply(c->req, 200, json_pack("{s:o}", "devices", arr));
}

void gw_api_dep_patch(struct gw_call *c)
{
	struct gw_dep_spec s;
	char err[300] = "";
	int64_t id = dep_id(c);
	json_t *body = id > 0 ? gw_body_fields(c, dep_fields) : NULL;
	gw_err rc;

	memset(&s, 0, sizeof(s));
	if (body == NULL || read_spec(c, body, 0, &s) != 0)
		goto out;
	rc = gw_db_begin(c->gw->db);
	if (rc == GW_OK)
		rc = gw_db_dep_update(c->gw->db, id, &s, err, sizeof(err));
	if (rc == GW_OK)
		rc = gw_audit(c, "deployment.update", c->seg[1], body);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		reply_dep_err(c, rc, err);
		goto out;
	}
	kick_devices(c->gw, id);
	reply_dep(c, 200, id);
out:
	free(s.devices);
	json_decref(body);
}

void gw_api_dep_delete(struct gw_call *c)
{
	int64_t id = dep_id(c);
	json_t *arr = NULL;
	gw_err rc;

	if (id <= 0)
		return;
	rc = gw_db_begin(c->gw->db);
	if (rc == GW_OK)
		rc = gw_db_dep_delete(c->gw->db, id);
	if (rc == GW_OK)
		rc = gw_audit(c, "deployment.delete", c->seg[1], NULL);
	rc = gw_db_end(c->gw->db, rc);
	if (rc != GW_OK) {
		gw_reply_db(c->req, rc, "deployment");
		return;
	}
	kick_devices(c->gw, id);

	/* Gone already when no device held it. */
	if (gw_db_deps_json(c->gw->db, id, 1, &arr) != GW_OK) {
		gw_reply(c->req, 202, json_pack("{s:I,s:s}", "id",
						(json_int_t)id, "state",
						"removed"));
		return;
	}
	gw_reply(c->req, 202, json_incref(json_array_get(arr, 0)));
	json_decref(arr);
}
