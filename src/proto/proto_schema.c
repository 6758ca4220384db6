/* proto_schema.c - body layout of every message, as field tables.
 * SPDX-License-Identifier: Apache-2.0
 * Implements the CDDL of docs/protocol.md (RFC 8610); keys are the
 * integers given there, values are RFC 8949 major types 0, 2, 3, 4, 5, 7.
 */
#include "proto_internal.h"

#include <stddef.h>

#define F(st, key, kind, fl, mem, max)                                     \
	{ key, kind, fl, (uint16_t)offsetof(struct st, mem), max }

static const struct pfield enroll_f[] = {
	F(proto_enroll, 1, PK_BSTR, PF_REQ, csr, 0),
	F(proto_enroll, 2, PK_TSTR, 0, name, 0),
};

static const struct pfield enroll_ok_f[] = {
	F(proto_enroll_ok, 1, PK_TSTR, PF_REQ, device_id, 0),
	F(proto_enroll_ok, 2, PK_BSTR, PF_REQ, cert, 0),
	F(proto_enroll_ok, 3, PK_BSTR, 0, ca, 0),
};

static const struct pfield enroll_refused_f[] = {
	F(proto_enroll_refused, 1, PK_U8, PF_REQ, reason, PROTO_REFUSE_MAX),
	F(proto_enroll_refused, 2, PK_TSTR, PF_REQ, message, 0),
};

static const struct pfield hello_f[] = {
	F(proto_hello, 1, PK_TSTR, PF_REQ, board, 0),
	F(proto_hello, 2, PK_TSTR, PF_REQ, firmware, 0),
	F(proto_hello, 3, PK_U32, PF_REQ, ram, 0),
	F(proto_hello, 4, PK_U32, PF_REQ, flash, 0),
	F(proto_hello, 5, PK_LIST, PF_REQ, features, PL_FEATURES),
	F(proto_hello, 6, PK_U32, PF_REQ, max_frame, 0),
};

static const struct pfield welcome_f[] = {
	F(proto_welcome, 1, PK_U64, PF_REQ, time_ms, 0),
	F(proto_welcome, 2, PK_U32, PF_REQ, heartbeat_ms, 0),
	F(proto_welcome, 3, PK_U32, PF_REQ, max_frame, 0),
	F(proto_welcome, 4, PK_U64, PF_REQ, log_seq, 0),
	F(proto_welcome, 5, PK_TSTR, PF_REQ, device_id, 0),
};

static const struct pfield brief_f[] = {
	F(proto_app_brief, 1, PK_U32, PF_REQ, app_id, 0),
	F(proto_app_brief, 2, PK_U8, PF_REQ, state, PROTO_APP_STATE_MAX),
};

static const struct pfield heartbeat_f[] = {
	F(proto_heartbeat, 1, PK_U64, PF_REQ, uptime_ms, 0),
	F(proto_heartbeat, 2, PK_U32, PF_REQ, free_mem, 0),
	F(proto_heartbeat, 3, PK_LIST, PF_REQ, apps, PL_APPS),
};

static const struct pfield heartbeat_ack_f[] = {
	F(proto_heartbeat_ack, 1, PK_U64, PF_REQ, re, 0),
	F(proto_heartbeat_ack, 2, PK_U64, PF_REQ, time_ms, 0),
};

static const struct pfield deploy_f[] = {
	F(proto_deploy, 1, PK_U32, PF_REQ, app_id, 0),
	F(proto_deploy, 2, PK_TSTR, PF_REQ, name, 0),
	F(proto_deploy, 3, PK_TSTR, PF_REQ, version, 0),
	F(proto_deploy, 4, PK_U32, PF_REQ, size, 0),
	F(proto_deploy, 5, PK_SHA, PF_REQ, sha256, 0),
	F(proto_deploy, 6, PK_U32, PF_REQ, mem_limit, 0),
	F(proto_deploy, 7, PK_U64, PF_REQ, fuel_limit, 0),
	F(proto_deploy, 8, PK_BOOL, PF_REQ, autostart, 0),
};

static const struct pfield chunk_f[] = {
	F(proto_chunk, 1, PK_U32, PF_REQ, app_id, 0),
	F(proto_chunk, 2, PK_U32, PF_REQ, offset, 0),
	F(proto_chunk, 3, PK_BSTR, PF_REQ, data, 0),
};

