/* deploybench.c - deployment request to "installed" on N devices.
 * SPDX-License-Identifier: Apache-2.0
 * N simulated devices on one libevent loop answer docs/protocol.md
 * "Applications" as the agent does
 * (tests/gateway/testapps.c); the request is docs/api.md's
 * POST /api/v1/deployments.
 *
 * deploybench DEV-PORT API-PORT CA CREDS-DIR N TOKEN MODULE-BYTES
 * CREDS-DIR holds NNNNN.pem (key, certificate) as `gwbench enroll`
 * writes them.
 */
#include "testdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/pem.h>

struct dev {
	struct bench *b;
	struct bufferevent *bev;
	char id[32];
	uint64_t next_id;
	int up;
	uint64_t done_ns;    /* when it reported installed */
	struct td_apps apps;
};

struct bench {
	struct event_base *base;
	SSL_CTX *ctx;
	struct sockaddr_in addr;
	struct dev *devs;
	int n, started, up, installed, failed, inflight;
	uint64_t t0;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sends m on the device's connection; notes when it says installed. */
static int dev_send(void *ctx, struct proto_msg *m)
{
	struct dev *d = ctx;
	uint8_t buf[2048];
	size_t n;

	m->id = ++d->next_id;
	if (proto_encode(m, buf, sizeof(buf), &n) != PROTO_OK)
		return -1;
	if (m->type == PROTO_APP_STATUS && d->done_ns == 0 &&
	    m->u.app_status.state == PROTO_APP_INSTALLED) {
		d->done_ns = now_ns();
		d->b->installed++;
		if (d->b->installed + d->b->failed == d->b->n)
			event_base_loopbreak(d->b->base);
	}
	return bufferevent_write(d->bev, buf, n);
}

static void send_hello(struct dev *d)
{
	static const char *const feats[] = { "wasi" };
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello.board.ptr = (const uint8_t *)"bench";
	m.u.hello.board.len = 5;
	m.u.hello.firmware.ptr = (const uint8_t *)"0";
	m.u.hello.firmware.len = 1;
	m.u.hello.ram = 192 * 1024;
	m.u.hello.flash = 1024 * 1024;
	m.u.hello.max_frame = 4096;
	m.u.hello.n_features = 1;
	m.u.hello.features[0].ptr = (const uint8_t *)feats[0];
	m.u.hello.features[0].len = 4;
	dev_send(d, &m);
}

static void start_more(struct bench *b);

static void on_msg(struct dev *d, const struct proto_msg *m)
{
	if (m->type == PROTO_WELCOME) {
		snprintf(d->id, sizeof(d->id), "%.*s",
			 (int)m->u.welcome.device_id.len,
			 (const char *)m->u.welcome.device_id.ptr);
		d->up = 1;
		d->b->up++;
		d->b->inflight--;
		if (d->b->up == d->b->n)
			event_base_loopbreak(d->b->base);
		start_more(d->b);
		return;
	}
	if (m->type == PROTO_ERROR && m->u.error.code == PROTO_CODE_BAD_HASH)
		d->b->failed++;
	td_apps_handle(&d->apps, m, dev_send, d);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct proto_msg m;
	uint8_t hdr[4];
	uint32_t n;

	while (evbuffer_get_length(in) >= 4) {
		evbuffer_copyout(in, hdr, 4);
		if (proto_frame_len(hdr, 65536, &n) != PROTO_OK ||
		    evbuffer_get_length(in) < 4 + (size_t)n)
			return;
		if (proto_decode(evbuffer_pullup(in, 4 + n) + 4, n, &m,
				 NULL) == PROTO_OK)
			on_msg(arg, &m);
		evbuffer_drain(in, 4 + n);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct dev *d = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		send_hello(d);
		return;
	}
	fprintf(stderr, "device %s: connection lost\n", d->id);
	d->b->failed++;
	if (!d->up)
		d->b->inflight--;
	bufferevent_disable(d->bev, EV_READ);
}

static struct dev *dev_open(struct bench *b, int i, const char *dir)
{
	struct dev *d = &b->devs[i];
	char path[512];
	EVP_PKEY *k;
	X509 *x;
	SSL *ssl;
	FILE *f;
	int one = 1;

