/* lx_main.c - wasmbed-device: the agent as a Linux program.
 * SPDX-License-Identifier: Apache-2.0
 * Implements the command line of docs/agent.md "wasmbed-device".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "lx_port.h"

#define LX_ARENA_SIZE (256u * 1024u)

/* Everything lives in static storage: no heap once running. */
static struct agent lx_agent;
static struct lx_port lx_port;
static uint8_t lx_arenas[LX_NSLOTS * LX_ARENA_SIZE];

struct lx_opts {
	const char *gateway, *dir, *ca, *name;
	char host[256], service[16];
	uint32_t backoff_min, backoff_max;
	int level;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: wasmbed-device --gateway HOST:PORT --data-dir DIR [--ca FILE]\n"
"                      [--name NAME] [--log-level LEVEL]\n"
"                      [--backoff-min DUR] [--backoff-max DUR]\n"
"\n"
"Runs the Wasmbed agent: enrolls with the gateway on first start, then\n"
"holds a mutual-TLS session and runs the applications it is given.\n"
"All state lives in DIR. --ca is the fleet CA (the gateway's ca.crt);\n"
"it is needed on first start and stored in DIR. LEVEL is error, warn,\n"
"info (default) or debug; DUR is a number with ms, s or m.\n");
}

/* Parses "250ms", "2s", "1m" into milliseconds; UINT32_MAX on error
 * or zero. */
static uint32_t parse_dur(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || v == 0 || v > 86400000ul)
		return UINT32_MAX;
	if (strcmp(end, "ms") == 0)
		return (uint32_t)v;
	if (strcmp(end, "s") == 0)
		return (uint32_t)(v * 1000u);
	if (strcmp(end, "m") == 0 && v <= 1440)
		return (uint32_t)(v * 60000u);
	return UINT32_MAX;
}

static int parse_level(const char *s)
{
	static const char *const names[] = { "error", "warn", "info",
					     "debug" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Splits HOST:PORT at its last colon; [v6]:port keeps the brackets
 * off. PORT is a number from 1 to 65535: a typo there would otherwise
 * show only as a gateway never reached. 0 or -1. */
static int split_gateway(struct lx_opts *o)
{
	const char *colon = strrchr(o->gateway, ':');
	size_t hl;
	const char *h = o->gateway;
	char *end;
	unsigned long port;

	if (colon == NULL || colon[1] < '0' || colon[1] > '9' ||
	    strlen(colon + 1) >= 16)
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	hl = (size_t)(colon - h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(o->host))
		return -1;
	memcpy(o->host, h, hl);
	o->host[hl] = '\0';
	strcpy(o->service, colon + 1);
	return 0;
}

/* Fills o from argv; prints the reason and returns 2 on a usage error,
 * 1 after --help, 0 to run. */
static int parse_args(int argc, char **argv, struct lx_opts *o)
{
	static const struct option longs[] = {
		{ "gateway", required_argument, NULL, 'g' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "ca", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "backoff-min", required_argument, NULL, 'b' },
		{ "backoff-max", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->level = AGENT_INFO;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'g': o->gateway = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'c': o->ca = optarg; break;
		case 'n': o->name = optarg; break;
		case 'l': o->level = parse_level(optarg); break;
		case 'b': o->backoff_min = parse_dur(optarg); break;
		case 'B': o->backoff_max = parse_dur(optarg); break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wasmbed-device: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (o->gateway == NULL || o->dir == NULL) {
		fprintf(stderr, "wasmbed-device: --gateway and --data-dir "
			"are required (see --help)\n");
		return 2;
	}
	if (split_gateway(o) != 0) {
		fprintf(stderr, "wasmbed-device: --gateway '%s' is not "
			"HOST:PORT\n", o->gateway);
		return 2;
	}
	if (o->level < 0) {
		fprintf(stderr, "wasmbed-device: --log-level is one of error, "
			"warn, info, debug\n");
		return 2;
	}
	if (o->backoff_min == UINT32_MAX || o->backoff_max == UINT32_MAX) {
		fprintf(stderr, "wasmbed-device: a back-off is a number with "
			"ms, s or m, above zero\n");
		return 2;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	agent_request_stop(&lx_agent);
}

/* SIGTERM and SIGINT interrupt waits (no SA_RESTART) and stop the
 * agent; SIGPIPE is ignored, a broken stream is seen by send(). */
static void set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Stores --ca, or checks that a CA was stored by an earlier start; then
 * checks the stored CA, key and certificate. 0, or -1 after a message. */
static int setup_ca(const struct lx_opts *o)
{
	char why[600];
	uint8_t probe[8192];

	if (o->ca != NULL &&
	    lx_store_ca(&lx_port, o->ca, why, sizeof(why)) != 0)
		goto bad;
	if (o->ca == NULL && lx_storage_ops.load(&lx_port, AGENT_ITEM_CA,
						 probe, sizeof(probe)) <= 0) {
		fprintf(stderr, "wasmbed-device: no fleet CA in %s: pass --ca "
			"FILE (the gateway's DATA/ca.crt)\n", o->dir);
		return -1;
	}

	/* Damaged credentials would fail every session, quietly, forever. */
	if (lx_check_stored(&lx_port, why, sizeof(why)) == 0)
		return 0;
bad:
	fprintf(stderr, "wasmbed-device: %s\n", why);
	return -1;
}

int main(int argc, char **argv)
{
	struct agent_conf conf;
	struct lx_opts o;
	agent_err rc;
	int r = parse_args(argc, argv, &o);

	if (r != 0)
		return r == 1 ? 0 : 2;
	if (lx_port_init(&lx_port, o.dir, o.host, o.service) != 0) {
		fprintf(stderr, "wasmbed-device: data directory %s: %s\n",
			o.dir, strerror(errno));
		return 1;
	}
	lx_port.port.ram = (uint32_t)sizeof(lx_arenas);
	if (setup_ca(&o) != 0)
		return 1;
	memset(&conf, 0, sizeof(conf));
	conf.host = o.host;
	conf.name = o.name;
	conf.backoff_min_ms = o.backoff_min;
	conf.backoff_max_ms = o.backoff_max;
	conf.arena_pool = lx_arenas;
	conf.arena_size = LX_ARENA_SIZE;
	conf.code_bytes = LX_ARENA_SIZE / 4;
	conf.log_level = o.level;
	set_signals();
	rc = agent_init(&lx_agent, &lx_port.port, &conf);
	if (rc == AGENT_OK)
		rc = agent_run(&lx_agent);
	agent_fini(&lx_agent);
	lx_port_fini(&lx_port);
	if (rc != AGENT_OK) {
		fprintf(stderr, "wasmbed-device: %s\n", agent_strerror(rc));
		return 1;
	}
	return 0;
}
