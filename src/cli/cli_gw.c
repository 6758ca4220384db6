/* cli_gw.c - wasmbed status, devices, pairing and tokens.
 * SPDX-License-Identifier: Apache-2.0
 * Routes: docs/gateway.md (HTTP API) and docs/api.md.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* GET path on the gateway into *out. */
static cli_err gw_get(struct cli *c, const char *path, int quiet,
		      json_t **out)
{
	struct cli_req r = { c->url, "GET", path, NULL, NULL, 0, NULL,
			     quiet };

	return cli_call(c, &r, out);
}

static cli_err gw_send(struct cli *c, const char *method,
		       const char *path, json_t *body, json_t **out)
{
	struct cli_req r = { c->url, method, path, body, NULL, 0, NULL, 0 };

	return cli_call(c, &r, out);
}

/* Prints j as JSON when asked to; returns whether it did. */
static int json_out(struct cli *c, json_t *j)
{
	if (c->json)
		cli_print_json(j ? j : json_null());
	return c->json;
}

static const char *dev_state(json_t *d)
{
	if (json_is_true(json_object_get(d, "revoked")))
		return "revoked";
	return json_string_value(json_object_get(d, "state"));
}

/* ---- status ---- */

/* "N: A connected, B unreachable" for the devices array. */
static void count_states(json_t *devs, char *buf, size_t cap)
{
	const char *states[] = { "connected", "enrolled", "disconnected",
				 "unreachable", "revoked" };
	size_t i, k, n, len;
	const char *sep = ":";
	json_t *d;

	len = (size_t)snprintf(buf, cap, "%zu", json_array_size(devs));
	for (k = 0; k < 5 && len < cap; k++) {
		n = 0;
		json_array_foreach(devs, i, d)
			n += dev_state(d) && !strcmp(dev_state(d), states[k]);
		if (n == 0)
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s %zu %s",
					sep, n, states[k]);
		sep = ",";
	}
}

/* Unreachable and revoked devices, failed deployments. */
static void print_problems(json_t *devs, json_t *deps)
{
	size_t i, n = 0;
	json_t *d;
	char t[32], b[64];

	json_array_foreach(devs, i, d) {
		const char *s = dev_state(d);

		if (s == NULL || (strcmp(s, "unreachable") &&
				  strcmp(s, "revoked")))
			continue;
		if (n++ == 0)
			printf("problems:\n");
		printf("  device %s (%s) %s, last seen %s\n",
		       json_string_value(json_object_get(d, "id")),
		       cli_str(json_object_get(d, "name"), b, sizeof(b)), s,
		       cli_time(json_object_get(d, "last_seen"), t,
				sizeof(t)));
	}
	json_array_foreach(deps, i, d) {
		json_t *nf = json_object_get(json_object_get(d, "counts"),
					     "failed");

		if (strcmp(cli_str(json_object_get(d, "state"), b, sizeof(b)),
			   "failed") != 0 && json_integer_value(nf) <= 0)
			continue;
		if (n++ == 0)
			printf("problems:\n");
		printf("  deployment %s (%s): %s device(s) failed; see"
		       " `wasmbed logs DEVICE`\n",
		       cli_str(json_object_get(d, "id"), t, sizeof(t)),
		       json_string_value(json_object_get(d, "app")),
		       cli_str(json_object_get(json_object_get(d, "counts"),
					       "failed"), b, sizeof(b)));
	}
	if (n == 0)
		printf("problems:    none\n");
}

static void print_status(struct cli *c, json_t *all)
{
	char b[256], t[32];
	json_t *h = json_object_get(all, "health");
	json_t *p = json_object_get(all, "pairing");
	json_t *devs = json_object_get(all, "devices");
	json_t *apps = json_object_get(all, "apps");
	json_t *deps = json_object_get(all, "deployments");

	printf("gateway:     %s (%s, %s sessions)\n", c->url,
	       json_string_value(json_object_get(h, "status")),
	       cli_str(json_object_get(h, "sessions"), b, sizeof(b)));
	printf("pairing:     %s", json_is_true(json_object_get(p, "open"))
	       ? "open" : "closed");
	if (json_is_integer(json_object_get(p, "until_ms")))
		printf(" until %s", cli_time(json_object_get(p, "until_ms"),
					     t, sizeof(t)));
	count_states(devs, b, sizeof(b));
	printf("\ndevices:     %s\n", b);
	if (apps != NULL)
		printf("apps:        %zu\n", json_array_size(apps));
	if (deps != NULL)
		printf("deployments: %zu\n", json_array_size(deps));
	print_problems(devs, deps);
}

