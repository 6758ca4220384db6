/* agent_log.c - console lines and the log records kept for the gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md "Application output" (seq never reused,
 * records kept until a log-ack covers them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"

#define MOD "log"

static const char *const level_names[] = { "ERROR", "WARN", "INFO",
					   "DEBUG" };

uint64_t agent_now(const struct agent *a)
{
	const struct agent_port *p = a->port;

	return p->clock->now_ms(p->clock_ctx);
}

/* Formats "LEVEL module: message" into a stack line and hands it to
 * the console port; a line longer than the buffer is cut. */
void agent_log(struct agent *a, enum agent_level lvl, const char *mod,
	       const char *fmt, ...)
{
	const struct agent_port *p = a->port;
	char line[192];
	va_list ap;
	int n, m;

	if ((int)lvl > a->conf.log_level)
		return;
	n = snprintf(line, sizeof(line), "%s %s: ", level_names[lvl], mod);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	p->console->write(p->console_ctx, line, (size_t)n);
}

/* Reserves the next block of sequence numbers in storage before any
 * of it is used, so that a restart never reuses one. */
static agent_err seq_reserve(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint8_t buf[8];
	uint64_t top = a->next_seq + AGENT_SEQ_BLOCK;
	int i;

	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)(top >> (8 * i));
	if (p->storage->save(p->storage_ctx, AGENT_ITEM_SEQ, buf, 8) != 0)
		return AGENT_E_STORAGE;
	a->seq_reserved = top;
	return AGENT_OK;
}

/* The kept records must fit the scratch buffer they pass through. */
typedef char recs_fit[(sizeof(uint32_t) + AGENT_LOG_RECS *
		       sizeof(struct agent_rec) <=
		       PROTO_HDR_LEN + AGENT_FRAME_MAX) ? 1 : -1];

void agent_rec_save(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint32_t n = a->rec_count, i;
	size_t len = sizeof(n);

	if (n == 0)
		return;
	memcpy(a->tx, &n, sizeof(n));
	for (i = 0; i < n; i++) {
		memcpy(a->tx + len, agent_rec_at(a, i), sizeof(a->recs[0]));
		len += sizeof(a->recs[0]);
	}
	if (p->storage->save(p->storage_ctx, AGENT_ITEM_LOGS, a->tx,
			     len) != 0)
		agent_log(a, AGENT_WARN, MOD, "%u records not kept",
			  (unsigned)n);
}

/* Takes back the records kept at the last clean stop, once. */
static void rec_restore(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint32_t n = 0;
	long len;

	len = p->storage->load(p->storage_ctx, AGENT_ITEM_LOGS, a->tx,
			       sizeof(a->tx));
	if (len >= (long)sizeof(n))
		memcpy(&n, a->tx, sizeof(n));
	if (n > AGENT_LOG_RECS ||
	    (size_t)len != sizeof(n) + n * sizeof(a->recs[0]))
		n = 0;
	memcpy(a->recs, a->tx + sizeof(n), n * sizeof(a->recs[0]));
	a->rec_head = 0;
	a->rec_count = n;
	if (len > 0)
		(void)p->storage->erase(p->storage_ctx, AGENT_ITEM_LOGS);
}

agent_err agent_seq_init(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint8_t buf[8];
	uint64_t top = 0;
	long n;
	int i;

	n = p->storage->load(p->storage_ctx, AGENT_ITEM_SEQ, buf, 8);
	if (n < 0)
		return AGENT_E_STORAGE;
	for (i = 0; n == 8 && i < 8; i++)
		top |= (uint64_t)buf[i] << (8 * i);
	a->next_seq = top + 1;
	a->sent_seq = 0;
	rec_restore(a);
	return seq_reserve(a);
}

/* Drops the oldest record, acknowledged or not. */
static void rec_drop_oldest(struct agent *a)
{
	a->rec_head = (a->rec_head + 1) % AGENT_LOG_RECS;
	a->rec_count--;
}

void agent_rec_push(struct agent *a, uint32_t app_id, uint8_t level,
		    const char *text, size_t len)
{
	struct agent_rec *r;

	if (a->next_seq > a->seq_reserved && seq_reserve(a) != AGENT_OK) {
		agent_log(a, AGENT_ERROR, MOD, "cannot reserve seq; "
			  "record dropped");
		return;
	}
	if (a->rec_count == AGENT_LOG_RECS) {
		rec_drop_oldest(a);
		a->dropped++;
		agent_log(a, AGENT_WARN, MOD, "record buffer full: %u "
			  "dropped", (unsigned)a->dropped);
	}
	r = &a->recs[(a->rec_head + a->rec_count) % AGENT_LOG_RECS];
	a->rec_count++;
	if (len > AGENT_LOG_TEXT)
		len = AGENT_LOG_TEXT;
	r->seq = a->next_seq++;
	r->time_ms = agent_now(a) - a->start_ms;
	r->app_id = app_id;
	r->level = level > 3 ? 3 : level;
	r->len = (uint8_t)len;
	memcpy(r->text, text, len);
}

void agent_rec_ack(struct agent *a, uint64_t seq)
{
	while (a->rec_count > 0 && a->recs[a->rec_head].seq <= seq)
		rec_drop_oldest(a);
}

const struct agent_rec *agent_rec_at(const struct agent *a, uint32_t i)
{
	if (i >= a->rec_count)
		return NULL;
	return &a->recs[(a->rec_head + i) % AGENT_LOG_RECS];
}

void agent_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0)
		*v++ = 0;
}

/* xorshift32: good enough to spread reconnects, never for keys. */
uint32_t agent_rand(struct agent *a)
{
	uint32_t x = a->rand_state ? a->rand_state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	a->rand_state = x;
	return x;
}
