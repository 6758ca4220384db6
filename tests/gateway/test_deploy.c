/* test_deploy.c - the gateway's apps, deployments, logs and HTTP API.
 * SPDX-License-Identifier: Apache-2.0
 * Checks docs/api.md and the gateway's side of docs/protocol.md
 * "Applications", with the OpenSSL test device and the real agent.
 *
 * Usage: test_deploy CASE GATEWAY [DEVICE APPS-DIR]. Each case starts
 * its own gateway and requires it to exit 0 on SIGTERM (under
 * LeakSanitizer: nothing leaked).
 */
#include "testdev.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static struct td_gw gw;
static char tmp[64] = "/tmp/wbdep-XXXXXX";
static char data[128];
static const char *bin, *device_bin, *apps_dir;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			failures++;                                        \
		}                                                          \
	} while (0)

struct dev {
	EVP_PKEY *key;
	X509 *cert;
	char id[32];
	struct td *t;
	struct td_apps apps;
};

static int start(const char *const *extra)
{
	if (td_gw_start(&gw, bin, data, extra) != 0) {
		fprintf(stderr, "gateway did not start\n");
		failures++;
		return -1;
	}
	return 0;
}

static void stop(void)
{
	CHECK(td_gw_stop(&gw) == 0);
}

static int api(const char *method, const char *path, const char *body,
	       char *resp, size_t cap)
{
	return td_http(&gw, method, path, body, 1, resp, cap);
}

static int enroll(struct dev *d)
{
	char r[256];

	if (api("POST", "/api/v1/pairing/open", NULL, r, sizeof(r)) != 200)
		return -1;
	d->key = td_keygen();
	d->t = calloc(1, sizeof(*d->t));
	d->t->fd = -1;
	return td_enroll(gw.dev_port, gw.ca, d->key, &d->cert, d->id);
}

/* Mutual TLS, hello, and the app statuses a device reports then. */
static int dev_up(struct dev *d)
{
	struct td_opts o = { d->key, d->cert, 0 };
	struct proto_msg w;

	if (td_connect(d->t, gw.dev_port, gw.ca, &o) != 0 ||
	    td_hello(d->t, &w) != 0)
		return -1;
	return td_apps_report(&d->apps, td_send_cb, d->t);
}

static void dev_free(struct dev *d)
{
	td_close(d->t);
	free(d->t);
	td_apps_free(&d->apps);
	EVP_PKEY_free(d->key);
	X509_free(d->cert);
}

/* A valid module of n bytes: the header and one custom section whose
 * bytes hold fill. */
static size_t make_module(uint8_t *out, size_t n, uint8_t fill)
{
	static const uint8_t head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	size_t body = n - sizeof(head) - 4;

	memcpy(out, head, sizeof(head));
	out[8] = 0;
	/* Section size as a 3-byte LEB128, then a 1-byte name "x". */
	out[9] = (uint8_t)((body & 0x7f) | 0x80);
	out[10] = (uint8_t)(((body >> 7) & 0x7f) | 0x80);
	out[11] = (uint8_t)((body >> 14) & 0x7f);
	memset(out + 12, fill, body);
	out[12] = 1;
	out[13] = 'x';
	return n;
}

static int upload(const char *name, const char *version, const void *mod,
		  size_t len, char *r, size_t cap)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/apps?name=%s&version=%s", name,
		 version);
	return td_http_as(&gw, "POST", path, mod, len, gw.token, r, cap);
}

/* The "state" of device id in a deployment, into out. */
static void target_state(int dep, const char *id, char *out, size_t cap)
{
	char path[64], r[16384];
	const char *p;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/api/v1/deployments/%d/devices", dep);
	if (api("GET", path, NULL, r, sizeof(r)) != 200)
		return;
	p = strstr(r, id);
	p = p ? strstr(p, "\"state\":\"") : NULL;
	if (p != NULL)
		snprintf(out, cap, "%.*s", (int)strcspn(p + 9, "\""), p + 9);
}

