/* cli_main.c - wasmbed: verb dispatch, option parsing, exit codes.
 * SPDX-License-Identifier: Apache-2.0
 * Usage and exit codes are documented in docs/cli.md.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static const char usage[] =
	"usage: wasmbed [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Fleet (the gateway's API):\n"
	"  status                      the fleet at a glance\n"
	"  devices list|get|revoke|delete\n"
	"  pairing open [--for DUR]|close|status\n"
	"  apps upload FILE.wasm --name NAME [--version V]\n"
	"  apps list|get|delete\n"
	"  deploy APP[:VERSION] --to DEVICE...|--all"
	" [--memory SIZE] [--fuel N]\n"
	"  undeploy APP --to DEVICE...|--all\n"
	"  start|stop APP\n"
	"  logs DEVICE [APP] [-f] [--tail N]\n"
	"  tokens list|create|revoke   (admin)\n"
	"Emulated boards (the device manager's API):\n"
	"  emu create|start|stop|restart|remove|list|status\n"
	"\n"
	"Global options (also after the command):\n"
	"  --url URL          gateway API (WASMBED_URL)\n"
	"  --token TOKEN      API token (WASMBED_TOKEN)\n"
	"  --emu-url URL      device manager API (WASMBED_EMU_URL)\n"
	"  -o, --output json  print the server's JSON instead of tables\n"
	"  --help             help; `wasmbed COMMAND --help` for a command\n"
	"\n"
	"Without flags or environment, the URL and token come from\n"
	"~/.config/wasmbed/config, then from the local gateway's data\n"
	"directory (~/.local/share/wasmbed/gateway). Exit codes: 0 done,\n"
	"1 refused or failed, 2 usage, 3 unreachable, 4 token, 5 not found.\n";

struct verb {
	const char *name;
	cli_err (*run)(struct cli *c, int argc, char **argv);
};

static const struct verb verbs[] = {
	{ "status", cli_status },     { "devices", cli_devices },
	{ "device", cli_devices },    { "pairing", cli_pairing },
	{ "tokens", cli_tokens },     { "apps", cli_apps },
	{ "app", cli_apps },          { "deploy", cli_deploy },
	{ "undeploy", cli_undeploy }, { "start", cli_start },
	{ "stop", cli_stop },         { "logs", cli_logs },
	{ "emu", cli_emu },
};

cli_err cli_fail(cli_err rc, const char *hint, const char *fmt, ...)
{
	va_list ap;

	fputs("wasmbed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (hint != NULL)
		fprintf(stderr, "  %s\n", hint);
	return rc;
}

/* Applies one global option; returns 1 if name was one. */
static int global_opt(struct cli *c, const char *name, const char *val)
{
	if (strcmp(name, "url") == 0)
		snprintf(c->url, sizeof(c->url), "%s", val);
	else if (strcmp(name, "emu-url") == 0)
		snprintf(c->emu_url, sizeof(c->emu_url), "%s", val);
	else if (strcmp(name, "token") == 0) {
		snprintf(c->token, sizeof(c->token), "%s", val);
		snprintf(c->token_src, sizeof(c->token_src), "--token");
	} else if (strcmp(name, "output") == 0 || strcmp(name, "o") == 0)
		c->json = strcmp(val, "json") == 0;
	else
		return 0;
	return 1;
}

static const struct cli_opt *find_opt(const struct cli_opt *opts,
				      const char *name, char shortc)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if ((name && strcmp(opts->name, name) == 0) ||
		    (!name && opts->shortc == shortc))
			return opts;
	return NULL;
}

/* Stores the value of a verb option; CLI_EUSAGE if it needs one and
 * none is left. *i is advanced past a separate value. */
static cli_err take_opt(const struct cli_opt *o, const char *inl,
			int argc, char **argv, int *i)
{
	const char *v = inl;

	if (o->flag != NULL && o->val == NULL && o->list == NULL) {
		*o->flag = 1;
		return CLI_OK;
	}
	if (v == NULL && *i + 1 < argc)
		v = argv[++*i];
	if (v == NULL)
		return cli_fail(CLI_EUSAGE, "see --help",
				"option --%s needs a value", o->name);
	if (o->list != NULL)
		json_array_append_new(o->list, json_string(v));
	else
		*o->val = v;
	return CLI_OK;
}

