/* gwbench.c - load generator for the gateway's device endpoint.
 * SPDX-License-Identifier: Apache-2.0
 * Many concurrent TLS 1.3 (RFC 8446) device sessions speaking
 * docs/protocol.md, on one libevent loop.
 *
 * gwbench enroll   PORT CA DIR N        enroll N devices, creds in DIR
 * gwbench handshake PORT CA DIR SECS C  full mutual-TLS handshakes/s,
 *        each confirmed by one request/reply after it
 * gwbench session  PORT CA DIR SECS C   handshake + hello/welcome per s
 * gwbench hold     PORT CA DIR N PID SECS
 *        hold N sessions, report the gateway's memory per session, then
 *        heartbeat each session at the interval the gateway asked for
 *        (BEAT_MS overrides it) for SECS and report round trip p50/p99
 *        gwbench hold     PORT CA DIR N PID SECS [BEAT_MS [stop]]
 *        with "stop", then SIGTERM the gateway and time how long until
 *        every session got its goodbye and was closed
 */
#include "testdev.h"

#include <signal.h>
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
#include <openssl/err.h>
#include <openssl/pem.h>

enum mode { M_HANDSHAKE, M_SESSION, M_HOLD };

struct cred {
	EVP_PKEY *key;
	X509 *cert;
};

struct conn {
	struct bench *b;
	struct bufferevent *bev;
	struct event *beat;
	int idx;
	int up;
	uint64_t next_id;
	uint64_t beat_id;
	uint64_t sent_ns;
};

struct bench {
	enum mode mode;
	struct event_base *base;
	SSL_CTX *ctx;
	struct sockaddr_in addr;
	struct cred *creds;
	int n_creds;
	int next_cred;
	int inflight;
	int target;      /* sessions to hold, or concurrency */
	int open;        /* sessions up */
	long done;       /* handshakes or sessions completed */
	long failed;
	int measuring;
	uint32_t beat_ms;
	long goodbyes;
	int stopping;
	uint64_t *rtt;   /* heartbeat round trips, ns */
	size_t n_rtt, cap_rtt;
	struct conn **conns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void conn_start(struct bench *b);

static void conn_free(struct conn *c)
{
	struct bench *b = c->b;

	if (c->up)
		b->open--;
	else
		b->inflight--;
	if (c->beat)
		event_free(c->beat);
	bufferevent_free(c->bev);
	if (b->conns)
		b->conns[c->idx] = NULL;
	free(c);
}

static void send_msg(struct conn *c, struct proto_msg *m)
{
	uint8_t buf[1024];
	size_t n;

	m->id = ++c->next_id;
	if (proto_encode(m, buf, sizeof(buf), &n) == PROTO_OK)
		bufferevent_write(c->bev, buf, n);
}

static void send_hello(struct conn *c)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello.board.ptr = (const uint8_t *)"bench";
	m.u.hello.board.len = 5;
	m.u.hello.firmware.ptr = (const uint8_t *)"0";
	m.u.hello.firmware.len = 1;
	m.u.hello.ram = 65536;
	m.u.hello.flash = 262144;
	m.u.hello.max_frame = 4096;
	send_msg(c, &m);
}

static void on_beat(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct proto_msg m;

	(void)fd;
	(void)what;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HEARTBEAT;
	m.u.heartbeat.uptime_ms = 1;
	send_msg(c, &m);
	c->beat_id = m.id;
	c->sent_ns = now_ns();
}

static void record_rtt(struct bench *b, uint64_t ns)
{
	if (!b->measuring)
		return;
	if (b->n_rtt == b->cap_rtt) {
		b->cap_rtt = b->cap_rtt ? 2 * b->cap_rtt : 65536;
		b->rtt = realloc(b->rtt, b->cap_rtt * sizeof(*b->rtt));
	}
	b->rtt[b->n_rtt++] = ns;
}

