/* emu_log.c - leveled, greppable log lines of wasmbed-emu on stderr.
 * SPDX-License-Identifier: Apache-2.0
 * Format: "<UTC time> <LEVEL> <module>: <message>", one line each.
 */
#include "emu.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Reads WASMBED_EMU_LOG (error, warn, info, debug) once. */
static enum emu_level log_threshold(void)
{
    static int level = -1;
    const char *env;

    if (level >= 0)
        return (enum emu_level)level;
    env = getenv("WASMBED_EMU_LOG");
    level = EMU_INFO;
    if (env && strcmp(env, "debug") == 0)
        level = EMU_DEBUG;
    else if (env && strcmp(env, "warn") == 0)
        level = EMU_WARN;
    else if (env && strcmp(env, "error") == 0)
        level = EMU_ERROR;
    return (enum emu_level)level;
}

uint64_t emu_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Writes one line; longer messages are cut, never split. */
void emu_log(enum emu_level lvl, const char *mod, const char *fmt, ...)
{
    static const char *const names[] = { "ERROR", "WARN", "INFO", "DEBUG" };
    char msg[1024], stamp[32];
    struct timeval tv;
    struct tm tm;
    va_list ap;

    if (lvl > log_threshold())
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03uZ %s %s: %s\n", stamp,
            (unsigned)(tv.tv_usec / 1000), names[lvl], mod, msg);
}