/* Serves both devices until d's target reaches want (or 10 s). */
static int reach(struct dev *d, struct dev *other, int dep,
		 const char *want)
{
	char st[32];
	int i;

	for (i = 0; i < 100; i++) {
		if (td_serve(d->t, &d->apps, 50) < 0)
			return 0;
		if (other != NULL && td_serve(other->t, &other->apps, 10) < 0)
			return 0;
		target_state(dep, d->id, st, sizeof(st));
		if (strcmp(st, want) == 0)
			return 1;
	}
	fprintf(stderr, "%s: state %s, wanted %s\n", d->id, st, want);
	return 0;
}

/* Upload: created, idempotent, conflicting, invalid, too large. */
static void check_uploads(uint8_t *mod, size_t n)
{
	static const uint8_t bad[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4,
				       1, 0x60, 9, 9 };
	char r[4096];

	CHECK(upload("demo", "1.0", mod, n, r, sizeof(r)) == 201);
	CHECK(strstr(r, "\"sha256\":\"") != NULL);
	CHECK(strstr(r, "\"uploaded_by\":\"admin\"") != NULL);
	CHECK(upload("demo", "1.0", mod, n, r, sizeof(r)) == 200);
	make_module(mod, n, 0x22);
	CHECK(upload("demo", "1.0", mod, n, r, sizeof(r)) == 409);
	CHECK(strstr(r, "new version") != NULL);
	CHECK(upload("demo", "2.0", mod, n, r, sizeof(r)) == 201);
	CHECK(upload("demo", "bad", bad, sizeof(bad), r, sizeof(r)) == 422);
	CHECK(strstr(r, "\"code\":\"invalid_module\"") != NULL);
	CHECK(strstr(r, "refused by the engine") != NULL);
	CHECK(upload("demo", "big", mod, 300000, r, sizeof(r)) == 413);
	CHECK(strstr(r, "\"code\":\"too_large\"") != NULL);
	CHECK(upload("d e", "1", mod, n, r, sizeof(r)) == 400);
	CHECK(api("GET", "/api/v1/apps", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"version\":\"2.0\"") != NULL);
	CHECK(api("GET", "/api/v1/apps/demo", NULL, r, sizeof(r)) == 200);
	CHECK(api("GET", "/api/v1/apps/demo/1.0", NULL, r, sizeof(r)) ==
	      200);
	CHECK(api("GET", "/api/v1/apps/nope", NULL, r, sizeof(r)) == 404);
}

