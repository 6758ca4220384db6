/* gw_dev.c - the device endpoint: TLS 1.3 sessions speaking the protocol.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md over TLS 1.3 (RFC 8446, client
 * certificates per section 4.4.2) with certificate paths checked as in
 * RFC 5280 section 6.
 */
#include "gw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "gw_dev_internal.h"

#define MOD "dev"

static int verify_idx = -1;

static unsigned hash_id(const char *id)
{
	unsigned h = 2166136261u;

	while (*id)
		h = (h ^ (unsigned char)*id++) * 16777619u;
	return h % HASH_SIZE;
}

static void hash_add(struct gw_sess *s)
{
	unsigned b = hash_id(s->id);

	s->hnext = s->dev->hash[b];
	s->dev->hash[b] = s;
	s->hashed = 1;
}

static void hash_del(struct gw_sess *s)
{
	struct gw_sess **p = &s->dev->hash[hash_id(s->id)];

	while (*p != NULL && *p != s)
		p = &(*p)->hnext;
	if (*p == s)
		*p = s->hnext;
	s->hashed = 0;
}

/* Frees a session and everything it holds; s is gone afterwards. */
static void sess_free(struct gw_sess *s)
{
	struct gw_dev *dev = s->dev;

	if (s->hashed)
		hash_del(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		dev->all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	dev->n--;
	gw_deploy_sess_free(s);
	if (s->timer)
		event_free(s->timer);
	bufferevent_free(s->bev);
	free(s);
	if (dev->stopping && dev->n == 0)
		event_base_loopbreak(dev->gw->base);
}

static void on_flushed(struct bufferevent *bev, void *arg)
{
	struct gw_sess *s = arg;

	(void)bev;
	if (s->state == S_CLOSING)
		sess_free(s);
}

/* Stops reading and frees the session once its output is flushed;
 * the caller must call sess_reap() once it no longer touches s. */
static void sess_close(struct gw_sess *s, enum gw_level lvl,
		       const char *why)
{
	if (s->state == S_CLOSING)
		return;
	gw_log(lvl, MOD, "%s %s: closing: %s", s->peer,
	       s->id[0] ? s->id : "-", why);
	s->state = S_CLOSING;
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setcb(s->bev, NULL, on_flushed, NULL, s);
	evtimer_add(s->timer, s->dev->hs_tv);
}

static void sess_reap(struct gw_sess *s)
{
	if (s->state == S_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		sess_free(s);
}

/* Encodes m with a fresh id and queues it; a message that does not
 * fit the peer's frame limit is never sent. */
static gw_err sess_send(struct gw_sess *s, struct proto_msg *m)
{
	size_t cap = (size_t)s->peer_max + PROTO_HDR_LEN, len;
	proto_err rc;

	if (cap > s->dev->out_cap)
		cap = s->dev->out_cap;
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) > OUT_MAX) {
		sess_close(s, GW_WARN, "peer does not read what it is sent");
		return GW_E_DENIED;
	}
	m->id = ++s->next_id;
	rc = proto_encode(m, s->dev->out, cap, &len);
	if (rc != PROTO_OK) {
		gw_log(GW_ERROR, MOD, "%s: cannot encode %s: %s", s->peer,
		       proto_type_name(m->type), proto_strerror(rc));
		return GW_E_INVALID;
	}
	if (bufferevent_write(s->bev, s->dev->out, len) != 0)
		return GW_E_NOMEM;
	s->dev->gw->stats.frames_out++;
	return GW_OK;
}

gw_err gw_sess_send(struct gw_sess *s, struct proto_msg *m)
{
	return sess_send(s, m);
}

static void send_error(struct gw_sess *s, uint64_t re, uint32_t code,
		       const char *text)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_ERROR;
	m.u.error.re = re;
	m.u.error.code = code;
	m.u.error.message.ptr = (const uint8_t *)text;
	m.u.error.message.len = strlen(text);
	sess_send(s, &m);
}

static void send_goodbye(struct gw_sess *s, const char *why)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_GOODBYE;
	m.u.goodbye.reason.ptr = (const uint8_t *)why;
	m.u.goodbye.reason.len = strlen(why);
	sess_send(s, &m);
}

/* ---- enrollment ---- */

