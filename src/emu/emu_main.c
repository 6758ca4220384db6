/* emu_main.c - wasmbed-emu: serve options, start-up, event loop, shutdown.
 * SPDX-License-Identifier: Apache-2.0
 * Behaviour described in docs/emu.md; client verbs in emu_client.c.
 */
#include "emu.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#define MOD "main"

static const char usage[] =
    "usage: wasmbed-emu serve --data-dir DIR --gateway HOST:PORT [options]\n"
    "       wasmbed-emu create --board PROFILE --name NAME [--image ELF]\n"
    "       wasmbed-emu start|stop|restart|remove|status NAME\n"
    "       wasmbed-emu list\n"
    "\n"
    "serve options:\n"
    "  --listen IP:PORT        HTTP API (default 127.0.0.1:8090; port 0\n"
    "                          picks one, written to DIR/api.url)\n"
    "  --qemu PATH             emulator (default qemu-system-arm in PATH)\n"
    "  --profiles FILE         board profiles (default boards/profiles.txt)\n"
    "  --fw-dir DIR            firmware images (default build/fw)\n"
    "  --console-timeout SEC   restart a board whose console is silent this\n"
    "                          long (default 0: not watched)\n"
    "  --bridge-timeout SEC    likewise for bridge traffic (default 0)\n"
    "  --restart-min MS        first restart delay (default 1000)\n"
    "  --restart-max MS        longest restart delay (default 60000)\n"
    "  --stop-timeout MS       SIGTERM to SIGKILL (default 3000)\n"
    "  --ca FILE               fleet CA (PEM or DER), given to every board\n"
    "                          as ca.der in its folder at each start\n"
    "client options (before or after the verb's arguments):\n"
    "  --url URL               the server (default $WASMBED_EMU_URL or\n"
    "                          http://127.0.0.1:8090)\n"
    "  --json                  print the server's JSON answer\n";

struct serve_opts {
    const char *listen, *gateway, *profiles, *ca;
};

/* Finds qemu-system-arm in PATH; returns 0 and fills out, or -1. */
static int find_in_path(const char *prog, char *out, size_t cap)
{
    const char *path = getenv("PATH");

    while (path && *path) {
        size_t len = strcspn(path, ":");

        snprintf(out, cap, "%.*s/%s", (int)len, path, prog);
        if (len && access(out, X_OK) == 0)
            return 0;
        path += len + (path[len] == ':');
    }
    return -1;
}

/* Parses serve options into s and o; returns 0, or -1 with why set. */
static int parse_serve(int argc, char **argv, struct emu_srv *s,
                       struct serve_opts *o, char why[EMU_WHY_LEN])
{
    static const struct option opts[] = {
        { "data-dir", 1, 0, 'd' },        { "gateway", 1, 0, 'g' },
        { "listen", 1, 0, 'l' },          { "qemu", 1, 0, 'q' },
        { "profiles", 1, 0, 'p' },        { "fw-dir", 1, 0, 'f' },
        { "console-timeout", 1, 0, 'c' }, { "bridge-timeout", 1, 0, 'b' },
        { "restart-min", 1, 0, 'r' },     { "restart-max", 1, 0, 'R' },
        { "stop-timeout", 1, 0, 's' },    { "ca", 1, 0, 'C' },
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        unsigned long v = optarg ? strtoul(optarg, NULL, 10) : 0;

        switch (c) {
        case 'd': snprintf(s->data_dir, sizeof s->data_dir, "%s", optarg);
            break;
        case 'g': o->gateway = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'q': snprintf(s->qemu, sizeof s->qemu, "%s", optarg); break;
        case 'p': o->profiles = optarg; break;
        case 'f': snprintf(s->fw_dir, sizeof s->fw_dir, "%s", optarg);
            break;
        case 'c': s->console_timeout_ms = (unsigned)v * 1000; break;
        case 'b': s->bridge_timeout_ms = (unsigned)v * 1000; break;
        case 'r': s->restart_min_ms = (unsigned)v; break;
        case 'R': s->restart_max_ms = (unsigned)v; break;
        case 's': s->stop_timeout_ms = (unsigned)v; break;
        case 'C': o->ca = optarg; break;
        case 'h': fputs(usage, stdout); exit(0);
        default: snprintf(why, EMU_WHY_LEN, "bad option (see --help)");
            return -1;
        }
    }
    if (!s->data_dir[0] || !o->gateway) {
        snprintf(why, EMU_WHY_LEN, "serve needs --data-dir and --gateway");
        return -1;
    }
    if (sscanf(o->gateway, "%127[^:]:%u", s->gw_host, &s->gw_port) != 2 ||
        s->gw_port == 0 || s->gw_port > 65535) {
        snprintf(why, EMU_WHY_LEN, "--gateway %s: expected HOST:PORT",
                 o->gateway);
        return -1;
    }
    return 0;
}

