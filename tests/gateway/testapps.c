/* testapps.c - the test device answers app messages as the agent does.
 * SPDX-License-Identifier: Apache-2.0
 * Device side of docs/protocol.md "Applications" as docs/agent.md
 * describes it: receiving on deploy, an ack per chunk but the last,
 * installed (running with autostart) or bad-hash after the last.
 */
#include "testdev.h"

#include <string.h>

#include <openssl/evp.h>

static struct td_app *find(struct td_apps *a, uint32_t id)
{
	int i;

	for (i = 0; i < TD_APPS; i++)
		if (a->app[i].id == id)
			return &a->app[i];
	return NULL;
}

static int status(struct td_app *p, const char *err, td_send_fn send,
		  void *ctx)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_APP_STATUS;
	m.u.app_status.app_id = p->id;
	m.u.app_status.state = p->state;
	m.u.app_status.received = p->got;
	if (err != NULL) {
		m.u.app_status.error.ptr = (const uint8_t *)err;
		m.u.app_status.error.len = strlen(err);
	}
	return send(ctx, &m);
}

static int reply(uint32_t type, uint64_t re, uint32_t code,
		 const char *text, td_send_fn send, void *ctx)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	if (type == PROTO_ACK) {
		m.u.ack.re = re;
	} else {
		m.u.error.re = re;
		m.u.error.code = code;
		m.u.error.message.ptr = (const uint8_t *)text;
		m.u.error.message.len = strlen(text);
	}
	return send(ctx, &m);
}

static int deploy(struct td_apps *a, const struct proto_msg *m,
		  td_send_fn send, void *ctx)
{
	const struct proto_deploy *d = &m->u.deploy;
	struct td_app *p = find(a, d->app_id);

	if (p == NULL)
		p = find(a, 0);
	if (p == NULL)
		return reply(PROTO_ERROR, m->id, PROTO_CODE_NO_SPACE,
			     "no free slot", send, ctx);
	EVP_MD_CTX_free(p->md);
	p->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(p->md, EVP_sha256(), NULL);
	p->id = d->app_id;
	p->state = PROTO_APP_RECEIVING;
	p->size = d->size;
	p->got = 0;
	p->autostart = d->autostart;
	memcpy(p->want, d->sha256.ptr, 32);
	if (a->corrupt > 0) {
		a->corrupt--;
		p->want[0] ^= 1;
	}
	a->deploys++;
	return status(p, NULL, send, ctx);
}

/* The last chunk: the hash decides. */
static int finish(struct td_app *p, uint64_t id, td_send_fn send,
		  void *ctx)
{
	uint8_t md[32];
	unsigned n = 0;

	EVP_DigestFinal_ex(p->md, md, &n);
	EVP_MD_CTX_free(p->md);
	p->md = NULL;
	if (memcmp(md, p->want, 32) != 0) {
		p->state = PROTO_APP_FAILED;
		if (reply(PROTO_ERROR, id, PROTO_CODE_BAD_HASH,
			  "SHA-256 mismatch", send, ctx) != 0)
			return -1;
		return status(p, "bad hash", send, ctx);
	}
	p->state = p->autostart ? PROTO_APP_RUNNING : PROTO_APP_INSTALLED;
	return status(p, NULL, send, ctx);
}

static int chunk(struct td_apps *a, const struct proto_msg *m,
		 td_send_fn send, void *ctx)
{
	const struct proto_chunk *c = &m->u.chunk;
	struct td_app *p = find(a, c->app_id);

	if (p == NULL)
		return reply(PROTO_ERROR, m->id, PROTO_CODE_NOT_FOUND,
			     "no such app", send, ctx);
	if (p->state != PROTO_APP_RECEIVING || c->offset != p->got ||
	    p->got + c->data.len > p->size)
		return reply(PROTO_ERROR, m->id, PROTO_CODE_INVALID,
			     "chunk out of order", send, ctx);
	EVP_DigestUpdate(p->md, c->data.ptr, c->data.len);
	p->got += (uint32_t)c->data.len;
	a->chunks++;
	if (c->data.len > a->max_chunk)
		a->max_chunk = (uint32_t)c->data.len;
	if (p->got < p->size)
		return reply(PROTO_ACK, m->id, 0, "", send, ctx);
	return finish(p, m->id, send, ctx);
}