static void refuse_enroll(struct gw_sess *s, uint8_t reason,
			  const char *text)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_ENROLL_REFUSED;
	m.u.enroll_refused.reason = reason;
	m.u.enroll_refused.message.ptr = (const uint8_t *)text;
	m.u.enroll_refused.message.len = strlen(text);
	sess_send(s, &m);
	s->dev->gw->stats.hs_fail[reason == PROTO_REFUSE_PAIRING_CLOSED
				  ? GW_FAIL_PAIRING : GW_FAIL_CSR]++;
	gw_db_enroll_refused(s->dev->gw->db, s->peer, text);
	sess_close(s, GW_WARN, text);
}

static void send_enroll_ok(struct gw_sess *s, const char *id,
			   const uint8_t *der, int der_len)
{
	struct gw_pki *pki = &s->dev->gw->pki;
	struct proto_msg r;

	memset(&r, 0, sizeof(r));
	r.type = PROTO_ENROLL_OK;
	r.u.enroll_ok.device_id.ptr = (const uint8_t *)id;
	r.u.enroll_ok.device_id.len = strlen(id);
	r.u.enroll_ok.cert.ptr = der;
	r.u.enroll_ok.cert.len = (size_t)der_len;
	r.u.enroll_ok.ca.ptr = pki->ca_der;
	r.u.enroll_ok.ca.len = (size_t)pki->ca_der_len;
	sess_send(s, &r);
}

/* Issues a certificate for the request in m, records it durably, and
 * only then answers: an enroll-ok the device saw is never lost. */
static void do_enroll(struct gw_sess *s, const struct proto_msg *m)
{
	struct gw *gw = s->dev->gw;
	char id[GW_ID_LEN + 1], serial[GW_SERIAL_LEN + 1], name[64];
	uint8_t *der = NULL;
	int der_len = 0;
	int64_t not_after = 0;

	if (!gw_pairing_is_open(gw)) {
		refuse_enroll(s, PROTO_REFUSE_PAIRING_CLOSED,
			      "pairing is closed; ask an operator to open it");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)m->u.enroll.name.len,
		 (const char *)m->u.enroll.name.ptr);
	if (gw_pki_new_id(id) != GW_OK ||
	    gw_pki_issue(&gw->pki, m->u.enroll.csr.ptr, m->u.enroll.csr.len,
			 id, &der, &der_len, serial, &not_after) != GW_OK) {
		refuse_enroll(s, PROTO_REFUSE_BAD_CSR, "certificate request"
			      " refused: need PKCS#10 DER, P-256, valid"
			      " signature");
		return;
	}
	if (gw_db_enroll(gw->db, id, name[0] ? name : NULL, serial,
			 not_after, s->peer) != GW_OK) {
		OPENSSL_free(der);
		refuse_enroll(s, PROTO_REFUSE_INTERNAL, "registry error");
		return;
	}
	send_enroll_ok(s, id, der, der_len);
	OPENSSL_free(der);
	gw_log(GW_INFO, MOD, "%s: enrolled device %s (serial %s)", s->peer,
	       id, serial);
	snprintf(s->id, sizeof(s->id), "%s", id);
	sess_close(s, GW_DEBUG, "enrollment done");
}

/* ---- sessions with a device certificate ---- */

/* Closes every other session of the same device: newest wins. */
static void drop_others(struct gw_sess *s)
{
	struct gw_sess *o = s->dev->hash[hash_id(s->id)], *nx;

	for (; o != NULL; o = nx) {
		nx = o->hnext;
		if (o != s && strcmp(o->id, s->id) == 0 &&
		    o->state != S_CLOSING) {
			sess_close(o, GW_INFO, "replaced by a newer session");
			sess_reap(o);
		}
	}
}