/* Checks the emulator and the data folder, loads profiles and boards. */
static emu_err prepare(struct emu_srv *s, struct serve_opts *o,
                       char why[EMU_WHY_LEN])
{
    char *abs;
    emu_err rc;

    if (!s->qemu[0] &&
        find_in_path("qemu-system-arm", s->qemu, sizeof s->qemu) < 0) {
        snprintf(why, EMU_WHY_LEN, "qemu-system-arm not found in PATH "
                 "(apt-get install qemu-system-arm, or pass --qemu)");
        return EMU_E_NOTFOUND;
    }
    if (access(s->qemu, X_OK) < 0) {
        snprintf(why, EMU_WHY_LEN, "--qemu %s: %s", s->qemu,
                 strerror(errno));
        return EMU_E_NOTFOUND;
    }
    if (mkdir(s->data_dir, 0700) < 0 && errno != EEXIST) {
        snprintf(why, EMU_WHY_LEN, "--data-dir %s: %s", s->data_dir,
                 strerror(errno));
        return EMU_E_SYS;
    }
    abs = realpath(s->data_dir, NULL);
    if (!abs) {
        snprintf(why, EMU_WHY_LEN, "--data-dir: %s", strerror(errno));
        return EMU_E_SYS;
    }
    snprintf(s->data_dir, sizeof s->data_dir, "%s", abs);
    free(abs);
    rc = emu_profiles_load(o->profiles, s->profiles, &s->nprofiles, why);
    if (rc == EMU_OK && o->ca)
        rc = emu_store_load_ca(s, o->ca, why);
    if (rc == EMU_OK)
        rc = emu_store_load_all(s, why);
    return rc;
}

/* SIGTERM or SIGINT: leave the loop; boards are stopped after it. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct emu_srv *s = arg;

    (void)what;
    emu_log(EMU_INFO, MOD, "signal %d: stopping every board", (int)sig);
    event_base_loopbreak(s->base);
}

/* Starts the boards that were running when the manager last stopped. */
static void resume_boards(struct emu_srv *s)
{
    char why[EMU_WHY_LEN];

    for (struct emu_board *b = s->boards; b; b = b->next)
        if (b->want_running && emu_board_start(b, why) != EMU_OK)
            emu_board_set_state(b, EMU_ST_FAILED, why);
}

/* Frees every board record and the server's events. */
static void release(struct emu_srv *s)
{
    while (s->boards) {
        struct emu_board *b = s->boards;

        s->boards = b->next;
        free(b);
    }
    for (int i = 0; i < 2; i++)
        if (s->sup_ev[i])
            event_free(s->sup_ev[i]);
    emu_http_free();
    if (s->base)
        event_base_free(s->base);
}

static int serve(int argc, char **argv)
{
    static struct emu_srv s = {
        .fw_dir = WASMBED_EMU_FW_DIR, .restart_min_ms = 1000,
        .restart_max_ms = 60000, .stop_timeout_ms = 3000,
    };
    struct serve_opts o = { .listen = "127.0.0.1:8090",
                            .profiles = WASMBED_EMU_PROFILES };
    struct event *sig[2] = { NULL, NULL };
    char why[EMU_WHY_LEN];
    emu_err rc = EMU_E_INVALID;

    if (parse_serve(argc, argv, &s, &o, why) < 0)
        goto out;
    rc = prepare(&s, &o, why);
    s.base = rc == EMU_OK ? event_base_new() : NULL;
    if (rc == EMU_OK && !s.base)
        rc = EMU_E_NOMEM;
    if (rc == EMU_OK)
        rc = emu_http_start(&s, o.listen, why);
    if (rc == EMU_OK)
        rc = emu_sup_init(&s);
    if (rc != EMU_OK)
        goto out;
    signal(SIGPIPE, SIG_IGN);
    sig[0] = evsignal_new(s.base, SIGTERM, on_signal, &s);
    sig[1] = evsignal_new(s.base, SIGINT, on_signal, &s);
    evsignal_add(sig[0], NULL);
    evsignal_add(sig[1], NULL);
    emu_log(EMU_INFO, MOD, "serving %s, gateway %s:%u, qemu %s",
            s.data_dir, s.gw_host, s.gw_port, s.qemu);
    resume_boards(&s);
    event_base_dispatch(s.base);
    emu_sup_stop_all(&s);
    emu_log(EMU_INFO, MOD, "stopped");
out:
    if (rc != EMU_OK)
        fprintf(stderr, "wasmbed-emu: %s\n", why);
    for (int i = 0; i < 2; i++)
        if (sig[i])
            event_free(sig[i]);
    release(&s);
    return rc == EMU_OK ? 0 : 1;
}

/* Returns 1 if any argument asks for help. */
static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "serve") == 0)
        return serve(argc - 1, argv + 1);
    return emu_client_main(argc - 1, argv + 1);
}
