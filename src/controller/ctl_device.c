/* ctl_device.c - Device resources and Gateway status from the gateways.
 * SPDX-License-Identifier: Apache-2.0
 * Writes through the status subresource (Kubernetes API conventions,
 * "Spec and Status"), and only when what it would write differs.
 */
#include "ctl.h"

#include <string.h>

#define MOD "devices"

ctl_err ctl_status_put(struct ctl *c, int which, json_t *obj,
		       json_t *status)
{
	struct ctl_inf *inf = &c->inf[which];
	const char *name = json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "name"));
	json_t *copy, *ans = NULL;
	char path[1024];
	ctl_err rc;

	if (json_equal(json_object_get(obj, "status"), status)) {
		json_decref(status);
		return CTL_OK;
	}
	copy = json_deep_copy(obj);
	if (copy == NULL || name == NULL) {
		json_decref(status);
		json_decref(copy);
		return CTL_E_NOMEM;
	}
	/* The copy keeps name alive when the cache drops obj. */
	name = json_string_value(json_object_get(
		json_object_get(copy, "metadata"), "name"));
	json_object_set_new(copy, "status", status);
	ctl_kube_path(&c->kube, inf->plural, name, "status", path,
		      sizeof(path));
	rc = ctl_kube_call(&c->kube, "PUT", path, copy, &ans);
	if (rc == CTL_OK) {
		ctl_inf_store(inf, ans);
		ctl_log(CTL_INFO, MOD, "%s %s: status written", inf->plural,
			name);
	}
	json_decref(ans);
	json_decref(copy);
	return rc;
}

/* The Device phase of a gateway device object. */
static const char *phase(json_t *d)
{
	static const char *const map[][2] = {
		{ "enrolled", "Enrolled" }, { "connected", "Connected" },
		{ "disconnected", "Disconnected" },
		{ "unreachable", "Unreachable" },
	};
	const char *st = json_string_value(json_object_get(d, "state"));
	size_t i;

	if (json_is_true(json_object_get(d, "revoked")))
		return "Revoked";
	for (i = 0; st != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(st, map[i][0]) == 0)
			return map[i][1];
	return "Unknown";
}

/* Copies string or integer member key of from into to as tokey. */
static void copy_field(json_t *to, const char *tokey, json_t *from,
		       const char *key)
{
	json_t *v = json_object_get(from, key);

	if (json_is_string(v) || json_is_integer(v))
		json_object_set(to, tokey, v);
}

/* The status a Device should have, from the gateway's device object;
 * heartbeat figures (uptime, free memory) are left out on purpose. */
static json_t *device_status(const char *gw, json_t *d, json_t *apps)
{
	json_t *st = json_pack("{s:s,s:s}", "phase", phase(d), "gateway",
			       gw);
	json_int_t seen = json_integer_value(json_object_get(d,
							     "last_seen"));
	char when[40];

	if (st == NULL)
		return NULL;
	if (seen > 0) {
		ctl_rfc3339((uint64_t)seen, 0, when);
		json_object_set_new(st, "lastSeen", json_string(when));
	}
	copy_field(st, "board", d, "board");
	copy_field(st, "firmware", d, "firmware");
	if (json_is_array(apps))
		json_object_set(st, "applications", apps);
	return st;
}

/* Creates Device id labelled with its gateway; stores it in cache. */
static json_t *device_create(struct ctl *c, const char *gw,
			     const char *id)
{
	char path[1024];
	json_t *ans = NULL, *obj = json_pack(
		"{s:s,s:s,s:{s:s,s:{s:s}},s:{s:s}}", "apiVersion",
		CTL_GROUP "/" CTL_VERSION, "kind", "Device", "metadata",
		"name", id, "labels", "wasmbed.io/gateway", gw, "spec",
		"gateway", gw);

	ctl_kube_path(&c->kube, "devices", NULL, NULL, path, sizeof(path));
	if (ctl_kube_call(&c->kube, "POST", path, obj, &ans) == CTL_OK) {
		ctl_log(CTL_INFO, MOD, "created Device %s (gateway %s)", id,
			gw);
		ctl_inf_store(&c->inf[CTL_INF_DEV], ans);
	}
	json_decref(obj);
	json_decref(ans);
	return json_object_get(c->inf[CTL_INF_DEV].cache, id);
}

/* Mirrors one gateway device; apps maps device ids to application
 * states, NULL when unknown (the last known ones are kept). Returns 1
 * if the device is connected. */
static int device_sync(struct ctl *c, const char *gw, json_t *d,
		       json_t *apps)
{
	json_t *mine;
	const char *id = json_string_value(json_object_get(d, "id"));
	json_t *obj;

	if (id == NULL)
		return 0;
	obj = json_object_get(c->inf[CTL_INF_DEV].cache, id);
	if (obj == NULL)
		obj = device_create(c, gw, id);
	if (obj == NULL)
		return 0;
	mine = apps ? json_object_get(apps, id)
		    : json_object_get(json_object_get(obj, "status"),
				      "applications");
	ctl_status_put(c, CTL_INF_DEV, obj, device_status(gw, d, mine));
	return strcmp(phase(d), "Connected") == 0;
}

/* Polls one gateway and writes what changed. */
static void gateway_sync(struct ctl *c, json_t *gwobj)
{
	struct ctl_gw g;
	json_t *devs = NULL, *apps = NULL, *d, *st;
	const char *msg = "ready";
	size_t i;
	int up = 0;
	ctl_err rc = ctl_gw_open(c, gwobj, &g);

	/* The API server failing us says nothing about the gateway. */
	if (rc == CTL_E_NET || rc == CTL_E_HTTP || rc == CTL_E_NOMEM) {
		ctl_gw_free(&g);
		return;
	}
	if (rc != CTL_OK)
		msg = "no API token: check spec.tokenSecretRef";
	else if ((rc = ctl_gw_devices(&g, &devs)) != CTL_OK)
		msg = rc == CTL_E_NET ? "gateway API does not answer"
				      : "gateway API refused the request";
	if (rc == CTL_OK && ctl_gw_device_apps(&g, &apps) != CTL_OK) {
		json_decref(apps);
		apps = NULL;
	}
	json_array_foreach(devs, i, d)
		up += device_sync(c, g.name, d, apps);
	st = json_pack("{s:b,s:i,s:i,s:s}", "ready", rc == CTL_OK,
		       "devicesConnected", up, "devices",
		       (int)json_array_size(devs), "message", msg);
	if (st != NULL)
		ctl_status_put(c, CTL_INF_GW, gwobj, st);
	json_decref(devs);
	json_decref(apps);
	ctl_gw_free(&g);
}

void ctl_devices_sync(struct ctl *c)
{
	const char *name;
	json_t *gw, *keep = json_deep_copy(c->inf[CTL_INF_GW].cache);

	/* A copy: status writes replace cache entries while we iterate. */
	json_object_foreach(keep, name, gw)
		gateway_sync(c, json_object_get(c->inf[CTL_INF_GW].cache,
						name));
	json_decref(keep);
}