static void do_hello(struct gw_sess *s, const struct proto_msg *m)
{
	struct gw *gw = s->dev->gw;
	const struct proto_hello *h = &m->u.hello;
	uint64_t log_seq = 0;
	struct proto_msg r;

	if (h->max_frame < 256) {
		send_error(s, m->id, PROTO_CODE_INVALID,
			   "max-frame below 256 bytes");
		sess_close(s, GW_WARN, "hello with max-frame below 256");
		return;
	}
	if (gw_db_hello(gw->db, s->id, h, s->peer, &log_seq) != GW_OK) {
		send_error(s, m->id, PROTO_CODE_INTERNAL, "registry error");
		sess_close(s, GW_ERROR, "cannot record hello");
		return;
	}
	drop_others(s);
	s->peer_max = h->max_frame;
	s->state = S_ACTIVE;
	s->last_beat_ms = gw_now_ms();
	evtimer_add(s->timer, s->dev->live_tv);

	memset(&r, 0, sizeof(r));
	r.type = PROTO_WELCOME;
	r.u.welcome.time_ms = gw_now_ms();
	r.u.welcome.heartbeat_ms = gw->conf.heartbeat_ms;
	r.u.welcome.max_frame = gw->conf.max_frame;
	r.u.welcome.log_seq = log_seq;
	r.u.welcome.device_id.ptr = (const uint8_t *)s->id;
	r.u.welcome.device_id.len = strlen(s->id);
	sess_send(s, &r);
	gw_log(GW_INFO, MOD, "%s %s: connected (%.*s, firmware %.*s)",
	       s->peer, s->id, (int)h->board.len, (const char *)h->board.ptr,
	       (int)h->firmware.len, (const char *)h->firmware.ptr);
	gw_deploy_step(s);
}

static void do_heartbeat(struct gw_sess *s, const struct proto_msg *m)
{
	struct proto_msg r;

	s->uptime_ms = m->u.heartbeat.uptime_ms;
	s->free_mem = m->u.heartbeat.free_mem;
	s->last_beat_ms = gw_now_ms();
	evtimer_add(s->timer, s->dev->live_tv);
	memset(&r, 0, sizeof(r));
	r.type = PROTO_HEARTBEAT_ACK;
	r.u.heartbeat_ack.re = m->id;
	r.u.heartbeat_ack.time_ms = s->last_beat_ms;
	sess_send(s, &r);
}

/* Stores log records, dropping any already held, then acknowledges. */
static void do_log(struct gw_sess *s, const struct proto_msg *m)
{
	uint64_t last = 0;
	struct proto_msg r;

	if (gw_db_log_append(s->dev->gw->db, s->id, &m->u.log, &last) !=
	    GW_OK) {
		send_error(s, m->id, PROTO_CODE_INTERNAL, "registry error");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.type = PROTO_LOG_ACK;
	r.u.log_ack.seq = last;
	sess_send(s, &r);
	gw_api_logs_notify(s->dev->gw, s->id);
}

static void do_goodbye(struct gw_sess *s, const struct proto_msg *m)
{
	char why[160];

	if (s->state == S_ACTIVE)
		gw_db_set_state(s->dev->gw->db, s->id, "disconnected");
	snprintf(why, sizeof(why), "goodbye from device: %.*s",
		 (int)m->u.goodbye.reason.len,
		 (const char *)m->u.goodbye.reason.ptr);
	sess_close(s, GW_INFO, why);
}

/* Messages a device sends in an active session. */
static void handle_active(struct gw_sess *s, const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_HEARTBEAT:
		do_heartbeat(s, m);
		gw_deploy_on_heartbeat(s, &m->u.heartbeat);
		break;
	case PROTO_LOG:
		do_log(s, m);
		break;
	case PROTO_APP_STATUS:
		gw_log(GW_INFO, MOD, "%s: app %u state %u, %u bytes", s->id,
		       (unsigned)m->u.app_status.app_id,
		       (unsigned)m->u.app_status.state,
		       (unsigned)m->u.app_status.received);
		gw_deploy_on_msg(s, m);
		break;
	case PROTO_PUBLISH:
		gw_log(GW_INFO, MOD, "%s: app %u published %zu bytes on %.*s",
		       s->id, (unsigned)m->u.publish.app_id,
		       m->u.publish.payload.len,
		       (int)m->u.publish.topic.len,
		       (const char *)m->u.publish.topic.ptr);
		break;
	case PROTO_ACK:
	case PROTO_ERROR:
		gw_log(GW_DEBUG, MOD, "%s: %s for %llu", s->id,
		       proto_type_name(m->type),
		       (unsigned long long)m->u.ack.re);
		gw_deploy_on_msg(s, m);
		break;
	default:
		gw_log(GW_WARN, MOD, "%s: unexpected %s", s->id,
		       proto_type_name(m->type));
		send_error(s, m->id, PROTO_CODE_UNEXPECTED,
			   "message not accepted from a device");
	}
}

