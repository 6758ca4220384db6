/* agent_fixture.h - an agent without a gateway, for tests.
 * SPDX-License-Identifier: Apache-2.0
 * Runs src/agent over the Linux storage port with a transport that
 * never connects, and deploys sample apps (docs/apps.md) through
 * agent_handle() the way the gateway would (docs/protocol.md).
 */
#ifndef WASMBED_AGENT_FIXTURE_H
#define WASMBED_AGENT_FIXTURE_H

#include "agent.h"

extern struct agent fx_agent;

/* Starts the agent over data directory dir. 0 or -1. */
int fx_start(const char *dir);
void fx_stop(void);
/* Deploys apps_dir/name.wasm as app id in chunks of 1500 bytes; with
 * spoil_hash the announced SHA-256 is wrong. */
agent_err fx_deploy(const char *apps_dir, uint32_t id, const char *name,
		    uint64_t fuel, int autostart, int spoil_hash);
/* Sends start, stop or remove for app id. */
agent_err fx_command(uint32_t type, uint32_t id);
/* Runs agent_step() for ms milliseconds. */
void fx_run_for(uint32_t ms);

#endif
