/* emu_http.c - the device manager's JSON HTTP API on loopback.
 * SPDX-License-Identifier: Apache-2.0
 * Routes and bodies in docs/emu.md ("HTTP API"), served with libevent's
 * evhttp; errors are {"error": "..."} with a meaningful status code.
 */
#include "emu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#define MOD "api"
#define PREFIX "/api/v1/boards"

static struct evhttp *http;

/* Sends j (consumed) with status code. */
static void reply(struct evhttp_request *req, int code, json_t *j)
{
    struct evbuffer *out = evbuffer_new();
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "application/json");
    if (text)
        evbuffer_add_printf(out, "%s\n", text);
    evhttp_send_reply(req, code, code < 300 ? "OK" : "Error", out);
    evbuffer_free(out);
    free(text);
    json_decref(j);
}

static void reply_error(struct evhttp_request *req, int code,
                        const char *msg)
{
    emu_log(EMU_INFO, MOD, "%d: %s", code, msg);
    reply(req, code, json_pack("{s:s}", "error", msg));
}

/* HTTP status for an error of the manager. */
static int http_code(emu_err rc)
{
    switch (rc) {
    case EMU_E_INVALID:
    case EMU_E_NOTFOUND:
        return 400;
    case EMU_E_EXISTS:
        return 409;
    default:
        return 500;
    }
}

/* A board as the API shows it. */
static json_t *board_json(const struct emu_board *b)
{
    uint64_t up = b->pid > 0 ? (emu_now_ms() - b->started_ms) / 1000 : 0;

    return json_pack(
        "{s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:s, s:s, s:s, s:b,"
        " s:{s:b, s:I, s:I, s:I, s:I, s:I}}",
        "name", b->name, "board", b->prof.name, "machine",
        b->prof.machine, "state", emu_state_name(b->state), "pid",
        (int)(b->pid > 0 ? b->pid : 0), "uptime_s", (json_int_t)up,
        "restarts", (int)b->restarts, "last_error", b->last_error, "image",
        b->image_used[0] ? b->image_used : b->image, "dir", b->dir,
        "want_running", b->want_running, "bridge", "gateway_connected",
        b->bridge.gw == EMU_GW_UP, "frames_in",
        (json_int_t)b->bridge.frames_in, "frames_out",
        (json_int_t)b->bridge.frames_out, "bytes_up",
        (json_int_t)b->bridge.bytes_up, "bytes_down",
        (json_int_t)b->bridge.bytes_down, "link_errors",
        (json_int_t)b->bridge.rx.errors);
}

/* Names are what a folder and a URL can hold without quoting. */
static int name_ok(const char *n)
{
    size_t len = strlen(n);

    return len > 0 && len <= EMU_NAME_MAX &&
           strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789-_") == len && n[0] != '-';
}

/* Reads the request body as a JSON object, or NULL. */
static json_t *body_json(struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *p = (const char *)evbuffer_pullup(in, (ssize_t)len);

    return json_loadb(p ? p : "", len, 0, NULL);
}

/* Checks a create request; fills b's profile and image. */
static emu_err check_create(struct emu_srv *s, json_t *j, const char **name,
                            struct emu_board *tmpl, char why[EMU_WHY_LEN])
{
    const char *board = NULL, *image = NULL;
    const struct emu_profile *p;
    char *abs;

    if (!j || json_unpack(j, "{s:s, s:s, s?s}", "name", name, "board",
                          &board, "image", &image)) {
        snprintf(why, EMU_WHY_LEN, "expected {\"name\", \"board\"[, "
                 "\"image\"]}");
        return EMU_E_INVALID;
    }
    if (!name_ok(*name)) {
        snprintf(why, EMU_WHY_LEN, "bad name '%s': 1 to %d letters, "
                 "digits, '-' or '_'", *name, EMU_NAME_MAX);
        return EMU_E_INVALID;
    }
    p = emu_profile_find(s, board);
    if (!p) {
        snprintf(why, EMU_WHY_LEN, "unknown profile '%s' (see "
                 "boards/profiles.txt)", board);
        return EMU_E_INVALID;
    }
    if (emu_sup_find(s, *name)) {
        snprintf(why, EMU_WHY_LEN, "name '%s' is already taken", *name);
        return EMU_E_EXISTS;
    }
    abs = image ? realpath(image, NULL) : NULL;
    if (image && (!abs || access(abs, R_OK) < 0)) {
        snprintf(why, EMU_WHY_LEN, "image '%s': %s", image,
                 strerror(errno));
        free(abs);
        return EMU_E_NOTFOUND;
    }
    snprintf(tmpl->image, sizeof tmpl->image, "%s", abs ? abs : "");
    free(abs);
    tmpl->prof = *p;
    return EMU_OK;
}

/* POST /api/v1/boards {"name", "board", "image"?} */
static void do_create(struct emu_srv *s, struct evhttp_request *req)
{
    char why[EMU_WHY_LEN];
    struct emu_board tmpl = { .image = "" };
    struct emu_board *b = NULL;
    const char *name = NULL;
    json_t *j = body_json(req);
    emu_err rc = check_create(s, j, &name, &tmpl, why);

    if (rc == EMU_OK) {
        b = emu_board_new(s, name);
        rc = b ? EMU_OK : EMU_E_NOMEM;
        snprintf(why, sizeof why, "no memory");
    }
    if (rc == EMU_OK) {
        b->prof = tmpl.prof;
        memcpy(b->image, tmpl.image, sizeof b->image);
        rc = emu_store_create(b, why);
    }
    json_decref(j);
    if (rc != EMU_OK) {
        free(b);
        reply_error(req, http_code(rc), why);
        return;
    }
    b->next = s->boards;
    s->boards = b;
    emu_log(EMU_INFO, MOD, "%s: created, profile %s, flash %u KB",
            b->name, b->prof.name, b->prof.flash_kb);
    reply(req, 201, board_json(b));
}