/* The array under key of GET path, or NULL if the route is missing. */
static json_t *optional_list(struct cli *c, const char *path,
			     const char *key)
{
	json_t *j = NULL, *a;

	if (gw_get(c, path, 1, &j) != CLI_OK)
		return NULL;
	a = json_incref(json_object_get(j, key));
	json_decref(j);
	return a;
}

cli_err cli_status(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed status\n\nThe fleet at a glance: the gateway,"
		" pairing, devices by state,\napplications, deployments and"
		" problems.\n";
	struct cli_args a;
	json_t *all = json_object(), *j = NULL;
	cli_err rc = cli_parse(c, argc, argv, NULL, &a, use);

	if (rc == CLI_OK && a.npos > 0)
		rc = cli_fail(CLI_EUSAGE, use, "status takes no argument");
	if (rc == CLI_OK && (rc = gw_get(c, "/health", 0, &j)) == CLI_OK)
		json_object_set_new(all, "health", j);
	if (rc == CLI_OK && (rc = gw_get(c, "/api/v1/pairing", 0, &j)) == 0)
		json_object_set_new(all, "pairing", j);
	if (rc == CLI_OK && (rc = gw_get(c, "/api/v1/devices", 0, &j)) == 0)
		json_object_set(all, "devices", json_object_get(j, "devices"));
	if (rc != CLI_OK)
		goto out;
	json_decref(j);
	if ((j = optional_list(c, "/api/v1/apps", "apps")) != NULL)
		json_object_set_new(all, "apps", j);
	j = optional_list(c, "/api/v1/deployments", "deployments");
	if (j != NULL)
		json_object_set_new(all, "deployments", j);
	if (!json_out(c, all))
		print_status(c, all);
	j = NULL;
out:
	json_decref(j);
	json_decref(all);
	return rc;
}

/* ---- devices ---- */

cli_err cli_device_id(struct cli *c, const char *ref, char *id,
		      size_t cap)
{
	json_t *j = NULL, *d;
	size_t i, n = 0;
	cli_err rc;

	snprintf(id, cap, "%s", ref);
	if (strncmp(ref, "wb-", 3) == 0)
		return CLI_OK;
	rc = gw_get(c, "/api/v1/devices", 0, &j);
	json_array_foreach(json_object_get(j, "devices"), i, d) {
		const char *nm = json_string_value(json_object_get(d, "name"));

		if (nm != NULL && strcmp(nm, ref) == 0 && n++ == 0)
			snprintf(id, cap, "%s", json_string_value(
					 json_object_get(d, "id")));
	}
	json_decref(j);
	if (rc == CLI_OK && n == 0)
		rc = cli_fail(CLI_ENOTFOUND, "see `wasmbed devices list`",
			      "no device with id or name '%s'", ref);
	else if (rc == CLI_OK && n > 1)
		rc = cli_fail(CLI_EFAIL, "name it by its id (wb-...)",
			      "%zu devices are named '%s'", n, ref);
	return rc;
}

static void devices_table(json_t *devs)
{
	static const char *const heads[] = { "ID", "NAME", "STATE",
					     "BOARD", "LAST SEEN" };
	json_t *rows = json_array(), *d;
	char t[32], b[64];
	size_t i;

	json_array_foreach(devs, i, d)
		json_array_append_new(rows, json_pack("[sssss]",
			cli_str(json_object_get(d, "id"), b, sizeof(b)),
			json_string_value(json_object_get(d, "name"))
			? json_string_value(json_object_get(d, "name")) : "-",
			dev_state(d) ? dev_state(d) : "-",
			json_string_value(json_object_get(d, "board"))
			? json_string_value(json_object_get(d, "board")) : "-",
			cli_time(json_object_get(d, "last_seen"), t,
				 sizeof(t))));
	if (json_array_size(devs) == 0)
		printf("no devices yet: open pairing (`wasmbed pairing open"
		       " --for 10m`) and start one\n");
	else
		cli_table(heads, 5, rows);
	json_decref(rows);
}

