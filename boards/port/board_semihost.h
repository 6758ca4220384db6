/* ARM semihosting calls the agent firmware uses for its flash and seed.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Arm "Semihosting for AArch32 and AArch64" (version 2.0), chapter 5:
 * SYS_OPEN, SYS_CLOSE, SYS_WRITE, SYS_READ, SYS_SEEK, SYS_FLEN and
 * SYS_RENAME, reached with BKPT 0xAB on M-profile cores. QEMU serves them
 * with -semihosting-config enable=on,target=native (docs/emu.md).
 */
#ifndef WASMBED_BOARD_SEMIHOST_H
#define WASMBED_BOARD_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* ISO C fopen modes as semihosting numbers them. */
enum board_sh_mode {
    BOARD_SH_RB = 1,  /* "rb" */
    BOARD_SH_RPB = 3, /* "r+b" */
    BOARD_SH_WB = 5   /* "wb" */
};

/* Opens name in QEMU's working directory. A handle >= 0, or -1. */
int board_sh_open(const char *name, enum board_sh_mode mode);
int board_sh_close(int fd);
/* Reads or writes exactly n bytes at off. 0, or -1 on a short count. */
int board_sh_pread(int fd, uint32_t off, void *buf, size_t n);
int board_sh_pwrite(int fd, uint32_t off, const void *buf, size_t n);
/* The file's length in bytes, or -1. */
long board_sh_flen(int fd);
/* Renames from over to. 0 or -1. */
int board_sh_rename(const char *from, const char *to);

#endif
