/* ARM semihosting calls for the agent firmware's flash and seed files.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Arm "Semihosting for AArch32 and AArch64" (version 2.0), 5.1-5.19: the
 * operation number goes in r0, a pointer to its parameter block in r1,
 * and BKPT 0xAB traps to the host; the result comes back in r0.
 */
#include <string.h>

#include "board_semihost.h"

#define SH_OPEN 0x01
#define SH_CLOSE 0x02
#define SH_WRITE 0x05
#define SH_READ 0x06
#define SH_SEEK 0x0A
#define SH_FLEN 0x0C
#define SH_RENAME 0x0F

/* One semihosting call; args points to the operation's word block. */
static int board_sh_call(int op, const void *args)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = args;

    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int board_sh_open(const char *name, enum board_sh_mode mode)
{
    uint32_t args[3] = { (uint32_t)(uintptr_t)name, (uint32_t)mode,
                         (uint32_t)strlen(name) };

    return board_sh_call(SH_OPEN, args);
}

int board_sh_close(int fd)
{
    uint32_t args[1] = { (uint32_t)fd };

    return board_sh_call(SH_CLOSE, args) == 0 ? 0 : -1;
}

static int board_sh_seek(int fd, uint32_t off)
{
    uint32_t args[2] = { (uint32_t)fd, off };

    return board_sh_call(SH_SEEK, args) == 0 ? 0 : -1;
}

/* SYS_READ and SYS_WRITE return the count of bytes NOT transferred. */
int board_sh_pread(int fd, uint32_t off, void *buf, size_t n)
{
    uint32_t args[3] = { (uint32_t)fd, (uint32_t)(uintptr_t)buf,
                         (uint32_t)n };

    if (board_sh_seek(fd, off) != 0)
        return -1;
    return board_sh_call(SH_READ, args) == 0 ? 0 : -1;
}

int board_sh_pwrite(int fd, uint32_t off, const void *buf, size_t n)
{
    uint32_t args[3] = { (uint32_t)fd, (uint32_t)(uintptr_t)buf,
                         (uint32_t)n };

    if (board_sh_seek(fd, off) != 0)
        return -1;
    return board_sh_call(SH_WRITE, args) == 0 ? 0 : -1;
}

long board_sh_flen(int fd)
{
    uint32_t args[1] = { (uint32_t)fd };

    return board_sh_call(SH_FLEN, args);
}

int board_sh_rename(const char *from, const char *to)
{
    uint32_t args[4] = { (uint32_t)(uintptr_t)from, (uint32_t)strlen(from),
                         (uint32_t)(uintptr_t)to, (uint32_t)strlen(to) };

    return board_sh_call(SH_RENAME, args) == 0 ? 0 : -1;
}