static void print_object(json_t *o)
{
	const char *k;
	json_t *v;
	char b[512];

	json_object_foreach(o, k, v) {
		if (json_is_integer(v) && json_integer_value(v) > 1e12 &&
		    (strstr(k, "_at") || strstr(k, "seen") ||
		     strstr(k, "_ms") || strstr(k, "after")))
			cli_time(v, b, sizeof(b));
		else
			cli_str(v, b, sizeof(b));
		printf("%-18s %s\n", k, b);
	}
}

/* devices get|revoke|delete REF */
static cli_err device_one(struct cli *c, const char *sub, const char *ref)
{
	char id[128], path[256];
	json_t *j = NULL;
	cli_err rc = cli_device_id(c, ref, id, sizeof(id));

	if (rc != CLI_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/devices/%s%s", id,
		 strcmp(sub, "revoke") == 0 ? "/revoke" : "");
	if (strcmp(sub, "get") == 0)
		rc = gw_get(c, path, 0, &j);
	else
		rc = gw_send(c, strcmp(sub, "delete") == 0 ? "DELETE" : "POST",
			     path, NULL, &j);
	if (rc == CLI_OK && !json_out(c, j)) {
		if (strcmp(sub, "get") == 0)
			print_object(j);
		else
			printf("device %s %s\n", id, strcmp(sub, "revoke") == 0
			       ? "revoked: its sessions are cut"
			       : "deleted");
	}
	json_decref(j);
	return rc;
}

cli_err cli_devices(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed devices [list]\n"
		"       wasmbed devices get|revoke|delete DEVICE\n\n"
		"DEVICE is an id (wb-...) or a unique name. revoke cuts the\n"
		"device's sessions and refuses its certificate from then on;\n"
		"delete forgets it (revoke it first).\n";
	struct cli_args a;
	json_t *j = NULL;
	const char *sub;
	cli_err rc = cli_parse(c, argc, argv, NULL, &a, use);

	if (rc != CLI_OK)
		return rc;
	sub = a.npos > 0 ? a.pos[0] : "list";
	if (strcmp(sub, "list") == 0 && a.npos <= 1) {
		rc = gw_get(c, "/api/v1/devices", 0, &j);
		if (rc == CLI_OK && !json_out(c, j))
			devices_table(json_object_get(j, "devices"));
		json_decref(j);
		return rc;
	}
	if ((strcmp(sub, "get") && strcmp(sub, "revoke") &&
	     strcmp(sub, "delete")) || a.npos != 2)
		return cli_fail(CLI_EUSAGE, "see `wasmbed devices --help`",
				"devices: expected list, or get|revoke|delete"
				" DEVICE");
	return device_one(c, sub, a.pos[1]);
}

/* ---- pairing ---- */

static void print_pairing(json_t *p)
{
	char t[32];

	if (!json_is_true(json_object_get(p, "open")))
		printf("pairing closed: new devices are refused\n");
	else if (json_is_integer(json_object_get(p, "until_ms")))
		printf("pairing open until %s\n",
		       cli_time(json_object_get(p, "until_ms"), t, sizeof(t)));
	else
		printf("pairing open until closed"
		       " (`wasmbed pairing close`)\n");
}

