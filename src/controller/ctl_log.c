/* ctl_log.c - leveled log lines of the controller on stderr, and time.
 * SPDX-License-Identifier: Apache-2.0
 * Format: "<UTC time> <LEVEL> <module>: <message>"; times in RFC 3339.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum ctl_level log_level = CTL_INFO;

void ctl_log_set_level(enum ctl_level lvl)
{
	log_level = lvl;
}

uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ctl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* "2026-12-03T13:41:55Z", or with micro "2026-12-03T13:41:55.123000Z"
 * (the MicroTime of coordination.k8s.io Leases). */
void ctl_rfc3339(uint64_t ms, int micro, char out[40])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		snprintf(out, 40, "%s.%06uZ", base,
			 (unsigned)(ms % 1000) * 1000u);
	else
		snprintf(out, 40, "%sZ", base);
}

/* Writes one line; lines longer than 1 KB are cut, never split. */
void ctl_log(enum ctl_level lvl, const char *mod, const char *fmt, ...)
{
	static const char *const names[] = { "ERROR", "WARN", "INFO",
					     "DEBUG" };
	char msg[1024], stamp[40], *p;
	uint64_t now = ctl_now_ms();
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One event, one line: answers quoted in messages may hold some. */
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	ctl_rfc3339(now, 0, stamp);
	fprintf(stderr, "%s %s %s: %s\n", stamp, names[lvl], mod, msg);
}