/* Deploy, a device connecting later, update, stop, start, remove. */
static void case_deploy(void)
{
	static uint8_t mod[300000];
	struct dev a = { 0 }, b = { 0 };
	char body[400], r[16384];
	size_t n = make_module(mod, 16384, 0x11);
	unsigned deploys;

	if (start(NULL))
		return;
	CHECK(enroll(&a) == 0 && enroll(&b) == 0);
	CHECK(dev_up(&a) == 0);
	check_uploads(mod, n);
	snprintf(body, sizeof(body), "{\"app\":\"demo\",\"version\":\"1.0\","
		 "\"devices\":[\"%s\",\"%s\"],\"memory_limit\":65536,"
		 "\"fuel_limit\":100000,\"autostart\":true}", a.id, b.id);
	CHECK(api("POST", "/api/v1/deployments", body, r, sizeof(r)) == 201);
	CHECK(strstr(r, "\"id\":1,") != NULL);
	CHECK(reach(&a, NULL, 1, "running"));
	CHECK(a.apps.deploys == 1 && a.apps.chunks == 5);
	CHECK(a.apps.max_chunk > 3800 && a.apps.max_chunk <= 4096 - 64);

	/* A device that connects later is driven there too. */
	target_state(1, b.id, r, sizeof(r));
	CHECK(strcmp(r, "pending") == 0);
	CHECK(dev_up(&b) == 0);
	CHECK(reach(&b, &a, 1, "running"));
	CHECK(api("GET", "/api/v1/deployments/1", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"state\":\"converged\"") != NULL);
	CHECK(strstr(r, "\"connected\":true") != NULL);

	/* Reconnecting re-reports; nothing is sent again. */
	td_close(a.t);
	CHECK(dev_up(&a) == 0);
	CHECK(td_serve(a.t, &a.apps, 500) >= 0 && a.apps.deploys == 1);

	/* A device that lost the app (heartbeat without it) gets it again. */
	td_apps_free(&a.apps);
	CHECK(td_beat(a.t, &a.apps) == 0);
	CHECK(reach(&a, NULL, 1, "running") && a.apps.deploys == 1);

	/* Update to a new version, stop, start again. */
	CHECK(api("PATCH", "/api/v1/deployments/1", "{\"version\":\"2.0\"}",
		  r, sizeof(r)) == 200);
	CHECK(reach(&a, &b, 1, "running") && reach(&b, &a, 1, "running"));
	CHECK(a.apps.deploys == 2 && b.apps.deploys == 2);
	CHECK(api("PATCH", "/api/v1/deployments/1", "{\"autostart\":false}",
		  r, sizeof(r)) == 200);
	CHECK(reach(&a, &b, 1, "installed") && reach(&b, &a, 1,
						      "installed"));
	CHECK(api("PATCH", "/api/v1/deployments/1", "{\"autostart\":true}",
		  r, sizeof(r)) == 200);
	CHECK(reach(&a, &b, 1, "running"));
	CHECK(api("DELETE", "/api/v1/apps/demo/2.0", NULL, r, sizeof(r)) ==
	      409);

	/* Remove: the deployment goes once both devices removed it. */
	deploys = a.apps.deploys;
	CHECK(api("DELETE", "/api/v1/deployments/1", NULL, r, sizeof(r)) ==
	      202);
	CHECK(strstr(r, "\"state\":\"removing\"") != NULL);
	td_serve(a.t, &a.apps, 300);
	td_serve(b.t, &b.apps, 300);
	CHECK(a.apps.removes == 1 && b.apps.removes == 1);
	CHECK(a.apps.app[0].id == 0 && deploys == a.apps.deploys);
	CHECK(api("GET", "/api/v1/deployments/1", NULL, r, sizeof(r)) == 404);
	CHECK(api("DELETE", "/api/v1/apps/demo/1.0", NULL, r, sizeof(r)) ==
	      200);

	/* Deleted while its module is on the way: removed once there. */
	snprintf(body, sizeof(body), "{\"app\":\"demo\",\"version\":\"2.0\","
		 "\"devices\":[\"%s\"]}", a.id);
	CHECK(api("POST", "/api/v1/deployments", body, r, sizeof(r)) == 201);
	CHECK(api("DELETE", "/api/v1/deployments/2", NULL, r, sizeof(r)) ==
	      202);
	CHECK(strstr(r, "\"state\":\"removed\"") != NULL);
	td_serve(a.t, &a.apps, 500);
	CHECK(a.apps.deploys == deploys + 1 && a.apps.removes == 2);
	CHECK(a.apps.app[0].id == 0);
	CHECK(api("GET", "/api/v1/audit", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"action\":\"deployment.create\"") != NULL);
	CHECK(strstr(r, "\"action\":\"deployment.delete\"") != NULL);
	CHECK(strstr(r, "\"action\":\"app.delete\"") != NULL);
	dev_free(&a);
	dev_free(&b);
	stop();
}

