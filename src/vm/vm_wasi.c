/* Wasmbed WebAssembly engine: the WASI preview 1 subset.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WASI snapshot preview 1 (wasi_snapshot_preview1): fd_write
 * to the console, fd_close, fd_seek, fd_fdstat_get, fd_prestat_get,
 * clock_time_get, random_get, empty args and environ, proc_exit; every
 * other function of the module answers ENOSYS.
 */
#include <string.h>
#include "vm_internal.h"

enum {
    E_SUCCESS = 0, E_BADF = 8, E_FAULT = 21, E_INVAL = 28, E_NOSYS = 52,
    E_SPIPE = 70
};

#define WASI "wasi_snapshot_preview1"

static int console_fd(uint64_t fd)
{
    return (uint32_t)fd <= 2;
}

static int put_u32(vm_instance *in, uint64_t ptr, uint32_t v)
{
    uint8_t *p = vm_memory_ptr(in, (uint32_t)ptr, 4);

    if (p)
        memcpy(p, &v, 4);
    return p != NULL;
}

static int put_u64(vm_instance *in, uint64_t ptr, uint64_t v)
{
    uint8_t *p = vm_memory_ptr(in, (uint32_t)ptr, 8);

    if (p)
        memcpy(p, &v, 8);
    return p != NULL;
}

/* fd_write(fd, iovs, iovs_len, nwritten): console fds only. */
static vm_rc fd_write(void *ctx, vm_instance *in, const uint64_t *a,
                      uint64_t *res, vm_error *err)
{
    vm_wasi *w = ctx;
    uint32_t i, n = (uint32_t)a[2], total = 0;

    (void)err;
    res[0] = E_SUCCESS;
    if ((uint32_t)a[0] != 1 && (uint32_t)a[0] != 2) {
        res[0] = E_BADF;
        return VM_OK;
    }
    for (i = 0; i < n; i++) {
        uint32_t iov[2];
        const uint8_t *p = vm_memory_ptr(in, (uint32_t)a[1] + 8ull * i, 8);
        const uint8_t *buf;

        if (!p) {
            res[0] = E_FAULT;
            return VM_OK;
        }
        memcpy(iov, p, 8);
        if (!(buf = vm_memory_ptr(in, iov[0], iov[1]))) {
            res[0] = E_FAULT;
            return VM_OK;
        }
        if (w->write && iov[1] > 0)
            w->write(w->ctx, (int)a[0], buf, iov[1]);
        total += iov[1];
    }
    if (!put_u32(in, a[3], total))
        res[0] = E_FAULT;
    return VM_OK;
}

static vm_rc fd_close(void *ctx, vm_instance *in, const uint64_t *a,
                      uint64_t *res, vm_error *err)
{
    (void)ctx, (void)in, (void)err;
    res[0] = console_fd(a[0]) ? E_SUCCESS : E_BADF;
    return VM_OK;
}

static vm_rc fd_seek(void *ctx, vm_instance *in, const uint64_t *a,
                     uint64_t *res, vm_error *err)
{
    (void)ctx, (void)in, (void)err;
    res[0] = console_fd(a[0]) ? E_SPIPE : E_BADF;
    return VM_OK;
}

/* fdstat: filetype character device, no flags, write rights only. */
static vm_rc fd_fdstat_get(void *ctx, vm_instance *in, const uint64_t *a,
                           uint64_t *res, vm_error *err)
{
    uint8_t st[24];
    uint8_t *p;
    uint64_t rights = 1u << 6;      /* fd_write */

    (void)ctx, (void)err;
    if (!console_fd(a[0])) {
        res[0] = E_BADF;
        return VM_OK;
    }
    memset(st, 0, sizeof st);
    st[0] = 2;
    memcpy(st + 8, &rights, 8);
    p = vm_memory_ptr(in, (uint32_t)a[1], sizeof st);
    if (p)
        memcpy(p, st, sizeof st);
    res[0] = p ? E_SUCCESS : E_FAULT;
    return VM_OK;
}

