/* emu_store.c - board records on disk: folder, state, flash and seed.
 * SPDX-License-Identifier: Apache-2.0
 * Layout and file formats in docs/emu.md ("Board folder"); state is
 * written to a temporary file, synced and renamed, so a crash never
 * leaves a half-written record.
 */
#include "emu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define MOD "store"
#define SEED_LEN 32

const struct emu_profile *emu_profile_find(const struct emu_srv *s,
                                           const char *name)
{
    for (size_t i = 0; i < s->nprofiles; i++)
        if (strcmp(s->profiles[i].name, name) == 0)
            return &s->profiles[i];
    return NULL;
}

/* Writes len bytes to path (mode 0600) through a synced temporary file. */
static emu_err write_file(const char *path, const void *p, size_t len,
                          char why[EMU_WHY_LEN])
{
    char tmp[EMU_PATH_MAX + 8];
    emu_err rc = EMU_E_SYS;
    int fd;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    if (write(fd, p, len) != (ssize_t)len || fsync(fd) < 0) {
        close(fd);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) < 0)
        goto out;
    rc = EMU_OK;
out:
    if (rc != EMU_OK)
        snprintf(why, EMU_WHY_LEN, "%s: %s", path, strerror(errno));
    return rc;
}

/* Writes a file of the profile's flash size, erased (all 0xFF), and a
 * random seed. */
static emu_err create_flash(const struct emu_board *b, char why[EMU_WHY_LEN])
{
    char path[EMU_PATH_MAX + 16];
    uint8_t seed[SEED_LEN];
    size_t size = (size_t)b->prof.flash_kb * 1024;
    uint8_t *flash = malloc(size);
    emu_err rc;

    if (!flash) {
        snprintf(why, EMU_WHY_LEN, "no memory for %zu bytes of flash", size);
        return EMU_E_NOMEM;
    }
    memset(flash, 0xFF, size);
    snprintf(path, sizeof path, "%s/flash.bin", b->dir);
    rc = write_file(path, flash, size, why);
    free(flash);
    if (rc != EMU_OK)
        return rc;
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        snprintf(why, EMU_WHY_LEN, "getrandom: %s", strerror(errno));
        return EMU_E_SYS;
    }
    snprintf(path, sizeof path, "%s/seed.bin", b->dir);
    rc = write_file(path, seed, sizeof seed, why);
    memset(seed, 0, sizeof seed);
    return rc;
}

emu_err emu_store_save(const struct emu_board *b, char why[EMU_WHY_LEN])
{
    char path[EMU_PATH_MAX + 16];
    json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:i}", "name", b->name,
                          "board", b->prof.name, "image", b->image,
                          "want_running", b->want_running, "restarts",
                          (json_int_t)b->restarts);
    char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    emu_err rc = EMU_E_NOMEM;

    json_decref(j);
    if (!text) {
        snprintf(why, EMU_WHY_LEN, "no memory for the board record");
        return rc;
    }
    snprintf(path, sizeof path, "%s/board.json", b->dir);
    rc = write_file(path, text, strlen(text), why);
    free(text);
    return rc;
}

emu_err emu_store_create(struct emu_board *b, char why[EMU_WHY_LEN])
{
    char boards[EMU_PATH_MAX], scratch[EMU_WHY_LEN];
    emu_err rc;

    snprintf(boards, sizeof boards, "%s/boards", b->srv->data_dir);
    mkdir(boards, 0700);
    if (mkdir(b->dir, 0700) < 0) {
        snprintf(why, EMU_WHY_LEN, "%s: %s", b->dir, strerror(errno));
        return errno == EEXIST ? EMU_E_EXISTS : EMU_E_SYS;
    }
    rc = create_flash(b, why);
    if (rc == EMU_OK)
        rc = emu_store_save(b, why);
    if (rc != EMU_OK)
        emu_store_remove(b, scratch);
    return rc;
}

/* Removes one entry of a board folder, depth first. */
static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