/* A transfer cut by a lost connection starts again on the next. */
static void cut_transfer(struct dev *a, uint8_t *mod, size_t n)
{
	struct proto_msg m;
	char r[4096];
	unsigned deploys = a->apps.deploys;

	make_module(mod, n, 0x66);
	CHECK(upload("x", "3", mod, n, r, sizeof(r)) == 201);
	CHECK(api("PATCH", "/api/v1/deployments/2", "{\"version\":\"3\"}", r,
		  sizeof(r)) == 200);
	CHECK(td_recv(a->t, &m, 5000) == 0 && m.type == PROTO_DEPLOY);
	CHECK(td_apps_handle(&a->apps, &m, td_send_cb, a->t) == 1);
	CHECK(td_recv(a->t, &m, 5000) == 0 && m.type == PROTO_CHUNK);
	td_close(a->t);
	CHECK(dev_up(a) == 0);
	CHECK(reach(a, NULL, 2, "running"));

	/* The new session also retried the update that failed its hash. */
	CHECK(reach(a, NULL, 1, "running"));
	CHECK(a->apps.deploys == deploys + 3);
}

/* A bad hash fails once and is not retried in a loop; a full device
 * says no-space; both are recorded with their reason. */
static void case_failures(void)
{
	static uint8_t mod[20000];
	struct dev a = { 0 };
	char body[300], r[16384], path[64];
	size_t n = make_module(mod, 9000, 0x33);
	int i;

	if (start(NULL))
		return;
	CHECK(enroll(&a) == 0 && dev_up(&a) == 0);
	CHECK(upload("x", "1", mod, n, r, sizeof(r)) == 201);
	snprintf(body, sizeof(body), "{\"app\":\"x\",\"version\":\"1\","
		 "\"devices\":[\"%s\"]}", a.id);
	for (i = 1; i <= TD_APPS + 1; i++)
		CHECK(api("POST", "/api/v1/deployments", body, r, sizeof(r))
		      == 201);
	CHECK(reach(&a, NULL, TD_APPS, "running"));
	CHECK(reach(&a, NULL, TD_APPS + 1, "failed"));
	snprintf(path, sizeof(path), "/api/v1/deployments/%d", TD_APPS + 1);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "no-space") != NULL);
	CHECK(strstr(r, "\"state\":\"failed\"") != NULL);

	/* Corrupt the transfer of an update: bad-hash, once. */
	a.apps.corrupt = 1;
	make_module(mod, n, 0x44);
	CHECK(upload("x", "2", mod, n, r, sizeof(r)) == 201);
	CHECK(api("PATCH", "/api/v1/deployments/1", "{\"version\":\"2\"}", r,
		  sizeof(r)) == 200);
	CHECK(reach(&a, NULL, 1, "failed"));
	CHECK(td_serve(a.t, &a.apps, 500) >= 0);
	CHECK(a.apps.deploys == TD_APPS + 1);
	CHECK(api("GET", "/api/v1/deployments/1", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "bad-hash") != NULL);
	cut_transfer(&a, mod, n);
	dev_free(&a);
	stop();
}

