/* emu_board.c - one board's QEMU process, UART sockets and bridge.
 * SPDX-License-Identifier: Apache-2.0
 * QEMU connects its two serial ports as a client to loopback listeners
 * of ours (docs/emu.md); the transport UART speaks docs/link.md.
 */
#include "emu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#define MOD "board"

const char *emu_state_name(enum emu_state st)
{
    static const char *const names[] = { "stopped", "starting", "running",
                                         "stopping", "crashed", "failed" };

    return (unsigned)st <= EMU_ST_FAILED ? names[st] : "?";
}

void emu_board_set_state(struct emu_board *b, enum emu_state st,
                         const char *why)
{
    if (why && *why)
        snprintf(b->last_error, sizeof b->last_error, "%s", why);
    emu_log(st == EMU_ST_CRASHED || st == EMU_ST_FAILED ? EMU_WARN
                                                        : EMU_INFO,
            MOD, "%s: %s -> %s%s%s", b->name, emu_state_name(b->state),
            emu_state_name(st), why && *why ? ": " : "", why ? why : "");
    b->state = st;
}

/* Opens a loopback listener on an ephemeral port. */
static int listen_loopback(unsigned *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Picks the image: the override, the agent firmware, or bring-up. */
static emu_err find_image(struct emu_board *b, char why[EMU_WHY_LEN])
{
    const char *fw = b->srv->fw_dir, *p = b->prof.name;
    char agent[EMU_PATH_MAX], bringup[EMU_PATH_MAX];

    if (b->image[0]) {
        snprintf(b->image_used, sizeof b->image_used, "%s", b->image);
        if (access(b->image, R_OK) == 0)
            return EMU_OK;
        snprintf(why, EMU_WHY_LEN, "image %s: %s", b->image,
                 strerror(errno));
        return EMU_E_NOTFOUND;
    }
    snprintf(agent, sizeof agent, "%s/wasmbed-%s.elf", fw, p);
    snprintf(bringup, sizeof bringup, "%s/bringup-%s.elf", fw, p);
    snprintf(b->image_used, sizeof b->image_used, "%s",
             access(agent, R_OK) == 0 ? agent : bringup);
    if (access(b->image_used, R_OK) == 0)
        return EMU_OK;
    snprintf(why, EMU_WHY_LEN, "no image for profile %s: neither %s nor %s "
             "exists (build the firmware or pass --image)", p, agent,
             bringup);
    return EMU_E_NOTFOUND;
}

/* In the child: run QEMU in the board's folder, dying with the manager. */
static void exec_qemu(struct emu_board *b, unsigned port[2])
{
    char s0[64], s1[64];
    const char *q = b->srv->qemu;
    int fd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (chdir(b->dir) < 0)
        _exit(126);
    fd = open("qemu.log", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0)
        dup2(fd, 0);
    snprintf(s0, sizeof s0, "tcp:127.0.0.1:%u", port[0]);
    snprintf(s1, sizeof s1, "tcp:127.0.0.1:%u", port[1]);
    execl(q, q, "-M", b->prof.machine, "-kernel", b->image_used,
          "-display", "none", "-monitor", "none", "-nodefaults", "-nic",
          "none", "-semihosting-config", "enable=on,target=native",
          "-serial", s0, "-serial", s1, (char *)NULL);
    _exit(127);
}

static void on_console_read(struct bufferevent *bev, void *arg);
static void on_transport_read(struct bufferevent *bev, void *arg);
static void on_uart_event(struct bufferevent *bev, short what, void *arg);

/* Accepts QEMU's connection on serial i and wires its bufferevent. */
static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct emu_board *b = arg;
    int i = lfd == b->listen_fd[0] ? 0 : 1;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    (void)what;
    if (fd < 0)
        return;
    event_free(b->accept_ev[i]);
    b->accept_ev[i] = NULL;
    close(b->listen_fd[i]);
    b->listen_fd[i] = -1;
    b->uart[i] = bufferevent_socket_new(b->srv->base, fd,
                                        BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(b->uart[i], i ? on_transport_read : on_console_read,
                      NULL, on_uart_event, b);
    bufferevent_enable(b->uart[i], EV_READ | EV_WRITE);
    if (b->uart[0] && b->uart[1] && b->state == EMU_ST_STARTING)
        emu_board_set_state(b, EMU_ST_RUNNING, NULL);
}

/* Appends console output to the log file and logs each full line. */
static void on_console_read(struct bufferevent *bev, void *arg)
{
    struct emu_board *b = arg;
    char buf[512];
    size_t n;

    b->last_console_ms = emu_now_ms();
    while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0) {
        if (b->console_log) {
            fwrite(buf, 1, n, b->console_log);
            fflush(b->console_log);
        }
        for (size_t i = 0; i < n; i++) {
            char c = buf[i];

            if (c == '\n' || b->line_len == sizeof b->line - 1) {
                b->line[b->line_len] = '\0';
                emu_log(EMU_INFO, "console", "%s: %s", b->name, b->line);
                b->line_len = 0;
            } else if (c != '\r') {
                b->line[b->line_len++] = c;
            }
        }
    }
}