cli_err cli_pairing(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed pairing open [--for DURATION]\n"
		"       wasmbed pairing close|status\n\n"
		"While pairing is open, new devices enroll. DURATION is 30s,\n"
		"10m, 2h or 1d; without --for it stays open until closed.\n";
	const char *dur = NULL;
	struct cli_opt opts[] = { { "for", 0, &dur, NULL, NULL },
				  { NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	json_t *j = NULL, *body = json_object();
	cli_err rc = cli_parse(c, argc, argv, opts, &a, use);
	const char *sub = a.npos > 0 ? a.pos[0] : "status";
	long s = dur ? cli_parse_duration(dur) : 0;

	if (rc != CLI_OK)
		goto out;
	if (a.npos > 1 || (strcmp(sub, "open") && strcmp(sub, "close") &&
			   strcmp(sub, "status")) || s < 0 ||
	    (dur && strcmp(sub, "open"))) {
		rc = cli_fail(CLI_EUSAGE, "see `wasmbed pairing --help`",
			      s < 0 ? "pairing: bad duration '%s'"
			      : "pairing: expected open [--for DURATION],"
			      " close or status%s", s < 0 ? dur : "");
		goto out;
	}
	if (s > 0)
		json_object_set_new(body, "duration_s", json_integer(s));
	if (strcmp(sub, "status") == 0)
		rc = gw_get(c, "/api/v1/pairing", 0, &j);
	else
		rc = gw_send(c, "POST", strcmp(sub, "open") == 0
			     ? "/api/v1/pairing/open" : "/api/v1/pairing/close",
			     strcmp(sub, "open") == 0 ? body : NULL, &j);
	if (rc == CLI_OK && !json_out(c, j))
		print_pairing(j);
out:
	json_decref(body);
	json_decref(j);
	return rc;
}

/* ---- tokens ---- */

static void tokens_table(json_t *list)
{
	static const char *const heads[] = { "ID", "NAME", "ROLE",
					     "CREATED" };
	json_t *rows = json_array(), *t;
	char b[3][64], tm[32];
	size_t i;

	json_array_foreach(list, i, t)
		json_array_append_new(rows, json_pack("[ssss]",
			cli_str(json_object_get(t, "id"), b[0], 64),
			cli_str(json_object_get(t, "name"), b[1], 64),
			cli_str(json_object_get(t, "role"), b[2], 64),
			cli_time(json_object_get(t, "created_at"), tm, 32)));
	cli_table(heads, 4, rows);
	json_decref(rows);
}

cli_err cli_tokens(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed tokens [list]\n"
		"       wasmbed tokens create --role viewer|operator|admin"
		" --name NAME\n"
		"       wasmbed tokens revoke ID\n\n"
		"Needs the admin token. create prints the new token once.\n";
	const char *role = NULL, *name = NULL;
	struct cli_opt opts[] = { { "role", 0, &role, NULL, NULL },
				  { "name", 0, &name, NULL, NULL },
				  { NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	json_t *j = NULL;
	char path[256];
	cli_err rc = cli_parse(c, argc, argv, opts, &a, use);
	const char *sub = a.npos > 0 ? a.pos[0] : "list";

	if (rc != CLI_OK)
		return rc;
	if (!strcmp(sub, "list") && a.npos <= 1) {
		rc = gw_get(c, "/api/v1/tokens", 0, &j);
		if (rc == CLI_OK && !json_out(c, j))
			tokens_table(json_object_get(j, "tokens"));
	} else if (!strcmp(sub, "create") && a.npos == 1 && role && name) {
		json_t *b = json_pack("{s:s,s:s}", "role", role, "name",
				      name);

		rc = gw_send(c, "POST", "/api/v1/tokens", b, &j);
		json_decref(b);
		if (rc == CLI_OK && !json_out(c, j))
			printf("%s\n", json_string_value(
				       json_object_get(j, "token")));
	} else if (!strcmp(sub, "revoke") && a.npos == 2) {
		snprintf(path, sizeof(path), "/api/v1/tokens/%s", a.pos[1]);
		rc = gw_send(c, "DELETE", path, NULL, &j);
		if (rc == CLI_OK && !json_out(c, j))
			printf("token %s revoked\n", a.pos[1]);
	} else {
		rc = cli_fail(CLI_EUSAGE, "see `wasmbed tokens --help`",
			      "tokens: expected list, create --role ROLE"
			      " --name NAME, or revoke ID");
	}
	json_decref(j);
	return rc;
}