/* Routes one decoded message by session state. */
static void handle(struct gw_sess *s, const struct proto_msg *m)
{
	if (m->type == PROTO_GOODBYE) {
		do_goodbye(s, m);
	} else if (s->state == S_ENROLL) {
		if (m->type == PROTO_ENROLL) {
			do_enroll(s, m);
			return;
		}
		send_error(s, m->id, PROTO_CODE_UNEXPECTED,
			   "no client certificate: only enroll is allowed");
		sess_close(s, GW_WARN, "message other than enroll without a"
			   " client certificate");
	} else if (s->state == S_HELLO) {
		if (m->type == PROTO_HELLO) {
			do_hello(s, m);
			return;
		}
		send_error(s, m->id, PROTO_CODE_UNEXPECTED, "hello first");
		sess_close(s, GW_WARN, "message before hello");
	} else {
		handle_active(s, m);
	}
}

/* Decodes the frame body and handles it. Unknown types are answered
 * and the session goes on; anything else malformed closes it. */
static void on_frame(struct gw_sess *s, const uint8_t *body, uint32_t n)
{
	struct proto_msg m;
	struct proto_diag d;
	char why[160];
	proto_err rc = proto_decode(body, n, &m, &d);

	s->dev->gw->stats.frames_in++;
	if (rc == PROTO_OK) {
		handle(s, &m);
		return;
	}
	if (rc == PROTO_E_TYPE) {
		gw_log(GW_WARN, MOD, "%s %s: unknown message type %u", s->peer,
		       s->id, (unsigned)m.type);
		send_error(s, m.id, PROTO_CODE_UNKNOWN_TYPE,
			   "unknown message type");
		return;
	}
	snprintf(why, sizeof(why), "malformed frame: %s at byte %zu (key"
		 " %u)", proto_strerror(rc), d.offset, (unsigned)d.key);
	if (rc == PROTO_E_VERSION)
		send_error(s, m.id, PROTO_CODE_MALFORMED,
			   "unsupported protocol version");
	sess_close(s, GW_WARN, why);
}

/* Takes whole frames off the input; a header announcing more than the
 * limit closes the session before its body is read. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct gw_sess *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[PROTO_HDR_LEN];
	uint32_t n;
	proto_err rc;

	while (s->state != S_CLOSING &&
	       evbuffer_get_length(in) >= PROTO_HDR_LEN) {
		evbuffer_copyout(in, hdr, sizeof(hdr));
		rc = proto_frame_len(hdr, s->dev->gw->conf.max_frame, &n);
		if (rc != PROTO_OK) {
			char why[96];

			snprintf(why, sizeof(why), "frame of %lu bytes: %s",
				 (unsigned long)n, proto_strerror(rc));
			sess_close(s, GW_WARN, why);
			break;
		}
		if (evbuffer_get_length(in) < PROTO_HDR_LEN + (size_t)n)
			break;
		on_frame(s, evbuffer_pullup(in, PROTO_HDR_LEN + n) +
			     PROTO_HDR_LEN, n);
		evbuffer_drain(in, PROTO_HDR_LEN + n);
	}
	if (s->state == S_CLOSING)
		evbuffer_drain(in, evbuffer_get_length(in));
	sess_reap(s);
}

/* Why a TLS session failed, from the verifier or OpenSSL's queue. */
static void tls_reason(struct gw_sess *s, char *out, size_t cap)
{
	unsigned long e = bufferevent_get_openssl_error(s->bev);
	char buf[128] = "connection closed by peer";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	while (bufferevent_get_openssl_error(s->bev) != 0)
		continue;
	if (s->why[0])
		snprintf(out, cap, "%s", s->why);
	else
		snprintf(out, cap, "%s", buf);
}

