/* ctl_main.c - wasmbed-controller: options, start-up, the main loop.
 * SPDX-License-Identifier: Apache-2.0
 * A Kubernetes controller (API conventions; list-watch informers,
 * Lease-based leader election) for the wasmbed.io custom resources of
 * deploy/k8s/crds; see docs/kubernetes.md.
 */
#include "ctl.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MOD "main"

static const char usage[] =
	"usage: wasmbed-controller [options]\n"
	"\n"
	"  --kubeconfig FILE    use FILE's current context (token users);\n"
	"                       default: the in-cluster service account\n"
	"  --namespace NS       where the resources live (default: the\n"
	"                       context's, the pod's, or \"default\")\n"
	"  --sync-period DUR    poll gateways this often (default 10s)\n"
	"  --leader-elect       hold a Lease; only the holder acts\n"
	"  --identity ID        name in the Lease (default HOST-PID)\n"
	"  --log-level LEVEL    error, warn, info or debug\n"
	"  --help               this text\n"
	"\n"
	"DUR is a number with ms, s or m (seconds if none). SIGTERM or\n"
	"SIGINT stop the controller, releasing the Lease.\n";

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Parses "250ms", "30s", "2m" or "30" into milliseconds; 0 if bad. */
static uint32_t parse_ms(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10), mul = 1000;

	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		return 0;
	if (end == s || v == 0 || v > 86400000ul / mul)
		return 0;
	return (uint32_t)(v * mul);
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

struct opts {
	const char *kubeconfig;
	const char *ns;
};

/* Fills c and o from argv; returns 0, 1 on a bad option, 2 for help. */
static int parse_args(struct ctl *c, struct opts *o, int argc,
		      char **argv)
{
	static const struct option opts[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "sync-period", required_argument, NULL, 's' },
		{ "leader-elect", no_argument, NULL, 'l' },
		{ "identity", required_argument, NULL, 'i' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, lvl;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': o->kubeconfig = optarg; break;
		case 'n': o->ns = optarg; break;
		case 'l': c->leader_elect = 1; break;
		case 'i':
			snprintf(c->identity, sizeof(c->identity), "%s",
				 optarg);
			break;
		case 's':
			if ((c->sync_ms = parse_ms(optarg)) == 0)
				return 1;
			break;
		case 'v':
			if ((lvl = parse_level(optarg)) < 0)
				return 1;
			ctl_log_set_level((enum ctl_level)lvl);
			break;
		case 'h': return 2;
		default: return 1;
		}
	}
	return optind == argc ? 0 : 1;
}

/* Loads the API server's address and credentials; picks namespace. */
static ctl_err connect_conf(struct ctl *c, const struct opts *o)
{
	struct ctl_kube *k = &c->kube;
	ctl_err rc = o->kubeconfig ? ctl_kcfg_file(&k->cfg, o->kubeconfig)
				   : ctl_kcfg_in_cluster(&k->cfg);

	if (rc != CTL_OK)
		return rc;
	k->tls.ca_file = k->cfg.ca_file;
	k->tls.ca_pem = k->cfg.ca_pem;
	k->tls.insecure = k->cfg.insecure;
	snprintf(k->ns, sizeof(k->ns), "%s", o->ns ? o->ns
		 : k->cfg.ns[0] ? k->cfg.ns : "default");
	if (c->identity[0] == '\0') {
		char host[64] = "controller";

		gethostname(host, sizeof(host) - 1);
		snprintf(c->identity, sizeof(c->identity), "%s-%ld", host,
			 (long)getpid());
	}
	ctl_log(CTL_INFO, MOD, "API server %s, namespace %s, identity %s",
		k->cfg.server, k->ns, c->identity);
	return CTL_OK;
}

/* 1 when every informer has listed once and none is waiting to
 * reconnect: while the API server is away, passes would only fail. */
static int synced(const struct ctl *c)
{
	uint64_t now = ctl_mono_ms();
	size_t i;

	for (i = 0; i < 3; i++)
		if (!c->inf[i].synced || c->inf[i].retry_at > now)
			return 0;
	return 1;
}

/* One reconcile pass if it is due: on the period, or on any change
 * a watch brought (our own status writes included: they settle). */
static void maybe_sync(struct ctl *c)
{
	uint64_t now = ctl_mono_ms();
	int dirty = c->inf[0].dirty | c->inf[1].dirty | c->inf[2].dirty;

	if (!c->leader || !synced(c) || (!dirty && now < c->next_sync))
		return;
	c->inf[0].dirty = c->inf[1].dirty = c->inf[2].dirty = 0;
	ctl_devices_sync(c);
	ctl_apps_sync(c);
	c->next_sync = ctl_mono_ms() + c->sync_ms;
}

static void run(struct ctl *c)
{
	while (!stopping) {
		ctl_inf_step(&c->infs, 250);
		ctl_lease_step(c);
		maybe_sync(c);
	}
	ctl_log(CTL_INFO, MOD, "stopping");
	ctl_lease_release(c);
}

int main(int argc, char **argv)
{
	static struct ctl c;
	struct opts o = { NULL, NULL };
	struct sigaction sa;
	int rc = parse_args(&c, &o, argc, argv);

	if (rc != 0) {
		fputs(usage, rc == 2 ? stdout : stderr);
		return rc == 2 ? 0 : 2;
	}
	if (c.sync_ms == 0)
		c.sync_ms = 10000;
	c.inf[CTL_INF_GW].plural = "gateways";
	c.inf[CTL_INF_DEV].plural = "devices";
	c.inf[CTL_INF_APP].plural = "applications";
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)getpid() ^ (unsigned)ctl_now_ms());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = 1;
	if (connect_conf(&c, &o) == CTL_OK &&
	    ctl_inf_init(&c.infs, &c.kube, c.inf, 3) == CTL_OK) {
		run(&c);
		rc = 0;
	}
	ctl_inf_free(&c.infs);
	ctl_kcfg_free(&c.kube.cfg);
	curl_global_cleanup();
	return rc;
}
