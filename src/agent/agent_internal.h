/* agent_internal.h - interfaces between the parts of the agent.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/agent.md "Layout of the code"; nothing here is
 * public.
 */
#ifndef WASMBED_AGENT_INTERNAL_H
#define WASMBED_AGENT_INTERNAL_H

#include "agent.h"

#define AGENT_FIRMWARE_DEFAULT "0.1.0"
/* Log sequence numbers reserved per write of AGENT_ITEM_SEQ. */
#define AGENT_SEQ_BLOCK 64u
/* Heartbeats missed before the agent gives up on the gateway. */
#define AGENT_MISSED_BEATS 3u

/* ---- agent_log.c: console lines and log records ---- */

/* Console line "LEVEL module: message" if lvl is shown. */
void agent_log(struct agent *a, enum agent_level lvl, const char *mod,
	       const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
/* Queues a record for the gateway, dropping the oldest when full. */
void agent_rec_push(struct agent *a, uint32_t app_id, uint8_t level,
		    const char *text, size_t len);
/* Forgets records up to seq (a log-ack). */
void agent_rec_ack(struct agent *a, uint64_t seq);
/* Loads the reserved sequence block (the next seq starts past it) and
 * the records a clean stop kept. */
agent_err agent_seq_init(struct agent *a);
/* Keeps the records not yet acknowledged for the next start. */
void agent_rec_save(struct agent *a);
/* A pseudo-random word, for jitter only. */
uint32_t agent_rand(struct agent *a);
uint64_t agent_now(const struct agent *a);
/* Overwrites n bytes of key material in a way the compiler keeps. */
void agent_wipe(void *p, size_t n);

/* ---- agent_tls.c: TLS 1.3 over the transport, and framing ---- */

/* Opens transport and TLS, as enrollment (no client certificate) or
 * with the stored credentials. */
agent_err agent_tls_open(struct agent *a, int with_cert);
void agent_tls_close(struct agent *a);
/* Encodes m with the next id and sends it; AGENT_E_IO if not open. */
agent_err agent_send(struct agent *a, struct proto_msg *m);
/* 1 if a frame's bytes are waiting, 0 if not after ms, -1 broken. */
int agent_tls_wait(struct agent *a, uint32_t ms);
/* Reads one frame into a->rx and decodes it into a->msg. */
agent_err agent_recv(struct agent *a);

/* ---- agent_cred.c: key pair, certificate request, enrollment ---- */

/* 1 if key, certificate and id are stored. */
int agent_cred_ready(struct agent *a);
/* Enrolls: makes or loads the key, sends a request, stores the
 * answer. AGENT_E_REFUSED when the gateway says no. */
agent_err agent_enroll(struct agent *a);

/* ---- agent_session.c: hello, heartbeats, dispatch ---- */

/* Acknowledges message re, if a session is up. */
agent_err agent_session_ack(struct agent *a, uint64_t re);
/* Reports app-status absent for a removed app, if a session is up. */
agent_err agent_session_absent(struct agent *a, uint32_t app_id);

agent_err agent_session_open(struct agent *a);
/* Sends what is due (heartbeat, statuses, log records). */
agent_err agent_session_tick(struct agent *a);
/* Reads and handles the frame waiting on the session. */
agent_err agent_session_input(struct agent *a);
void agent_session_close(struct agent *a, const char *why);

/* ---- agent_app.c: slots, lifecycle, scheduling ---- */

agent_err agent_apps_load(struct agent *a);
agent_err agent_app_deploy(struct agent *a, uint64_t re,
			   const struct proto_deploy *d);
agent_err agent_app_chunk(struct agent *a, uint64_t re,
			  const struct proto_chunk *c);
agent_err agent_app_start(struct agent *a, uint32_t app_id);
agent_err agent_app_stop(struct agent *a, uint32_t app_id);
agent_err agent_app_remove(struct agent *a, uint32_t app_id);
/* Runs one fuel slice of each runnable application. Returns the ms
 * until one is runnable again (0: now, UINT32_MAX: none runs). */
uint32_t agent_apps_run(struct agent *a);
/* Bytes of application arenas not in use. */
uint32_t agent_apps_free(const struct agent *a);
/* Marks an app Failed with reason and stops it. */
void agent_app_fail(struct agent_app *app, const char *why);

/* ---- agent_host.c: the wasmbed import module and WASI ---- */

/* Fills app->funcs with the host functions bound to app. */
void agent_host_bind(struct agent_app *app);
/* Emits a buffered partial output line, if any. */
void agent_host_flush(struct agent_app *app);

#endif