	snprintf(path, sizeof(path), "%s/%05d.pem", dir, i);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ssl = SSL_new(b->ctx);
	SSL_use_certificate(ssl, x);
	SSL_use_PrivateKey(ssl, k);
	X509_free(x);
	EVP_PKEY_free(k);
	d->b = b;
	d->bev = bufferevent_openssl_socket_new(b->base, -1, ssl,
		BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(d->bev, on_read, NULL, on_event, d);
	bufferevent_enable(d->bev, EV_READ);
	if (bufferevent_socket_connect(d->bev, (struct sockaddr *)&b->addr,
				       sizeof(b->addr)) != 0)
		return NULL;
	setsockopt(bufferevent_getfd(d->bev), IPPROTO_TCP, TCP_NODELAY, &one,
		   sizeof(one));
	return d;
}

static const char *creds_dir;

/* Keeps at most 64 handshakes in flight until all n are started. */
static void start_more(struct bench *b)
{
	while (b->started < b->n && b->inflight < 64) {
		if (dev_open(b, b->started, creds_dir) == NULL) {
			fprintf(stderr, "no credentials %d\n", b->started);
			b->n = b->started;
			return;
		}
		b->started++;
		b->inflight++;
	}
}

/* A valid module of n bytes: header and one custom section. */
static uint8_t *make_module(size_t n)
{
	static const uint8_t head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	uint8_t *m = malloc(n);
	size_t body = n - sizeof(head) - 4, i;

	memcpy(m, head, sizeof(head));
	m[8] = 0;
	m[9] = (uint8_t)((body & 0x7f) | 0x80);
	m[10] = (uint8_t)(((body >> 7) & 0x7f) | 0x80);
	m[11] = (uint8_t)((body >> 14) & 0x7f);
	m[12] = 1;
	m[13] = 'x';
	for (i = 14; i < n; i++)
		m[i] = (uint8_t)(i * 7 + (size_t)time(NULL));
	return m;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Uploads and deploys to every device; returns the HTTP status. */
static int deploy(struct bench *b, struct td_gw *g, const char *token,
		  size_t size)
{
	uint8_t *mod = make_module(size);
	size_t cap = (size_t)b->n * 24 + 256, used;
	char *body = malloc(cap), r[4096], path[96];
	int i, code;

	snprintf(path, sizeof(path), "/api/v1/apps?name=bench&version=%ld",
		 (long)time(NULL));
	code = td_http_as(g, "POST", path, mod, size, token, r, sizeof(r));
	free(mod);
	if (code != 201) {
		fprintf(stderr, "upload: %d %s\n", code, r);
		free(body);
		return code;
	}
	used = (size_t)snprintf(body, cap, "{\"app\":\"bench\",\"version\":"
				"\"%s\",\"autostart\":false,\"devices\":[",
				path + strlen("/api/v1/apps?name=bench&"
					      "version="));
	for (i = 0; i < b->n; i++)
		used += (size_t)snprintf(body + used, cap - used, "%s\"%s\"",
					 i ? "," : "", b->devs[i].id);
	snprintf(body + used, cap - used, "]}");
	b->t0 = now_ns();
	code = td_http_as(g, "POST", "/api/v1/deployments", body,
			  strlen(body), token, r, sizeof(r));
	printf("POST /api/v1/deployments: %d in %.1f ms\n", code,
	       (double)(now_ns() - b->t0) / 1e6);
	free(body);
	return code;
}

static void report(struct bench *b, size_t size)
{
	uint64_t *t = calloc((size_t)b->n, sizeof(*t));
	int i, k = 0;

	for (i = 0; i < b->n; i++)
		if (b->devs[i].done_ns)
			t[k++] = b->devs[i].done_ns - b->t0;
	qsort(t, (size_t)k, sizeof(*t), cmp_u64);
	if (k > 0)
		printf("devices %d, module %zu bytes: installed on %d, failed"
		       " %d; first %.1f ms, p50 %.1f ms, p99 %.1f ms, all"
		       " %.1f ms\n", b->n, size, k, b->failed,
		       (double)t[0] / 1e6, (double)t[k / 2] / 1e6,
		       (double)t[(k * 99) / 100 < k ? (k * 99) / 100
			 : k - 1] / 1e6, (double)t[k - 1] / 1e6);
	free(t);
}

int main(int argc, char **argv)
{
	struct bench b;
	struct td_gw g;
	size_t size;
	int i, code;

	if (argc != 8) {
		fprintf(stderr, "usage: deploybench DEV-PORT API-PORT CA"
			" CREDS-DIR N TOKEN MODULE-BYTES\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	memset(&g, 0, sizeof(g));
	g.api_port = (uint16_t)atoi(argv[2]);
	creds_dir = argv[4];
	b.n = atoi(argv[5]);
	size = (size_t)atol(argv[7]);
	b.devs = calloc((size_t)b.n, sizeof(*b.devs));
	b.base = event_base_new();
	b.ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(b.ctx, TLS1_3_VERSION);
	SSL_CTX_load_verify_locations(b.ctx, argv[3], NULL);
	SSL_CTX_set_verify(b.ctx, SSL_VERIFY_PEER, NULL);
	b.addr.sin_family = AF_INET;
	b.addr.sin_port = htons((uint16_t)atoi(argv[1]));
	b.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	start_more(&b);
	event_base_dispatch(b.base);
	printf("%d of %d devices connected\n", b.up, b.n);
	code = deploy(&b, &g, argv[6], size);
	if (code == 201)
		event_base_dispatch(b.base);
	report(&b, size);

	/* Let the last statuses reach the gateway. */
	{
		struct timeval flush = { 1, 0 };

		event_base_loopexit(b.base, &flush);
		event_base_dispatch(b.base);
	}
	for (i = 0; i < b.n; i++) {
		if (b.devs[i].bev)
			bufferevent_free(b.devs[i].bev);
		td_apps_free(&b.devs[i].apps);
	}
	free(b.devs);
	SSL_CTX_free(b.ctx);
	event_base_free(b.base);
	return code == 201 && b.installed == b.n ? 0 : 1;
}