/* Errors: JSON, field types, tokens, roles. */
static void case_errors(void)
{
	char r[4096], tok[80] = "", path[64];
	const char *p;

	if (start(NULL))
		return;
	CHECK(api("POST", "/api/v1/deployments", "{\"app\":", r, sizeof(r))
	      == 400);
	CHECK(strstr(r, "\"code\":\"bad_json\"") != NULL);
	CHECK(api("POST", "/api/v1/deployments", "{\"app\":1,\"version\":"
		  "\"1\",\"devices\":[\"x\"]}", r, sizeof(r)) == 400);
	CHECK(strstr(r, "app\\\" must be a string") != NULL);
	CHECK(api("POST", "/api/v1/deployments", "{\"app\":\"a\",\"version\":"
		  "\"1\",\"devices\":\"x\"}", r, sizeof(r)) == 400);
	CHECK(api("POST", "/api/v1/deployments", "{\"app\":\"a\",\"version\":"
		  "\"1\",\"devices\":[\"x\"],\"autostart\":1}", r,
		  sizeof(r)) == 400);
	CHECK(api("POST", "/api/v1/deployments", "{\"app\":\"a\",\"version\":"
		  "\"1\",\"devices\":[\"x\"],\"memory_limit\":-1}", r,
		  sizeof(r)) == 400);
	CHECK(api("POST", "/api/v1/deployments", "{\"version\":\"1\"}", r,
		  sizeof(r)) == 400);
	CHECK(strstr(r, "required") != NULL);
	CHECK(api("POST", "/api/v1/deployments", "{\"app\":\"a\",\"version\":"
		  "\"1\",\"devices\":[\"x\"]}", r, sizeof(r)) == 404);
	CHECK(strstr(r, "upload it first") != NULL);
	CHECK(api("GET", "/api/v1/deployments/abc", NULL, r, sizeof(r)) ==
	      404);
	CHECK(api("PUT", "/api/v1/deployments", NULL, r, sizeof(r)) == 405);
	CHECK(api("GET", "/api/v1/devices/x/logs?limit=0", NULL, r,
		  sizeof(r)) == 400);
	CHECK(td_http(&gw, "GET", "/api/v1/apps", NULL, 0, r, sizeof(r)) ==
	      401);
	CHECK(strstr(r, "\"code\":\"unauthorized\"") != NULL);
	CHECK(td_http(&gw, "GET", "/api/v1/apps", NULL, 2, r, sizeof(r)) ==
	      401);

	/* A viewer reads but does not change; an operator has no tokens. */
	CHECK(api("POST", "/api/v1/tokens", "{\"name\":\"v\",\"role\":"
		  "\"viewer\"}", r, sizeof(r)) == 201);
	p = strstr(r, "\"token\":\"");
	if (p != NULL)
		snprintf(tok, sizeof(tok), "%.64s", p + 9);
	CHECK(td_http_as(&gw, "GET", "/api/v1/apps", NULL, 0, tok, r,
			 sizeof(r)) == 200);
	CHECK(td_http_as(&gw, "POST", "/api/v1/pairing/open", NULL, 0, tok,
			 r, sizeof(r)) == 403);
	CHECK(strstr(r, "needs the operator role") != NULL);
	CHECK(api("POST", "/api/v1/tokens", "{\"name\":\"o\",\"role\":"
		  "\"operator\"}", r, sizeof(r)) == 201);
	p = strstr(r, "\"token\":\"");
	if (p != NULL)
		snprintf(tok, sizeof(tok), "%.64s", p + 9);
	CHECK(td_http_as(&gw, "POST", "/api/v1/pairing/open", NULL, 0, tok,
			 r, sizeof(r)) == 200);
	CHECK(td_http_as(&gw, "GET", "/api/v1/tokens", NULL, 0, tok, r,
			 sizeof(r)) == 403);
	CHECK(api("POST", "/api/v1/tokens", "{\"name\":\"o\",\"role\":"
		  "\"king\"}", r, sizeof(r)) == 400);
	CHECK(api("GET", "/api/v1/tokens", NULL, r, sizeof(r)) == 200);
	p = strstr(r, "\"id\":\"t-");
	CHECK(p != NULL);
	if (p != NULL) {
		p = strstr(p + 1, "\"id\":\"t-");
		snprintf(path, sizeof(path), "/api/v1/tokens/%.10s",
			 p ? p + 6 : "x");
		CHECK(api("DELETE", path, NULL, r, sizeof(r)) == 200);
	}
	CHECK(td_http_as(&gw, "GET", "/api/v1/apps", NULL, 0, tok, r,
			 sizeof(r)) == 401);
	CHECK(api("DELETE", "/api/v1/tokens/admin", NULL, r, sizeof(r)) ==
	      409);
	CHECK(api("GET", "/api/v1/audit", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"actor\":\"o\",\"role\":\"operator\",\"action\":"
		     "\"pairing.open\"") != NULL);
	CHECK(strstr(r, "\"action\":\"token.revoke\"") != NULL);
	CHECK(td_http(&gw, "GET", "/metrics", NULL, 0, r, sizeof(r)) == 200);
	CHECK(strstr(r, "wasmbed_devices{state=\"connected\"} 0") != NULL);
	CHECK(strstr(r, "wasmbed_frames_total{dir=\"in\"}") != NULL);
	CHECK(strstr(r, "wasmbed_log_records_dropped_total 0") != NULL);
	stop();
}