static int is_global(const char *n)
{
	return !strcmp(n, "url") || !strcmp(n, "token") ||
	       !strcmp(n, "emu-url") || !strcmp(n, "output") ||
	       !strcmp(n, "o");
}

/* One "--name[=v]" or "-x" word at argv[*i]. */
static cli_err one_opt(struct cli *c, int argc, char **argv, int *i,
		       const struct cli_opt *opts)
{
	char name[64];
	const char *w = argv[*i], *eq, *inl = NULL;
	const struct cli_opt *o;

	if (w[1] != '-') {
		snprintf(name, sizeof(name), "%c", w[1]);
		if (w[2] != '\0')
			inl = w + 2;
		o = find_opt(opts, NULL, w[1]);
	} else {
		eq = strchr(w, '=');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? eq - w - 2 : (long)strlen(w) - 2), w + 2);
		inl = eq ? eq + 1 : NULL;
		o = find_opt(opts, name, 0);
	}
	if (o != NULL)
		return take_opt(o, inl, argc, argv, i);
	if (!is_global(name))
		return cli_fail(CLI_EUSAGE, "see `wasmbed COMMAND --help`",
				"unknown option '%s'", w);
	if (inl == NULL && *i + 1 < argc)
		inl = argv[++*i];
	if (inl == NULL)
		return cli_fail(CLI_EUSAGE, NULL, "option %s needs a value",
				w);
	if ((!strcmp(name, "output") || !strcmp(name, "o")) &&
	    strcmp(inl, "json") && strcmp(inl, "table"))
		return cli_fail(CLI_EUSAGE, "use --output json or table",
				"unknown output format '%s'", inl);
	global_opt(c, name, inl);
	return CLI_OK;
}

cli_err cli_parse(struct cli *c, int argc, char **argv,
		  const struct cli_opt *opts, struct cli_args *a,
		  const char *use)
{
	cli_err rc = CLI_OK;
	int i, dashdash = 0;

	a->npos = 0;
	for (i = 1; i < argc && rc == CLI_OK; i++) {
		const char *w = argv[i];

		if (!dashdash && (!strcmp(w, "--help") || !strcmp(w, "-h"))) {
			fputs(use, stdout);
			return CLI_HELP;
		}
		if (!dashdash && strcmp(w, "--") == 0)
			dashdash = 1;
		else if (!dashdash && w[0] == '-' && w[1] != '\0')
			rc = one_opt(c, argc, argv, &i, opts);
		else if (a->npos == CLI_POS_MAX)
			rc = cli_fail(CLI_EUSAGE, NULL, "too many arguments");
		else
			a->pos[a->npos++] = w;
	}
	return rc;
}

long cli_parse_duration(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	long mul = 1;

	if (end == s || v <= 0)
		return -1;
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end != '\0')
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return v > 31L * 86400 / mul ? -1 : v * mul;
}

long long cli_parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	long long mul = 1;

	if (end == s || v <= 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1024;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024;
	else if (*end != '\0')
		return -1;
	if (*end != '\0' && end[1] != '\0' && strcmp(end + 1, "B") &&
	    strcmp(end + 1, "iB"))
		return -1;
	return v * mul;
}

/* Global options before the verb; returns the index of the verb. */
static int leading_globals(struct cli *c, int argc, char **argv,
			   cli_err *rc)
{
	int i = 1;

	*rc = CLI_OK;
	while (i < argc && argv[i][0] == '-' && *rc == CLI_OK) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			*rc = CLI_HELP;
			break;
		}
		*rc = one_opt(c, argc, argv, &i, NULL);
		i++;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct cli c;
	cli_err rc;
	size_t k;
	int i;

	memset(&c, 0, sizeof(c));
	cli_conf_load(&c);
	i = leading_globals(&c, argc, argv, &rc);
	if (rc != CLI_OK)
		goto out;
	if (i >= argc) {
		fputs(usage, stderr);
		rc = CLI_EUSAGE;
		goto out;
	}
	for (k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (strcmp(verbs[k].name, argv[i]) == 0)
			break;
	if (k == sizeof(verbs) / sizeof(verbs[0])) {
		rc = cli_fail(CLI_EUSAGE, "run `wasmbed --help` for the list",
			      "unknown command '%s'", argv[i]);
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = verbs[k].run(&c, argc - i, argv + i);
	curl_global_cleanup();
out:
	memset(c.token, 0, sizeof(c.token));
	return rc == CLI_HELP ? 0 : (int)rc;
}
