/* cli_apps.c - wasmbed apps, deploy, undeploy, start, stop and logs.
 * SPDX-License-Identifier: Apache-2.0
 * Routes of the gateway's API (docs/api.md): /api/v1/apps and
 * /api/v1/deployments.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_MODULE (4L * 1024 * 1024)

static cli_err gw_req(struct cli *c, const char *method, const char *path,
		      json_t *body, json_t **out)
{
	struct cli_req r = { c->url, method, path, body, NULL, 0, NULL, 0 };

	return cli_call(c, &r, out);
}

/* Reads the whole file at path; caller frees *buf. */
static cli_err read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n = -1;
	cli_err rc = CLI_EFAIL;

	*buf = NULL;
	if (f == NULL)
		return cli_fail(CLI_EUSAGE, "build one with clang"
				" --target=wasm32-wasi (README.md)",
				"cannot read %s", path);
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n <= 8 || n > MAX_MODULE) {
		rc = cli_fail(CLI_EUSAGE, NULL, "%s: %ld bytes is not a module"
			      " size this CLI sends (9 B to 4 MB)", path, n);
		goto out;
	}
	rewind(f);
	*buf = malloc((size_t)n);
	if (*buf == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	*len = (size_t)n;
	rc = memcmp(*buf, "\0asm", 4) == 0 ? CLI_OK
	     : cli_fail(CLI_EUSAGE, "is it a .wasm built for wasm32-wasi?",
			"%s is not a WebAssembly module", path);
out:
	if (rc != CLI_OK) {
		free(*buf);
		*buf = NULL;
	}
	fclose(f);
	return rc;
}

static cli_err apps_upload(struct cli *c, const char *file,
			   const char *name, const char *version)
{
	char *mod = NULL, *en = NULL, *ev = NULL, path[512], label[300];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 0;
	json_t *j = NULL;
	cli_err rc;

	if (name == NULL)
		return cli_fail(CLI_EUSAGE, "see `wasmbed apps --help`",
				"apps upload: --name NAME is required");
	rc = read_file(file, &mod, &len);
	if (rc != CLI_OK)
		return rc;
	if (version == NULL) {
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d.%H%M%S", &tm);
		version = stamp;
	}
	en = cli_escape(name);
	ev = cli_escape(version);
	snprintf(path, sizeof(path), "/api/v1/apps?name=%s&version=%s", en,
		 ev);
	snprintf(label, sizeof(label), "uploading %s", file);
	{
		struct cli_req r = { c->url, "POST", path, NULL, mod, len,
				     label, 0 };

		rc = cli_call(c, &r, &j);
	}
	if (rc == CLI_OK && c->json)
		cli_print_json(j);
	else if (rc == CLI_OK)
		printf("uploaded %s version %s (%zu bytes, sha256 %.16s...)\n"
		       "next: wasmbed deploy %s:%s --all\n", name, version, len,
		       json_string_value(json_object_get(j, "sha256"))
		       ? json_string_value(json_object_get(j, "sha256")) : "",
		       name, version);
	json_decref(j);
	free(en);
	free(ev);
	free(mod);
	return rc;
}

static void apps_table(json_t *apps)
{
	static const char *const heads[] = { "NAME", "VERSION", "SIZE",
					     "SHA256", "UPLOADED" };
	json_t *rows = json_array(), *a;
	char b[4][80], t[32];
	size_t i;

	json_array_foreach(apps, i, a)
		json_array_append_new(rows, json_pack("[sssss]",
			cli_str(json_object_get(a, "name"), b[0], 80),
			cli_str(json_object_get(a, "version"), b[1], 80),
			cli_str(json_object_get(a, "size"), b[2], 80),
			cli_str(json_object_get(a, "sha256"), b[3], 80),
			cli_time(json_object_get(a, "uploaded_at"), t, 32)));
	if (json_array_size(apps) == 0)
		printf("no applications yet: wasmbed apps upload FILE.wasm"
		       " --name NAME\n");
	else
		cli_table(heads, 5, rows);
	json_decref(rows);
}