/* Starts a board that is wanted running and not already up. */
static emu_err start_board(struct emu_board *b, char why[EMU_WHY_LEN])
{
    emu_err rc;

    b->want_running = 1;
    b->crashes = 0;
    emu_store_save(b, why);
    if (b->pid > 0)
        return EMU_OK;
    if (b->restart_ev)
        event_del(b->restart_ev);
    rc = emu_board_start(b, why);
    if (rc != EMU_OK)
        emu_board_set_state(b, EMU_ST_FAILED, why);
    return rc;
}

/* Removes a stopped board from the list and from disk. */
static emu_err remove_board(struct emu_srv *s, struct emu_board *b,
                            char why[EMU_WHY_LEN])
{
    struct emu_board **pp = &s->boards;
    emu_err rc = emu_store_remove(b, why);

    if (rc != EMU_OK)
        return rc;
    while (*pp != b)
        pp = &(*pp)->next;
    *pp = b->next;
    if (b->restart_ev)
        event_free(b->restart_ev);
    emu_log(EMU_INFO, MOD, "%s: removed", b->name);
    free(b);
    return EMU_OK;
}

/* Verbs on one board: GET, DELETE, POST .../start|stop|restart. */
static void do_board(struct emu_srv *s, struct evhttp_request *req,
                     const char *name, const char *verb)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    struct emu_board *b = emu_sup_find(s, name);
    char why[EMU_WHY_LEN] = "";
    emu_err rc = EMU_OK;

    if (!b) {
        snprintf(why, sizeof why, "no board named '%s'", name);
        reply_error(req, 404, why);
        return;
    }
    if (cmd == EVHTTP_REQ_DELETE && !*verb) {
        b->want_running = 0;
        emu_board_stop(b);
        rc = remove_board(s, b, why);
        if (rc == EMU_OK) {
            reply(req, 200, json_pack("{s:s}", "removed", name));
            return;
        }
    } else if (cmd == EVHTTP_REQ_GET && !*verb) {
        /* status */
    } else if (cmd == EVHTTP_REQ_POST && strcmp(verb, "start") == 0) {
        rc = start_board(b, why);
    } else if (cmd == EVHTTP_REQ_POST && (strcmp(verb, "stop") == 0 ||
                                          strcmp(verb, "restart") == 0)) {
        b->want_running = 0;
        emu_board_stop(b);
        emu_store_save(b, why);
        if (strcmp(verb, "restart") == 0)
            rc = start_board(b, why);
    } else {
        reply_error(req, 405, "unknown verb");
        return;
    }
    if (rc != EMU_OK)
        reply_error(req, http_code(rc), why);
    else
        reply(req, 200, board_json(b));
}

/* Routes every request. */
static void on_request(struct evhttp_request *req, void *arg)
{
    struct emu_srv *s = arg;
    const char *uri = evhttp_request_get_uri(req);
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    char name[EMU_NAME_MAX + 2] = "", verb[16] = "";
    json_t *list;

    if (strcmp(uri, "/health") == 0) {
        reply(req, 200, json_pack("{s:b}", "ok", 1));
    } else if (strcmp(uri, PREFIX) == 0 && cmd == EVHTTP_REQ_GET) {
        list = json_array();
        for (struct emu_board *b = s->boards; b; b = b->next)
            json_array_append_new(list, board_json(b));
        reply(req, 200, json_pack("{s:o}", "boards", list));
    } else if (strcmp(uri, PREFIX) == 0 && cmd == EVHTTP_REQ_POST) {
        do_create(s, req);
    } else if (strncmp(uri, PREFIX "/", sizeof PREFIX) == 0 &&
               sscanf(uri + sizeof PREFIX, "%33[^/]/%15s", name, verb) >= 1
               && strlen(name) <= EMU_NAME_MAX) {
        do_board(s, req, name, verb);
    } else {
        reply_error(req, 404, "no such route");
    }
}

/* Binds host:port (port 0: any free one); returns the socket or -1. */
static int bind_listen(const char *listen_at, unsigned *port,
                       char why[EMU_WHY_LEN])
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof sa;
    char host[64];
    int fd, one = 1;

    if (sscanf(listen_at, "%63[^:]:%u", host, port) != 2 || *port > 65535 ||
        inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(why, EMU_WHY_LEN, "--listen %s: expected IPv4:PORT",
                 listen_at);
        return -1;
    }
    sa.sin_port = htons((uint16_t)*port);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        snprintf(why, EMU_WHY_LEN, "cannot listen on %s: %s", listen_at,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

emu_err emu_http_start(struct emu_srv *s, const char *listen_at,
                       char why[EMU_WHY_LEN])
{
    char path[EMU_PATH_MAX + 16], url[96];
    unsigned port;
    int fd = bind_listen(listen_at, &port, why);
    FILE *f;

    if (fd < 0)
        return EMU_E_SYS;
    http = evhttp_new(s->base);
    if (!http || evhttp_accept_socket(http, fd) < 0) {
        snprintf(why, EMU_WHY_LEN, "evhttp refused the listener");
        close(fd);
        return EMU_E_SYS;
    }
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                                         EVHTTP_REQ_DELETE);
    evhttp_set_gencb(http, on_request, s);

    /* Tests and scripts that asked for port 0 read the address here. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    snprintf(path, sizeof path, "%s/api.url", s->data_dir);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s\n", url);
        fclose(f);
    }
    emu_log(EMU_INFO, MOD, "listening on %s", url);
    return EMU_OK;
}

void emu_http_free(void)
{
    if (http)
        evhttp_free(http);
    http = NULL;
}
