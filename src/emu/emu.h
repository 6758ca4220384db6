/* emu.h - internal interfaces between the parts of wasmbed-emu.
 * SPDX-License-Identifier: Apache-2.0
 * The device manager of docs/emu.md; boards speak docs/link.md.
 */
#ifndef WASMBED_EMU_H
#define WASMBED_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "emu_bridge.h"

/* The device manager's one error type. */
typedef enum emu_err {
    EMU_OK = 0,
    EMU_E_SYS,      /* an operating system call failed */
    EMU_E_INVALID,  /* input refused: bad name, unknown profile */
    EMU_E_NOTFOUND, /* no such board, image or program */
    EMU_E_EXISTS,   /* name already taken */
    EMU_E_NOMEM
} emu_err;

enum emu_level { EMU_ERROR, EMU_WARN, EMU_INFO, EMU_DEBUG };

#define EMU_WHY_LEN 256 /* room for a person-readable error */
#define EMU_NAME_MAX 32
#define EMU_PATH_MAX 512
#define EMU_CA_MAX 4096 /* largest fleet CA certificate, DER */
#define EMU_MAX_PROFILES 16

/* Leveled log line on stderr: time, level, module, message. */
void emu_log(enum emu_level lvl, const char *mod, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Monotonic milliseconds. */
uint64_t emu_now_ms(void);

/* ---- board profiles: boards/profiles.txt ---- */

struct emu_profile {
    char name[EMU_NAME_MAX + 1];
    char machine[EMU_NAME_MAX + 1];
    char driver[EMU_NAME_MAX + 1];
    unsigned ram_kb, flash_kb;
};

/* Reads up to EMU_MAX_PROFILES profiles from path into p; *n their count.
 * On failure why says what was wrong and where. */
emu_err emu_profiles_load(const char *path, struct emu_profile *p,
                          size_t *n, char why[EMU_WHY_LEN]);

/* ---- a board: persistent record and running state ---- */

enum emu_state {
    EMU_ST_STOPPED,
    EMU_ST_STARTING, /* QEMU started, UARTs not both connected yet */
    EMU_ST_RUNNING,
    EMU_ST_STOPPING,
    EMU_ST_CRASHED,  /* exited unexpectedly; restart pending */
    EMU_ST_FAILED    /* could not be started */
};

struct emu_srv;

struct emu_board {
    struct emu_srv *srv;
    struct emu_board *next;

    /* Persistent: DIR/boards/NAME/board.json. */
    char name[EMU_NAME_MAX + 1];
    struct emu_profile prof;
    char image[EMU_PATH_MAX];  /* override, or "" for the default */
    char dir[EMU_PATH_MAX];
    int want_running;
    unsigned restarts;

    /* Running state. */
    enum emu_state state;
    pid_t pid;
    uint64_t started_ms, last_console_ms, last_bridge_ms;
    unsigned crashes;          /* consecutive, for back-off */
    char last_error[EMU_WHY_LEN];
    char kill_reason[EMU_WHY_LEN];
    char image_used[EMU_PATH_MAX];
    int listen_fd[2];
    struct event *accept_ev[2];
    struct bufferevent *uart[2]; /* 0 console, 1 transport */
    struct bufferevent *gw;
    struct event *restart_ev;
    FILE *console_log;
    char line[256];
    size_t line_len;
    struct emu_bridge bridge;
};

/* Server settings and the boards it supervises. */
struct emu_srv {
    struct event_base *base;
    char data_dir[EMU_PATH_MAX];
    char qemu[EMU_PATH_MAX];
    char fw_dir[EMU_PATH_MAX];
    char gw_host[128];
    unsigned gw_port;
    struct emu_profile profiles[EMU_MAX_PROFILES];
    size_t nprofiles;
    unsigned console_timeout_ms, bridge_timeout_ms; /* 0: not watched */
    unsigned restart_min_ms, restart_max_ms, stop_timeout_ms;
    struct emu_board *boards;
    struct event *sup_ev[2]; /* SIGCHLD, health tick */
    uint8_t ca_der[EMU_CA_MAX]; /* fleet CA handed to every board */
    size_t ca_len;              /* 0: boards get none from us */
};

/* Board records on disk (emu_store.c). */
emu_err emu_store_create(struct emu_board *b, char why[EMU_WHY_LEN]);
emu_err emu_store_save(const struct emu_board *b, char why[EMU_WHY_LEN]);
emu_err emu_store_load_all(struct emu_srv *s, char why[EMU_WHY_LEN]);
emu_err emu_store_remove(const struct emu_board *b, char why[EMU_WHY_LEN]);
/* Reads the fleet CA certificate (PEM or DER) at path into s as DER. */
emu_err emu_store_load_ca(struct emu_srv *s, const char *path,
                          char why[EMU_WHY_LEN]);
/* Writes the server's CA, if it has one, as ca.der in the board's folder,
 * where the firmware imports it at boot (docs/emu.md). */
emu_err emu_store_put_ca(const struct emu_board *b, char why[EMU_WHY_LEN]);
struct emu_board *emu_board_new(struct emu_srv *s, const char *name);
const struct emu_profile *emu_profile_find(const struct emu_srv *s,
                                           const char *name);

/* QEMU and the UART sockets of one board (emu_board.c). */
emu_err emu_board_start(struct emu_board *b, char why[EMU_WHY_LEN]);
void emu_board_stop(struct emu_board *b);
/* Releases sockets, events and the console log of a board. */
void emu_board_teardown(struct emu_board *b);
const char *emu_state_name(enum emu_state st);
void emu_board_set_state(struct emu_board *b, enum emu_state st,
                         const char *why);

/* Supervision (emu_sup.c). */
emu_err emu_sup_init(struct emu_srv *s);
void emu_sup_exited(struct emu_board *b, int status);
void emu_sup_stop_all(struct emu_srv *s);
struct emu_board *emu_sup_find(struct emu_srv *s, const char *name);

/* HTTP API (emu_http.c). */
emu_err emu_http_start(struct emu_srv *s, const char *listen,
                       char why[EMU_WHY_LEN]);
void emu_http_free(void);

/* Client verbs (emu_client.c): argv from the verb on; returns the exit
 * status. */
int emu_client_main(int argc, char **argv);

#endif
