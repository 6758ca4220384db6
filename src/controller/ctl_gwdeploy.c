/* ctl_gwdeploy.c - the gateway's application and deployment API.
 * SPDX-License-Identifier: Apache-2.0
 * Client of docs/api.md, "Applications" and "Deployments": uploads,
 * deployments by id, per-device targets. The one file that knows those
 * routes.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#define MOD "gwdeploy"

/* The message of a gateway error answer, for the log. */
static const char *why(json_t *ans)
{
	const char *e = json_string_value(json_object_get(ans, "error"));

	return e ? e : "no answer";
}

/* One call on the gateway; 404 is returned as CTL_E_NOTFOUND quietly,
 * other failures are logged. */
static ctl_err call(const struct ctl_gw *g, const char *method,
		    const char *path, json_t *body, json_t **out)
{
	char url[1024];
	struct ctl_req r = { .method = method, .url = url,
			     .token = g->token, .body = body,
			     .timeout_ms = 10000 };
	json_t *ans = NULL;
	long st;
	ctl_err rc;

	snprintf(url, sizeof(url), "%s%s", g->url, path);
	rc = ctl_http(&r, &st, &ans);
	if (rc != CTL_OK && rc != CTL_E_NOTFOUND)
		ctl_log(CTL_WARN, MOD, "%s: %s %s: %ld %s", g->name, method,
			path, st, why(ans));
	if (out != NULL && rc == CTL_OK)
		*out = ans;
	else
		json_decref(ans);
	return rc;
}

ctl_err ctl_gw_deployments(const struct ctl_gw *g, json_t **out)
{
	json_t *ans = NULL;
	ctl_err rc = call(g, "GET", "/api/v1/deployments", NULL, &ans);

	if (rc == CTL_E_NOTFOUND) {
		*out = json_array();
		return CTL_OK;
	}
	*out = json_incref(json_object_get(ans, "deployments"));
	json_decref(ans);
	if (rc == CTL_OK && !json_is_array(*out))
		rc = CTL_E_INVALID;
	return rc;
}

ctl_err ctl_gw_deployment(const struct ctl_gw *g, json_int_t id,
			  json_t **out)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/deployments/%lld",
		 (long long)id);
	return call(g, "GET", path, NULL, out);
}

/* Copies s into out with every byte outside [A-Za-z0-9._~-]
 * percent-encoded (RFC 3986 section 2.1). */
static void pct(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 4 < cap; s++) {
		if (strchr("._~-", *s) || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
			out[n++] = *s;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X",
					      (unsigned char)*s);
	}
	out[n] = '\0';
}

ctl_err ctl_gw_app_upload(const struct ctl_gw *g, const char *name,
			  const char *version, const unsigned char *mod,
			  size_t len)
{
	char url[1024], n[200], v[100];
	struct ctl_req r = { .method = "POST", .url = url,
			     .token = g->token, .ctype = "application/wasm",
			     .raw = mod, .raw_len = len,
			     .timeout_ms = 30000 };
	json_t *ans = NULL;
	long st;
	ctl_err rc;

	pct(name, n, sizeof(n));
	pct(version, v, sizeof(v));
	snprintf(url, sizeof(url), "%s/api/v1/apps?name=%s&version=%s",
		 g->url, n, v);
	rc = ctl_http(&r, &st, &ans);
	if (rc != CTL_OK)
		ctl_log(CTL_WARN, MOD, "%s: upload %s %s: %ld %s", g->name,
			name, version, st, why(ans));
	json_decref(ans);
	return rc;
}

ctl_err ctl_gw_app_delete(const struct ctl_gw *g, const char *name)
{
	char path[512], n[200], v[100];
	json_t *ans = NULL, *ver;
	size_t i;
	ctl_err rc;

	pct(name, n, sizeof(n));
	snprintf(path, sizeof(path), "/api/v1/apps/%s", n);
	rc = call(g, "GET", path, NULL, &ans);
	if (rc == CTL_E_NOTFOUND)
		return CTL_OK;
	json_array_foreach(json_object_get(ans, "versions"), i, ver) {
		const char *vs = json_string_value(json_object_get(
			ver, "version"));

		if (vs == NULL)
			continue;
		pct(vs, v, sizeof(v));
		snprintf(path, sizeof(path), "/api/v1/apps/%s/%s", n, v);
		if (call(g, "DELETE", path, NULL, NULL) == CTL_E_CONFLICT)
			rc = CTL_E_CONFLICT;
	}
	json_decref(ans);
	return rc;
}

ctl_err ctl_gw_deploy_put(const struct ctl_gw *g, json_int_t id,
			  json_t *body, json_t **out)
{
	char path[128];

	*out = NULL;
	if (id == 0)
		return call(g, "POST", "/api/v1/deployments", body, out);
	snprintf(path, sizeof(path), "/api/v1/deployments/%lld",
		 (long long)id);
	return call(g, "PATCH", path, body, out);
}

ctl_err ctl_gw_deploy_delete(const struct ctl_gw *g, json_int_t id)
{
	char path[128];
	ctl_err rc;

	snprintf(path, sizeof(path), "/api/v1/deployments/%lld",
		 (long long)id);
	rc = call(g, "DELETE", path, NULL, NULL);
	return rc == CTL_E_NOTFOUND ? CTL_OK : rc;
}

/* A Device status application entry from a gateway TARGET. */
static json_t *target(json_t *t)
{
	static const char *const keys[][2] = {
		{ "app", "name" }, { "version", "version" },
		{ "state", "state" }, { "error", "message" },
	};
	json_t *o = json_object(), *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(t, keys[i][0]);
		if (json_is_string(v))
			json_object_set(o, keys[i][1], v);
	}
	return o;
}

/* Adds the targets of deployment id to map (device -> [app...]). */
static ctl_err add_targets(const struct ctl_gw *g, json_int_t id,
			   json_t *map)
{
	json_t *dep = NULL, *t, *list;
	size_t i;
	ctl_err rc = ctl_gw_deployment(g, id, &dep);

	json_array_foreach(json_object_get(dep, "devices"), i, t) {
		const char *dev = json_string_value(json_object_get(t,
								   "device"));

		if (dev == NULL)
			continue;
		list = json_object_get(map, dev);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(map, dev, list);
		}
		json_array_append_new(list, target(t));
	}
	json_decref(dep);
	return rc == CTL_E_NOTFOUND ? CTL_OK : rc;
}

ctl_err ctl_gw_device_apps(const struct ctl_gw *g, json_t **out)
{
	json_t *deps = NULL, *d;
	size_t i;
	ctl_err rc = ctl_gw_deployments(g, &deps);

	*out = json_object();
	json_array_foreach(deps, i, d) {
		json_int_t id = json_integer_value(json_object_get(d, "id"));

		if (rc == CTL_OK && id > 0)
			rc = add_targets(g, id, *out);
	}
	json_decref(deps);
	return rc;
}
