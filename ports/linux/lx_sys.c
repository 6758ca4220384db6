/* lx_sys.c - clock, entropy and console ports on Linux, and set-up.
 * SPDX-License-Identifier: Apache-2.0
 * Implements agent_clock_ops, agent_entropy_ops and agent_console_ops
 * (src/agent/agent_port.h) over CLOCK_MONOTONIC, getrandom(2), stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "lx_port.h"

static uint64_t lx_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Returns early on a signal, so SIGTERM is seen at once. */
static void lx_sleep(void *ctx, uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)ctx;
	nanosleep(&ts, NULL);
}

static int lx_fill(void *ctx, uint8_t *buf, size_t n)
{
	ssize_t r;

	(void)ctx;
	while (n > 0) {
		r = getrandom(buf, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* "TIME LEVEL module: message" on stderr, like the gateway's lines. */
static void lx_write_line(void *ctx, const char *line, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %.*s\n", when, ts.tv_nsec / 1000000L,
		(int)n, line);
}

const struct agent_clock_ops lx_clock_ops = { lx_now_ms, lx_sleep };
const struct agent_entropy_ops lx_entropy_ops = { lx_fill };
const struct agent_console_ops lx_console_ops = { lx_write_line };

int lx_port_init(struct lx_port *lx, const char *dir, const char *host,
		 const char *service)
{
	struct agent_port *p = &lx->port;

	memset(lx, 0, sizeof(*lx));
	lx->fd = -1;
	if (strlen(dir) >= sizeof(lx->dir) || strlen(host) >= sizeof(lx->host)
	    || strlen(service) >= sizeof(lx->service)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(lx->dir, dir);
	strcpy(lx->host, host);
	strcpy(lx->service, service);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	p->transport = &lx_transport_ops;
	p->transport_ctx = lx;
	p->storage = &lx_storage_ops;
	p->storage_ctx = lx;
	p->clock = &lx_clock_ops;
	p->entropy = &lx_entropy_ops;
	p->console = &lx_console_ops;
	p->board = "linux";
	p->firmware = "0.1.0";
	p->ram = 0;
	p->flash = LX_NSLOTS * LX_SLOT_SIZE;
	p->nslots = LX_NSLOTS;
	p->slot_size = LX_SLOT_SIZE;
	return 0;
}
