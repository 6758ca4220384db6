/* gw_dev_internal.h - device sessions, for endpoint and driver alike.
 * SPDX-License-Identifier: Apache-2.0
 * Sessions speak docs/protocol.md; see docs/gateway.md.
 */
#ifndef WASMBED_GW_DEV_INTERNAL_H
#define WASMBED_GW_DEV_INTERNAL_H

#include "gw.h"

#define HASH_SIZE 4096u
/* Output a peer may leave unread before it is cut off. */
#define OUT_MAX (256u * 1024u)
/* Apps whose step failed in a session, not tried again in it. */
#define GW_SKIP_MAX 32

enum sess_state {
	S_HANDSHAKE, /* TLS not done yet */
	S_ENROLL,    /* no client certificate: enroll is all it may do */
	S_HELLO,     /* certificate accepted, waiting for hello */
	S_ACTIVE,    /* hello answered */
	S_CLOSING    /* flushing a last message, reading nothing */
};

enum gw_op_kind { OP_NONE, OP_DEPLOY, OP_START, OP_STOP, OP_REMOVE };

/* The one application step a session has in flight. */
struct gw_op {
	enum gw_op_kind kind;
	uint32_t app;       /* deployment id = app id on the device */
	uint64_t wait_id;   /* message whose answer is awaited */
	int receiving;      /* deploy answered, chunks under way */
	uint8_t *mod;       /* module being sent (OP_DEPLOY) */
	size_t len, off;
	char sha[GW_SHA_HEX + 1];
	char error[160];    /* an error the device sent during the step */
};

struct gw_sess {
	struct gw_dev *dev;
	struct bufferevent *bev;
	struct event *timer;         /* handshake, first message, liveness */
	struct event *op_timer;      /* an application step taking long */
	struct gw_sess *next, *prev; /* every session */
	struct gw_sess *hnext;       /* same hash bucket */
	enum sess_state state;
	int hashed;
	uint32_t peer_max;
	uint64_t next_id;
	uint64_t uptime_ms;
	uint64_t last_beat_ms;
	uint32_t free_mem;
	char id[GW_ID_LEN + 1];
	char peer[64];
	char why[128];
	struct gw_op op;
	uint32_t skip[GW_SKIP_MAX];
	size_t n_skip;
};

struct gw_dev {
	struct gw *gw;
	struct evconnlistener *lst;
	struct event *retry;
	struct event *stop_timer;
	struct gw_sess *all;
	struct gw_sess *hash[HASH_SIZE];
	size_t n;
	int stopping;
	const struct timeval *hs_tv;
	const struct timeval *live_tv;

	uint8_t *out;
	size_t out_cap;
};

/* Encodes m with a fresh id and queues it (gw_dev.c). */
gw_err gw_sess_send(struct gw_sess *s, struct proto_msg *m);
/* The active session of a device, or NULL. */
struct gw_sess *gw_sess_find(struct gw_dev *dev, const char *id);

/* Deployment driver (gw_deploy.c). */
gw_err gw_deploy_sess_init(struct gw_sess *s);
void gw_deploy_sess_free(struct gw_sess *s);
/* Drives the device towards its desired state, one step at a time. */
void gw_deploy_step(struct gw_sess *s);
/* app-status, ack, error: 1 if it answered the step in flight. */
void gw_deploy_on_msg(struct gw_sess *s, const struct proto_msg *m);
void gw_deploy_on_heartbeat(struct gw_sess *s,
			    const struct proto_heartbeat *h);

#endif
