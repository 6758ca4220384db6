/* test_agent_gw.c - wasmbed-device against the real wasmbed-gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Checks docs/protocol.md "Enrollment", "Session start", "Liveness" and
 * "Errors and closing" end to end, wolfSSL client to OpenSSL server.
 * Usage: test_agent_gw CASE GATEWAY_BIN DEVICE_BIN APPS_DIR
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent_fixture.h"
#include "testdev.h"

struct dev {
	pid_t pid;
	char dir[300];
	char log[320];
};

static const char *gw_bin, *dev_bin, *apps_dir;
static char base[200];
static int failures;

#define CHECK(c) check((c), #c, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
		failures++;
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Counts occurrences of needle in a file. */
static int file_count(const char *path, const char *needle)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	const char *p = buf;
	int c = 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	while ((p = strstr(p, needle)) != NULL) {
		c++;
		p += strlen(needle);
	}
	return c;
}

/* 1 once path holds needle at least times times, 0 after ms. */
static int file_wait(const char *path, const char *needle, int times,
		     int ms)
{
	int waited;

	for (waited = 0; waited <= ms; waited += 50) {
		if (file_count(path, needle) >= times)
			return 1;
		sleep_ms(50);
	}
	return 0;
}

/* Starts the gateway on g's ports if they are set, else on free ones
 * (td_gw_start); a restart keeps ports and data directory. */
static int gw_start(struct td_gw *g, const char *const *extra)
{
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/gw", base);
	if (td_gw_start(g, gw_bin, dir, extra) != 0)
		return -1;
	return 0;
}

static int gw_restart(struct td_gw *g)
{
	char dev[40], api[40], resp[256];
	int waited;

	snprintf(dev, sizeof(dev), "127.0.0.1:%u", g->dev_port);
	snprintf(api, sizeof(api), "127.0.0.1:%u", g->api_port);
	g->pid = fork();
	if (g->pid == 0) {
		int fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		execl(g->bin, g->bin, "--data-dir", g->dir, "--device-listen",
		      dev, "--api-listen", api, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; waited < 20000; waited += 50) {
		if (td_http(g, "GET", "/health", NULL, 0, resp,
			    sizeof(resp)) == 200)
			return 0;
		sleep_ms(50);
	}
	return -1;
}

static void dev_start(struct dev *d, const struct td_gw *g,
		      const char *name)
{
	char gwaddr[40];

	snprintf(d->dir, sizeof(d->dir), "%s/%s", base, name);
	snprintf(d->log, sizeof(d->log), "%s/%s.log", base, name);
	snprintf(gwaddr, sizeof(gwaddr), "127.0.0.1:%u", g->dev_port);
	d->pid = fork();
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		execl(dev_bin, dev_bin, "--gateway", gwaddr, "--data-dir",
		      d->dir, "--ca", g->ca, "--name", name,
		      "--backoff-min", "200ms", "--backoff-max", "800ms",
		      "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
}

/* SIGTERM; the exit status (0 expected: ASan finds no leak), or -1. */
static int dev_stop(struct dev *d)
{
	int st, waited;

	kill(d->pid, SIGTERM);
	for (waited = 0; waited < 10000; waited += 20) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		sleep_ms(20);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	return -1;
}

/* CPU time (user + system) of a process so far, in clock ticks. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';

	/* Fields 14 and 15, counted after the ")" ending the name. */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u "
				"%*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* An idle device uses under a tenth of a core over ms: no busy loop. */
static int idles(pid_t pid, int ms)
{
	long hz = sysconf(_SC_CLK_TCK), t0 = cpu_ticks(pid), t1;

	sleep_ms(ms);
	t1 = cpu_ticks(pid);
	if (t0 < 0 || t1 < 0)
		return 0;
	if ((t1 - t0) * 1000 > hz * ms / 10) {
		fprintf(stderr, "device used %ld ticks in %d ms\n", t1 - t0,
			ms);
		return 0;
	}
	return 1;
}

static int pairing(struct td_gw *g, int open)
{
	char resp[256];

	return td_http(g, "POST", open ? "/api/v1/pairing/open"
		       : "/api/v1/pairing/close", NULL, 1, resp,
		       sizeof(resp));
}

/* Reads the device id the agent stored. */
static void dev_id(const struct dev *d, char *id, size_t cap)
{
	char path[340];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/device.id", d->dir);
	f = fopen(path, "r");
	if (f) {
		n = fread(id, 1, cap - 1, f);
		fclose(f);
	}
	id[n] = '\0';
}

/* 1 if the API's view of device id holds needle. */
static int dev_has(struct td_gw *g, const char *id, const char *needle)
{
	char path[128], resp[4096];

	snprintf(path, sizeof(path), "/api/v1/devices/%s", id);
	if (td_http(g, "GET", path, NULL, 1, resp, sizeof(resp)) != 200)
		return 0;
	return strstr(resp, needle) != NULL;
}

static int dev_state(struct td_gw *g, const char *id, const char *want)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "\"state\":\"%s\"", want);
	return dev_has(g, id, needle);
}

