/* agent_cred.c - device key pair, certificate request and enrollment.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md "Enrollment": ECDSA P-256 key made on the
 * device (FIPS 186-4), PKCS#10 request signed with it (RFC 2986).
 */
#ifndef WOLFSSL_USER_SETTINGS
#include <wolfssl/options.h>
#endif
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include <string.h>

#include "agent_internal.h"

#define MOD "enroll"
#define KEY_MAX 256u
#define CSR_MAX 1024u

typedef char csr_fits[CSR_MAX <= PROTO_HDR_LEN + AGENT_FRAME_MAX ? 1 : -1];

int agent_cred_ready(struct agent *a)
{
	const struct agent_port *p = a->port;
	uint8_t probe[AGENT_ID_MAX];
	long n;

	if (p->storage->load(p->storage_ctx, AGENT_ITEM_KEY, a->tx,
			     sizeof(a->tx)) <= 0 ||
	    p->storage->load(p->storage_ctx, AGENT_ITEM_CERT, a->tx,
			     sizeof(a->tx)) <= 0)
		return 0;
	n = p->storage->load(p->storage_ctx, AGENT_ITEM_ID, probe,
			     sizeof(probe) - 1);
	if (n <= 0)
		return 0;
	memcpy(a->id, probe, (size_t)n);
	a->id[n] = '\0';
	return 1;
}

/* Loads the stored key into key, or makes and stores a new one. The
 * key survives a refused enrollment so that a retry reuses it. */
static agent_err load_or_make_key(struct agent *a, WC_RNG *rng,
				  ecc_key *key)
{
	const struct agent_port *p = a->port;
	uint8_t der[KEY_MAX];
	word32 idx = 0;
	long n;
	int len;
	agent_err rc = AGENT_E_CRYPTO;

	n = p->storage->load(p->storage_ctx, AGENT_ITEM_KEY, der,
			     sizeof(der));
	if (n > 0) {
		if (wc_EccPrivateKeyDecode(der, &idx, key, (word32)n) == 0)
			rc = AGENT_OK;
		goto out;
	}

	/* First start: the key is born here and never leaves. */
	agent_log(a, AGENT_INFO, MOD, "generating ECDSA P-256 key pair");
	if (wc_ecc_make_key_ex(rng, 32, key, ECC_SECP256R1) != 0)
		goto out;
	len = wc_EccKeyToDer(key, der, sizeof(der));
	if (len <= 0)
		goto out;
	rc = p->storage->save(p->storage_ctx, AGENT_ITEM_KEY, der,
			      (size_t)len) == 0 ? AGENT_OK : AGENT_E_STORAGE;
out:
	agent_wipe(der, sizeof(der));
	return rc;
}

/* Writes a PKCS#10 request for key into csr; returns its length or -1.
 * The subject is a placeholder: the gateway picks the device id. */
static int make_csr(WC_RNG *rng, ecc_key *key, uint8_t *csr, size_t cap)
{
	Cert req;
	int len;

	if (wc_InitCert(&req) != 0)
		return -1;
	req.version = 0;
	req.sigType = CTC_SHA256wECDSA;
	strncpy(req.subject.commonName, "wasmbed-device", CTC_NAME_SIZE - 1);
	len = wc_MakeCertReq_ex(&req, csr, (word32)cap, ECC_TYPE, key);
	if (len <= 0)
		return -1;
	len = wc_SignCert_ex(req.bodySz, req.sigType, csr, (word32)cap,
			     ECC_TYPE, key, rng);
	return len > 0 ? len : -1;
}

/* Stores id and certificate from enroll-ok. */
static agent_err store_answer(struct agent *a,
			      const struct proto_enroll_ok *ok)
{
	const struct agent_port *p = a->port;
	void *s = p->storage_ctx;

	if (ok->device_id.len == 0 || ok->device_id.len >= AGENT_ID_MAX)
		return AGENT_E_PROTO;
	if (p->storage->save(s, AGENT_ITEM_CERT, ok->cert.ptr,
			     ok->cert.len) != 0 ||
	    p->storage->save(s, AGENT_ITEM_ID, ok->device_id.ptr,
			     ok->device_id.len) != 0)
		return AGENT_E_STORAGE;
	memcpy(a->id, ok->device_id.ptr, ok->device_id.len);
	a->id[ok->device_id.len] = '\0';
	agent_log(a, AGENT_INFO, MOD, "enrolled as %s", a->id);
	return AGENT_OK;
}

/* Sends the request and reads the one answer of the connection. */
static agent_err exchange(struct agent *a, const uint8_t *csr, int len)
{
	struct proto_msg *m = &a->msg;
	agent_err rc;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_ENROLL;
	m->u.enroll.csr.ptr = csr;
	m->u.enroll.csr.len = (size_t)len;
	if (a->conf.name != NULL) {
		m->u.enroll.name.ptr = (const uint8_t *)a->conf.name;
		m->u.enroll.name.len = strlen(a->conf.name);
	}
	rc = agent_send(a, m);
	if (rc == AGENT_OK)
		rc = agent_recv(a);
	if (rc != AGENT_OK)
		return rc;
	if (m->type == PROTO_ENROLL_OK)
		return store_answer(a, &m->u.enroll_ok);
	if (m->type == PROTO_ENROLL_REFUSED) {
		agent_log(a, AGENT_WARN, MOD, "refused by the gateway "
			  "(reason %u): %.*s",
			  (unsigned)m->u.enroll_refused.reason,
			  (int)m->u.enroll_refused.message.len,
			  (const char *)m->u.enroll_refused.message.ptr);
		return AGENT_E_REFUSED;
	}
	agent_log(a, AGENT_ERROR, MOD, "unexpected %s",
		  proto_type_name(m->type));
	return AGENT_E_PROTO;
}

agent_err agent_enroll(struct agent *a)
{
	ecc_key key;
	WC_RNG rng;
	int have_rng = 0, have_key = 0, len;
	agent_err rc = AGENT_E_CRYPTO;

	if (wc_InitRng(&rng) != 0)
		goto out;
	have_rng = 1;
	if (wc_ecc_init(&key) != 0)
		goto out;
	have_key = 1;

	/* Signing with a loaded key needs the RNG (timing resistance). */
	if (wc_ecc_set_rng(&key, &rng) != 0)
		goto out;
	rc = load_or_make_key(a, &rng, &key);
	if (rc != AGENT_OK)
		goto out;

	/* Enrollment is its own connection, without a client cert. The
	 * request is built in a->rx, free until the answer is read. */
	rc = agent_tls_open(a, 0);
	if (rc != AGENT_OK)
		goto out;
	len = make_csr(&rng, &key, a->rx, CSR_MAX);
	if (len < 0) {
		agent_log(a, AGENT_ERROR, MOD, "cannot make the request");
		rc = AGENT_E_CRYPTO;
	} else {
		agent_log(a, AGENT_INFO, MOD, "sending certificate request");
		rc = exchange(a, a->rx, len);
	}
	agent_tls_close(a);
out:
	if (have_key)
		wc_ecc_free(&key);
	if (have_rng)
		wc_FreeRng(&rng);
	agent_wipe(&key, sizeof(key));
	return rc;
}
