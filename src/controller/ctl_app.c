/* ctl_app.c - Applications into gateway deployments, status back.
 * SPDX-License-Identifier: Apache-2.0
 * Level-based reconciliation (Kubernetes API conventions): each pass
 * compares what every gateway holds with the Application's spec and
 * changes only what differs; a finalizer removes the deployments
 * before the Application goes (Kubernetes "Finalizers").
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#define MOD "apps"

/* One gateway as seen in this pass. */
struct view {
	struct ctl_gw g;
	int ok;           /* token and deployment list read */
	json_t *deps;     /* its deployments (list form) */
};

/* The work on one Application in this pass. */
struct job {
	struct ctl *c;
	json_t *app;
	char gwapp[80];     /* its name on the gateways: NS.NAME */
	char version[40];
	unsigned char *mod; /* fetched module, once, when needed */
	size_t mod_len;
	int mod_tried;
	char msg[256];      /* first problem, for status.message */
	json_t *devs;       /* status.devices being built */
};

static const char *meta_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(o, "metadata"), key));
}

/* Opens every Gateway of the cache and reads its deployments. */
static struct view *views_open(struct ctl *c, size_t *n)
{
	json_t *gws = c->inf[CTL_INF_GW].cache, *gw;
	struct view *v = calloc(json_object_size(gws) + 1, sizeof(*v));
	const char *name;

	*n = 0;
	if (v == NULL)
		return NULL;
	json_object_foreach(gws, name, gw) {
		struct view *w = &v[(*n)++];

		w->ok = ctl_gw_open(c, gw, &w->g) == CTL_OK &&
			ctl_gw_deployments(&w->g, &w->deps) == CTL_OK;
	}
	return v;
}

static void views_free(struct view *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		ctl_gw_free(&v[i].g);
		json_decref(v[i].deps);
	}
	free(v);
}

/* The deployment of gwapp on w; removing ones only if live is 0. */
static json_t *find_dep(struct view *w, const char *gwapp, int live)
{
	json_t *d;
	size_t i;

	json_array_foreach(w->deps, i, d) {
		const char *a = json_string_value(json_object_get(d, "app"));
		const char *st = json_string_value(json_object_get(d,
								   "state"));

		if (a == NULL || strcmp(a, gwapp) != 0)
			continue;
		if (!live || st == NULL || strcmp(st, "removing") != 0)
			return d;
	}
	return NULL;
}

/* Replaces obj (an Application) by a PUT; stores the answer. */
static ctl_err app_put(struct ctl *c, json_t *obj)
{
	char path[1024];
	json_t *ans = NULL;
	ctl_err rc;

	ctl_kube_path(&c->kube, "applications", meta_str(obj, "name"),
		      NULL, path, sizeof(path));
	rc = ctl_kube_call(&c->kube, "PUT", path, obj, &ans);
	if (rc == CTL_OK)
		ctl_inf_store(&c->inf[CTL_INF_APP], ans);
	json_decref(ans);
	return rc;
}

/* Adds (add 1) or removes (add 0) our finalizer; CTL_OK if nothing
 * had to change. */
static ctl_err finalizer(struct ctl *c, json_t *app, int add)
{
	json_t *copy = json_deep_copy(app), *meta, *fin, *f, *keep;
	size_t i;
	int had = 0;
	ctl_err rc = CTL_OK;

	meta = json_object_get(copy, "metadata");
	fin = json_object_get(meta, "finalizers");
	keep = json_array();
	json_array_foreach(fin, i, f) {
		const char *s = json_string_value(f);

		if (s != NULL && strcmp(s, CTL_FINALIZER) == 0)
			had = 1;
		else
			json_array_append(keep, f);
	}
	if (add)
		json_array_append_new(keep, json_string(CTL_FINALIZER));
	json_object_set_new(meta, "finalizers", keep);
	/* Log from copy: the write replaces app in the cache. */
	if (had != add) {
		rc = app_put(c, copy);
		ctl_log(CTL_INFO, MOD, "%s: finalizer %s%s",
			meta_str(copy, "name"), add ? "added" : "removed",
			rc == CTL_OK ? "" : " failed");
	}
	json_decref(copy);
	return rc;
}

