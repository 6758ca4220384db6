/* test_agent_apps.c - the agent's application path without a gateway.
 * SPDX-License-Identifier: Apache-2.0
 * Drives docs/protocol.md "Applications" through agent_handle() over
 * the Linux storage port, with a transport that never connects; runs
 * the sample applications of apps/ (docs/apps.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_fixture.h"

static const char *apps_dir;
static char data_dir[256];
static int failures;

#define CHECK(c) check((c), #c, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
		failures++;
	}
}

static agent_err deploy(uint32_t id, const char *name, uint64_t fuel,
			int autostart, int spoil_hash)
{
	return fx_deploy(apps_dir, id, name, fuel, autostart, spoil_hash);
}

static void start_agent(void)
{
	CHECK(fx_start(data_dir) == 0);
}

static int state(uint32_t id)
{
	const struct agent_app_rec *r = agent_app_find(&fx_agent, id);

	return r ? r->state : PROTO_APP_ABSENT;
}

/* Level of the first held record of app id starting with prefix. */
static int level_of(uint32_t id, const char *prefix)
{
	const struct agent_rec *r;
	uint32_t i;

	for (i = 0; (r = agent_rec_at(&fx_agent, i)) != NULL; i++)
		if (r->app_id == id &&
		    strncmp(r->text, prefix, strlen(prefix)) == 0)
			return r->level;
	return -1;
}

/* Number of held records of app id whose text starts with prefix. */
static int count_recs(uint32_t id, const char *prefix)
{
	const struct agent_rec *r;
	uint32_t i;
	int n = 0;

	for (i = 0; (r = agent_rec_at(&fx_agent, i)) != NULL; i++)
		if (r->app_id == id &&
		    strncmp(r->text, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static void case_hello(void)
{
	const struct agent_rec *r;
	uint32_t i;
	int line = 1;
	uint64_t last = 0;

	CHECK(deploy(1, "hello", 0, 1, 0) == AGENT_OK);
	CHECK(state(1) == PROTO_APP_RUNNING);
	fx_run_for(200);
	CHECK(state(1) == PROTO_APP_INSTALLED);

	/* Its three lines, in order, with rising sequence numbers. */
	for (i = 0; (r = agent_rec_at(&fx_agent, i)) != NULL; i++) {
		char want[64];

		if (r->app_id != 1)
			continue;
		snprintf(want, sizeof(want), "hello from wasmbed, line %d",
			 line);
		CHECK(r->len == strlen(want) &&
		      memcmp(r->text, want, r->len) == 0);
		CHECK(r->seq > last);
		last = r->seq;
		line++;
	}
	CHECK(line == 4);
}

static void case_interleave(void)
{
	CHECK(fx_command(PROTO_REMOVE, 1) == AGENT_OK);
	CHECK(state(1) == PROTO_APP_ABSENT);
	CHECK(deploy(2, "counter", 100000, 1, 0) == AGENT_OK);
	CHECK(deploy(3, "sensor", 100000, 1, 0) == AGENT_OK);
	CHECK(deploy(4, "trap", 100000, 1, 0) == AGENT_OK);
	CHECK(deploy(5, "busy", 50000, 1, 0) == AGENT_OK);
	fx_run_for(1300);

	/* Both sleepers ran side by side; the faulty ones failed alone. */
	CHECK(state(2) == PROTO_APP_RUNNING);
	CHECK(state(3) == PROTO_APP_RUNNING);
	CHECK(count_recs(2, "count ") >= 2);
	CHECK(count_recs(3, "samples 5 ") == 1);
	CHECK(count_recs(3, "sensor on ") == 1);
	CHECK(level_of(3, "sensor on ") == 2);
	CHECK(level_of(3, "readings are simulated") == 1);
	CHECK(state(4) == PROTO_APP_FAILED);
	CHECK(strstr(agent_app_find(&fx_agent, 4)->error, "trap") != NULL);
	CHECK(count_recs(4, "about to trap") == 1);
	CHECK(state(5) == PROTO_APP_FAILED);
	CHECK(strstr(agent_app_find(&fx_agent, 5)->error, "out of fuel")
	      != NULL);
}

static void case_bad_hash(void)
{
	/* All four slots are taken: removing frees one. */
	CHECK(deploy(6, "hello", 0, 1, 0) == AGENT_E_NOSPACE);
	CHECK(fx_command(PROTO_REMOVE, 5) == AGENT_OK);
	CHECK(state(5) == PROTO_APP_ABSENT);
	CHECK(deploy(6, "hello", 0, 1, 1) == AGENT_E_CRYPTO);
	CHECK(state(6) == PROTO_APP_FAILED);
	CHECK(agent_app_find(&fx_agent, 6)->received == 0);
	CHECK(fx_command(PROTO_START, 6) == AGENT_E_INVALID);
	CHECK(fx_command(PROTO_START, 99) == AGENT_E_NOTFOUND);
}

static void case_lifecycle(void)
{
	CHECK(fx_command(PROTO_STOP, 3) == AGENT_OK);
	CHECK(state(3) == PROTO_APP_INSTALLED);
	CHECK(fx_command(PROTO_START, 3) == AGENT_OK);
	CHECK(state(3) == PROTO_APP_RUNNING);
	CHECK(fx_command(PROTO_STOP, 3) == AGENT_OK);

	/* Update in place: app 4 becomes hello, version 1.0 again. */
	CHECK(deploy(4, "hello", 0, 0, 0) == AGENT_OK);
	CHECK(state(4) == PROTO_APP_INSTALLED);
	CHECK(agent_app_find(&fx_agent, 4)->error[0] == '\0');
}

/* After a restart: counter running again, sensor stopped, hash failure
 * still failed; records not yet acknowledged are kept, and their
 * sequence numbers are never reused. */
static void case_restart(void)
{
	uint64_t before = fx_agent.next_seq;
	uint64_t oldest = agent_rec_at(&fx_agent, 0)->seq;
	uint32_t held = fx_agent.rec_count;

	fx_stop();
	start_agent();
	CHECK(state(2) == PROTO_APP_RUNNING);
	CHECK(state(3) == PROTO_APP_INSTALLED);
	CHECK(state(4) == PROTO_APP_INSTALLED);
	CHECK(state(6) == PROTO_APP_FAILED);
	CHECK(fx_agent.rec_count == held);
	CHECK(agent_rec_at(&fx_agent, 0)->seq == oldest);
	CHECK(fx_agent.next_seq >= before);
	fx_run_for(700);
	CHECK(count_recs(2, "count 1") >= 1);
	CHECK(agent_rec_at(&fx_agent, fx_agent.rec_count - 1)->seq >=
	      before);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_agent_apps APPS_DIR\n");
		return 2;
	}
	apps_dir = argv[1];
	snprintf(data_dir, sizeof(data_dir), "/tmp/wb-agent-apps-%d",
		 (int)getpid());
	start_agent();
	case_hello();
	case_interleave();
	case_bad_hash();
	case_lifecycle();
	case_restart();
	fx_stop();
	if (failures == 0) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", data_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", data_dir);
	}
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