static void on_msg(struct conn *c, const struct proto_msg *m)
{
	struct bench *b = c->b;
	struct timeval one = { 1, 0 };
	uint32_t ms;

	if (b->mode == M_HANDSHAKE) {
		/* Any answer proves the gateway accepted the certificate. */
		b->done++;
		conn_free(c);
		conn_start(b);
	} else if (m->type == PROTO_WELCOME && b->mode == M_SESSION) {
		b->done++;
		conn_free(c);
		conn_start(b);
	} else if (m->type == PROTO_WELCOME) {
		c->up = 1;
		b->inflight--;
		b->open++;
		c->beat = event_new(b->base, -1, 0, on_beat, c);
		if (b->beat_ms == 0)
			b->beat_ms = m->u.welcome.heartbeat_ms;
		/* Spread the first beats over one interval. */
		ms = (uint32_t)rand() % b->beat_ms;
		one.tv_sec = ms / 1000;
		one.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		event_add(c->beat, &one);
		conn_start(b);
	} else if (m->type == PROTO_GOODBYE) {
		b->goodbyes++;
	} else if (m->type == PROTO_HEARTBEAT_ACK &&
		   m->u.heartbeat_ack.re == c->beat_id) {
		struct timeval next;

		next.tv_sec = b->beat_ms / 1000;
		next.tv_usec = (suseconds_t)(b->beat_ms % 1000) * 1000;

		record_rtt(b, now_ns() - c->sent_ns);
		event_add(c->beat, &next);
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
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
				 NULL) == PROTO_OK) {
			evbuffer_drain(in, 4 + n);
			on_msg(c, &m);
			return; /* c may be gone; one frame at a time */
		}
		evbuffer_drain(in, 4 + n);
	}
}

/* A frame of type 99, which the gateway answers with an error. */
static const uint8_t unknown[] = { 0, 0, 0, 6, 0x84, 0x01, 0x01, 0x18,
				   0x63, 0xa0 };

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	struct bench *b = c->b;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (b->mode == M_HANDSHAKE) {
			/* TLS 1.3 clients finish before the server has
			 * checked their certificate: ask for a reply. */
			bufferevent_write(c->bev, unknown, sizeof(unknown));
			return;
		}
		send_hello(c);
		return;
	}
	b->failed++;
	conn_free(c);
	if (b->mode != M_HOLD || (b->measuring == 0 && !b->stopping))
		conn_start(b);
}

/* Opens connections until target are up or in flight. */
static void conn_start(struct bench *b)
{
	int limit = b->mode == M_HOLD ? 256 : b->target, one = 1;

	while (b->inflight < limit && (b->mode != M_HOLD ||
				       b->open + b->inflight < b->target)) {
		struct conn *c = calloc(1, sizeof(*c));
		struct cred *cr = &b->creds[b->next_cred++ % b->n_creds];
		SSL *ssl = SSL_new(b->ctx);

		c->b = b;
		c->idx = (b->next_cred - 1) % b->n_creds;
		SSL_use_certificate(ssl, cr->cert);
		SSL_use_PrivateKey(ssl, cr->key);
		c->bev = bufferevent_openssl_socket_new(b->base, -1, ssl,
			BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
		bufferevent_enable(c->bev, EV_READ);
		b->inflight++;
		if (b->conns)
			b->conns[c->idx] = c;
		if (bufferevent_socket_connect(c->bev,
					       (struct sockaddr *)&b->addr,
					       sizeof(b->addr)) != 0) {
			b->failed++;
			conn_free(c);
			return;
		}
		setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP,
			   TCP_NODELAY, &one, sizeof(one));
	}
}

