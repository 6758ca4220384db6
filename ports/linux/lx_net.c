/* lx_net.c - transport port on Linux: one TCP connection to the gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Implements agent_transport_ops (src/agent/agent_port.h) over POSIX
 * sockets and poll(2).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lx_port.h"

/* Connects to the first address of host:service that answers. */
static int lx_open(void *ctx)
{
	struct lx_port *lx = ctx;
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(lx->host, lx->service, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	lx->fd = fd;
	return 0;
}

static int lx_wait(void *ctx, uint32_t timeout_ms)
{
	struct lx_port *lx = ctx;
	struct pollfd p = { lx->fd, POLLIN, 0 };
	int r;

	if (lx->fd < 0)
		return -1;
	r = poll(&p, 1, timeout_ms > 0x7fffffffu ? -1 : (int)timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	return (p.revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

static int lx_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	struct lx_port *lx = ctx;
	ssize_t n;
	int r;

	r = lx_wait(ctx, timeout_ms);
	if (r <= 0)
		return r;
	do {
		n = recv(lx->fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	return (int)n;
}

static int lx_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct lx_port *lx = ctx;
	ssize_t n;

	while (len > 0) {
		if (lx->fd < 0)
			return -1;
		n = send(lx->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void lx_close(void *ctx)
{
	struct lx_port *lx = ctx;

	if (lx->fd >= 0)
		close(lx->fd);
	lx->fd = -1;
}

const struct agent_transport_ops lx_transport_ops = {
	lx_open, lx_wait, lx_read, lx_write, lx_close
};