/* Enrolls with pairing open, connects, says goodbye on SIGTERM; a
 * second start reuses the stored credentials. */
static void case_enroll(struct td_gw *g)
{
	struct dev d;
	char id[64];

	CHECK(pairing(g, 1) == 200);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "connected (linux", 1, 10000));
	dev_id(&d, id, sizeof(id));
	CHECK(strncmp(id, "wb-", 3) == 0);
	CHECK(dev_state(g, id, "connected"));
	CHECK(dev_has(g, id, "\"board\":\"linux\""));
	CHECK(dev_has(g, id, "\"name\":\"dev\""));
	CHECK(dev_stop(&d) == 0);
	CHECK(file_wait(g->log, "goodbye from device", 1, 5000));
	CHECK(dev_state(g, id, "disconnected"));

	/* Later start: mutual TLS, no new enrollment. */
	CHECK(pairing(g, 0) == 200);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "connected (linux", 2, 10000));
	CHECK(file_count(g->log, "enrolled device") == 1);
	CHECK(dev_stop(&d) == 0);
}

/* Pairing closed: refused with the reason, retried, then enrolled once
 * pairing opens. */
static void case_refused(struct td_gw *g)
{
	struct dev d;

	dev_start(&d, g, "dev");
	CHECK(file_wait(d.log, "refused by the gateway (reason 1)", 2,
			10000));
	CHECK(idles(d.pid, 1000));
	CHECK(pairing(g, 1) == 200);
	CHECK(file_wait(g->log, "connected (linux", 1, 10000));
	CHECK(dev_stop(&d) == 0);
}

/* A gateway that does not chain to the device's fleet CA is not
 * trusted: no request is sent to it. */
static void case_wrong_ca(struct td_gw *g)
{
	struct td_gw other;
	char dir[240];
	struct dev d;

	snprintf(dir, sizeof(dir), "%.200s/other", base);
	CHECK(td_gw_start(&other, gw_bin, dir, NULL) == 0);
	CHECK(td_gw_stop(&other) == 0);
	CHECK(pairing(g, 1) == 200);
	snprintf(g->ca, sizeof(g->ca), "%s/ca.crt", dir);
	dev_start(&d, g, "dev");
	CHECK(file_wait(d.log, "handshake failed", 2, 10000));
	CHECK(file_count(d.log, "sending certificate request") == 0);
	CHECK(file_count(g->log, "enrolled device") == 0);
	CHECK(dev_stop(&d) == 0);
}

/* Heartbeats at the gateway's interval keep the device reachable. */
static void case_heartbeat(struct td_gw *g)
{
	struct dev d;
	char id[64];

	CHECK(pairing(g, 1) == 200);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "connected (linux", 1, 10000));
	CHECK(file_wait(d.log, "heartbeat 200 ms", 1, 1000));
	CHECK(idles(d.pid, 1500));
	dev_id(&d, id, sizeof(id));
	CHECK(dev_state(g, id, "connected"));
	CHECK(file_count(g->log, "unreachable") == 0);
	CHECK(dev_stop(&d) == 0);
}