static vm_rc fd_prestat_get(void *ctx, vm_instance *in, const uint64_t *a,
                            uint64_t *res, vm_error *err)
{
    (void)ctx, (void)in, (void)a, (void)err;
    res[0] = E_BADF;
    return VM_OK;
}

static vm_rc clock_time_get(void *ctx, vm_instance *in, const uint64_t *a,
                            uint64_t *res, vm_error *err)
{
    vm_wasi *w = ctx;
    uint64_t now;

    (void)err;
    if ((uint32_t)a[0] > 3) {
        res[0] = E_INVAL;
        return VM_OK;
    }
    now = w->clock ? w->clock(w->ctx, (uint32_t)a[0]) : 0;
    res[0] = put_u64(in, a[2], now) ? E_SUCCESS : E_FAULT;
    return VM_OK;
}

static vm_rc random_get(void *ctx, vm_instance *in, const uint64_t *a,
                        uint64_t *res, vm_error *err)
{
    vm_wasi *w = ctx;
    uint8_t *p = vm_memory_ptr(in, (uint32_t)a[0], (uint32_t)a[1]);

    (void)err;
    if (!p || !w->random) {
        res[0] = p ? E_NOSYS : E_FAULT;
        return VM_OK;
    }
    w->random(w->ctx, p, (uint32_t)a[1]);
    res[0] = E_SUCCESS;
    return VM_OK;
}

/* args_sizes_get and environ_sizes_get: zero of each. */
static vm_rc sizes_get(void *ctx, vm_instance *in, const uint64_t *a,
                       uint64_t *res, vm_error *err)
{
    (void)ctx, (void)err;
    res[0] = put_u32(in, a[0], 0) && put_u32(in, a[1], 0) ? E_SUCCESS
                                                           : E_FAULT;
    return VM_OK;
}

static vm_rc empty_get(void *ctx, vm_instance *in, const uint64_t *a,
                       uint64_t *res, vm_error *err)
{
    (void)ctx, (void)in, (void)a, (void)err;
    res[0] = E_SUCCESS;
    return VM_OK;
}

static vm_rc proc_exit(void *ctx, vm_instance *in, const uint64_t *a,
                       uint64_t *res, vm_error *err)
{
    (void)ctx, (void)in, (void)res;
    vm_errorf(err, VM_ERR_EXIT, VM_TRAP_NONE, "proc_exit(%u)",
              (unsigned)(uint32_t)a[0]);
    err->exit_code = (int32_t)(uint32_t)a[0];
    return VM_ERR_EXIT;
}

static vm_rc enosys(void *ctx, vm_instance *in, const uint64_t *a,
                    uint64_t *res, vm_error *err)
{
    (void)ctx, (void)in, (void)a, (void)err;
    res[0] = E_NOSYS;
    return VM_OK;
}

void vm_wasi_funcs(vm_wasi *w, vm_host_func out[VM_WASI_NFUNCS])
{
    static const struct { const char *name, *sig; vm_host_cb cb; } t[] = {
        {"fd_write", "iiii:i", fd_write},
        {"fd_close", "i:i", fd_close},
        {"fd_seek", "iIii:i", fd_seek},
        {"fd_fdstat_get", "ii:i", fd_fdstat_get},
        {"fd_prestat_get", "ii:i", fd_prestat_get},
        {"clock_time_get", "iIi:i", clock_time_get},
        {"random_get", "ii:i", random_get},
        {"args_sizes_get", "ii:i", sizes_get},
        {"args_get", "ii:i", empty_get},
        {"environ_sizes_get", "ii:i", sizes_get},
        {"environ_get", "ii:i", empty_get},
        {"proc_exit", "i:", proc_exit},
        {"*", "*", enosys}
    };
    size_t i;

    for (i = 0; i < VM_WASI_NFUNCS; i++) {
        out[i].module = WASI;
        out[i].name = t[i].name;
        out[i].sig = t[i].sig;
        out[i].cb = t[i].cb;
        out[i].ctx = w;
    }
}