static void on_handshake(struct gw_sess *s)
{
	SSL *ssl = bufferevent_openssl_get_ssl(s->bev);
	X509 *peer = SSL_get0_peer_certificate(ssl);

	evtimer_add(s->timer, s->dev->hs_tv);
	s->dev->gw->stats.hs_ok++;
	if (peer == NULL) {
		s->state = S_ENROLL;
		gw_log(GW_DEBUG, MOD, "%s: enrollment connection", s->peer);
		return;
	}
	/* The verifier accepted the chain and copied the CN. */
	s->state = S_HELLO;
	hash_add(s);
	gw_log(GW_DEBUG, MOD, "%s %s: TLS session up", s->peer, s->id);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct gw_sess *s = arg;
	char why[192], reason[160];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		on_handshake(s);
		return;
	}
	if (s->state == S_ACTIVE) {
		tls_reason(s, reason, sizeof(reason));
		gw_db_set_state(s->dev->gw->db, s->id, "unreachable");
		gw_log(GW_WARN, MOD, "%s %s: connection lost without goodbye:"
		       " %s", s->peer, s->id, reason);
	} else if (s->state == S_HANDSHAKE) {
		tls_reason(s, reason, sizeof(reason));
		snprintf(why, sizeof(why), "TLS handshake failed: %s", reason);
		s->dev->gw->stats.hs_fail[strstr(s->why, "revoked")
					  ? GW_FAIL_REVOKED : s->why[0]
					  ? GW_FAIL_CERT : GW_FAIL_TLS]++;
		gw_log(GW_WARN, MOD, "%s: %s", s->peer, why);
	} else if (s->state != S_CLOSING) {
		gw_log(GW_INFO, MOD, "%s: closed before a message",
		       s->peer);
	}
	sess_free(s);
}

/* The session's one timer: a handshake, a first message or a final
 * flush that takes too long, or heartbeats that stop. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gw_sess *s = arg;

	(void)fd;
	(void)what;
	if (s->state == S_ACTIVE) {
		gw_db_set_state(s->dev->gw->db, s->id, "unreachable");
		gw_log(GW_WARN, MOD, "%s %s: unreachable: no heartbeat for"
		       " %u ms", s->peer, s->id,
		       s->dev->gw->conf.heartbeat_ms *
		       s->dev->gw->conf.missed_beats);
	} else {
		if (s->state == S_HANDSHAKE)
			s->dev->gw->stats.hs_fail[GW_FAIL_TIMEOUT]++;
		gw_log(GW_WARN, MOD, "%s: %s timed out", s->peer,
		       s->state == S_HANDSHAKE ? "TLS handshake"
		       : s->state == S_CLOSING ? "final flush"
					       : "first message");
	}
	sess_free(s);
}

/* Certificate check at each depth; at the device certificate itself,
 * the registry must know it and hold it unrevoked. */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct gw_sess *s = SSL_get_ex_data(ssl, verify_idx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	char serial[GW_SERIAL_LEN + 1];
	gw_err rc;

	if (!ok) {
		int e = X509_STORE_CTX_get_error(ctx);

		snprintf(s->why, sizeof(s->why), "client certificate refused:"
			 " %s", X509_verify_cert_error_string(e));
		return 0;
	}
	if (X509_STORE_CTX_get_error_depth(ctx) != 0)
		return 1;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
				      NID_commonName, s->id,
				      sizeof(s->id)) <= 0) {
		snprintf(s->why, sizeof(s->why), "client certificate has no"
			 " device id");
		return 0;
	}
	gw_pki_serial_hex(x, serial);
	rc = gw_db_cert_ok(s->dev->gw->db, serial, s->id);
	if (rc == GW_OK)
		return 1;
	snprintf(s->why, sizeof(s->why), "client certificate of %s refused:"
		 " %s", s->id, rc == GW_E_DENIED ? "revoked"
		 : rc == GW_E_NOTFOUND ? "not issued to this device"
				       : "registry error");
	X509_STORE_CTX_set_error(ctx, rc == GW_E_DENIED
				 ? X509_V_ERR_CERT_REVOKED
				 : X509_V_ERR_CERT_REJECTED);
	return 0;
}