/* Device name -> gateway name of every target ("" when the Device
 * is unknown or has no gateway yet). */
static json_t *targets(struct ctl *c, json_t *spec)
{
	json_t *t = json_object_get(spec, "target"), *out = json_object();
	json_t *devs = c->inf[CTL_INF_DEV].cache, *d, *n;
	json_t *sel = json_object_get(t, "selector");
	const char *name;
	size_t i;

	json_array_foreach(json_object_get(t, "devices"), i, n) {
		const char *gw = json_string_value(json_object_get(
			json_object_get(json_object_get(devs,
				json_string_value(n)), "status"),
			"gateway"));

		if (json_is_string(n))
			json_object_set_new(out, json_string_value(n),
					    json_string(gw ? gw : ""));
	}
	json_object_foreach(devs, name, d) {
		const char *gw = json_string_value(json_object_get(
			json_object_get(d, "status"), "gateway"));

		if (json_is_object(sel) && gw != NULL &&
		    ctl_selector_match(sel, json_object_get(
			json_object_get(d, "metadata"), "labels")))
			json_object_set_new(out, name, json_string(gw));
	}
	return out;
}

/* The deployment body the spec asks for on one gateway. */
static json_t *desired(struct job *j, json_t *want)
{
	json_t *spec = json_object_get(j->app, "spec");
	json_t *lim = json_object_get(spec, "limits");
	json_t *mem = json_object_get(lim, "memoryBytes");
	json_t *fuel = json_object_get(lim, "fuel");
	json_t *as = json_object_get(spec, "autostart");

	return json_pack("{s:s,s:s,s:O,s:I,s:I,s:b}", "app", j->gwapp,
			 "version", j->version, "devices", want,
			 "memory_limit", mem ? json_integer_value(mem)
					     : (json_int_t)65536,
			 "fuel_limit", json_integer_value(fuel),
			 "autostart", as ? json_is_true(as) : 1);
}

/* 1 if deployment detail dep differs from body in anything we set. */
static int differs(json_t *dep, json_t *body)
{
	static const char *const keys[] = { "version", "memory_limit",
					    "fuel_limit", "autostart" };
	json_t *have = json_object(), *t, *d;
	size_t i;
	int diff = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		diff |= !json_equal(json_object_get(dep, keys[i]),
				    json_object_get(body, keys[i]));
	json_array_foreach(json_object_get(dep, "devices"), i, t) {
		const char *des = json_string_value(json_object_get(
			t, "desired"));
		const char *id = json_string_value(json_object_get(
			t, "device"));

		if (des != NULL && id != NULL && strcmp(des, "absent") != 0)
			json_object_set(have, id, t);
	}
	diff |= json_object_size(have) !=
		json_array_size(json_object_get(body, "devices"));
	json_array_foreach(json_object_get(body, "devices"), i, d)
		diff |= json_object_get(have, json_string_value(d)) == NULL;
	json_decref(have);
	return diff;
}

/* Adds one status.devices entry. */
static void dev_status(struct job *j, const char *dev, const char *gw,
		       const char *state, const char *msg)
{
	json_t *e = json_pack("{s:s,s:s}", "name", dev, "state", state);

	if (e == NULL)
		return;
	if (gw != NULL && gw[0])
		json_object_set_new(e, "gateway", json_string(gw));
	if (msg != NULL)
		json_object_set_new(e, "message", json_string(msg));
	json_array_append_new(j->devs, e);
}

/* Every device of want is pending on gateway gw, for reason msg. */
static void pending(struct job *j, const char *gw, json_t *want,
		    const char *msg)
{
	json_t *d;
	size_t i;

	json_array_foreach(want, i, d)
		dev_status(j, json_string_value(d), gw, "pending", msg);
}

/* The device states of deployment detail dep on gateway gw. */
static void report(struct job *j, const char *gw, json_t *dep)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(dep, "devices"), i, t) {
		const char *des = json_string_value(json_object_get(
			t, "desired"));
		const char *dev = json_string_value(json_object_get(
			t, "device"));
		const char *st = json_string_value(json_object_get(
			t, "state"));

		if (des != NULL && strcmp(des, "absent") == 0)
			continue;
		if (dev != NULL)
			dev_status(j, dev, gw, st ? st : "pending",
				   json_string_value(json_object_get(
					   t, "error")));
	}
}

