/* lx_store.c - storage port on Linux: one file per item and per slot.
 * SPDX-License-Identifier: Apache-2.0
 * Implements agent_storage_ops (src/agent/agent_port.h); items are
 * replaced atomically (write, fsync, rename), files are 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WOLFSSL_USER_SETTINGS
#include <wolfssl/options.h>
#endif
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "lx_port.h"

static const char *const item_files[AGENT_ITEM_COUNT] = {
	"device.key", "device.crt", "device.id", "ca.der", "apps.bin",
	"log.seq", "log.pending"
};

static void item_path(const struct lx_port *lx, int item, char *out,
		      size_t cap)
{
	snprintf(out, cap, "%s/%s", lx->dir, item_files[item]);
}

static void slot_path(const struct lx_port *lx, uint32_t slot, char *out,
		      size_t cap)
{
	snprintf(out, cap, "%s/slot-%u.wasm", lx->dir, (unsigned)slot);
}

static long lx_load(void *ctx, int item, uint8_t *buf, size_t cap)
{
	char path[LX_PATH_MAX + 32];
	struct stat st;
	ssize_t n = -1;
	int fd;

	if (item < 0 || item >= AGENT_ITEM_COUNT)
		return -1;
	item_path(ctx, item, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;

	/* Refuse what does not fit rather than truncate it. */
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size <= cap)
		n = read(fd, buf, (size_t)st.st_size);
	if (n != (ssize_t)st.st_size)
		n = -1;
	close(fd);
	return (long)n;
}

