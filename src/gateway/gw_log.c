/* gw_log.c - leveled, greppable log lines of the gateway on stderr.
 * SPDX-License-Identifier: Apache-2.0
 * Format: "<UTC time> <LEVEL> <module>: <message>", one line each.
 */
#include "gw.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static enum gw_level log_level = GW_INFO;

void gw_log_set_level(enum gw_level lvl)
{
	log_level = lvl;
}

uint64_t gw_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

/* Writes one line; lines longer than 1 KB are cut, never split. */
void gw_log(enum gw_level lvl, const char *mod, const char *fmt, ...)
{
	static const char *const names[] = { "ERROR", "WARN", "INFO",
					     "DEBUG" };
	char msg[1024], stamp[32];
	uint64_t now = gw_now_ms();
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03uZ %s %s: %s\n", stamp,
		(unsigned)(now % 1000), names[lvl], mod, msg);
}