static void send_logs(struct td *t, uint64_t first, uint32_t n)
{
	struct proto_msg m;
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_LOG;
	m.u.log.n_records = n;
	for (i = 0; i < n; i++) {
		m.u.log.records[i].seq = first + i;
		m.u.log.records[i].app_id = 7;
		m.u.log.records[i].level = 2;
		m.u.log.records[i].text.ptr = (const uint8_t *)"tick";
		m.u.log.records[i].text.len = 4;
	}
	CHECK(td_send(t, &m) == 0);
	td_serve(t, NULL, 200);
}

/* Logs: bounded with a drop counter, read, and followed. */
static void case_logs(void)
{
	static const char *const extra[] = { "--log-keep", "20", NULL };
	struct dev a = { 0 };
	char path[160], r[16384];
	int fds[2], code = 0;
	pid_t child;

	if (start(extra))
		return;
	CHECK(enroll(&a) == 0 && dev_up(&a) == 0);
	send_logs(a.t, 1, 16);
	send_logs(a.t, 17, 14);
	snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?limit=5", a.id);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"seq\":11,\"app_id\":7") != NULL);
	CHECK(strstr(r, "\"level\":\"info\",\"text\":\"tick\"") != NULL);
	CHECK(strstr(r, "\"last_seq\":15,\"first_seq\":11,\"dropped\":10")
	      != NULL);

	/* Follow: the held request returns once a record arrives. */
	CHECK(pipe(fds) == 0);
	child = fork();
	if (child == 0) {
		snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?after="
			 "30&wait=20", a.id);
		code = api("GET", path, NULL, r, sizeof(r));
		dprintf(fds[1], "%d %s", code, r);
		_exit(0);
	}
	close(fds[1]);
	usleep(500000);
	send_logs(a.t, 31, 1);
	r[read(fds[0], r, sizeof(r) - 1) > 0 ? strlen(r) : 0] = '\0';
	CHECK(strncmp(r, "200 ", 4) == 0 && strstr(r, "\"seq\":31") != NULL);
	close(fds[0]);
	waitpid(child, NULL, 0);
	snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?after=31&"
		 "wait=1", a.id);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "\"records\":[],\"last_seq\":31") != NULL);
	CHECK(td_http(&gw, "GET", "/metrics", NULL, 0, r, sizeof(r)) == 200);
	CHECK(strstr(r, "wasmbed_log_records_dropped_total 11") != NULL);
	snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?wait=30", a.id);
	/* A follower still held at shutdown is answered, not leaked. */
	child = fork();
	if (child == 0) {
		snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?after="
			 "99&wait=30", a.id);
		_exit(api("GET", path, NULL, r, sizeof(r)) == 200 ? 0 : 1);
	}
	usleep(300000);
	snprintf(path, sizeof(path), "/api/v1/devices/%s", a.id);
	CHECK(api("DELETE", path, NULL, r, sizeof(r)) == 200);
	CHECK(api("GET", path, NULL, r, sizeof(r)) == 404);
	dev_free(&a);
	stop();
	waitpid(child, &code, 0);
	CHECK(WIFEXITED(code));
}