/* Deletes every version of app listed in versions. */
static cli_err delete_all(struct cli *c, const char *app, json_t *vers)
{
	char path[512], *e = cli_escape(app), *v;
	json_t *x, *j = NULL;
	size_t i;
	cli_err rc = CLI_OK;

	json_array_foreach(vers, i, x) {
		v = cli_escape(json_string_value(json_object_get(x,
								 "version")));
		snprintf(path, sizeof(path), "/api/v1/apps/%s/%s", e, v);
		free(v);
		if (rc == CLI_OK)
			rc = gw_req(c, "DELETE", path, NULL, &j);
		json_decref(j);
		j = NULL;
	}
	free(e);
	return rc;
}

/* apps get|delete NAME[:VERSION]; delete without a version deletes
 * every version. */
static cli_err app_one(struct cli *c, const char *sub, const char *ref)
{
	const char *colon = strchr(ref, ':');
	char name[128], path[512], *en, *ev = NULL;
	json_t *j = NULL;
	int del = !strcmp(sub, "delete");
	cli_err rc;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - ref)
		 : (int)strlen(ref), ref);
	en = cli_escape(name);
	ev = colon ? cli_escape(colon + 1) : NULL;
	snprintf(path, sizeof(path), "/api/v1/apps/%s%s%s", en,
		 ev ? "/" : "", ev ? ev : "");
	rc = gw_req(c, del && ev ? "DELETE" : "GET", path, NULL, &j);
	if (rc == CLI_OK && del && ev == NULL)
		rc = delete_all(c, name, json_object_get(j, "versions"));
	if (rc == CLI_OK && c->json)
		cli_print_json(j);
	else if (rc == CLI_OK && del)
		printf("application %s deleted\n", ref);
	else if (rc == CLI_OK && json_object_get(j, "versions"))
		apps_table(json_object_get(j, "versions"));
	else if (rc == CLI_OK) {
		json_t *one = json_pack("[O]", j);

		apps_table(one);
		json_decref(one);
	}
	free(en);
	free(ev);
	json_decref(j);
	return rc;
}