static int load_creds(struct bench *b, const char *dir, int max)
{
	char path[512];
	int i;

	b->creds = calloc((size_t)max, sizeof(*b->creds));
	for (i = 0; i < max; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%05d.pem", dir, i);
		f = fopen(path, "r");
		if (f == NULL)
			break;
		b->creds[i].key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		b->creds[i].cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	b->n_creds = i;
	return i;
}

static int do_enroll(uint16_t port, const char *ca, const char *dir,
		     int n)
{
	char path[512], id[32];
	uint64_t t0 = now_ns();
	int i, ok = 0;

	for (i = 0; i < n; i++) {
		EVP_PKEY *k;
		X509 *x = NULL;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%05d.pem", dir, i);
		if ((f = fopen(path, "r")) != NULL) {
			fclose(f);
			ok++;
			continue;
		}
		k = td_keygen();
		if (td_enroll(port, ca, k, &x, id) == 0 &&
		    (f = fopen(path, "w")) != NULL) {
			PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
			PEM_write_X509(f, x);
			fclose(f);
			ok++;
		}
		X509_free(x);
		EVP_PKEY_free(k);
	}
	printf("enrolled %d devices in %.1f s\n", ok,
	       (double)(now_ns() - t0) / 1e9);
	return ok == n ? 0 : 1;
}

static long rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Runs the loop for secs seconds. */
static void run_for(struct bench *b, double secs)
{
	struct timeval tv = { (time_t)secs,
			      (suseconds_t)((secs - (long)secs) * 1e6) };
	struct event *t = evtimer_new(b->base, on_tick, b->base);

	evtimer_add(t, &tv);
	event_base_dispatch(b->base);
	event_free(t);
}

/* SIGTERMs the gateway; reports when every session was closed. */
static void stop_gateway(struct bench *b, int pid)
{
	uint64_t t0 = now_ns();
	int waited = 0;

	b->measuring = 0;
	b->stopping = 1;
	kill(pid, SIGTERM);
	while (b->open > 0 && waited++ < 300)
		run_for(b, 0.1);
	printf("SIGTERM with %ld sessions: %ld goodbyes, all closed after"
	       " %.2f s (%d left)\n", (long)b->target, b->goodbyes,
	       (double)(now_ns() - t0) / 1e9, b->open);
}

static void hold(struct bench *b, int pid, double secs)
{
	long before = rss_kb(pid), after;
	uint64_t t0 = now_ns();
	double elapsed;

	b->conns = calloc((size_t)b->n_creds, sizeof(*b->conns));
	conn_start(b);
	while (b->open < b->target && (now_ns() - t0) < 300000000000ull) {
		run_for(b, 1.0);
		if (b->inflight == 0 && b->open < b->target)
			conn_start(b);
	}
	elapsed = (double)(now_ns() - t0) / 1e9;
	after = rss_kb(pid);
	printf("sessions held: %d (failed %ld) after %.1f s\n", b->open,
	       b->failed, elapsed);
	printf("gateway RSS: %ld kB before, %ld kB after: %.1f kB/session\n",
	       before, after, b->open ? (double)(after - before) / b->open
				      : 0.0);
	b->measuring = 1;
	run_for(b, secs);
	qsort(b->rtt, b->n_rtt, sizeof(*b->rtt), cmp_u64);
	if (b->n_rtt > 0)
		printf("heartbeat round trips: %zu, p50 %.2f ms, p99 %.2f ms,"
		       " max %.2f ms\n", b->n_rtt,
		       (double)b->rtt[b->n_rtt / 2] / 1e6,
		       (double)b->rtt[b->n_rtt * 99 / 100] / 1e6,
		       (double)b->rtt[b->n_rtt - 1] / 1e6);
	printf("heartbeats: every %u ms per session, %.0f per second\n",
	       b->beat_ms, (double)b->n_rtt / secs);
	printf("gateway RSS at end: %ld kB, sessions still up: %d\n",
	       rss_kb(pid), b->open);
}

int main(int argc, char **argv)
{
	struct bench b;
	uint16_t port;

	if (argc < 6) {
		fprintf(stderr, "see the header of gwbench.c for usage\n");
		return 2;
	}
	/* The gateway closes sessions under our writes when it stops. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	port = (uint16_t)atoi(argv[2]);
	if (strcmp(argv[1], "enroll") == 0)
		return do_enroll(port, argv[3], argv[4], atoi(argv[5]));
	memset(&b, 0, sizeof(b));
	b.mode = strcmp(argv[1], "handshake") == 0 ? M_HANDSHAKE
		 : strcmp(argv[1], "session") == 0 ? M_SESSION : M_HOLD;
	b.base = event_base_new();
	b.ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(b.ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(b.ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_load_verify_locations(b.ctx, argv[3], NULL);
	SSL_CTX_set_mode(b.ctx, SSL_MODE_RELEASE_BUFFERS);
	b.addr.sin_family = AF_INET;
	b.addr.sin_port = htons(port);
	b.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (load_creds(&b, argv[4], 1000000) == 0) {
		fprintf(stderr, "no credentials in %s\n", argv[4]);
		return 1;
	}
	if (b.mode == M_HOLD) {
		b.target = atoi(argv[5]);
		b.beat_ms = argc > 8 ? (uint32_t)atoi(argv[8]) : 0;
		hold(&b, argc > 6 ? atoi(argv[6]) : 0,
		     argc > 7 ? atof(argv[7]) : 10.0);
		if (argc > 9 && strcmp(argv[9], "stop") == 0)
			stop_gateway(&b, atoi(argv[6]));
		return 0;
	}
	b.target = argc > 6 ? atoi(argv[6]) : 16;
	conn_start(&b);
	run_for(&b, 1.0); /* warm-up */
	b.done = 0;
	run_for(&b, atof(argv[5]));
	printf("%s: %.0f per second (%ld in %s s, %d concurrent, %ld"
	       " failed)\n", argv[1], (double)b.done / atof(argv[5]), b.done,
	       argv[5], b.target, b.failed);
	return 0;
}