emu_err emu_store_remove(const struct emu_board *b, char why[EMU_WHY_LEN])
{
    if (nftw(b->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0 &&
        errno != ENOENT) {
        snprintf(why, EMU_WHY_LEN, "%s: %s", b->dir, strerror(errno));
        return EMU_E_SYS;
    }
    return EMU_OK;
}

/* Fills b from a board.json; returns 0 or -1 with why set. */
static int load_one(struct emu_srv *s, struct emu_board *b,
                    char why[EMU_WHY_LEN])
{
    char path[EMU_PATH_MAX + 16];
    const char *name = NULL, *board = NULL, *image = "";
    const struct emu_profile *prof;
    json_error_t jerr;
    json_t *j;
    int want = 0, restarts = 0, rc = -1;

    snprintf(path, sizeof path, "%s/board.json", b->dir);
    j = json_load_file(path, 0, &jerr);
    if (!j || json_unpack(j, "{s:s, s:s, s?s, s?b, s?i}", "name", &name,
                          "board", &board, "image", &image,
                          "want_running", &want, "restarts", &restarts)) {
        snprintf(why, EMU_WHY_LEN, "%s: %s", path, jerr.text);
        goto out;
    }
    prof = emu_profile_find(s, board);
    if (!prof) {
        snprintf(why, EMU_WHY_LEN, "%s: unknown profile %s", path, board);
        goto out;
    }
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->image, sizeof b->image, "%s", image);
    b->prof = *prof;
    b->want_running = want;
    b->restarts = (unsigned)restarts;
    rc = 0;
out:
    json_decref(j);
    return rc;
}

/* Allocates a board in its folder under DIR/boards with nothing open. */
struct emu_board *emu_board_new(struct emu_srv *s, const char *name)
{
    struct emu_board *b = calloc(1, sizeof *b);

    if (!b)
        return NULL;
    b->srv = s;
    b->pid = -1;
    b->listen_fd[0] = b->listen_fd[1] = -1;
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->dir, sizeof b->dir, "%s/boards/%s", s->data_dir, name);
    return b;
}

emu_err emu_store_load_all(struct emu_srv *s, char why[EMU_WHY_LEN])
{
    char boards[EMU_PATH_MAX];
    struct dirent *e;
    DIR *d;

    snprintf(boards, sizeof boards, "%s/boards", s->data_dir);
    d = opendir(boards);
    if (!d)
        return EMU_OK;
    while ((e = readdir(d)) != NULL) {
        struct emu_board *b;

        if (e->d_name[0] == '.' || strlen(e->d_name) > EMU_NAME_MAX)
            continue;
        b = emu_board_new(s, e->d_name);
        if (!b || load_one(s, b, why) < 0) {
            emu_log(EMU_WARN, MOD, "skipping board %s: %s", e->d_name,
                    b ? why : "no memory");
            free(b);
            continue;
        }
        b->next = s->boards;
        s->boards = b;
        emu_log(EMU_INFO, MOD, "board %s (%s) loaded", b->name,
                b->prof.name);
    }
    closedir(d);
    return EMU_OK;
}

/* Parses a certificate in PEM, or failing that DER, from a file. */
static X509 *read_cert(const char *path)
{
    BIO *bio = BIO_new_file(path, "rb");
    X509 *x = NULL;

    if (!bio)
        return NULL;
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (!x && BIO_reset(bio) == 0)
        x = d2i_X509_bio(bio, NULL);
    BIO_free(bio);
    return x;
}

emu_err emu_store_load_ca(struct emu_srv *s, const char *path,
                          char why[EMU_WHY_LEN])
{
    X509 *x = read_cert(path);
    unsigned char *p = s->ca_der;
    int len = x ? i2d_X509(x, NULL) : -1;
    emu_err rc = EMU_OK;

    if (!x) {
        snprintf(why, EMU_WHY_LEN, "--ca %s: not a readable PEM or DER "
                 "certificate", path);
        rc = EMU_E_INVALID;
    } else if (len <= 0 || (size_t)len > sizeof s->ca_der) {
        snprintf(why, EMU_WHY_LEN, "--ca %s: certificate larger than %d "
                 "bytes", path, EMU_CA_MAX);
        rc = EMU_E_INVALID;
    } else {
        s->ca_len = (size_t)i2d_X509(x, &p);
    }
    X509_free(x);
    return rc;
}

emu_err emu_store_put_ca(const struct emu_board *b, char why[EMU_WHY_LEN])
{
    char path[EMU_PATH_MAX + 16];

    if (b->srv->ca_len == 0)
        return EMU_OK;
    snprintf(path, sizeof path, "%s/ca.der", b->dir);
    return write_file(path, b->srv->ca_der, b->srv->ca_len, why);
}