/* Whatever the API acknowledged survives kill -9. */
static void case_kill9(void)
{
	static uint8_t mod[8192];
	struct dev a = { 0 };
	char body[300], r[16384];
	size_t n = make_module(mod, sizeof(mod), 0x55);

	if (start(NULL))
		return;
	CHECK(enroll(&a) == 0);
	CHECK(upload("k", "1", mod, n, r, sizeof(r)) == 201);
	snprintf(body, sizeof(body), "{\"app\":\"k\",\"version\":\"1\","
		 "\"devices\":[\"%s\"]}", a.id);
	CHECK(api("POST", "/api/v1/deployments", body, r, sizeof(r)) == 201);
	CHECK(api("POST", "/api/v1/tokens", "{\"name\":\"ci\",\"role\":"
		  "\"operator\"}", r, sizeof(r)) == 201);
	td_gw_kill9(&gw);

	if (start(NULL))
		return;
	CHECK(api("GET", "/api/v1/apps/k/1", NULL, r, sizeof(r)) == 200);
	CHECK(api("GET", "/api/v1/tokens", NULL, r, sizeof(r)) == 200 &&
	      strstr(r, "\"name\":\"ci\"") != NULL);
	CHECK(api("GET", "/api/v1/audit", NULL, r, sizeof(r)) == 200);
	CHECK(strstr(r, "app.upload") && strstr(r, "deployment.create") &&
	      strstr(r, "token.create"));
	CHECK(dev_up(&a) == 0);
	CHECK(reach(&a, NULL, 1, "running"));
	dev_free(&a);
	stop();
}

/* ---- the real device agent ---- */

