/* emu_profile.c - board profiles read from boards/profiles.txt.
 * SPDX-License-Identifier: Apache-2.0
 * One profile a line: name, QEMU machine, UART driver, RAM KB, flash KB;
 * '#' starts a comment (docs/boards.md).
 */
#include "emu.h"

#include <errno.h>
#include <string.h>

/* Parses one non-comment line into p; returns 0 or -1. */
static int parse_line(const char *line, struct emu_profile *p)
{
    char extra[8];
    int n = sscanf(line, "%32s %32s %32s %u %u %7s", p->name, p->machine,
                   p->driver, &p->ram_kb, &p->flash_kb, extra);

    return n == 5 && p->ram_kb > 0 && p->flash_kb > 0 ? 0 : -1;
}

emu_err emu_profiles_load(const char *path, struct emu_profile *p,
                          size_t *n, char why[EMU_WHY_LEN])
{
    char line[256];
    unsigned lineno = 0;
    emu_err rc = EMU_OK;
    FILE *f = fopen(path, "r");

    *n = 0;
    if (!f) {
        snprintf(why, EMU_WHY_LEN, "profiles %s: %s", path,
                 strerror(errno));
        return EMU_E_NOTFOUND;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[strspn(line, " \t")] == '#' ||
            line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (*n == EMU_MAX_PROFILES || parse_line(line, &p[*n]) < 0) {
            snprintf(why, EMU_WHY_LEN, "profiles %s:%u: expected NAME "
                     "MACHINE DRIVER RAM_KB FLASH_KB", path, lineno);
            rc = EMU_E_INVALID;
            goto out;
        }
        (*n)++;
    }
out:
    fclose(f);
    return rc;
}
