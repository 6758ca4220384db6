/* emu_sup.c - supervision: reaping QEMU, health checks, restarts.
 * SPDX-License-Identifier: Apache-2.0
 * Policy in docs/emu.md ("Health"): an unexpected exit, a silent console
 * or an idle bridge counts as a crash; restarts back off exponentially.
 */
#include "emu.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/event.h>

#define MOD "sup"
#define TICK_MS 250
#define STABLE_MS 60000 /* a board up this long has its back-off reset */

struct emu_board *emu_sup_find(struct emu_srv *s, const char *name)
{
    for (struct emu_board *b = s->boards; b; b = b->next)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

/* Restart timer: starts the board again if it is still wanted. */
static void on_restart(evutil_socket_t fd, short what, void *arg)
{
    struct emu_board *b = arg;
    char why[EMU_WHY_LEN];

    (void)fd;
    (void)what;
    if (!b->want_running || b->state != EMU_ST_CRASHED)
        return;
    b->restarts++;
    emu_store_save(b, why);
    if (emu_board_start(b, why) != EMU_OK)
        emu_board_set_state(b, EMU_ST_FAILED, why);
}

/* Schedules a restart after the current back-off. */
static void schedule_restart(struct emu_board *b)
{
    struct emu_srv *s = b->srv;
    uint64_t delay = s->restart_min_ms;
    struct timeval tv;

    for (unsigned i = 1; i < b->crashes && delay < s->restart_max_ms; i++)
        delay *= 2;
    if (delay > s->restart_max_ms)
        delay = s->restart_max_ms;
    if (!b->restart_ev)
        b->restart_ev = evtimer_new(s->base, on_restart, b);
    tv.tv_sec = (time_t)(delay / 1000);
    tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
    evtimer_add(b->restart_ev, &tv);
    emu_log(EMU_INFO, MOD, "%s: restart %u in %llu ms", b->name,
            b->restarts + 1, (unsigned long long)delay);
}

/* Copies the first line QEMU wrote to qemu.log into out, if any, past
 * its warnings: its error, or the heading of its fatal-error dump. */
static void qemu_first_line(const struct emu_board *b, char *out, size_t cap)
{
    char path[EMU_PATH_MAX + 16], line[EMU_WHY_LEN];
    FILE *f;

    out[0] = '\0';
    snprintf(path, sizeof path, "%s/qemu.log", b->dir);
    f = fopen(path, "re");
    if (!f)
        return;
    while (!out[0] && fgets(line, sizeof line, f))
        if (!strstr(line, "warning:"))
            snprintf(out, cap, "%.*s", (int)strcspn(line, "\n"), line);
    fclose(f);
}

void emu_sup_exited(struct emu_board *b, int status)
{
    char said[160];

    char why[EMU_WHY_LEN];

    qemu_first_line(b, said, sizeof said);
    if (b->kill_reason[0])
        snprintf(why, sizeof why, "%s", b->kill_reason);
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "qemu killed by signal %d%s%s",
                 WTERMSIG(status), said[0] ? ": " : "", said);
    else
        snprintf(why, sizeof why, "qemu exited with status %d%s%s",
                 WEXITSTATUS(status), said[0] ? ": " : "", said);
    b->pid = -1;
    emu_board_teardown(b);
    if (emu_now_ms() - b->started_ms > STABLE_MS)
        b->crashes = 0;
    b->crashes++;
    emu_board_set_state(b, EMU_ST_CRASHED, why);
    if (b->want_running)
        schedule_restart(b);
}

/* SIGCHLD: reaps every exited QEMU and hands it to its board. */
static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
    struct emu_srv *s = arg;
    int status;
    pid_t pid;

    (void)sig;
    (void)what;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (struct emu_board *b = s->boards; b; b = b->next) {
            if (b->pid == pid) {
                emu_sup_exited(b, status);
                break;
            }
        }
    }
}

/* Kills a hung board; its exit is then handled as a crash. */
static void kill_hung(struct emu_board *b, const char *what, unsigned ms)
{
    snprintf(b->kill_reason, sizeof b->kill_reason, "%s silent for %u ms",
             what, ms);
    emu_log(EMU_WARN, MOD, "%s: %s, killing qemu pid %d", b->name,
            b->kill_reason, (int)b->pid);
    kill(b->pid, SIGKILL);
}

/* Health tick: watches console and bridge silence of running boards. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct emu_srv *s = arg;
    uint64_t now = emu_now_ms();

    (void)fd;
    (void)what;
    for (struct emu_board *b = s->boards; b; b = b->next) {
        if (b->pid <= 0 || b->kill_reason[0])
            continue;
        if (s->console_timeout_ms &&
            now - b->last_console_ms > s->console_timeout_ms)
            kill_hung(b, "console", s->console_timeout_ms);
        else if (s->bridge_timeout_ms &&
                 now - b->last_bridge_ms > s->bridge_timeout_ms)
            kill_hung(b, "bridge", s->bridge_timeout_ms);
    }
}

emu_err emu_sup_init(struct emu_srv *s)
{
    struct timeval tv = { 0, TICK_MS * 1000 };
    struct event *chld = evsignal_new(s->base, SIGCHLD, on_sigchld, s);
    struct event *tick = event_new(s->base, -1, EV_PERSIST, on_tick, s);

    if (!chld || !tick) {
        if (chld)
            event_free(chld);
        if (tick)
            event_free(tick);
        return EMU_E_NOMEM;
    }
    s->sup_ev[0] = chld;
    s->sup_ev[1] = tick;
    evsignal_add(chld, NULL);
    event_add(tick, &tv);
    return EMU_OK;
}

void emu_sup_stop_all(struct emu_srv *s)
{
    /* Signal every QEMU first so they shut down in parallel. */
    for (struct emu_board *b = s->boards; b; b = b->next)
        if (b->pid > 0)
            kill(b->pid, SIGTERM);
    for (struct emu_board *b = s->boards; b; b = b->next) {
        emu_board_stop(b);
        if (b->restart_ev)
            event_free(b->restart_ev);
        b->restart_ev = NULL;
    }
}
