/* agent.h - the Wasmbed device agent: the one public interface.
 * SPDX-License-Identifier: Apache-2.0
 * Implements DESIGN.md "The main job" steps 4-7 over docs/protocol.md;
 * see docs/agent.md.
 *
 * The agent is portable C99. It never calls malloc: the port owns one
 * struct agent (static storage on boards) and a pool of application
 * arenas, both sized at build time. wolfSSL's own allocations are the
 * TLS library's business (its static-memory build on boards).
 * One thread runs agent_run(); agent_request_stop() may be called from
 * a signal handler.
 */
#ifndef WASMBED_AGENT_H
#define WASMBED_AGENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_port.h"
#include "proto.h"
#include "vm.h"

/* Build-time sizes; a board with little RAM sets smaller ones on the
 * compiler's command line (docs/agent.md "Memory"). */
#ifndef AGENT_MAX_APPS
#define AGENT_MAX_APPS 8u
#endif
#ifndef AGENT_FRAME_MAX
#define AGENT_FRAME_MAX 4096u /* largest frame body the agent accepts */
#endif
#ifndef AGENT_LOG_RECS
#define AGENT_LOG_RECS 32u    /* log records held until acknowledged */
#endif
#define AGENT_LOG_TEXT 96u    /* bytes of text per record */
#define AGENT_ID_MAX 48u
#define AGENT_NAME_MAX 32u
#define AGENT_ERRMSG_MAX 96u

/* The agent's one error type. */
typedef enum agent_err {
	AGENT_OK = 0,
	AGENT_E_IO,       /* the transport failed or the peer went away */
	AGENT_E_TLS,      /* handshake or record layer refused */
	AGENT_E_PROTO,    /* the peer broke docs/protocol.md */
	AGENT_E_STORAGE,  /* the storage port failed */
	AGENT_E_REFUSED,  /* enrollment refused; the reason is logged */
	AGENT_E_CRYPTO,   /* key generation, request or hash failed */
	AGENT_E_NOSPACE,  /* no free slot, slot or arena too small */
	AGENT_E_INVALID,  /* argument or module refused */
	AGENT_E_NOTFOUND, /* no such application */
	AGENT_E_CLOSED    /* the gateway said goodbye */
} agent_err;

enum agent_level { AGENT_ERROR, AGENT_WARN, AGENT_INFO, AGENT_DEBUG };

/* Settings chosen by the port at start-up. */
struct agent_conf {
	const char *host;         /* gateway name the certificate must hold */
	const char *name;         /* label sent with enrollment, or NULL */
	uint32_t backoff_min_ms;  /* first reconnect delay (default 1000) */
	uint32_t backoff_max_ms;  /* cap of the delay (default 60000) */
	uint32_t io_timeout_ms;   /* handshake and frame reads (10000) */
	uint32_t slice_fuel;      /* fuel per scheduling slice (2000) */
	uint8_t *arena_pool;      /* nslots * arena_size bytes */
	size_t arena_size;        /* bytes of engine arena per application */
	size_t code_bytes;        /* of those, at most this many for code
				     translated for speed (vm_config
				     code_bytes); 0 runs apps in place */
	int log_level;            /* enum agent_level shown on the console */
};

/* One log record held until the gateway acknowledges it. */
struct agent_rec {
	uint64_t seq;
	uint64_t time_ms;
	uint32_t app_id;
	uint8_t level;
	uint8_t len;
	char text[AGENT_LOG_TEXT];
};

/* What storage keeps about an application (AGENT_ITEM_APPS). */
struct agent_app_rec {
	uint32_t app_id;     /* 0: slot unused */
	uint8_t state;       /* enum proto_app_state */
	uint8_t autostart;
	uint8_t sha256[PROTO_SHA256_LEN];
	uint32_t size;
	uint32_t received;
	uint32_t mem_limit;
	uint64_t fuel_limit;
	char name[AGENT_NAME_MAX];
	char version[16];
	char error[AGENT_ERRMSG_MAX];
};

#define AGENT_APP_LINE 96u
#define AGENT_APP_NFUNCS (5u + VM_WASI_NFUNCS)

/* An application: its record plus what lives only while it runs. */
struct agent_app {
	struct agent_app_rec r;
	struct agent *agent;
	uint32_t slot;
	vm_arena arena;
	vm_instance *inst;
	vm_func *entry;
	vm_wasi wasi;
	vm_host_func funcs[AGENT_APP_NFUNCS];
	uint64_t wake_ms;     /* asleep until then */
	uint64_t fuel_left;   /* until it must yield, if fuel_limit */
	int yielded;          /* the last suspension was a sleep */
	int dirty;            /* status not yet reported */
	uint32_t line_len;
	int line_fd;          /* 1 or 2: whose text line holds */
	char line[AGENT_APP_LINE]; /* stdout or stderr up to a newline */
};

struct agent {
	const struct agent_port *port;
	struct agent_conf conf;
	volatile sig_atomic_t stop;
	uint64_t start_ms;
	uint32_t rand_state;

	/* Session with the gateway. */
	void *tls_ctx;        /* WOLFSSL_CTX * */
	void *tls;            /* WOLFSSL * */
	int connected;        /* welcome received */
	uint64_t next_id;
	uint32_t peer_max;
	uint32_t hb_ms;
	uint64_t next_hb_ms;
	uint64_t last_rx_ms;
	uint64_t next_try_ms;
	uint32_t backoff_ms;
	int64_t epoch_ms;     /* Unix time minus clock, once the gateway
				 told the time (0: not yet) */
	char id[AGENT_ID_MAX];

	/* Log records: a ring, oldest first, kept until acknowledged. */
	struct agent_rec recs[AGENT_LOG_RECS];
	uint32_t rec_head, rec_count;
	uint64_t next_seq, seq_reserved, sent_seq;
	uint32_t dropped;

	struct agent_app apps[AGENT_MAX_APPS];

	struct proto_msg msg; /* decoded input, points into rx */
	uint8_t rx[PROTO_HDR_LEN + AGENT_FRAME_MAX];
	uint8_t tx[PROTO_HDR_LEN + AGENT_FRAME_MAX];
};

/* Checks the port, loads identity, application table and sequence
 * numbers from storage, and restarts the applications that were
 * running. The port and arena pool must outlive the agent. */
agent_err agent_init(struct agent *a, const struct agent_port *port,
		     const struct agent_conf *conf);

/* Runs until agent_request_stop(): enrolls if needed, holds the
 * session, runs applications. On stop sends goodbye if connected,
 * closes and returns AGENT_OK. */
agent_err agent_run(struct agent *a);

/* One turn of agent_run(), idling at most max_wait_ms. For tests and
 * for ports that own their main loop. */
void agent_step(struct agent *a, uint32_t max_wait_ms);

/* Async-signal-safe request to stop agent_run(). */
void agent_request_stop(struct agent *a);

/* Applies one gateway message (deploy, chunk, start, stop, remove) as
 * if it had arrived; replies go out only when connected. Lets tests
 * drive the application path without a gateway. */
agent_err agent_handle(struct agent *a, const struct proto_msg *m);

/* The stored record of an application, or NULL. */
const struct agent_app_rec *agent_app_find(const struct agent *a,
					   uint32_t app_id);

/* The i-th log record still held (0 is the oldest), or NULL. */
const struct agent_rec *agent_rec_at(const struct agent *a, uint32_t i);

/* Keeps the log records not yet acknowledged for the next start,
 * releases TLS state and wipes buffers. */
void agent_fini(struct agent *a);

const char *agent_strerror(agent_err err);

#endif