static void peer_name(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, cap, "%s:%u", host, port);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct gw_dev *dev = arg;
	struct gw_sess *s = calloc(1, sizeof(*s));
	SSL *ssl = SSL_new(dev->gw->tls);
	int one = 1;

	(void)l;
	(void)salen;
	if (s == NULL || ssl == NULL)
		goto fail;
	/* Frames are small and answered at once: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->dev = dev;
	s->peer_max = PROTO_MIN_FRAME;
	peer_name(sa, s->peer, sizeof(s->peer));
	SSL_set_ex_data(ssl, verify_idx, s);
	s->bev = bufferevent_openssl_socket_new(dev->gw->base, fd, ssl,
			BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		goto fail;
	bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0,
				 PROTO_HDR_LEN + dev->gw->conf.max_frame);
	s->timer = evtimer_new(dev->gw->base, on_timer, s);
	if (s->timer == NULL || gw_deploy_sess_init(s) != GW_OK) {
		if (s->timer)
			event_free(s->timer);
		bufferevent_free(s->bev);
		free(s);
		return;
	}
	evtimer_add(s->timer, dev->hs_tv);
	bufferevent_enable(s->bev, EV_READ);
	s->next = dev->all;
	if (dev->all)
		dev->all->prev = s;
	dev->all = s;
	dev->n++;
	return;
fail:
	gw_log(GW_ERROR, MOD, "out of memory accepting a connection");
	if (ssl)
		SSL_free(ssl);
	free(s);
	evutil_closesocket(fd);
}

/* Out of descriptors: pause accepting for a moment, not spin. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct gw_dev *dev = arg;
	struct timeval tv = { 0, 200000 };

	gw_log(GW_WARN, MOD, "accept: %s",
	       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	evconnlistener_disable(l);
	evtimer_add(dev->retry, &tv);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct gw_dev *dev = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(dev->lst);
}

static SSL_CTX *make_tls(struct gw *gw)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int ok = ctx != NULL;

	ok = ok && SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	ok = ok && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	ok = ok && SSL_CTX_use_certificate_chain_file(
			   ctx, gw->pki.srv_cert_path) == 1;
	ok = ok && SSL_CTX_use_PrivateKey_file(ctx, gw->pki.srv_key_path,
					       SSL_FILETYPE_PEM) == 1;
	ok = ok && SSL_CTX_check_private_key(ctx) == 1;
	ok = ok && SSL_CTX_load_verify_locations(ctx, gw->pki.ca_path,
						 NULL) == 1;
	if (!ok) {
		gw_log(GW_ERROR, MOD, "TLS setup: %s",
		       ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(
						gw->pki.ca_path));
	/* No client certificate is allowed: that is enrollment. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_verify_depth(ctx, 2);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

static gw_err listen_on(struct gw_dev *dev)
{
	struct gw *gw = dev->gw;
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char addr[96];

	snprintf(addr, sizeof(addr), strchr(gw->conf.device_host, ':')
		 ? "[%s]:%u" : "%s:%u", gw->conf.device_host,
		 gw->conf.device_port);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &len)) {
		gw_log(GW_ERROR, MOD, "bad device address %s", addr);
		return GW_E_INVALID;
	}
	dev->lst = evconnlistener_new_bind(gw->base, on_accept, dev,
					   LEV_OPT_CLOSE_ON_FREE |
					   LEV_OPT_REUSEABLE, 4096,
					   (struct sockaddr *)&ss, len);
	if (dev->lst == NULL) {
		gw_log(GW_ERROR, MOD, "cannot listen on %s: %s", addr,
		       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return GW_E_SYS;
	}
	evconnlistener_set_error_cb(dev->lst, on_accept_error);
	gw_log(GW_INFO, MOD, "device endpoint on %s (TLS 1.3)", addr);
	return GW_OK;
}

/* Timers of one duration share a queue: re-arming one is O(1). */
static const struct timeval *common_ms(struct event_base *b, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
			      (suseconds_t)(ms % 1000) * 1000 };

	return event_base_init_common_timeout(b, &tv);
}