/* start, stop, remove. */
static int command(struct td_apps *a, const struct proto_msg *m,
		   td_send_fn send, void *ctx)
{
	struct td_app *p = find(a, m->u.app.app_id);

	if (p == NULL || m->u.app.app_id == 0)
		return reply(PROTO_ERROR, m->id, PROTO_CODE_NOT_FOUND,
			     "no such app", send, ctx);
	if (m->type == PROTO_REMOVE) {
		a->removes++;
		p->state = PROTO_APP_ABSENT;
		p->got = 0;
		if (status(p, NULL, send, ctx) != 0)
			return -1;
		EVP_MD_CTX_free(p->md);
		memset(p, 0, sizeof(*p));
		return 0;
	}
	if (m->type == PROTO_START) {
		a->starts++;
		if (p->state == PROTO_APP_RECEIVING || p->got != p->size)
			return reply(PROTO_ERROR, m->id, PROTO_CODE_INVALID,
				     "no verified module", send, ctx);
		if (p->state == PROTO_APP_RUNNING)
			return 0;
		p->state = PROTO_APP_RUNNING;
		return status(p, NULL, send, ctx);
	}
	a->stops++;
	if (p->state != PROTO_APP_RUNNING)
		return 0;
	p->state = PROTO_APP_INSTALLED;
	return status(p, NULL, send, ctx);
}

int td_apps_handle(struct td_apps *a, const struct proto_msg *m,
		   td_send_fn send, void *ctx)
{
	int rc;

	switch (m->type) {
	case PROTO_DEPLOY:
		rc = deploy(a, m, send, ctx);
		break;
	case PROTO_CHUNK:
		rc = chunk(a, m, send, ctx);
		break;
	case PROTO_START:
	case PROTO_STOP:
	case PROTO_REMOVE:
		rc = command(a, m, send, ctx);
		break;
	default:
		return 0;
	}
	return rc == 0 ? 1 : -1;
}

int td_apps_report(struct td_apps *a, td_send_fn send, void *ctx)
{
	int i;

	for (i = 0; i < TD_APPS; i++)
		if (a->app[i].id != 0 && status(&a->app[i], NULL, send, ctx))
			return -1;
	return 0;
}

void td_apps_brief(const struct td_apps *a, struct proto_heartbeat *h)
{
	int i;

	h->n_apps = 0;
	for (i = 0; i < TD_APPS; i++) {
		if (a->app[i].id == 0)
			continue;
		h->apps[h->n_apps].app_id = a->app[i].id;
		h->apps[h->n_apps].state = a->app[i].state;
		h->n_apps++;
	}
}

void td_apps_free(struct td_apps *a)
{
	int i;

	for (i = 0; i < TD_APPS; i++)
		EVP_MD_CTX_free(a->app[i].md);
	memset(a, 0, sizeof(*a));
}

int td_send_cb(void *ctx, struct proto_msg *m)
{
	return td_send(ctx, m);
}

int td_serve(struct td *t, struct td_apps *a, int ms)
{
	struct proto_msg m;
	int n = 0, rc;

	while ((rc = td_recv(t, &m, ms)) == 0) {
		if (t->last_len > 4096)
			return -1;
		if (td_apps_handle(a, &m, td_send_cb, t) < 0)
			return -1;
		n++;
	}
	return rc == -2 ? n : -1;
}

int td_beat(struct td *t, const struct td_apps *a)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HEARTBEAT;
	m.u.heartbeat.uptime_ms = 1000;
	m.u.heartbeat.free_mem = 4096;
	td_apps_brief(a, &m.u.heartbeat);
	return td_send(t, &m);
}
