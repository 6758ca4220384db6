/* Wasmbed integration test: boot a board image in QEMU, check its banner
 * on the console UART and the echo on the transport UART.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Usage: board_boot QEMU MACHINE IMAGE PROFILE RAM_KB FLASH_KB
 * The test listens on two loopback ports and QEMU connects its two serial
 * ports to them as a client, so no port is ever guessed.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOOT_TIMEOUT_MS 20000

struct boot {
    const char *qemu, *machine, *image, *profile;
    int listen_fd[2];
    int fd[2];          /* 0: console, 1: transport */
    pid_t pid;
    char console[4096];
    size_t console_len;
};

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Opens a loopback listener on an ephemeral port; returns the fd and
 * stores the port, or returns -1. */
static int listen_loopback(unsigned *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        perror("board_boot: listen");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Starts QEMU with serial 0 and 1 connected to our two listeners. */
static int start_qemu(struct boot *b, unsigned port[2])
{
    char s0[64], s1[64];

    snprintf(s0, sizeof s0, "tcp:127.0.0.1:%u", port[0]);
    snprintf(s1, sizeof s1, "tcp:127.0.0.1:%u", port[1]);
    b->pid = fork();
    if (b->pid < 0)
        return -1;
    if (b->pid == 0) {
        execlp(b->qemu, b->qemu, "-M", b->machine, "-kernel", b->image,
               "-display", "none", "-monitor", "none", "-nodefaults",
               "-nic", "none", "-serial", s0, "-serial", s1,
               (char *)NULL);
        perror("board_boot: exec qemu");
        _exit(127);
    }
    return 0;
}

/* Accepts QEMU's connection on listener i within the deadline. */
static int accept_serial(struct boot *b, int i, long deadline)
{
    struct pollfd p = { .fd = b->listen_fd[i], .events = POLLIN };
    long left = deadline - now_ms();

    if (left <= 0 || poll(&p, 1, (int)left) != 1) {
        fprintf(stderr, "board_boot: QEMU never connected serial %d\n", i);
        return -1;
    }
    b->fd[i] = accept(b->listen_fd[i], NULL, NULL);
    return b->fd[i] < 0 ? -1 : 0;
}

/* Reads console output until it contains want or the deadline passes. */
static int expect_console(struct boot *b, const char *want, long deadline)
{
    struct pollfd p = { .fd = b->fd[0], .events = POLLIN };
    ssize_t n;

    while (strstr(b->console, want) == NULL) {
        long left = deadline - now_ms();
        size_t room = sizeof b->console - 1 - b->console_len;

        if (left <= 0 || room == 0 || poll(&p, 1, (int)left) != 1)
            goto fail;
        n = read(b->fd[0], b->console + b->console_len, room);
        if (n <= 0)
            goto fail;
        b->console_len += (size_t)n;
        b->console[b->console_len] = '\0';
    }
    return 0;
fail:
    fprintf(stderr, "board_boot: console never said '%s'; it said:\n%s\n",
            want, b->console);
    return -1;
}

/* Sends a message on the transport UART and checks it comes back. */
static int check_echo(struct boot *b, long deadline)
{
    static const char msg[] = "wasmbed echo \x01\x7f\xff check";
    char back[sizeof msg];
    size_t got = 0;
    struct pollfd p = { .fd = b->fd[1], .events = POLLIN };

    if (write(b->fd[1], msg, sizeof msg) != (ssize_t)sizeof msg)
        return -1;
    while (got < sizeof msg) {
        long left = deadline - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) != 1)
            break;
        n = read(b->fd[1], back + got, sizeof msg - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != sizeof msg || memcmp(msg, back, sizeof msg) != 0) {
        fprintf(stderr, "board_boot: echo returned %zu of %zu bytes\n",
                got, sizeof msg);
        return -1;
    }
    return 0;
}

/* Stops QEMU and reaps it; returns 0 if it went away. */
static int stop_qemu(struct boot *b)
{
    int status;

    if (b->pid <= 0)
        return 0;
    kill(b->pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        struct timespec tick = { 0, 100000000L };

        if (waitpid(b->pid, &status, WNOHANG) == b->pid)
            return 0;
        nanosleep(&tick, NULL);
    }
    kill(b->pid, SIGKILL);
    waitpid(b->pid, &status, 0);
    return 0;
}

int main(int argc, char **argv)
{
    struct boot b = { .fd = { -1, -1 }, .listen_fd = { -1, -1 } };
    char banner[128], memory[96];
    unsigned port[2];
    long deadline = now_ms() + BOOT_TIMEOUT_MS;
    int rc = 1;

    if (argc != 7) {
        fprintf(stderr, "usage: board_boot QEMU MACHINE IMAGE PROFILE "
                        "RAM_KB FLASH_KB\n");
        return 2;
    }
    b.qemu = argv[1], b.machine = argv[2], b.image = argv[3];
    b.profile = argv[4];
    signal(SIGPIPE, SIG_IGN);

    for (int i = 0; i < 2; i++)
        if ((b.listen_fd[i] = listen_loopback(&port[i])) < 0)
            goto out;
    if (start_qemu(&b, port) < 0 || accept_serial(&b, 0, deadline) < 0 ||
        accept_serial(&b, 1, deadline) < 0)
        goto out;

    snprintf(banner, sizeof banner, "wasmbed bring-up: profile=%s ",
             b.profile);
    snprintf(memory, sizeof memory, "memory: ram=%lu flash=%lu ",
             strtoul(argv[5], NULL, 10) * 1024,
             strtoul(argv[6], NULL, 10) * 1024);
    if (expect_console(&b, banner, deadline) < 0 ||
        expect_console(&b, memory, deadline) < 0 ||
        expect_console(&b, "systick: ", deadline) < 0 ||
        expect_console(&b, "echo: transport ready", deadline) < 0 ||
        check_echo(&b, deadline) < 0)
        goto out;
    printf("%s", b.console);
    printf("board_boot: %s on %s booted and echoed\n", b.profile,
           b.machine);
    rc = 0;
out:
    stop_qemu(&b);
    for (int i = 0; i < 2; i++) {
        if (b.fd[i] >= 0)
            close(b.fd[i]);
        if (b.listen_fd[i] >= 0)
            close(b.listen_fd[i]);
    }
    return rc;
}