static pid_t run_device(const char *dir)
{
	char gwaddr[40];
	pid_t pid;

	snprintf(gwaddr, sizeof(gwaddr), "127.0.0.1:%u", gw.dev_port);
	pid = fork();
	if (pid == 0) {
		char log[200];
		FILE *f;

		snprintf(log, sizeof(log), "%s/device.log", tmp);
		f = freopen(log, "a", stderr);
		(void)f;
		execl(device_bin, device_bin, "--gateway", gwaddr,
		      "--data-dir", dir, "--ca", gw.ca, "--name", "e2e",
		      "--backoff-min", "100ms", "--backoff-max", "500ms",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static size_t read_file(const char *name, uint8_t *buf, size_t cap)
{
	char path[400];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", apps_dir, name);
	f = fopen(path, "rb");
	if (f != NULL) {
		n = fread(buf, 1, cap, f);
		fclose(f);
	}
	return n;
}

/* The id of the one enrolled device, once there is one. */
static int device_id(char *out, size_t cap)
{
	char r[8192];
	const char *p;
	int i;

	for (i = 0; i < 100; i++) {
		if (api("GET", "/api/v1/devices", NULL, r, sizeof(r)) == 200 &&
		    (p = strstr(r, "\"id\":\"")) != NULL &&
		    strstr(r, "\"state\":\"connected\"") != NULL) {
			snprintf(out, cap, "%.*s", (int)strcspn(p + 6, "\""),
				 p + 6);
			return 0;
		}
		usleep(100000);
	}
	return -1;
}

/* Polls until the target of device id in deployment 1 is want. */
static int wait_state(const char *id, const char *want)
{
	char st[32] = "";
	int i;

	for (i = 0; i < 150; i++) {
		target_state(1, id, st, sizeof(st));
		if (strcmp(st, want) == 0)
			return 1;
		usleep(100000);
	}
	fprintf(stderr, "state %s, wanted %s\n", st, want);
	return 0;
}

/* Polls the device's log records for needle. */
static int wait_log(const char *id, const char *needle)
{
	char path[160], r[65536];
	int i;

	snprintf(path, sizeof(path), "/api/v1/devices/%s/logs?limit=1000&"
		 "wait=1", id);
	for (i = 0; i < 50; i++) {
		if (api("GET", path, NULL, r, sizeof(r)) == 200 &&
		    strstr(r, needle) != NULL)
			return 1;
		usleep(200000);
	}
	fprintf(stderr, "no %s in %s\n", needle, r);
	return 0;
}

/* wasmbed-device with the sample apps: upload, deploy, running, log
 * lines, update, stop, remove. */
static void case_e2e(void)
{
	static uint8_t hello[300000], counter[300000];
	size_t nh = read_file("hello.wasm", hello, sizeof(hello));
	size_t nc = read_file("counter.wasm", counter, sizeof(counter));
	char dir[200], id[40] = "", body[300], r[16384];
	pid_t dev;
	int st = 0;

	CHECK(nh > 0 && nc > 0);
	if (start(NULL))
		return;
	CHECK(api("POST", "/api/v1/pairing/open", NULL, r, sizeof(r)) ==
	      200);
	snprintf(dir, sizeof(dir), "%s/dev", tmp);
	dev = run_device(dir);
	CHECK(device_id(id, sizeof(id)) == 0);
	CHECK(upload("demo", "1.0", hello, nh, r, sizeof(r)) == 201);
	CHECK(upload("demo", "2.0", counter, nc, r, sizeof(r)) == 201);
	snprintf(body, sizeof(body), "{\"app\":\"demo\",\"version\":\"1.0\","
		 "\"devices\":[\"%s\"]}", id);
	CHECK(api("POST", "/api/v1/deployments", body, r, sizeof(r)) == 201);
	CHECK(wait_log(id, "hello from wasmbed, line 3"));
	CHECK(wait_state(id, "installed"));

	CHECK(api("PATCH", "/api/v1/deployments/1", "{\"version\":\"2.0\"}",
		  r, sizeof(r)) == 200);
	CHECK(wait_state(id, "running"));
	CHECK(td_log_wait(&gw, "app 1 state 3", 5000));
	CHECK(wait_log(id, "\"text\":\"count 2\""));
	CHECK(api("GET", "/api/v1/deployments/1", NULL, r, sizeof(r)) ==
	      200 && strstr(r, "\"state\":\"converged\"") != NULL);
	CHECK(api("PATCH", "/api/v1/deployments/1", "{\"autostart\":false}",
		  r, sizeof(r)) == 200);
	CHECK(wait_state(id, "installed"));
	CHECK(api("DELETE", "/api/v1/deployments/1", NULL, r, sizeof(r)) ==
	      202);
	for (st = 0; st < 100 && api("GET", "/api/v1/deployments/1", NULL, r,
				     sizeof(r)) != 404; st++)
		usleep(100000);
	CHECK(st < 100);
	CHECK(td_log_wait(&gw, "app 1 state 0", 1000));
	kill(dev, SIGTERM);
	waitpid(dev, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	stop();
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "deploy", case_deploy },
	{ "failures", case_failures },
	{ "errors", case_errors },
	{ "logs", case_logs },
	{ "kill9", case_kill9 },
	{ "e2e", case_e2e },
};

static void show_logs(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "cat %s %s/device.log >&2 2>/dev/null",
		 gw.log, tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "(no complete logs)\n");
}

int main(int argc, char **argv)
{
	char cmd[200];
	size_t i;

	if (argc < 3 || mkdtemp(tmp) == NULL) {
		fprintf(stderr, "usage: test_deploy CASE GATEWAY [DEVICE"
			" APPS-DIR]\n");
		return 2;
	}
	bin = argv[2];
	device_bin = argc > 3 ? argv[3] : NULL;
	apps_dir = argc > 4 ? argv[4] : NULL;
	snprintf(data, sizeof(data), "%s/data", tmp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(argv[1], cases[i].name) == 0)
			break;
	if (i == sizeof(cases) / sizeof(cases[0]) ||
	    (strcmp(argv[1], "e2e") == 0 && apps_dir == NULL)) {
		fprintf(stderr, "no case %s (e2e needs DEVICE APPS-DIR)\n",
			argv[1]);
		return 2;
	}
	cases[i].run();
	td_gw_kill9(&gw);
	if (failures)
		show_logs();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	printf("%s: %s\n", argv[1], failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
