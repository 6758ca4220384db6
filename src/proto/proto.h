/* proto.h - Wasmbed wire protocol: message set, framing and CBOR codec.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md; CBOR data items per RFC 8949 section 3.
 *
 * One codec for the gateway and the devices. It never allocates:
 * proto_encode() writes a whole frame into a caller buffer, and
 * proto_decode() fills a caller struct whose strings point into the
 * frame it was given (zero-copy), so the frame must outlive the struct.
 * Strings are not NUL-terminated. Portable C99; needs libcbor's
 * encoders and streaming decoder only.
 */
#ifndef WASMBED_PROTO_H
#define WASMBED_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1u
#define PROTO_HDR_LEN 4u
/* Frame body every peer accepts before the limits are exchanged. */
#define PROTO_MIN_FRAME 2048u
#define PROTO_SHA256_LEN 32u
/* Array capacities of the structs below (about 700 bytes of struct
 * proto_msg on a 32-bit device). A device may lower them with -D to save
 * RAM: it only encodes these arrays, and the gateway keeps the wire
 * maxima, which are the values given here. */
#ifndef PROTO_MAX_FEATURES
#define PROTO_MAX_FEATURES 16u
#endif
#ifndef PROTO_MAX_APPS
#define PROTO_MAX_APPS 16u
#endif
#ifndef PROTO_MAX_LOG
#define PROTO_MAX_LOG 16u
#endif

/* Codec results; the only error type of the component. */
typedef enum proto_err {
	PROTO_OK = 0,
	PROTO_E_NOSPACE,   /* output buffer too small */
	PROTO_E_TRUNCATED, /* input ends inside an item */
	PROTO_E_MALFORMED, /* not well-formed CBOR, or trailing bytes */
	PROTO_E_TOO_LARGE, /* frame or count over its limit */
	PROTO_E_VERSION,   /* protocol version not spoken here */
	PROTO_E_TYPE,      /* message type unknown (id and type are set) */
	PROTO_E_SCHEMA,    /* well-formed CBOR that breaks the schema */
	PROTO_E_ARG        /* caller passed an invalid message */
} proto_err;

enum proto_type {
	PROTO_ENROLL = 1,
	PROTO_ENROLL_OK = 2,
	PROTO_ENROLL_REFUSED = 3,
	PROTO_HELLO = 4,
	PROTO_WELCOME = 5,
	PROTO_HEARTBEAT = 6,
	PROTO_HEARTBEAT_ACK = 7,
	PROTO_DEPLOY = 8,
	PROTO_CHUNK = 9,
	PROTO_START = 10,
	PROTO_STOP = 11,
	PROTO_REMOVE = 12,
	PROTO_APP_STATUS = 13,
	PROTO_LOG = 14,
	PROTO_LOG_ACK = 15,
	PROTO_PUBLISH = 16,
	PROTO_ACK = 17,
	PROTO_ERROR = 18,
	PROTO_GOODBYE = 19,
	PROTO_TYPE_MAX = 19
};

enum proto_app_state {
	PROTO_APP_ABSENT = 0,
	PROTO_APP_RECEIVING = 1,
	PROTO_APP_INSTALLED = 2, /* stored and valid, not running */
	PROTO_APP_RUNNING = 3,
	PROTO_APP_FAILED = 4,
	PROTO_APP_STATE_MAX = 4
};

enum proto_refusal {
	PROTO_REFUSE_PAIRING_CLOSED = 1,
	PROTO_REFUSE_BAD_CSR = 2,
	PROTO_REFUSE_INTERNAL = 3,
	PROTO_REFUSE_MAX = 3
};

/* Codes carried by an error reply (PROTO_ERROR). */
enum proto_code {
	PROTO_CODE_MALFORMED = 1,
	PROTO_CODE_UNKNOWN_TYPE = 2,
	PROTO_CODE_UNEXPECTED = 3, /* not allowed in this session state */
	PROTO_CODE_TOO_LARGE = 4,
	PROTO_CODE_NOT_FOUND = 5,
	PROTO_CODE_NO_SPACE = 6,
	PROTO_CODE_BAD_HASH = 7,
	PROTO_CODE_INVALID = 8,    /* module or argument refused */
	PROTO_CODE_INTERNAL = 9
};

/* A byte or text string inside a frame; text is checked UTF-8. */
struct proto_str {
	const uint8_t *ptr;
	size_t len;
};

struct proto_enroll {
	struct proto_str csr;  /* PKCS#10, DER */
	struct proto_str name; /* optional label chosen by the device */
};

struct proto_enroll_ok {
	struct proto_str device_id;
	struct proto_str cert; /* X.509, DER */
	struct proto_str ca;   /* optional fleet CA certificate, DER */
};

struct proto_enroll_refused {
	uint8_t reason; /* enum proto_refusal */
	struct proto_str message;
};