/* Writes all of buf to path.tmp, syncs it and renames it over path. */
static int lx_save(void *ctx, int item, const uint8_t *buf, size_t len)
{
	char path[LX_PATH_MAX + 32], tmp[LX_PATH_MAX + 40];
	int fd, ok;

	if (item < 0 || item >= AGENT_ITEM_COUNT)
		return -1;
	item_path(ctx, item, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int lx_erase(void *ctx, int item)
{
	char path[LX_PATH_MAX + 32];

	if (item < 0 || item >= AGENT_ITEM_COUNT)
		return -1;
	item_path(ctx, item, path, sizeof(path));
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void unmap(struct lx_port *lx, uint32_t slot)
{
	if (lx->map[slot] != NULL)
		munmap((void *)lx->map[slot], lx->map_len[slot]);
	lx->map[slot] = NULL;
	lx->map_len[slot] = 0;
}

static int lx_slot_erase(void *ctx, uint32_t slot)
{
	char path[LX_PATH_MAX + 32];

	if (slot >= LX_NSLOTS)
		return -1;
	unmap(ctx, slot);
	slot_path(ctx, slot, path, sizeof(path));
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int lx_slot_write(void *ctx, uint32_t slot, uint32_t off,
			 const uint8_t *p, size_t n)
{
	char path[LX_PATH_MAX + 32];
	int fd, ok;

	if (slot >= LX_NSLOTS || off > LX_SLOT_SIZE ||
	    n > LX_SLOT_SIZE - off)
		return -1;
	unmap(ctx, slot);
	slot_path(ctx, slot, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = pwrite(fd, p, n, off) == (ssize_t)n && fdatasync(fd) == 0;
	ok = close(fd) == 0 && ok;
	return ok ? 0 : -1;
}

static const uint8_t *lx_slot_map(void *ctx, uint32_t slot, uint32_t len)
{
	struct lx_port *lx = ctx;
	char path[LX_PATH_MAX + 32];
	struct stat st;
	void *m;
	int fd;

	if (slot >= LX_NSLOTS || len == 0)
		return NULL;
	if (lx->map[slot] != NULL && lx->map_len[slot] >= len)
		return lx->map[slot];
	unmap(lx, slot);
	slot_path(lx, slot, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	m = fstat(fd, &st) == 0 && (uint64_t)st.st_size >= len
	    ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	lx->map[slot] = m;
	lx->map_len[slot] = len;
	return m;
}

const struct agent_storage_ops lx_storage_ops = {
	lx_load, lx_save, lx_erase, lx_slot_erase, lx_slot_write,
	lx_slot_map
};

/* 1 when der is what item must hold: a certificate wolfSSL takes (the
 * fleet CA as a trust anchor, the device's own certificate) or the
 * device's EC private key; 0 otherwise. */
static int der_usable(int item, const uint8_t *der, size_t len)
{
	WOLFSSL_CTX *ctx;
	ecc_key key;
	word32 idx = 0;
	int r;

	if (item == AGENT_ITEM_KEY) {
		if (wc_ecc_init(&key) != 0)
			return 0;
		r = wc_EccPrivateKeyDecode(der, &idx, &key, (word32)len);
		wc_ecc_free(&key);
		return r == 0;
	}
	ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
	if (ctx == NULL)
		return 0;
	if (item == AGENT_ITEM_CA)
		r = wolfSSL_CTX_load_verify_buffer(ctx, der, (long)len,
						   WOLFSSL_FILETYPE_ASN1);
	else
		r = wolfSSL_CTX_use_certificate_buffer(ctx, der, (long)len,
						       WOLFSSL_FILETYPE_ASN1);
	wolfSSL_CTX_free(ctx);
	return r == WOLFSSL_SUCCESS;
}

int lx_check_stored(struct lx_port *lx, char *why, size_t cap)
{
	static const int items[] = {
		AGENT_ITEM_CA, AGENT_ITEM_KEY, AGENT_ITEM_CERT
	};
	static uint8_t buf[8192];
	size_t i;
	long n;

	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		n = lx_load(lx, items[i], buf, sizeof(buf));
		if (n == 0)
			continue;
		if (n > 0 && der_usable(items[i], buf, (size_t)n))
			continue;
		if (items[i] == AGENT_ITEM_CA)
			snprintf(why, cap, "%s/%s is unusable: pass --ca FILE "
				 "(the gateway's DATA/ca.crt)", lx->dir,
				 item_files[items[i]]);
		else
			snprintf(why, cap, "%s/%s is unusable: to enroll "
				 "again as a new device, remove device.key, "
				 "device.crt and device.id from %s", lx->dir,
				 item_files[items[i]], lx->dir);
		return -1;
	}
	return 0;
}

int lx_store_ca(struct lx_port *lx, const char *file, char *why,
		size_t cap)
{
	static uint8_t pem[16384], der[8192];
	FILE *f = fopen(file, "rb");
	size_t n;
	int len;

	if (f == NULL) {
		snprintf(why, cap, "cannot open %s: %s", file, strerror(errno));
		return -1;
	}
	n = fread(pem, 1, sizeof(pem), f);
	fclose(f);
	if (n == 0 || n == sizeof(pem)) {
		snprintf(why, cap, "%s: empty or too large", file);
		return -1;
	}

	/* PEM is what the gateway writes; DER is taken as it is. */
	len = wc_CertPemToDer(pem, (int)n, der, (int)sizeof(der), CERT_TYPE);
	if (len <= 0 && pem[0] == 0x30) {
		memcpy(der, pem, n);
		len = (int)n;
	}
	if (len <= 0 || !der_usable(AGENT_ITEM_CA, der, (size_t)len)) {
		snprintf(why, cap, "%s: not a PEM or DER certificate", file);
		return -1;
	}
	if (lx_save(lx, AGENT_ITEM_CA, der, (size_t)len) != 0) {
		snprintf(why, cap, "cannot store the CA in %s: %s", lx->dir,
			 strerror(errno));
		return -1;
	}
	return 0;
}

void lx_port_fini(struct lx_port *lx)
{
	uint32_t i;

	for (i = 0; i < LX_NSLOTS; i++)
		unmap(lx, i);
	lx_transport_ops.close(lx);
}