/* The gateway restarts; the device comes back by itself. */
static void case_reconnect(struct td_gw *g)
{
	struct dev d;
	char id[64];

	CHECK(pairing(g, 1) == 200);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "connected (linux", 1, 10000));
	CHECK(td_gw_stop(g) == 0);
	CHECK(file_wait(d.log, "gateway said goodbye", 1, 5000));
	sleep_ms(500);
	CHECK(gw_restart(g) == 0);
	CHECK(file_wait(g->log, "connected (linux", 2, 10000));
	dev_id(&d, id, sizeof(id));
	CHECK(dev_state(g, id, "connected"));

	/* A killed gateway too (no goodbye). */
	td_gw_kill9(g);
	CHECK(gw_restart(g) == 0);
	CHECK(file_wait(g->log, "connected (linux", 3, 10000));
	CHECK(dev_stop(&d) == 0);
}

/* Each "next attempt in N ms" of the device log lies in [d/2, d], d
 * from 200 ms doubling to the 800 ms cap; a welcome resets d. Returns
 * the number of attempts, or -1 if one is out of bounds. */
static int check_backoff(const char *log)
{
	char line[512];
	FILE *f = fopen(log, "r");
	unsigned d = 200, w;
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "next attempt in ");

		if (strstr(line, "connected as ") != NULL)
			d = 200;
		if (p == NULL || sscanf(p, "next attempt in %u", &w) != 1)
			continue;
		if (w < d / 2 || w > d) {
			fprintf(stderr, "attempt %d: %u ms, not in [%u, %u]\n",
				n, w, d / 2, d);
			n = -1;
			break;
		}
		d = d * 2 > 800 ? 800 : d * 2;
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

/* A revoked device is cut off and refused, and retries calmly. */
static void case_revoke(struct td_gw *g)
{
	struct dev d;
	char id[64], path[128], resp[512];
	int tries;

	CHECK(pairing(g, 1) == 200);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "connected (linux", 1, 10000));
	dev_id(&d, id, sizeof(id));
	snprintf(path, sizeof(path), "/api/v1/devices/%s/revoke", id);
	CHECK(td_http(g, "POST", path, NULL, 1, resp, sizeof(resp)) == 200);
	CHECK(file_wait(d.log, "session lost", 1, 5000));
	CHECK(file_wait(g->log, "revoked", 2, 5000));
	CHECK(idles(d.pid, 2000));
	CHECK(file_count(g->log, "connected (linux") == 1);

	/* Back-off, not a busy loop: a handful of tries in 2 s. */
	tries = check_backoff(d.log);
	CHECK(tries >= 2 && tries <= 12);
	CHECK(dev_stop(&d) == 0);
}

/* Installs counter as app 7 into a device's data directory, as the
 * gateway's deploy would have, before the device first starts. */
static int provision(const char *name)
{
	char dir[300];
	int ok;

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (fx_start(dir) != 0)
		return -1;
	ok = fx_deploy(apps_dir, 7, "counter", 100000, 1, 0) == AGENT_OK;
	fx_stop();
	return ok ? 0 : -1;
}

/* Reads the counter values the gateway stored for app 7, in seq order,
 * into vals; returns how many. */
static int stored_counts(struct td_gw *g, int *vals, int cap)
{
	char path[320];
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int n = 0, v;

	snprintf(path, sizeof(path), "%s/registry.db", g->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != 0)
		return -1;
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, "SELECT text FROM logs WHERE app_id=7 "
			       "ORDER BY seq", -1, &st, NULL) == SQLITE_OK)
		while (n < cap && sqlite3_step(st) == SQLITE_ROW)
			if (sscanf((const char *)sqlite3_column_text(st, 0),
				   "count %d", &v) == 1)
				vals[n++] = v;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Waits until the gateway holds at least want counter records. */
static int wait_counts(struct td_gw *g, int want, int ms)
{
	int vals[512], waited;

	for (waited = 0; waited <= ms; waited += 100) {
		if (stored_counts(g, vals, 512) >= want)
			return 1;
		sleep_ms(100);
	}
	return 0;
}