cli_err cli_apps(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed apps upload FILE.wasm --name NAME"
		" [--version V]\n"
		"       wasmbed apps [list]\n"
		"       wasmbed apps get|delete NAME[:VERSION]\n\n"
		"The gateway validates a module before it accepts it. The\n"
		"version defaults to the upload time (YYYYmmdd.HHMMSS).\n"
		"delete without a version deletes every version.\n";
	const char *name = NULL, *version = NULL;
	struct cli_opt opts[] = { { "name", 0, &name, NULL, NULL },
				  { "version", 0, &version, NULL, NULL },
				  { NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	json_t *j = NULL;
	cli_err rc = cli_parse(c, argc, argv, opts, &a, use);
	const char *sub = a.npos > 0 ? a.pos[0] : "list";

	if (rc != CLI_OK)
		return rc;
	if (!strcmp(sub, "upload") && a.npos == 2)
		return apps_upload(c, a.pos[1], name, version);
	if (!strcmp(sub, "list") && a.npos <= 1) {
		rc = gw_req(c, "GET", "/api/v1/apps", NULL, &j);
		if (rc == CLI_OK && c->json)
			cli_print_json(j);
		else if (rc == CLI_OK)
			apps_table(json_object_get(j, "apps"));
	} else if ((!strcmp(sub, "get") || !strcmp(sub, "delete")) &&
		   a.npos == 2) {
		rc = app_one(c, sub, a.pos[1]);
	} else {
		rc = cli_fail(CLI_EUSAGE, "see `wasmbed apps --help`",
			      "apps: expected upload FILE --name NAME, list,"
			      " get NAME or delete NAME");
	}
	json_decref(j);
	return rc;
}

/* ---- deploy ---- */

/* Resolves --to refs (or --all: every unrevoked device) into ids. */
static cli_err target_ids(struct cli *c, json_t *refs, int all,
			  json_t *ids)
{
	json_t *v, *j = NULL;
	char id[128];
	size_t i;
	cli_err rc = CLI_OK;

	if (all == (json_array_size(refs) > 0))
		return cli_fail(CLI_EUSAGE, "name devices with --to DEVICE"
				" (repeatable) or pick every one with --all",
				"give either --to DEVICE... or --all");
	if (all) {
		rc = gw_req(c, "GET", "/api/v1/devices", NULL, &j);
		json_array_foreach(json_object_get(j, "devices"), i, v)
			if (!json_is_true(json_object_get(v, "revoked")))
				json_array_append(ids,
						  json_object_get(v, "id"));
		json_decref(j);
		return rc;
	}
	json_array_foreach(refs, i, v) {
		rc = cli_device_id(c, json_string_value(v), id, sizeof(id));
		if (rc != CLI_OK)
			return rc;
		json_array_append_new(ids, json_string(id));
	}
	return rc;
}

cli_err cli_find_deployment(struct cli *c, const char *app, json_t **dep)
{
	json_t *j = NULL, *d;
	size_t i;
	char path[128];
	cli_err rc = gw_req(c, "GET", "/api/v1/deployments", NULL, &j);

	*dep = NULL;
	json_array_foreach(json_object_get(j, "deployments"), i, d) {
		const char *a = json_string_value(json_object_get(d, "app"));
		const char *st = json_string_value(json_object_get(d, "state"));

		if (a && !strcmp(a, app) && !(st && !strcmp(st, "removing"))) {
			snprintf(path, sizeof(path), "/api/v1/deployments/%lld",
				 (long long)json_integer_value(
					 json_object_get(d, "id")));
			break;
		}
	}
	if (rc == CLI_OK && i < json_array_size(json_object_get(j,
						"deployments")))
		rc = gw_req(c, "GET", path, NULL, dep);
	json_decref(j);
	return rc;
}

/* The newest uploaded version of app into ver. */
static cli_err newest_version(struct cli *c, const char *app, char *ver,
			      size_t cap)
{
	char path[256], *e = cli_escape(app);
	json_t *j = NULL, *vs;
	cli_err rc;

	snprintf(path, sizeof(path), "/api/v1/apps/%s", e);
	free(e);
	rc = gw_req(c, "GET", path, NULL, &j);
	vs = json_object_get(j, "versions");
	if (rc == CLI_OK && json_array_size(vs) == 0)
		rc = cli_fail(CLI_ENOTFOUND, "upload it with `wasmbed apps"
			      " upload FILE.wasm --name NAME`",
			      "application %s has no version", app);
	if (rc == CLI_OK)
		snprintf(ver, cap, "%s", json_string_value(json_object_get(
			json_array_get(vs, json_array_size(vs) - 1),
			"version")));
	json_decref(j);
	return rc;
}

/* Whether a target reached its desired state (or failed). An app
 * meant to run that is installed has either not started yet or run to
 * its end (hello does): both count as delivered. */
static int settled(json_t *t)
{
	const char *s = json_string_value(json_object_get(t, "state"));
	const char *d = json_string_value(json_object_get(t, "desired"));

	if (s == NULL || d == NULL)
		return 0;
	return !strcmp(s, "failed") || !strcmp(s, d) ||
	       (!strcmp(d, "running") && !strcmp(s, "installed"));
}

/* Counts targets; returns how many have not settled. */
static size_t tally(json_t *devs, size_t *ok, size_t *failed)
{
	size_t i, wait = 0;
	json_t *t;

	*ok = *failed = 0;
	json_array_foreach(devs, i, t) {
		const char *s = json_string_value(json_object_get(t, "state"));

		if (s && !strcmp(s, "failed"))
			(*failed)++;
		else if (settled(t))
			(*ok)++;
		else
			wait++;
	}
	return wait;
}

static void print_failures(json_t *devs)
{
	size_t i;
	json_t *t;
	char b[256];

	json_array_foreach(devs, i, t) {
		const char *s = json_string_value(json_object_get(t, "state"));

		if (s && !strcmp(s, "failed"))
			fprintf(stderr, "  %s failed: %s\n",
				json_string_value(json_object_get(t, "device")),
				cli_str(json_object_get(t, "error"), b,
					sizeof(b)));
	}
}

/* Polls deployment id until every target settled or timeout_s passed,
 * drawing a progress line. *last is the final answer (caller owns). */
static cli_err watch(struct cli *c, long long id, const char *label,
		     long timeout_s, json_t **last)
{
	char path[128];
	time_t end = time(NULL) + timeout_s;
	size_t ok = 0, failed = 0, wait = 1, n;
	cli_err rc = CLI_OK;

	snprintf(path, sizeof(path), "/api/v1/deployments/%lld", id);
	while (rc == CLI_OK && wait > 0 && time(NULL) <= end) {
		json_decref(*last);
		*last = NULL;
		rc = gw_req(c, "GET", path, NULL, last);
		n = json_array_size(json_object_get(*last, "devices"));
		wait = tally(json_object_get(*last, "devices"), &ok, &failed);
		if (rc == CLI_OK && cli_is_tty() && !c->json)
			fprintf(stderr, "\r%s: %zu/%zu devices done, %zu"
				" failed, %zu pending ", label, ok, n, failed,
				wait);
		if (rc == CLI_OK && wait > 0)
			usleep(300000);
	}
	if (cli_is_tty() && !c->json)
		fputc('\n', stderr);
	if (rc == CLI_OK && wait > 0)
		rc = cli_fail(CLI_EFAIL, "the gateway goes on when they"
			      " connect; watch with `wasmbed status`",
			      "%zu device(s) did not finish within %ld s",
			      wait, timeout_s);
	if (rc == CLI_OK && failed > 0) {
		print_failures(json_object_get(*last, "devices"));
		rc = cli_fail(CLI_EFAIL, "read the device's output with"
			      " `wasmbed logs DEVICE`", "%zu device(s) failed",
			      failed);
	}
	return rc;
}

struct deploy_opts {
	const char *mem, *fuel, *timeout;
	int all, no_wait, no_start;
	json_t *to;
};

/* Body of a new deployment, or of a PATCH of the existing one old
 * (its devices kept, the new ones added). */
static json_t *deploy_body(const char *app, const char *ver,
			   const struct deploy_opts *o, json_t *ids,
			   json_t *old, cli_err *rc)
{
	long long mem = o->mem ? cli_parse_size(o->mem) : 0;
	long long fuel = o->fuel ? strtoll(o->fuel, NULL, 10) : -1;
	json_t *b, *devs = json_array(), *v;
	size_t i;

	if (mem < 0 || (o->fuel && fuel < 0)) {
		json_decref(devs);
		*rc = cli_fail(CLI_EUSAGE, "e.g. --memory 64k --fuel 100000",
			       "bad --memory or --fuel");
		return NULL;
	}
	json_array_foreach(json_object_get(old, "devices"), i, v) {
		const char *d = json_string_value(json_object_get(v,
								  "desired"));

		if (d == NULL || strcmp(d, "absent") != 0)
			json_array_append(devs, json_object_get(v, "device"));
	}
	json_array_foreach(ids, i, v) {
		size_t k;
		json_t *w;
		int dup = 0;

		json_array_foreach(devs, k, w)
			dup |= json_equal(v, w);
		if (!dup)
			json_array_append(devs, v);
	}
	b = json_pack("{s:s,s:s,s:o,s:b}", "app", app, "version", ver,
		      "devices", devs, "autostart", !o->no_start);
	if (mem > 0)
		json_object_set_new(b, "memory_limit", json_integer(mem));
	if (fuel >= 0)
		json_object_set_new(b, "fuel_limit", json_integer(fuel));
	return b;
}

/* Creates the deployment, or changes the app's existing one. */
static cli_err send_deploy(struct cli *c, const char *ref,
			   const struct deploy_opts *o, json_t *ids,
			   json_t **out)
{
	char app[128], ver[64], path[128];
	const char *colon = strchr(ref, ':');
	json_t *old = NULL, *body = NULL;
	cli_err rc = CLI_OK;

	snprintf(app, sizeof(app), "%.*s", colon ? (int)(colon - ref)
		 : (int)strlen(ref), ref);
	if (colon != NULL)
		snprintf(ver, sizeof(ver), "%s", colon + 1);
	else
		rc = newest_version(c, app, ver, sizeof(ver));
	if (rc == CLI_OK)
		rc = cli_find_deployment(c, app, &old);
	if (rc == CLI_OK)
		body = deploy_body(app, ver, o, ids, old, &rc);
	if (rc == CLI_OK && old == NULL)
		rc = gw_req(c, "POST", "/api/v1/deployments", body, out);
	snprintf(path, sizeof(path), "/api/v1/deployments/%lld",
		 (long long)json_integer_value(json_object_get(old, "id")));
	if (rc == CLI_OK && old != NULL) {
		json_object_del(body, "app");
		rc = gw_req(c, "PATCH", path, body, out);
	}
	json_decref(old);
	json_decref(body);
	return rc;
}

static int all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

cli_err cli_deploy(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed deploy APP[:VERSION] --to DEVICE...|--all\n"
		"                      [--memory SIZE] [--fuel N]"
		" [--no-start]\n"
		"                      [--no-wait] [--timeout DURATION]\n\n"
		"Installs the application (its newest version unless given)"
		" and\nstarts it, then waits until every device has it"
		" (default 2m).\nAn app already deployed is updated: the new"
		" version goes to its\ndevices and to the ones named."
		" --memory caps its linear memory\n(64k, 1M), --fuel what it"
		" may run between two sleeps (0: none).\n";
	struct deploy_opts o = { NULL, NULL, NULL, 0, 0, 0, json_array() };
	struct cli_opt opts[] = {
		{ "to", 0, NULL, NULL, o.to }, { "all", 0, NULL, &o.all, NULL },
		{ "memory", 0, &o.mem, NULL, NULL },
		{ "fuel", 0, &o.fuel, NULL, NULL },
		{ "no-wait", 0, NULL, &o.no_wait, NULL },
		{ "no-start", 0, NULL, &o.no_start, NULL },
		{ "timeout", 0, &o.timeout, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	json_t *ids = json_array(), *j = NULL, *last = NULL;
	long tmo;
	long long id;
	cli_err rc = cli_parse(c, argc, argv, opts, &a, use);

	if (rc == CLI_OK && a.npos != 1)
		rc = cli_fail(CLI_EUSAGE, "see `wasmbed deploy --help`",
			      "deploy: name one application");
	if (rc == CLI_OK && strchr(a.pos[0], '/') != NULL)
		rc = cli_fail(CLI_EUSAGE, "upload it first: `wasmbed apps"
			      " upload FILE.wasm --name NAME`, then deploy"
			      " NAME", "deploy: '%s' looks like a file; APP is"
			      " the name of an uploaded application",
			      a.pos[0]);
	tmo = o.timeout ? cli_parse_duration(o.timeout) : 120;
	if (rc == CLI_OK && tmo < 0)
		rc = cli_fail(CLI_EUSAGE, "e.g. --timeout 5m", "bad --timeout");
	if (rc == CLI_OK && ((o.mem && cli_parse_size(o.mem) < 0) ||
			     (o.fuel && !all_digits(o.fuel))))
		rc = cli_fail(CLI_EUSAGE, "e.g. --memory 64k --fuel 100000",
			      "bad --memory or --fuel");
	if (rc == CLI_OK)
		rc = target_ids(c, o.to, o.all, ids);
	if (rc == CLI_OK && json_array_size(ids) == 0)
		rc = cli_fail(CLI_EFAIL, "open pairing and start a device"
			      " first (README.md)", "no device to deploy to");
	if (rc == CLI_OK)
		rc = send_deploy(c, a.pos[0], &o, ids, &j);
	if (rc != CLI_OK)
		goto out;
	id = json_integer_value(json_object_get(j, "id"));
	if (!o.no_wait)
		rc = watch(c, id, a.pos[0], tmo, &last);
	if (c->json)
		cli_print_json(last ? last : j);
	else if (rc == CLI_OK)
		printf("deployment %lld: %s %s on %zu device(s)\nnext: wasmbed"
		       " logs DEVICE -f\n", id, json_string_value(
			       json_object_get(j, "app")), json_string_value(
			       json_object_get(j, "version")),
		       json_array_size(json_object_get(j, "devices")));
out:
	json_decref(o.to);
	json_decref(ids);
	json_decref(j);
	json_decref(last);
	return rc;
}

/* The devices of dep that are not in ids (for undeploy --to). */
static json_t *devices_but(json_t *dep, json_t *ids)
{
	json_t *keep = json_array(), *t, *v;
	size_t i, k;

	json_array_foreach(json_object_get(dep, "devices"), i, t) {
		const char *d = json_string_value(json_object_get(t,
								  "desired"));
		int drop = d != NULL && strcmp(d, "absent") == 0;

		json_array_foreach(ids, k, v)
			drop |= json_equal(v, json_object_get(t, "device"));
		if (!drop)
			json_array_append(keep, json_object_get(t, "device"));
	}
	return keep;
}

/* undeploy (--all: delete the deployment; --to: take devices out of
 * it), start and stop (autostart on or off, every device). */
static cli_err change(struct cli *c, const char *verb, const char *app,
		      json_t *to, int all)
{
	json_t *dep = NULL, *ids = json_array(), *body = NULL, *j = NULL;
	char path[128];
	cli_err rc = cli_find_deployment(c, app, &dep);

	if (rc == CLI_OK && dep == NULL)
		rc = cli_fail(CLI_ENOTFOUND, "see `wasmbed status`",
			      "application %s is not deployed", app);
	if (rc != CLI_OK)
		goto out;
	snprintf(path, sizeof(path), "/api/v1/deployments/%lld",
		 (long long)json_integer_value(json_object_get(dep, "id")));
	if (strcmp(verb, "undeploy") == 0 && !all) {
		rc = target_ids(c, to, 0, ids);
		body = json_pack("{s:o}", "devices", devices_but(dep, ids));
	} else if (strcmp(verb, "undeploy") != 0) {
		body = json_pack("{s:b}", "autostart",
				 strcmp(verb, "start") == 0);
	}
	if (rc == CLI_OK && (body == NULL || json_array_size(
		    json_object_get(body, "devices")) == 0) &&
	    strcmp(verb, "undeploy") == 0)
		rc = gw_req(c, "DELETE", path, NULL, &j);
	else if (rc == CLI_OK)
		rc = gw_req(c, "PATCH", path, body, &j);
	if (rc == CLI_OK && c->json)
		cli_print_json(j);
	else if (rc == CLI_OK)
		printf("%s %s: asked of the devices (deployment %s); see"
		       " `wasmbed status`\n", verb, app,
		       cli_str(json_object_get(dep, "id"), path, 64));
out:
	json_decref(dep);
	json_decref(ids);
	json_decref(body);
	json_decref(j);
	return rc;
}

static cli_err per_app(struct cli *c, int argc, char **argv,
		       const char *verb, const char *use)
{
	int all = 0;
	json_t *to = json_array();
	struct cli_opt opts[] = { { "to", 0, NULL, NULL, to },
				  { "all", 0, NULL, &all, NULL },
				  { NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	cli_err rc = cli_parse(c, argc, argv, opts, &a, use);

	if (rc == CLI_OK && a.npos != 1)
		rc = cli_fail(CLI_EUSAGE, use, "%s: name one application",
			      verb);
	if (rc == CLI_OK && !strcmp(verb, "undeploy") &&
	    all == (json_array_size(to) > 0))
		rc = cli_fail(CLI_EUSAGE, use, "undeploy: give either --to"
			      " DEVICE... or --all");
	if (rc == CLI_OK && strcmp(verb, "undeploy") &&
	    json_array_size(to) > 0)
		rc = cli_fail(CLI_EUSAGE, use, "%s applies to every device"
			      " of the deployment; no --to", verb);
	if (rc == CLI_OK)
		rc = change(c, verb, a.pos[0], to, all);
	json_decref(to);
	return rc;
}

cli_err cli_undeploy(struct cli *c, int argc, char **argv)
{
	return per_app(c, argc, argv, "undeploy",
		       "usage: wasmbed undeploy APP --to DEVICE...|--all\n"
		       "\nRemoves the application from the devices named,"
		       " or from all.\n");
}

cli_err cli_start(struct cli *c, int argc, char **argv)
{
	return per_app(c, argc, argv, "start",
		       "usage: wasmbed start APP\n\nStarts the deployed"
		       " application again on every device of\nits"
		       " deployment.\n");
}

cli_err cli_stop(struct cli *c, int argc, char **argv)
{
	return per_app(c, argc, argv, "stop",
		       "usage: wasmbed stop APP\n\nStops the application on"
		       " every device of its deployment; it\nstays"
		       " installed (`wasmbed start APP` runs it again).\n");
}
