/* gw_main.c - wasmbed-gateway: options, start-up, event loop, shutdown.
 * SPDX-License-Identifier: Apache-2.0
 * Behaviour described in docs/gateway.md; devices speak
 * docs/protocol.md.
 */
#include "gw.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/event.h>

#define MOD "main"

static const char usage[] =
	"usage: wasmbed-gateway --data-dir DIR [options]\n"
	"\n"
	"  --data-dir DIR            fleet CA, keys, token and registry;\n"
	"                            created on first start (files 0600)\n"
	"  --device-listen ADDR:PORT device TLS endpoint"
	" (default 127.0.0.1:8081)\n"
	"  --api-listen ADDR:PORT    HTTP API (default 127.0.0.1:8080)\n"
	"  --heartbeat-interval DUR  asked of devices (default 30s)\n"
	"  --missed-heartbeats N     then Unreachable (default 3)\n"
	"  --handshake-timeout DUR   TLS handshake and first message"
	" (default 10s)\n"
	"  --max-frame BYTES         largest frame accepted"
	" (default 16384)\n"
	"  --max-module BYTES        largest module uploaded"
	" (default 262144)\n"
	"  --log-keep N              log records kept per device"
	" (default 10000)\n"
	"  --log-level LEVEL         error, warn, info or debug\n"
	"  --help                    this text\n"
	"\n"
	"DUR is a number with ms, s or m (seconds if none). SIGTERM or\n"
	"SIGINT stop the gateway cleanly.\n";

/* Parses "250ms", "30s", "2m" or "30" (seconds) into milliseconds. */
static int parse_ms(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	unsigned long mul = 1000;

	if (end == s)
		return -1;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		return -1;
	if (v == 0 || v > 86400000ul / mul)
		return -1;
	*out = (uint32_t)(v * mul);
	return 0;
}

static int parse_addr(const char *s, char *host, size_t cap,
		      uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= cap)
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return -1;
	/* "[::1]:8081": the host is kept without its brackets. */
	if (s[0] == '[' && colon[-1] == ']') {
		memcpy(host, s + 1, (size_t)(colon - s - 2));
		host[colon - s - 2] = '\0';
	} else {
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	*port = (uint16_t)p;
	return host[0] ? 0 : -1;
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

/* Fills conf from argv; returns 0, 1 for --help, or -1 with a message
 * already printed. */
static int parse_args(int argc, char **argv, struct gw_conf *c)
{
	static const struct option opts[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "device-listen", required_argument, NULL, 'D' },
		{ "api-listen", required_argument, NULL, 'A' },
		{ "heartbeat-interval", required_argument, NULL, 'H' },
		{ "missed-heartbeats", required_argument, NULL, 'M' },
		{ "handshake-timeout", required_argument, NULL, 'T' },
		{ "max-frame", required_argument, NULL, 'F' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "max-module", required_argument, NULL, 'X' },
		{ "log-keep", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int o, bad = 0, lvl;
	unsigned long v;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': c->data_dir = optarg; break;
		case 'D': bad |= parse_addr(optarg, c->device_host,
					    sizeof(c->device_host),
					    &c->device_port); break;
		case 'A': bad |= parse_addr(optarg, c->api_host,
					    sizeof(c->api_host),
					    &c->api_port); break;
		case 'H': bad |= parse_ms(optarg, &c->heartbeat_ms); break;
		case 'T': bad |= parse_ms(optarg, &c->handshake_ms); break;
		case 'M':
			v = strtoul(optarg, NULL, 10);
			bad |= v < 1 || v > 100 ? -1 : 0;
			c->missed_beats = (uint32_t)v;
			break;
		case 'F':
			v = strtoul(optarg, NULL, 10);
			bad |= v < PROTO_MIN_FRAME || v > (1ul << 24) ? -1 : 0;
			c->max_frame = (uint32_t)v;
			break;
		case 'X':
			v = strtoul(optarg, NULL, 10);
			bad |= v < 8 || v > (8ul << 20) ? -1 : 0;
			c->max_module = (uint32_t)v;
			break;
		case 'K':
			v = strtoul(optarg, NULL, 10);
			bad |= v < 1 || v > 100000000ul ? -1 : 0;
			c->log_keep = v;
			break;
		case 'L':
			lvl = parse_level(optarg);
			bad |= lvl < 0 ? -1 : 0;
			gw_log_set_level((enum gw_level)(lvl < 0 ? 2 : lvl));
			break;
		case 'h': fputs(usage, stdout); return 1;
		default: bad = -1;
		}
	}
	if (bad || optind != argc || c->data_dir == NULL) {
		fprintf(stderr, "wasmbed-gateway: %s\n%s", c->data_dir ?
			"invalid option value" : "--data-dir is required",
			usage);
		return -1;
	}
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gw *gw = arg;

	(void)what;
	gw_log(GW_INFO, MOD, "signal %d: stopping", (int)sig);
	gw_dev_stop(gw);
}

