/* cli_logs.c - wasmbed logs: read and follow a device's app output.
 * SPDX-License-Identifier: Apache-2.0
 * GET /api/v1/devices/ID/logs (docs/api.md, Logs); following repeats
 * it with after=last_seq and wait, a long poll.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cli_err gw_req(struct cli *c, const char *method, const char *path,
		      json_t *body, json_t **out)
{
	struct cli_req r = { c->url, method, path, body, NULL, 0, NULL, 0 };

	return cli_call(c, &r, out);
}

/* Names of deployments by id ("3" -> "hello"), for log lines. */
static json_t *app_names(struct cli *c)
{
	json_t *j = NULL, *names = json_object(), *d;
	size_t i;
	char k[32];

	if (gw_req(c, "GET", "/api/v1/deployments", NULL, &j) == CLI_OK)
		json_array_foreach(json_object_get(j, "deployments"), i, d)
			json_object_set(names, cli_str(json_object_get(d, "id"),
						       k, sizeof(k)),
					json_object_get(d, "app"));
	json_decref(j);
	return names;
}

static void print_logs(struct cli *c, json_t *recs, json_t *names)
{
	size_t i;
	json_t *r;
	char b[2][64];

	json_array_foreach(recs, i, r) {
		if (c->json) {
			char *s = json_dumps(r, JSON_COMPACT);

			printf("%s\n", s ? s : "{}");
			free(s);
			continue;
		}
		cli_str(json_object_get(r, "app_id"), b[0], 64);
		printf("%-5s %s: %s\n",
		       cli_str(json_object_get(r, "level"), b[1], 64),
		       json_string_value(json_object_get(names, b[0]))
		       ? json_string_value(json_object_get(names, b[0]))
		       : b[0], json_string_value(json_object_get(r, "text")));
	}
	fflush(stdout);
}

/* Whether some record's app id is missing from names. */
static int unknown_app(json_t *recs, json_t *names)
{
	size_t i;
	json_t *r;
	char k[32];

	json_array_foreach(recs, i, r)
		if (json_object_get(names, cli_str(json_object_get(r,
				"app_id"), k, sizeof(k))) == NULL)
			return 1;
	return 0;
}

/* The first seq to skip to for --tail n: the device's log_seq - n. */
static cli_err tail_start(struct cli *c, const char *id, long long n,
			  long long *after)
{
	char path[160];
	json_t *j = NULL;
	cli_err rc;

	snprintf(path, sizeof(path), "/api/v1/devices/%s", id);
	rc = gw_req(c, "GET", path, NULL, &j);
	*after = json_integer_value(json_object_get(j, "log_seq")) - n;
	if (*after < 0)
		*after = 0;
	json_decref(j);
	return rc;
}

struct logs_opts {
	int follow;
	const char *tail;
	char id[128], q[64];
};

/* Reads (and with -f follows) the records after *after. */
static cli_err logs_loop(struct cli *c, struct logs_opts *o,
			 long long after)
{
	char path[512];
	json_t *j = NULL, *names = app_names(c), *recs;
	cli_err rc = CLI_OK;

	while (rc == CLI_OK) {
		snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?after="
			 "%lld&limit=1000%s%s", o->id, after, o->q,
			 o->follow ? "&wait=20" : "");
		rc = gw_req(c, "GET", path, NULL, &j);
		recs = json_object_get(j, "records");
		if (unknown_app(recs, names)) {
			json_decref(names);
			names = app_names(c);
		}
		print_logs(c, recs, names);
		if (json_is_integer(json_object_get(j, "last_seq")))
			after = json_integer_value(json_object_get(j,
								   "last_seq"));
		json_decref(j);
		j = NULL;
		if (!o->follow)
			break;
	}
	json_decref(names);
	return rc;
}

/* Reads --tail's value: 1 and *n if it is a whole number >= 0. */
static int tail_count(const char *s, long long *n)
{
	char *end;

	errno = 0;
	*n = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *n >= 0;
}

cli_err cli_logs(struct cli *c, int argc, char **argv)
{
	static const char use[] =
		"usage: wasmbed logs DEVICE [APP] [-f] [--tail N]\n\n"
		"What the device's applications printed, oldest first (up"
		" to\n1000; --tail N: only the last N). -f follows until"
		" Ctrl-C.\nWith --output json, one JSON record per line.\n";
	struct logs_opts o = { 0, NULL, "", "" };
	struct cli_opt opts[] = { { "follow", 'f', NULL, &o.follow, NULL },
				  { "tail", 'n', &o.tail, NULL, NULL },
				  { NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	long long after = 0, n = 0;
	json_t *dep = NULL;
	cli_err rc = cli_parse(c, argc, argv, opts, &a, use);

	if (rc == CLI_OK && (a.npos < 1 || a.npos > 2))
		rc = cli_fail(CLI_EUSAGE, "see `wasmbed logs --help`",
			      "logs: name a device, and optionally an app");
	if (rc == CLI_OK && o.tail && !tail_count(o.tail, &n))
		rc = cli_fail(CLI_EUSAGE, "give a whole number, e.g. --tail 20",
			      "bad --tail '%s'", o.tail);
	if (rc == CLI_OK)
		rc = cli_device_id(c, a.pos[0], o.id, sizeof(o.id));
	if (rc == CLI_OK && a.npos == 2)
		rc = cli_find_deployment(c, a.pos[1], &dep);
	if (rc == CLI_OK && a.npos == 2 && dep == NULL)
		rc = cli_fail(CLI_ENOTFOUND, "see `wasmbed status`",
			      "application %s is not deployed", a.pos[1]);
	if (dep != NULL)
		snprintf(o.q, sizeof(o.q), "&app=%lld", (long long)
			 json_integer_value(json_object_get(dep, "id")));
	if (rc == CLI_OK && o.tail)
		rc = tail_start(c, o.id, n, &after);
	if (rc == CLI_OK)
		rc = logs_loop(c, &o, after);
	json_decref(dep);
	return rc;
}
