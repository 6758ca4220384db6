/* gw_pki.c - fleet CA, gateway certificate, device certificates, token.
 * SPDX-License-Identifier: Apache-2.0
 * Certificates per RFC 5280 section 4.1; requests per RFC 2986
 * section 4; keys on the P-256 curve (RFC 5480 section 2.1.1.1).
 */
#include "gw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define MOD "pki"
#define CA_DAYS 3650
#define SRV_DAYS 825
#define DEVICE_DAYS 365

static void log_ssl(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	gw_log(GW_ERROR, MOD, "%s: %s", what, buf);
	ERR_clear_error();
}

/* Opens path for writing, refusing to follow or reuse a file, mode
 * 0600 whatever the umask. */
static FILE *create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);

	if (fd < 0) {
		gw_log(GW_ERROR, MOD, "create %s: %s", path, strerror(errno));
		return NULL;
	}
	fchmod(fd, 0600);
	return fdopen(fd, "w");
}

static gw_err write_key(const char *path, EVP_PKEY *key)
{
	FILE *f = create_private(path);
	gw_err rc = GW_OK;

	if (f == NULL)
		return GW_E_SYS;
	if (!PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		rc = GW_E_CRYPTO;
	if (fclose(f) != 0)
		rc = GW_E_SYS;
	return rc;
}

static gw_err write_cert(const char *path, X509 *x)
{
	FILE *f = create_private(path);
	gw_err rc = GW_OK;

	if (f == NULL)
		return GW_E_SYS;
	if (!PEM_write_X509(f, x))
		rc = GW_E_CRYPTO;
	if (fclose(f) != 0)
		rc = GW_E_SYS;
	return rc;
}

static gw_err random_serial(X509 *x)
{
	unsigned char raw[16];
	BIGNUM *bn = NULL;
	gw_err rc = GW_E_CRYPTO;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		goto out;
	raw[0] &= 0x7f; /* positive, RFC 5280 section 4.1.2.2 */
	raw[0] |= 0x40; /* always 16 octets, so always 32 hex digits */
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	if (bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		rc = GW_OK;
out:
	BN_free(bn);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

static gw_err add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	gw_err rc = GW_E_CRYPTO;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext != NULL && X509_add_ext(x, ext, -1))
		rc = GW_OK;
	X509_EXTENSION_free(ext);
	return rc;
}

/* The profile of a certificate: CA, server or device (client). */
struct profile {
	const char *basic;
	const char *usage;
	const char *ext_usage; /* NULL for the CA */
	const char *san;       /* NULL for none */
	long days;
};

static gw_err add_profile(X509 *x, X509 *issuer, const struct profile *p)
{
	gw_err rc = add_ext(x, issuer, NID_basic_constraints, p->basic);

	if (rc == GW_OK)
		rc = add_ext(x, issuer, NID_key_usage, p->usage);
	if (rc == GW_OK && p->ext_usage != NULL)
		rc = add_ext(x, issuer, NID_ext_key_usage, p->ext_usage);
	if (rc == GW_OK && p->san != NULL)
		rc = add_ext(x, issuer, NID_subject_alt_name, p->san);
	if (rc == GW_OK)
		rc = add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (rc == GW_OK)
		rc = add_ext(x, issuer, NID_authority_key_identifier,
			     "keyid:always");
	return rc;
}

/* Builds and signs a certificate for pub with subject CN cn. A NULL
 * issuer makes it self-signed. Returns NULL on failure. */
static X509 *make_cert(EVP_PKEY *pub, const char *cn, X509 *issuer,
		       EVP_PKEY *sign_key, const struct profile *p)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	int ok = x != NULL && name != NULL;

	ok = ok && X509_set_version(x, 2) && random_serial(x) == GW_OK;
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					      (const unsigned char *)cn, -1,
					      -1, 0);
	ok = ok && X509_set_subject_name(x, name);
	ok = ok && X509_set_issuer_name(x, issuer ? X509_get_subject_name(
							    issuer)
						  : name);
	/* Five minutes back, for devices whose clocks run a little late. */
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -300);
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), p->days * 86400L);
	ok = ok && X509_set_pubkey(x, pub);
	ok = ok && add_profile(x, issuer ? issuer : x, p) == GW_OK;
	ok = ok && X509_sign(x, sign_key, EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		log_ssl("build certificate");
		X509_free(x);
		return NULL;
	}
	return x;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (f == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

/* Creates the fleet CA in dir unless it exists; loads it. */
static gw_err init_ca(struct gw_pki *pki, const char *dir)
{
	static const struct profile ca = {
		"critical,CA:TRUE,pathlen:0", "critical,keyCertSign,cRLSign",
		NULL, NULL, CA_DAYS
	};
	char key_path[600];
	gw_err rc = GW_OK;

	snprintf(pki->ca_path, sizeof(pki->ca_path), "%s/ca.crt", dir);
	snprintf(key_path, sizeof(key_path), "%s/ca.key", dir);
	if (access(pki->ca_path, F_OK) != 0) {
		EVP_PKEY *k = EVP_EC_gen("P-256");
		X509 *x = k ? make_cert(k, "Wasmbed fleet CA", NULL, k, &ca)
			    : NULL;

		rc = x ? write_key(key_path, k) : GW_E_CRYPTO;
		if (rc == GW_OK)
			rc = write_cert(pki->ca_path, x);
		if (rc == GW_OK)
			gw_log(GW_INFO, MOD, "created fleet CA %s (key %s)",
			       pki->ca_path, key_path);
		X509_free(x);
		EVP_PKEY_free(k);
		if (rc != GW_OK)
			return rc;
	}
	pki->ca = load_cert(pki->ca_path);
	pki->ca_key = load_key(key_path);
	if (pki->ca == NULL || pki->ca_key == NULL) {
		gw_log(GW_ERROR, MOD, "cannot load fleet CA from %s", dir);
		return GW_E_CRYPTO;
	}
	pki->ca_der_len = i2d_X509(pki->ca, &pki->ca_der);
	return pki->ca_der_len > 0 ? GW_OK : GW_E_CRYPTO;
}

/* Creates the gateway's server certificate unless it exists. */
static gw_err init_server(struct gw_pki *pki, const char *dir)
{
	static const struct profile srv = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"serverAuth", "DNS:localhost,DNS:wasmbed-gateway,"
		"IP:127.0.0.1,IP:::1", SRV_DAYS
	};
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	gw_err rc = GW_OK;

	snprintf(pki->srv_cert_path, sizeof(pki->srv_cert_path),
		 "%s/server.crt", dir);
	snprintf(pki->srv_key_path, sizeof(pki->srv_key_path),
		 "%s/server.key", dir);
	if (access(pki->srv_cert_path, F_OK) == 0)
		return GW_OK;
	k = EVP_EC_gen("P-256");
	x = k ? make_cert(k, "wasmbed-gateway", pki->ca, pki->ca_key, &srv)
	      : NULL;
	rc = x ? write_key(pki->srv_key_path, k) : GW_E_CRYPTO;
	if (rc == GW_OK)
		rc = write_cert(pki->srv_cert_path, x);
	if (rc == GW_OK)
		gw_log(GW_INFO, MOD, "created server certificate %s (key %s)",
		       pki->srv_cert_path, pki->srv_key_path);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

static void to_hex(const unsigned char *raw, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Creates the admin API token unless it exists; loads it. */
static gw_err init_token(struct gw_pki *pki, const char *dir)
{
	unsigned char raw[GW_TOKEN_LEN / 2];
	char path[600];
	FILE *f;
	gw_err rc = GW_OK;

	snprintf(path, sizeof(path), "%s/admin.token", dir);
	if (access(path, F_OK) != 0) {
		f = create_private(path);
		if (f == NULL || RAND_bytes(raw, sizeof(raw)) != 1)
			rc = GW_E_SYS;
		to_hex(raw, sizeof(raw), pki->token);
		if (f != NULL && (fprintf(f, "%s\n", pki->token) < 0 ||
				  fclose(f) != 0))
			rc = GW_E_SYS;
		OPENSSL_cleanse(raw, sizeof(raw));
		if (rc != GW_OK)
			return rc;
		gw_log(GW_INFO, MOD, "created admin API token %s", path);
	}
	f = fopen(path, "r");
	if (f == NULL || fscanf(f, "%64s", pki->token) != 1 ||
	    strlen(pki->token) != GW_TOKEN_LEN)
		rc = GW_E_INVALID;
	if (f != NULL)
		fclose(f);
	if (rc != GW_OK)
		gw_log(GW_ERROR, MOD, "cannot read admin token %s", path);
	return rc;
}

gw_err gw_pki_init(struct gw_pki *pki, const char *dir)
{
	gw_err rc;

	memset(pki, 0, sizeof(*pki));
	pki->device_days = DEVICE_DAYS;
	rc = init_ca(pki, dir);
	if (rc == GW_OK)
		rc = init_server(pki, dir);
	if (rc == GW_OK)
		rc = init_token(pki, dir);
	if (rc == GW_OK)
		gw_log(GW_INFO, MOD, "fleet CA %s, admin token %s/admin.token",
		       pki->ca_path, dir);
	return rc;
}

void gw_pki_free(struct gw_pki *pki)
{
	EVP_PKEY_free(pki->ca_key);
	X509_free(pki->ca);
	OPENSSL_free(pki->ca_der);
	OPENSSL_cleanse(pki->token, sizeof(pki->token));
	memset(pki, 0, sizeof(*pki));
}

void gw_pki_serial_hex(const X509 *x, char out[GW_SERIAL_LEN + 1])
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);
	int n = ASN1_STRING_length(s);

	if (n > GW_SERIAL_LEN / 2)
		n = GW_SERIAL_LEN / 2;
	to_hex(ASN1_STRING_get0_data(s), (size_t)n, out);
}