struct proto_hello {
	struct proto_str board;
	struct proto_str firmware;
	uint32_t ram;
	uint32_t flash;
	uint32_t max_frame;
	uint32_t n_features;
	struct proto_str features[PROTO_MAX_FEATURES];
};

struct proto_welcome {
	uint64_t time_ms;      /* gateway clock, Unix epoch */
	uint32_t heartbeat_ms;
	uint32_t max_frame;
	uint64_t log_seq;      /* last log record the gateway holds */
	struct proto_str device_id;
};

struct proto_app_brief {
	uint32_t app_id;
	uint8_t state; /* enum proto_app_state */
};

struct proto_heartbeat {
	uint64_t uptime_ms;
	uint32_t free_mem;
	uint32_t n_apps;
	struct proto_app_brief apps[PROTO_MAX_APPS];
};

struct proto_heartbeat_ack {
	uint64_t re; /* id of the heartbeat */
	uint64_t time_ms;
};

struct proto_deploy {
	uint32_t app_id;
	struct proto_str name;
	struct proto_str version;
	uint32_t size;
	struct proto_str sha256; /* exactly PROTO_SHA256_LEN bytes */
	uint32_t mem_limit;
	uint64_t fuel_limit;
	uint8_t autostart;
};

struct proto_chunk {
	uint32_t app_id;
	uint32_t offset;
	struct proto_str data;
};

/* start, stop and remove */
struct proto_app_ref {
	uint32_t app_id;
};

struct proto_app_status {
	uint32_t app_id;
	uint8_t state;     /* enum proto_app_state */
	uint32_t received; /* bytes of the module stored so far */
	struct proto_str error;
};

struct proto_log_record {
	uint64_t seq;     /* per device, from 1, never reused */
	uint32_t app_id;
	uint64_t time_ms; /* device uptime */
	uint8_t level;    /* 0 error .. 3 debug */
	struct proto_str text;
};

struct proto_log {
	uint32_t n_records;
	struct proto_log_record records[PROTO_MAX_LOG];
};

struct proto_log_ack {
	uint64_t seq; /* every record up to here is stored */
};

struct proto_publish {
	uint32_t app_id;
	struct proto_str topic;
	struct proto_str payload;
};

struct proto_ack {
	uint64_t re;
};

struct proto_error {
	uint64_t re; /* id of the offending message, 0 if unknown */
	uint32_t code; /* enum proto_code */
	struct proto_str message;
};

struct proto_goodbye {
	struct proto_str reason;
};

struct proto_msg {
	uint32_t version;
	uint64_t id; /* sender-chosen, unique per connection */
	uint32_t type; /* enum proto_type */
	union {
		struct proto_enroll enroll;
		struct proto_enroll_ok enroll_ok;
		struct proto_enroll_refused enroll_refused;
		struct proto_hello hello;
		struct proto_welcome welcome;
		struct proto_heartbeat heartbeat;
		struct proto_heartbeat_ack heartbeat_ack;
		struct proto_deploy deploy;
		struct proto_chunk chunk;
		struct proto_app_ref app;
		struct proto_app_status app_status;
		struct proto_log log;
		struct proto_log_ack log_ack;
		struct proto_publish publish;
		struct proto_ack ack;
		struct proto_error error;
		struct proto_goodbye goodbye;
	} u;
};

/* Where decoding stopped, for a log line a person can act on. */
struct proto_diag {
	size_t offset; /* byte offset in the frame body */
	uint32_t key;  /* body key being read, 0 if none */
};

/* Reads a frame header. On PROTO_OK *body_len is the CBOR length that
 * follows. A length above max is PROTO_E_TOO_LARGE and a zero length
 * PROTO_E_MALFORMED: either way, close before reading the body. */
proto_err proto_frame_len(const uint8_t hdr[PROTO_HDR_LEN], uint32_t max,
			  uint32_t *body_len);

/* Encodes msg as one whole frame (header and body) into buf[0..cap).
 * msg->version is ignored (PROTO_VERSION is written). On PROTO_OK
 * *len is the frame length. Bound cap by the peer's limit plus
 * PROTO_HDR_LEN so that nothing larger is ever sent. */
proto_err proto_encode(const struct proto_msg *msg, uint8_t *buf,
		       size_t cap, size_t *len);

/* Decodes one frame body (the bytes after the header) into msg. Strings
 * in msg point into body. On PROTO_E_TYPE, msg->id and msg->type hold
 * what was read so the caller can reply. diag may be NULL. */
proto_err proto_decode(const uint8_t *body, size_t len,
		       struct proto_msg *msg, struct proto_diag *diag);

const char *proto_strerror(proto_err err);
/* Name of a message type for logs, "unknown" if none. */
const char *proto_type_name(uint32_t type);

#endif