/* Feeds transport bytes to the bridge. */
static void on_transport_read(struct bufferevent *bev, void *arg)
{
    struct emu_board *b = arg;
    uint8_t buf[2048];
    size_t n;

    b->last_bridge_ms = emu_now_ms();
    while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0)
        emu_bridge_device_bytes(&b->bridge, buf, n);
}

/* A UART socket closed: QEMU is going away; the exit is handled when it
 * is reaped. */
static void on_uart_event(struct bufferevent *bev, short what, void *arg)
{
    struct emu_board *b = arg;
    int i = bev == b->uart[1];

    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    emu_log(EMU_DEBUG, MOD, "%s: serial %d closed", b->name, i);
    if (i)
        emu_bridge_device_lost(&b->bridge);
    bufferevent_free(bev);
    b->uart[i] = NULL;
}

/* Gateway socket events: connected, or failed/ended. */
static void on_gw_event(struct bufferevent *bev, short what, void *arg)
{
    struct emu_board *b = arg;

    (void)bev;
    if (what & BEV_EVENT_CONNECTED) {
        emu_bridge_gw_up(&b->bridge);
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    emu_log(EMU_INFO, MOD, "%s: gateway connection %s", b->name,
            what & BEV_EVENT_EOF ? "ended" : "failed");
    bufferevent_free(b->gw);
    b->gw = NULL;
    emu_bridge_gw_down(&b->bridge);
}

/* Gateway bytes go to the device as DATA frames. */
static void on_gw_read(struct bufferevent *bev, void *arg)
{
    struct emu_board *b = arg;
    uint8_t buf[EMU_LINK_MAX];
    size_t n;

    b->last_bridge_ms = emu_now_ms();
    while ((n = bufferevent_read(bev, buf, sizeof buf)) > 0)
        emu_bridge_gw_bytes(&b->bridge, buf, n);
}

/* Bridge operation: starts a TCP connection to the gateway. */
static int gw_connect(void *ctx)
{
    struct emu_board *b = ctx;
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai = NULL;
    char port[8];
    int rc = -1;

    snprintf(port, sizeof port, "%u", b->srv->gw_port);
    if (getaddrinfo(b->srv->gw_host, port, &hints, &ai) != 0)
        goto out;
    b->gw = bufferevent_socket_new(b->srv->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!b->gw)
        goto out;
    bufferevent_setcb(b->gw, on_gw_read, NULL, on_gw_event, b);
    bufferevent_enable(b->gw, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(b->gw, ai->ai_addr,
                                   (int)ai->ai_addrlen) < 0) {
        bufferevent_free(b->gw);
        b->gw = NULL;
        goto out;
    }
    rc = 0;
out:
    if (ai)
        freeaddrinfo(ai);
    return rc;
}

/* Bridge operation: drops the gateway connection. */
static void gw_close(void *ctx)
{
    struct emu_board *b = ctx;

    if (b->gw)
        bufferevent_free(b->gw);
    b->gw = NULL;
}

static int gw_write(void *ctx, const uint8_t *p, size_t n)
{
    struct emu_board *b = ctx;

    b->last_bridge_ms = emu_now_ms();
    return b->gw ? bufferevent_write(b->gw, p, n) : -1;
}

static int dev_write(void *ctx, const uint8_t *p, size_t n)
{
    struct emu_board *b = ctx;

    return b->uart[1] ? bufferevent_write(b->uart[1], p, n) : -1;
}

static const struct emu_bridge_ops net_ops = {
    .gw_connect = gw_connect,
    .gw_close = gw_close,
    .gw_write = gw_write,
    .dev_write = dev_write,
};

/* Opens both listeners and their accept events. */
static emu_err open_listeners(struct emu_board *b, unsigned port[2],
                              char why[EMU_WHY_LEN])
{
    for (int i = 0; i < 2; i++) {
        b->listen_fd[i] = listen_loopback(&port[i]);
        if (b->listen_fd[i] < 0) {
            snprintf(why, EMU_WHY_LEN, "loopback listener: %s",
                     strerror(errno));
            return EMU_E_SYS;
        }
        b->accept_ev[i] = event_new(b->srv->base, b->listen_fd[i],
                                    EV_READ, on_accept, b);
        event_add(b->accept_ev[i], NULL);
    }
    return EMU_OK;
}

emu_err emu_board_start(struct emu_board *b, char why[EMU_WHY_LEN])
{
    char path[EMU_PATH_MAX + 16];
    unsigned port[2];
    emu_err rc;

    rc = find_image(b, why);
    if (rc == EMU_OK)
        rc = emu_store_put_ca(b, why);
    if (rc == EMU_OK && access(b->srv->qemu, X_OK) < 0) {
        snprintf(why, EMU_WHY_LEN, "%s: %s (install qemu-system-arm)",
                 b->srv->qemu, strerror(errno));
        rc = EMU_E_NOTFOUND;
    }
    if (rc == EMU_OK)
        rc = open_listeners(b, port, why);
    if (rc != EMU_OK)
        goto out;

    /* The console log keeps every boot, each marked. */
    snprintf(path, sizeof path, "%s/console.log", b->dir);
    b->console_log = fopen(path, "ae");
    if (b->console_log)
        fprintf(b->console_log, "--- wasmbed-emu: boot of %s\n",
                b->image_used);
    emu_bridge_init(&b->bridge, &net_ops, b, b->name);
    b->pid = fork();
    if (b->pid < 0) {
        snprintf(why, EMU_WHY_LEN, "fork: %s", strerror(errno));
        rc = EMU_E_SYS;
        goto out;
    }
    if (b->pid == 0)
        exec_qemu(b, port);
    b->started_ms = b->last_console_ms = b->last_bridge_ms = emu_now_ms();
    b->line_len = 0;
    b->kill_reason[0] = '\0';
    emu_log(EMU_INFO, MOD, "%s: qemu pid %d, %s on %s, serial ports %u %u",
            b->name, (int)b->pid, b->image_used, b->prof.machine, port[0],
            port[1]);
    emu_board_set_state(b, EMU_ST_STARTING, NULL);
out:
    if (rc != EMU_OK)
        emu_board_teardown(b);
    return rc;
}

void emu_board_teardown(struct emu_board *b)
{
    emu_bridge_device_lost(&b->bridge);
    for (int i = 0; i < 2; i++) {
        if (b->accept_ev[i])
            event_free(b->accept_ev[i]);
        b->accept_ev[i] = NULL;
        if (b->listen_fd[i] >= 0)
            close(b->listen_fd[i]);
        b->listen_fd[i] = -1;
        if (b->uart[i])
            bufferevent_free(b->uart[i]);
        b->uart[i] = NULL;
    }
    if (b->console_log)
        fclose(b->console_log);
    b->console_log = NULL;
}

/* Waits up to ms for pid to exit; returns 1 if it was reaped. */
static int reap_within(pid_t pid, unsigned ms, int *status)
{
    struct timespec tick = { 0, 20 * 1000000L };

    for (unsigned waited = 0; waited <= ms; waited += 20) {
        if (waitpid(pid, status, WNOHANG) == pid)
            return 1;
        nanosleep(&tick, NULL);
    }
    return 0;
}

void emu_board_stop(struct emu_board *b)
{
    int status;

    if (b->restart_ev)
        event_del(b->restart_ev);
    if (b->pid > 0) {
        emu_board_set_state(b, EMU_ST_STOPPING, NULL);
        kill(b->pid, SIGTERM);
        if (!reap_within(b->pid, b->srv->stop_timeout_ms, &status)) {
            emu_log(EMU_WARN, MOD, "%s: qemu pid %d ignored SIGTERM, "
                    "killing", b->name, (int)b->pid);
            kill(b->pid, SIGKILL);
            waitpid(b->pid, &status, 0);
        }
        b->pid = -1;
    }
    emu_board_teardown(b);
    if (b->state != EMU_ST_STOPPED)
        emu_board_set_state(b, EMU_ST_STOPPED, NULL);
}