/* Uploads the module unless the deployment already has its version,
 * then creates or patches the deployment; *out is its new form. */
static ctl_err push(struct job *j, struct view *w, json_int_t id,
		    json_t *body, json_t *detail, json_t **out)
{
	json_t *spec = json_object_get(j->app, "spec");
	ctl_err rc = CTL_OK;

	*out = NULL;
	if (id == 0 || !json_equal(json_object_get(detail, "version"),
				   json_object_get(body, "version"))) {
		if (!j->mod_tried) {
			j->mod_tried = 1;
			ctl_module_fetch(j->c, json_object_get(spec, "module"),
					 &j->mod, &j->mod_len, j->msg,
					 sizeof(j->msg));
		}
		if (j->mod == NULL)
			return CTL_E_INVALID;
		rc = ctl_gw_app_upload(&w->g, j->gwapp, j->version, j->mod,
				       j->mod_len);
	}
	if (rc == CTL_OK)
		rc = ctl_gw_deploy_put(&w->g, id, body, out);
	if (rc == CTL_OK)
		ctl_log(CTL_INFO, MOD, "%s: %s deployment on %s", j->gwapp,
			id ? "updated" : "created", w->g.name);
	else if (!j->msg[0])
		snprintf(j->msg, sizeof(j->msg), "gateway %s refused the"
			 " module or deployment (see controller log)",
			 w->g.name);
	return rc;
}

/* Drives gateway w to hold j's deployment on exactly want. */
static void on_gateway(struct job *j, struct view *w, json_t *want)
{
	json_t *dep = find_dep(w, j->gwapp, 1), *detail = NULL, *nd = NULL;
	json_t *body;
	json_int_t id = json_integer_value(json_object_get(dep, "id"));
	ctl_err rc = CTL_OK;

	if (json_array_size(want) == 0) {
		if (dep != NULL && w->ok)
			ctl_gw_deploy_delete(&w->g, id);
		return;
	}
	if (!w->ok) {
		pending(j, w->g.name, want, "gateway API does not answer");
		return;
	}
	body = desired(j, want);
	if (id != 0)
		rc = ctl_gw_deployment(&w->g, id, &detail);
	if (rc == CTL_OK && (id == 0 || differs(detail, body)) &&
	    (rc = push(j, w, id, body, detail, &nd)) == CTL_OK) {
		json_decref(detail);
		detail = nd;
	}
	if (rc == CTL_OK)
		report(j, w->g.name, detail);
	else
		pending(j, w->g.name, want, j->msg[0] ? j->msg
			: "gateway has no deployment API");
	json_decref(body);
	json_decref(detail);
}

/* Writes the Application's status from j->devs. */
static void app_status(struct job *j)
{
	json_int_t run = 0, bad = 0, inst = 0;
	json_t *e, *st;
	size_t i;

	json_array_foreach(j->devs, i, e) {
		const char *s = json_string_value(json_object_get(e,
								  "state"));

		run += strcmp(s, "running") == 0;
		inst += strcmp(s, "installed") == 0;
		bad += strcmp(s, "failed") == 0;
	}
	st = json_pack("{s:O?,s:s,s:O,s:{s:I,s:I,s:I,s:I,s:I}}",
		       "observedGeneration", json_object_get(json_object_get(
			       j->app, "metadata"), "generation"),
		       "version", j->version, "devices", j->devs, "summary",
		       "targeted", (json_int_t)json_array_size(j->devs),
		       "running", run, "installed", inst, "failed", bad,
		       "pending", (json_int_t)json_array_size(j->devs) - run
				  - inst - bad);
	if (st != NULL && j->msg[0])
		json_object_set_new(st, "message", json_string(j->msg));
	if (st != NULL)
		ctl_status_put(j->c, CTL_INF_APP, j->app, st);
}