static const struct pfield app_ref_f[] = {
	F(proto_app_ref, 1, PK_U32, PF_REQ, app_id, 0),
};

static const struct pfield app_status_f[] = {
	F(proto_app_status, 1, PK_U32, PF_REQ, app_id, 0),
	F(proto_app_status, 2, PK_U8, PF_REQ, state, PROTO_APP_STATE_MAX),
	F(proto_app_status, 3, PK_U32, PF_REQ, received, 0),
	F(proto_app_status, 4, PK_TSTR, 0, error, 0),
};

static const struct pfield log_rec_f[] = {
	F(proto_log_record, 1, PK_U64, PF_REQ, seq, 0),
	F(proto_log_record, 2, PK_U32, PF_REQ, app_id, 0),
	F(proto_log_record, 3, PK_U64, PF_REQ, time_ms, 0),
	F(proto_log_record, 4, PK_U8, PF_REQ, level, 3),
	F(proto_log_record, 5, PK_TSTR, PF_REQ, text, 0),
};

static const struct pfield log_f[] = {
	F(proto_log, 1, PK_LIST, PF_REQ, records, PL_LOG),
};

static const struct pfield log_ack_f[] = {
	F(proto_log_ack, 1, PK_U64, PF_REQ, seq, 0),
};

static const struct pfield publish_f[] = {
	F(proto_publish, 1, PK_U32, PF_REQ, app_id, 0),
	F(proto_publish, 2, PK_TSTR, PF_REQ, topic, 0),
	F(proto_publish, 3, PK_BSTR, PF_REQ, payload, 0),
};

static const struct pfield ack_f[] = {
	F(proto_ack, 1, PK_U64, PF_REQ, re, 0),
};

static const struct pfield error_f[] = {
	F(proto_error, 1, PK_U64, PF_REQ, re, 0),
	F(proto_error, 2, PK_U32, PF_REQ, code, 0),
	F(proto_error, 3, PK_TSTR, PF_REQ, message, 0),
};

static const struct pfield goodbye_f[] = {
	F(proto_goodbye, 1, PK_TSTR, 0, reason, 0),
};

#define N(a) (uint8_t)(sizeof(a) / sizeof((a)[0]))

const struct plist proto_lists[] = {
	[PL_FEATURES] = { offsetof(struct proto_hello, n_features),
			  PROTO_MAX_FEATURES, sizeof(struct proto_str),
			  NULL, 0 },
	[PL_APPS] = { offsetof(struct proto_heartbeat, n_apps),
		      PROTO_MAX_APPS, sizeof(struct proto_app_brief),
		      brief_f, N(brief_f) },
	[PL_LOG] = { offsetof(struct proto_log, n_records), PROTO_MAX_LOG,
		     sizeof(struct proto_log_record), log_rec_f,
		     N(log_rec_f) },
};

#define M(t, name, f) [t] = { name, f, N(f) }

const struct pmsg proto_msgs[PROTO_TYPE_MAX + 1] = {
	M(PROTO_ENROLL, "enroll", enroll_f),
	M(PROTO_ENROLL_OK, "enroll-ok", enroll_ok_f),
	M(PROTO_ENROLL_REFUSED, "enroll-refused", enroll_refused_f),
	M(PROTO_HELLO, "hello", hello_f),
	M(PROTO_WELCOME, "welcome", welcome_f),
	M(PROTO_HEARTBEAT, "heartbeat", heartbeat_f),
	M(PROTO_HEARTBEAT_ACK, "heartbeat-ack", heartbeat_ack_f),
	M(PROTO_DEPLOY, "deploy", deploy_f),
	M(PROTO_CHUNK, "chunk", chunk_f),
	M(PROTO_START, "start", app_ref_f),
	M(PROTO_STOP, "stop", app_ref_f),
	M(PROTO_REMOVE, "remove", app_ref_f),
	M(PROTO_APP_STATUS, "app-status", app_status_f),
	M(PROTO_LOG, "log", log_f),
	M(PROTO_LOG_ACK, "log-ack", log_ack_f),
	M(PROTO_PUBLISH, "publish", publish_f),
	M(PROTO_ACK, "ack", ack_f),
	M(PROTO_ERROR, "error", error_f),
	M(PROTO_GOODBYE, "goodbye", goodbye_f),
};