gw_err gw_pki_new_id(char out[GW_ID_LEN + 1])
{
	unsigned char raw[8];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return GW_E_CRYPTO;
	memcpy(out, "wb-", 3);
	to_hex(raw, sizeof(raw), out + 3);
	return GW_OK;
}

/* A device key must be EC on P-256, as DESIGN.md's protocol says. */
static int key_is_p256(EVP_PKEY *k)
{
	char group[32];
	size_t n;

	return k != NULL && EVP_PKEY_is_a(k, "EC") &&
	       EVP_PKEY_get_utf8_string_param(k, "group", group,
					      sizeof(group), &n) &&
	       strcmp(group, "prime256v1") == 0;
}

gw_err gw_pki_issue(struct gw_pki *pki, const uint8_t *csr, size_t len,
		    const char *id, uint8_t **der, int *der_len,
		    char serial[GW_SERIAL_LEN + 1], int64_t *not_after)
{
	struct profile dev = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"clientAuth", NULL, DEVICE_DAYS
	};
	const unsigned char *p = csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	EVP_PKEY *pub = req ? X509_REQ_get0_pubkey(req) : NULL;
	X509 *x = NULL;
	gw_err rc = GW_E_INVALID;

	*der = NULL;
	if (req == NULL || p != csr + len || !key_is_p256(pub))
		goto out;
	/* The request's signature is the proof of possession. */
	if (X509_REQ_verify(req, pub) != 1)
		goto out;
	dev.days = pki->device_days;
	rc = GW_E_CRYPTO;
	x = make_cert(pub, id, pki->ca, pki->ca_key, &dev);
	if (x == NULL)
		goto out;
	gw_pki_serial_hex(x, serial);
	*not_after = (int64_t)time(NULL) + dev.days * 86400L;
	*der_len = i2d_X509(x, der);
	if (*der_len > 0)
		rc = GW_OK;
out:
	ERR_clear_error();
	X509_free(x);
	X509_REQ_free(req);
	return rc;
}
