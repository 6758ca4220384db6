/* cli.h - the wasmbed CLI's shared types: options, HTTP calls, output.
 * SPDX-License-Identifier: Apache-2.0
 * Commands and exit codes are documented in docs/cli.md.
 */
#ifndef WASMBED_CLI_H
#define WASMBED_CLI_H

#include <stddef.h>

#include <jansson.h>

/* Exit codes (docs/cli.md). CLI_HELP is internal: --help was printed. */
typedef enum {
	CLI_OK = 0,
	CLI_EFAIL = 1,      /* refused by the server, or an operation failed */
	CLI_EUSAGE = 2,     /* bad command line */
	CLI_EUNREACH = 3,   /* server unreachable */
	CLI_EAUTH = 4,      /* missing, wrong or too weak token */
	CLI_ENOTFOUND = 5,  /* no such device, app, deployment or board */
	CLI_HELP = 100
} cli_err;

#define CLI_URL_MAX 512

struct cli {
	char url[CLI_URL_MAX];      /* gateway API base, no trailing / */
	char token[256];            /* bearer token, "" if none */
	char emu_url[CLI_URL_MAX];  /* device manager API base */
	char token_src[CLI_URL_MAX];/* where the token came from */
	char ca_path[CLI_URL_MAX];  /* the local gateway's ca.crt, or "" */
	int json;                   /* --output json */
};

/* One option a verb accepts. has_arg options store into *val, flags
 * set *flag to 1. A repeated has_arg option with list != NULL appends
 * to that array instead (--to A --to B). */
struct cli_opt {
	const char *name;
	char shortc;
	const char **val;
	int *flag;
	json_t *list;
};

#define CLI_POS_MAX 32

struct cli_args {
	const char *pos[CLI_POS_MAX];
	int npos;
};

/* Parses argv (the verb's own words, argv[0] being the verb) against
 * opts plus the global options, which update c. Prints usage on
 * --help (CLI_HELP) and a usage error on stderr (CLI_EUSAGE). */
cli_err cli_parse(struct cli *c, int argc, char **argv,
		  const struct cli_opt *opts, struct cli_args *a,
		  const char *usage);
/* Prints "wasmbed: <message>" and "  <hint>" on stderr; returns rc. */
cli_err cli_fail(cli_err rc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- configuration (cli_conf.c) ---- */

/* Fills c's defaults from the environment, the config file and the
 * local gateway's data directory; flags parsed later override them. */
void cli_conf_load(struct cli *c);

/* ---- HTTP (cli_http.c) ---- */

struct cli_req {
	const char *base;        /* c->url or c->emu_url */
	const char *method;      /* GET, POST, DELETE */
	const char *path;        /* "/api/v1/..." with query */
	json_t *body;            /* sent as JSON if not NULL (borrowed) */
	const void *raw;         /* or raw bytes (application/wasm) */
	size_t raw_len;
	const char *progress;    /* label for an upload progress line */
	int quiet_404;           /* do not print a message on 404 */
};

/* Performs r with c's token; *out is the parsed JSON answer (NULL if
 * none; caller owns). Errors are printed, with what to do next, and
 * mapped to exit codes. */
cli_err cli_call(struct cli *c, const struct cli_req *r, json_t **out);
/* Escapes s for a URL path segment or query value; caller frees. */
char *cli_escape(const char *s);

/* ---- output (cli_out.c) ---- */

/* Terminal width of stdout: COLUMNS, the tty's, else 80. */
int cli_term_width(void);
/* Prints rows (array of arrays of strings) under heads, columns cut
 * to fit the terminal; the last column gives way first. */
void cli_table(const char *const *heads, size_t ncol, json_t *rows);
/* Prints j as indented JSON on stdout. */
void cli_print_json(json_t *j);
/* A JSON value as short text: strings as is, null as "-". Returns buf. */
const char *cli_str(json_t *v, char *buf, size_t cap);
/* ms since the epoch as "YYYY-MM-DD HH:MM:SS" local time, or "-". */
const char *cli_time(json_t *v, char *buf, size_t cap);
/* Whether stderr is a terminal (progress lines are drawn only then). */
int cli_is_tty(void);

/* ---- verbs ---- */

cli_err cli_status(struct cli *c, int argc, char **argv);
cli_err cli_devices(struct cli *c, int argc, char **argv);
cli_err cli_pairing(struct cli *c, int argc, char **argv);
cli_err cli_tokens(struct cli *c, int argc, char **argv);
cli_err cli_apps(struct cli *c, int argc, char **argv);
cli_err cli_deploy(struct cli *c, int argc, char **argv);
cli_err cli_undeploy(struct cli *c, int argc, char **argv);
cli_err cli_start(struct cli *c, int argc, char **argv);
cli_err cli_stop(struct cli *c, int argc, char **argv);
cli_err cli_logs(struct cli *c, int argc, char **argv);
cli_err cli_emu(struct cli *c, int argc, char **argv);

/* Resolves a device id or unique name into id. */
cli_err cli_device_id(struct cli *c, const char *ref, char *id,
		      size_t cap);

/* The deployment (with its devices) of application app that is not
 * being removed, or *dep NULL; caller owns *dep. */
cli_err cli_find_deployment(struct cli *c, const char *app, json_t **dep);

/* Parses "30s", "10m", "2h", "1d" or plain seconds; -1 if bad. */
long cli_parse_duration(const char *s);
/* Parses "64k", "1M" or bytes; -1 if bad. */
long long cli_parse_size(const char *s);

#endif