/* Names the application on the gateways and picks its version: the
 * spec's, or one made from the module's SHA-256. */
static int job_init(struct job *j, struct ctl *c, json_t *app)
{
	json_t *spec = json_object_get(app, "spec");
	const char *ver = json_string_value(json_object_get(spec,
							    "version"));
	const char *sha = json_string_value(json_object_get(
		json_object_get(spec, "module"), "sha256"));
	int n;

	memset(j, 0, sizeof(*j));
	j->c = c;
	j->app = app;
	n = snprintf(j->gwapp, sizeof(j->gwapp), "%s.%s", c->kube.ns,
		     meta_str(app, "name"));
	if (ver != NULL)
		snprintf(j->version, sizeof(j->version), "%s", ver);
	else
		snprintf(j->version, sizeof(j->version), "sha-%.16s",
			 sha ? sha : "");
	j->devs = json_array();
	return n > 0 && n <= 64 && j->devs != NULL;
}

/* Finalizer step: removes the deployments and application versions
 * from every gateway; drops the finalizer once all are gone. */
static void app_finalize(struct ctl *c, struct view *v, size_t n,
			 json_t *app)
{
	struct job j;
	json_t *dep;
	size_t i;
	int done = 1, named = job_init(&j, c, app);

	/* A name too long for the gateways was never deployed. */
	for (i = 0; named && i < n; i++) {
		const char *st;

		if (!v[i].ok) {
			done = 0;
			continue;
		}
		dep = find_dep(&v[i], j.gwapp, 0);
		st = json_string_value(json_object_get(dep, "state"));
		if (dep != NULL && (st == NULL || strcmp(st, "removing")))
			ctl_gw_deploy_delete(&v[i].g, json_integer_value(
				json_object_get(dep, "id")));
		if (dep != NULL ||
		    ctl_gw_app_delete(&v[i].g, j.gwapp) != CTL_OK)
			done = 0;
	}
	json_decref(j.devs);
	if (done)
		finalizer(c, app, 0);
	else
		ctl_log(CTL_DEBUG, MOD, "%s: still removing", j.gwapp);
}

/* One pass over one Application that is not being deleted. */
static void app_sync(struct ctl *c, struct view *v, size_t n,
		     json_t *app)
{
	struct job j;
	json_t *tgt, *want, *gw;
	const char *dev;
	size_t i;

	if (!job_init(&j, c, app)) {
		snprintf(j.msg, sizeof(j.msg), "namespace.name must be at"
			 " most 64 characters for the gateways");
		goto out;
	}
	tgt = targets(c, json_object_get(app, "spec"));
	for (i = 0; i < n; i++) {
		want = json_array();
		json_object_foreach(tgt, dev, gw)
			if (strcmp(json_string_value(gw), v[i].g.name) == 0)
				json_array_append_new(want, json_string(dev));
		on_gateway(&j, &v[i], want);
		json_decref(want);
	}
	json_object_foreach(tgt, dev, gw)
		if (json_string_value(gw)[0] == '\0')
			dev_status(&j, dev, NULL, "pending", "no such Device,"
				   " or its gateway is not known yet");
	json_decref(tgt);
out:
	app_status(&j);
	json_decref(j.devs);
	free(j.mod);
}

void ctl_apps_sync(struct ctl *c)
{
	json_t *keep = json_deep_copy(c->inf[CTL_INF_APP].cache), *app;
	struct view *v = NULL;
	const char *name;
	size_t n = 0;

	if (json_object_size(keep) > 0)
		v = views_open(c, &n);
	/* A copy: writes replace cache entries while we iterate. */
	json_object_foreach(keep, name, app) {
		app = json_object_get(c->inf[CTL_INF_APP].cache, name);
		if (app == NULL || v == NULL)
			continue;
		if (meta_str(app, "deletionTimestamp") != NULL) {
			app_finalize(c, v, n, app);
			continue;
		}
		if (finalizer(c, app, 1) != CTL_OK)
			continue;
		app = json_object_get(c->inf[CTL_INF_APP].cache, name);
		if (app != NULL)
			app_sync(c, v, n, app);
	}
	views_free(v, n);
	json_decref(keep);
}