int gw_pairing_is_open(struct gw *gw)
{
	return gw->pairing_until == UINT64_MAX ||
	       gw->pairing_until > gw_now_ms();
}

/* Everything up to the event loop. */
static gw_err start(struct gw *gw)
{
	char path[600];
	gw_err rc;

	if (mkdir(gw->conf.data_dir, 0700) != 0 && errno != EEXIST) {
		gw_log(GW_ERROR, MOD, "cannot create %s: %s",
		       gw->conf.data_dir, strerror(errno));
		return GW_E_SYS;
	}
	rc = gw_pki_init(&gw->pki, gw->conf.data_dir);
	if (rc != GW_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/registry.db", gw->conf.data_dir);
	rc = gw_db_open(&gw->db, path);
	if (rc == GW_OK)
		gw_db_set_log_keep(gw->db, gw->conf.log_keep);
	if (rc == GW_OK)
		rc = gw_db_pairing_get(gw->db, &gw->pairing_until);
	gw->base = rc == GW_OK ? event_base_new() : NULL;
	if (rc == GW_OK && gw->base == NULL)
		rc = GW_E_NOMEM;
	if (rc == GW_OK)
		rc = gw_dev_start(gw);
	if (rc == GW_OK)
		rc = gw_api_start(gw);
	return rc;
}

int main(int argc, char **argv)
{
	struct gw gw;
	struct event *sig_term = NULL, *sig_int = NULL;
	int rc;

	memset(&gw, 0, sizeof(gw));
	strcpy(gw.conf.device_host, "127.0.0.1");
	gw.conf.device_port = 8081;
	strcpy(gw.conf.api_host, "127.0.0.1");
	gw.conf.api_port = 8080;
	gw.conf.heartbeat_ms = 30000;
	gw.conf.missed_beats = 3;
	gw.conf.handshake_ms = 10000;
	gw.conf.max_frame = 16384;
	gw.conf.max_module = 256u * 1024u;
	gw.conf.log_keep = 10000;
	rc = parse_args(argc, argv, &gw.conf);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	umask(077);
	signal(SIGPIPE, SIG_IGN);

	rc = start(&gw) == GW_OK ? 0 : 1;
	if (rc == 0) {
		sig_term = evsignal_new(gw.base, SIGTERM, on_signal, &gw);
		sig_int = evsignal_new(gw.base, SIGINT, on_signal, &gw);
		evsignal_add(sig_term, NULL);
		evsignal_add(sig_int, NULL);
		gw_log(GW_INFO, MOD, "ready");
		event_base_dispatch(gw.base);
		gw_log(GW_INFO, MOD, "stopped");
	}

	if (sig_term)
		event_free(sig_term);
	if (sig_int)
		event_free(sig_int);
	gw_api_free(&gw);
	gw_dev_free(&gw);
	gw_db_close(gw.db);
	gw_pki_free(&gw.pki);
	if (gw.base)
		event_base_free(gw.base);
	libevent_global_shutdown();
	return rc;
}