/* The last count the device's console shows app 7 printing (debug
 * lines "app 7: count N"), or -1. */
static int last_count(const char *log)
{
	char line[512];
	FILE *f = fopen(log, "r");
	int n = -1, v;

	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "app 7: count ");

		if (p && sscanf(p, "app 7: count %d", &v) == 1)
			n = v;
	}
	if (f)
		fclose(f);
	return n;
}

/* A running app: status, publish and log lines reach the gateway in
 * order, none lost or doubled across a killed gateway; a device
 * restart brings the app back. */
static void case_apps(struct td_gw *g)
{
	int vals[512], n, i, runs = 0, last, first_max = 0;
	struct dev d;

	CHECK(provision("dev") == 0);
	CHECK(pairing(g, 1) == 200);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "app 7 state 3", 1, 10000));
	CHECK(file_wait(g->log, "app 7 published", 1, 5000));
	CHECK(wait_counts(g, 3, 5000));

	/* Forced reconnect: records made meanwhile arrive later. */
	td_gw_kill9(g);
	sleep_ms(1200);
	CHECK(gw_restart(g) == 0);
	CHECK(file_wait(g->log, "connected (linux", 2, 10000));
	n = stored_counts(g, vals, 512);
	CHECK(wait_counts(g, n + 3, 5000));

	/* Device restart: the app is restored and counts from 1 again;
	 * what the first run said last arrives too (kept at the stop). */
	CHECK(dev_stop(&d) == 0);
	last = last_count(d.log);
	dev_start(&d, g, "dev");
	CHECK(file_wait(g->log, "app 7 state 3", 3, 10000));
	n = stored_counts(g, vals, 512);
	CHECK(wait_counts(g, n + 2, 5000));
	CHECK(dev_stop(&d) == 0);

	/* Each run counts 1, 2, 3... with no gap and no repeat. */
	n = stored_counts(g, vals, 512);
	printf("stored counts:");
	for (i = 0; i < n; i++)
		printf(" %d", vals[i]);
	printf("\n");
	for (i = 0; i < n; i++) {
		if (vals[i] == 1)
			runs++;
		else
			CHECK(i > 0 && vals[i] == vals[i - 1] + 1);
		if (runs == 1)
			first_max = vals[i];
	}
	CHECK(runs == 2);
	CHECK(n >= 8);
	CHECK(last > 0 && first_max == last);
}

int main(int argc, char **argv)
{
	static const char *const fast[] = { "--heartbeat-interval",
					    "200ms", NULL };
	struct td_gw g;
	const char *c;
	char cmd[300];

	if (argc != 5) {
		fprintf(stderr, "usage: test_agent_gw CASE GATEWAY DEVICE "
			"APPS_DIR\n");
		return 2;
	}
	c = argv[1];
	gw_bin = argv[2];
	dev_bin = argv[3];
	apps_dir = argv[4];
	snprintf(base, sizeof(base), "/tmp/wb-agent-%s-%d", c, (int)getpid());
	mkdir(base, 0700);
	if (gw_start(&g, strcmp(c, "heartbeat") == 0 ? fast : NULL) != 0) {
		fprintf(stderr, "gateway did not start\n");
		return 1;
	}
	if (strcmp(c, "enroll") == 0)
		case_enroll(&g);
	else if (strcmp(c, "refused") == 0)
		case_refused(&g);
	else if (strcmp(c, "heartbeat") == 0)
		case_heartbeat(&g);
	else if (strcmp(c, "reconnect") == 0)
		case_reconnect(&g);
	else if (strcmp(c, "revoke") == 0)
		case_revoke(&g);
	else if (strcmp(c, "wrong_ca") == 0)
		case_wrong_ca(&g);
	else if (strcmp(c, "apps") == 0)
		case_apps(&g);
	else
		CHECK(!"unknown case");
	CHECK(td_gw_stop(&g) == 0);
	if (failures == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", base);
	} else {
		fprintf(stderr, "logs kept in %s\n", base);
	}
	printf("%s %s\n", c, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
