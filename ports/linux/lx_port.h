/* lx_port.h - the agent's port interfaces on Linux (wasmbed-device).
 * SPDX-License-Identifier: Apache-2.0
 * Implements src/agent/agent_port.h over POSIX: TCP, files in the data
 * directory, CLOCK_MONOTONIC, getrandom(2), stderr.
 */
#ifndef WASMBED_LX_PORT_H
#define WASMBED_LX_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "agent_port.h"

#define LX_NSLOTS 4u
#define LX_SLOT_SIZE (256u * 1024u)
#define LX_PATH_MAX 512u

/* State of the Linux port; one per process. */
struct lx_port {
	char host[256];
	char service[16];
	char dir[LX_PATH_MAX];
	int fd;                 /* TCP socket, -1 when closed */
	const uint8_t *map[LX_NSLOTS];
	size_t map_len[LX_NSLOTS];
	struct agent_port port;
};

/* Fills lx->port with the Linux operations over data directory dir
 * (created 0700 if missing) and gateway host:service. 0 or -1 with
 * errno set. */
int lx_port_init(struct lx_port *lx, const char *dir, const char *host,
		 const char *service);
/* Unmaps slots and closes the socket. */
void lx_port_fini(struct lx_port *lx);
/* Reads a PEM or DER certificate file and stores it as the fleet CA
 * (DER). 0, or -1 with a reason in why. */
int lx_store_ca(struct lx_port *lx, const char *file, char *why,
		size_t cap);
/* Checks what earlier starts stored: the fleet CA, the device's key
 * and certificate, each when present, must be what wolfSSL takes; a
 * session could not open otherwise. 0, or -1 with a reason naming the
 * file and the way out in why. */
int lx_check_stored(struct lx_port *lx, char *why, size_t cap);

extern const struct agent_transport_ops lx_transport_ops;
extern const struct agent_storage_ops lx_storage_ops;
extern const struct agent_clock_ops lx_clock_ops;
extern const struct agent_entropy_ops lx_entropy_ops;
extern const struct agent_console_ops lx_console_ops;

#endif
