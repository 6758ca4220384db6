/* agent_port.h - the five narrow interfaces a port gives the agent.
 * SPDX-License-Identifier: Apache-2.0
 * Implements DESIGN.md "Devices": transport, storage, clock, entropy,
 * console. See docs/agent.md, "Porting".
 *
 * Each interface is a constant operations table plus a context pointer
 * the port owns. The agent calls them from one thread only. None of
 * them may allocate on the agent's behalf; what they need they hold.
 */
#ifndef WASMBED_AGENT_PORT_H
#define WASMBED_AGENT_PORT_H

#include <stddef.h>
#include <stdint.h>

/* A byte stream to the gateway (TCP on Linux, a UART on boards). */
struct agent_transport_ops {
	/* Opens the stream. 0, or -1 if the gateway cannot be reached. */
	int (*open)(void *ctx);
	/* Waits up to timeout_ms for bytes to read. 1 if readable, 0 on
	 * timeout or interruption (a signal), -1 if the stream broke. */
	int (*wait)(void *ctx, uint32_t timeout_ms);
	/* Reads at most len bytes, waiting up to timeout_ms for the first.
	 * Returns the count, 0 on timeout, -1 if the stream ended. */
	int (*read)(void *ctx, uint8_t *buf, size_t len,
		    uint32_t timeout_ms);
	/* Writes all len bytes. 0, or -1 if the stream broke. */
	int (*write)(void *ctx, const uint8_t *buf, size_t len);
	void (*close)(void *ctx);
};

/* Named items of persistent storage. Each is written whole and
 * atomically: after a power cut it holds the old or the new value. */
enum agent_item {
	AGENT_ITEM_KEY = 0, /* device private key, DER (SEC1) */
	AGENT_ITEM_CERT,    /* device certificate, DER */
	AGENT_ITEM_ID,      /* device id, text */
	AGENT_ITEM_CA,      /* fleet CA certificate, DER */
	AGENT_ITEM_APPS,    /* application table */
	AGENT_ITEM_SEQ,     /* log sequence numbers reserved so far */
	AGENT_ITEM_LOGS,    /* records not yet acknowledged at a clean stop */
	AGENT_ITEM_COUNT
};

/* Credentials, settings and application slots. A slot holds one
 * module; slots are numbered 0..nslots-1 (struct agent_port). */
struct agent_storage_ops {
	/* Reads item into buf[0..cap). Returns its length, 0 if absent,
	 * -1 on error or if it does not fit. */
	long (*load)(void *ctx, int item, uint8_t *buf, size_t cap);
	/* Replaces item with buf[0..len). 0 or -1. */
	int (*save)(void *ctx, int item, const uint8_t *buf, size_t len);
	/* Forgets item. 0 or -1. */
	int (*erase)(void *ctx, int item);
	/* Empties a slot before it is written from offset 0. 0 or -1. */
	int (*slot_erase)(void *ctx, uint32_t slot);
	/* Writes n bytes at off of a slot. 0 or -1. */
	int (*slot_write)(void *ctx, uint32_t slot, uint32_t off,
			  const uint8_t *p, size_t n);
	/* A read-only view of the first len bytes of a slot, valid until
	 * the slot is next erased or written, or NULL. Boards return the
	 * flash address; Linux maps the file. */
	const uint8_t *(*slot_map)(void *ctx, uint32_t slot, uint32_t len);
};

/* Monotonic milliseconds since start, and an idle wait. */
struct agent_clock_ops {
	uint64_t (*now_ms)(void *ctx);
	/* Idles up to ms; may return early (a signal, an interrupt). */
	void (*sleep)(void *ctx, uint32_t ms);
};

struct agent_entropy_ops {
	/* Fills buf with unpredictable bytes. 0 or -1. */
	int (*fill)(void *ctx, uint8_t *buf, size_t n);
};

struct agent_console_ops {
	/* Writes one log line (no newline in line). */
	void (*write)(void *ctx, const char *line, size_t n);
};

/* Everything a port provides: operations, contexts and the constant
 * facts about the device that hello reports. */
struct agent_port {
	const struct agent_transport_ops *transport;
	void *transport_ctx;
	const struct agent_storage_ops *storage;
	void *storage_ctx;
	const struct agent_clock_ops *clock;
	void *clock_ctx;
	const struct agent_entropy_ops *entropy;
	void *entropy_ctx;
	const struct agent_console_ops *console;
	void *console_ctx;

	const char *board;    /* profile name, e.g. "linux" */
	const char *firmware; /* version string */
	uint32_t ram;         /* bytes */
	uint32_t flash;       /* bytes */
	uint32_t nslots;      /* application slots, at most AGENT_MAX_APPS */
	uint32_t slot_size;   /* bytes per slot */
};

#endif