gw_err gw_dev_start(struct gw *gw)
{
	struct gw_dev *dev = calloc(1, sizeof(*dev));
	gw_err rc = GW_E_NOMEM;

	if (dev == NULL)
		return rc;
	gw->dev = dev;
	dev->gw = gw;
	if (verify_idx < 0)
		verify_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	dev->out_cap = PROTO_HDR_LEN + (size_t)gw->conf.max_frame;
	dev->out = malloc(dev->out_cap);
	dev->retry = evtimer_new(gw->base, on_retry, dev);
	dev->hs_tv = common_ms(gw->base, gw->conf.handshake_ms);
	dev->live_tv = common_ms(gw->base, gw->conf.heartbeat_ms *
					   gw->conf.missed_beats);
	gw->tls = make_tls(gw);
	if (dev->out == NULL || dev->retry == NULL || dev->hs_tv == NULL ||
	    dev->live_tv == NULL)
		return GW_E_NOMEM;
	if (gw->tls == NULL)
		return GW_E_CRYPTO;
	return listen_on(dev);
}

static void on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gw_dev *dev = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(dev->gw->base);
}

/* First half of a clean stop: no new sessions, goodbye to every device;
 * the loop ends when all are flushed or after a second. */
void gw_dev_stop(struct gw *gw)
{
	struct gw_dev *dev = gw->dev;
	struct gw_sess *s, *nx;
	struct timeval tv = { 1, 0 };

	if (dev == NULL || dev->stopping)
		return;
	dev->stopping = 1;
	if (dev->lst)
		evconnlistener_disable(dev->lst);
	for (s = dev->all; s != NULL; s = nx) {
		nx = s->next;
		if (s->state == S_ACTIVE)
			send_goodbye(s, "gateway shutting down");
		sess_close(s, GW_DEBUG, "gateway shutting down");
	}
	/* One statement, not one commit per device. */
	gw_db_disconnect_all(gw->db);
	for (s = dev->all; s != NULL; s = nx) {
		nx = s->next;
		sess_reap(s);
	}
	if (dev->n == 0) {
		event_base_loopbreak(gw->base);
		return;
	}
	dev->stop_timer = evtimer_new(gw->base, on_stop_timer, dev);
	if (dev->stop_timer)
		evtimer_add(dev->stop_timer, &tv);
}

/* Frees what gw_dev_start() made; sessions left are cut. */
void gw_dev_free(struct gw *gw)
{
	struct gw_dev *dev = gw->dev;

	if (dev == NULL)
		return;
	dev->stopping = 0;
	while (dev->all != NULL)
		sess_free(dev->all);
	if (dev->lst)
		evconnlistener_free(dev->lst);
	if (dev->retry)
		event_free(dev->retry);
	if (dev->stop_timer)
		event_free(dev->stop_timer);
	free(dev->out);
	free(dev);
	gw->dev = NULL;
	SSL_CTX_free(gw->tls);
	gw->tls = NULL;
}

void gw_dev_drop(struct gw *gw, const char *id, const char *why)
{
	struct gw_sess *s, *nx;

	if (gw->dev == NULL)
		return;
	for (s = gw->dev->hash[hash_id(id)]; s != NULL; s = nx) {
		nx = s->hnext;
		if (strcmp(s->id, id) != 0 || s->state == S_CLOSING)
			continue;
		if (s->state == S_ACTIVE)
			send_goodbye(s, why);
		sess_close(s, GW_WARN, why);
		sess_reap(s);
	}
}

struct gw_sess *gw_sess_find(struct gw_dev *dev, const char *id)
{
	struct gw_sess *s;

	for (s = dev->hash[hash_id(id)]; s != NULL; s = s->hnext)
		if (s->state == S_ACTIVE && strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

void gw_dev_kick(struct gw *gw, const char *id)
{
	struct gw_sess *s = gw->dev ? gw_sess_find(gw->dev, id) : NULL;

	if (s == NULL)
		return;
	s->n_skip = 0;
	gw_deploy_step(s);
}

int gw_dev_live(struct gw *gw, const char *id, uint64_t *uptime_ms,
		uint32_t *free_mem, uint64_t *last_beat_ms)
{
	struct gw_sess *s;

	for (s = gw->dev->hash[hash_id(id)]; s != NULL; s = s->hnext) {
		if (s->state == S_ACTIVE && strcmp(s->id, id) == 0) {
			*uptime_ms = s->uptime_ms;
			*free_mem = s->free_mem;
			*last_beat_ms = s->last_beat_ms;
			return 0;
		}
	}
	return -1;
}

size_t gw_dev_count(struct gw *gw)
{
	return gw->dev ? gw->dev->n : 0;
}
