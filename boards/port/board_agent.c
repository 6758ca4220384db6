/* Agent firmware entry: the board port wired to src/agent.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Implements DESIGN.md "Devices" for the profiles of boards/profiles.txt:
 * clock and console of struct agent_port over board.h, and main(), which
 * brings up storage, the DRBG and the link before the agent runs. Sizes
 * are the profile's (boards/PROFILE/agent.cmake); see docs/boards.md.
 */
#include <string.h>

#include "agent.h"
#include "board.h"
#include "board_port.h"

#define BOARD_FW_VERSION "0.1.0"
/* The gateway's certificate holds this name (docs/agent.md). */
#define BOARD_GATEWAY_NAME "wasmbed-gateway"

static struct agent board_agent;
static struct board_link board_link;
static struct board_store board_store;
static uint8_t board_arenas[BOARD_AGENT_NSLOTS * BOARD_AGENT_ARENA_SIZE]
    __attribute__((aligned(8)));

/* board_millis() widened to 64 bits; called often enough (each agent
 * step waits at most a second) never to miss a wrap. */
static uint64_t board_now(void *ctx)
{
    static uint32_t last, high;
    uint32_t now = board_millis();

    (void)ctx;
    if (now < last)
        high++;
    last = now;
    return ((uint64_t)high << 32) | now;
}

static void board_sleep(void *ctx, uint32_t ms)
{
    uint32_t start = board_millis();

    (void)ctx;
    while (board_millis() - start < ms)
        __asm__ volatile("wfi");
}

static void board_console_line(void *ctx, const char *line, size_t n)
{
    (void)ctx;
    board_console_write(line, n);
    board_console_write("\r\n", 2);
}

static const struct agent_clock_ops board_clock_ops = {
    .now_ms = board_now, .sleep = board_sleep,
};
static const struct agent_console_ops board_console_ops = {
    .write = board_console_line,
};

/* board_link_ops with board_open in front; filled in by main. */
static struct agent_transport_ops board_transport_ops;

static struct agent_port board_port = {
    .transport = &board_transport_ops, .transport_ctx = &board_link,
    .storage = &board_store_ops, .storage_ctx = &board_store,
    .clock = &board_clock_ops,
    .entropy = &board_rng_ops,
    .console = &board_console_ops,
    .firmware = BOARD_FW_VERSION,
    .nslots = BOARD_AGENT_NSLOTS,
    .slot_size = BOARD_AGENT_SLOT_SIZE,
};

#define BOARD_PAINT 0xA5A5A5A5u

extern uint32_t __stack_bottom, __stack_top;
extern char __heap_start;
void *_sbrk(ptrdiff_t incr);

/* Fills the unused stack below this frame, to find its peak later. */
static void board_paint_stack(void)
{
    uint32_t *p = &__stack_bottom;
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 64;

    while (p < sp)
        *p++ = BOARD_PAINT;
}

/* Prints the stack and heap peaks so far: the deepest stack reached
 * (paint overwritten) and how far malloc has moved the break. */
static void board_mem_report(void)
{
    uint32_t *p = &__stack_bottom;
    char *brk = _sbrk(0);

    while (p < &__stack_top && *p == BOARD_PAINT)
        p++;
    board_printf("board: stack peak %lu bytes, heap peak %lu bytes\r\n",
                 (unsigned long)((char *)&__stack_top - (char *)p),
                 (unsigned long)(brk - &__heap_start));
}

/* The link's open, reporting memory peaks before each attempt. */
static int board_open(void *ctx)
{
    board_mem_report();
    return board_link_ops.open(ctx);
}


static void board_halt(const char *why)
{
    board_printf("agent: %s, halted\r\n", why);
    for (;;)
        __asm__ volatile("wfi");
}

int main(void)
{
    struct agent_conf conf;
    agent_err rc;

    board_paint_stack();
    board_init();
    board_printf("wasmbed agent %s: profile=%s ram=%lu flash=%lu\r\n",
                 BOARD_FW_VERSION, board_profile.name,
                 (unsigned long)board_profile.ram_bytes,
                 (unsigned long)board_profile.flash_bytes);
    if (board_store_init(&board_store) != 0)
        board_halt("no storage");
    if (board_rng_boot() != 0)
        board_halt("no entropy");
    board_link_init(&board_link);
    board_transport_ops = board_link_ops;
    board_transport_ops.open = board_open;

    board_port.board = board_profile.name;
    board_port.ram = board_profile.ram_bytes;
    board_port.flash = board_profile.flash_bytes;
    memset(&conf, 0, sizeof(conf));
    conf.host = BOARD_GATEWAY_NAME;
    conf.name = board_profile.name;
    conf.arena_pool = board_arenas;
    conf.arena_size = BOARD_AGENT_ARENA_SIZE;
    conf.log_level = AGENT_INFO;
    rc = agent_init(&board_agent, &board_port, &conf);
    if (rc != AGENT_OK)
        board_halt(agent_strerror(rc));
    agent_run(&board_agent);
    board_halt("agent stopped");
    return 0;
}
