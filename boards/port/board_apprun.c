/* Arena check image: runs app.wasm with the agent's slot and arena sizes.
 * SPDX-License-Identifier: Apache-2.0
 *
 * WebAssembly 1.0 (src/vm) with WASI output on the console: reads app.wasm
 * from QEMU's working directory by semihosting into a slot-sized buffer,
 * runs its _start in one BOARD_AGENT_ARENA_SIZE arena (as the agent
 * firmware would, boards/PROFILE/agent.cmake) and prints the arena's peak,
 * so the budgets of docs/boards.md are checked on the target itself.
 */
#include <string.h>

#include "board.h"
#include "board_semihost.h"
#include "vm.h"

static uint8_t apprun_slot[BOARD_AGENT_SLOT_SIZE];
static uint8_t apprun_arena[BOARD_AGENT_ARENA_SIZE]
    __attribute__((aligned(8)));

static void apprun_write(void *ctx, int fd, const uint8_t *buf, size_t n)
{
    (void)ctx, (void)fd;
    board_console_write((const char *)buf, n);
}

static uint64_t apprun_clock(void *ctx, uint32_t id)
{
    (void)ctx, (void)id;
    return (uint64_t)board_millis() * 1000000u;
}

static void apprun_random(void *ctx, uint8_t *buf, size_t n)
{
    (void)ctx;
    memset(buf, 0x5A, n);
}

/* Reads app.wasm into the slot; its length, or 0. */
static size_t apprun_read(void)
{
    int fd = board_sh_open("app.wasm", BOARD_SH_RB);
    long n = fd < 0 ? -1 : board_sh_flen(fd);
    size_t len = 0;

    if (n > 0 && (size_t)n <= sizeof(apprun_slot) &&
        board_sh_pread(fd, 0, apprun_slot, (size_t)n) == 0)
        len = (size_t)n;
    if (fd >= 0)
        board_sh_close(fd);
    return len;
}

/* Loads, instantiates and runs _start; the vm's result code. */
static vm_rc apprun_run(size_t len, vm_arena *a, vm_error *err)
{
    static vm_wasi w = { apprun_write, apprun_clock, apprun_random, NULL };
    static vm_host_func wasi[VM_WASI_NFUNCS];
    vm_imports imp = { wasi, VM_WASI_NFUNCS, NULL, NULL };
    vm_module *m;
    vm_instance *in;
    vm_func *f;
    vm_rc rc;

    vm_wasi_funcs(&w, wasi);
    rc = vm_load(a, apprun_slot, len, &m, err);
    if (rc == VM_OK)
        rc = vm_instantiate(a, m, &imp, NULL, &in, err);
    if (rc != VM_OK)
        return rc;
    f = vm_export_func(in, "_start");
    if (f == NULL)
        return VM_ERR_LINK;
    rc = vm_call(in, f, NULL, 0, err);
    while (rc == VM_OK || rc == VM_SUSPENDED) {
        rc = vm_resume(in, 100000u, err);
        if (rc != VM_SUSPENDED)
            break;
    }
    return rc;
}

int main(void)
{
    vm_arena a;
    vm_error err;
    size_t len;
    vm_rc rc;

    board_init();
    len = apprun_read();
    board_printf("apprun: profile=%s app.wasm %lu bytes, slot %lu\r\n",
                 board_profile.name, (unsigned long)len,
                 (unsigned long)sizeof(apprun_slot));
    memset(&err, 0, sizeof(err));
    vm_arena_init(&a, apprun_arena, sizeof(apprun_arena));
    rc = len > 0 ? apprun_run(len, &a, &err) : VM_ERR_LINK;
    if (rc != VM_OK && !(rc == VM_ERR_EXIT && err.exit_code == 0))
        board_printf("apprun: failed: %s\r\n",
                     len > 0 ? err.msg : "no app.wasm that fits the slot");
    board_printf("apprun: arena %lu bytes, peak %lu\r\n",
                 (unsigned long)sizeof(apprun_arena),
                 (unsigned long)vm_arena_peak(&a));
    board_console_puts("apprun: done\r\n");
    for (;;)
        __asm__ volatile("wfi");
}
