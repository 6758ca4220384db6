/* ctl_module.c - the WebAssembly module an Application refers to.
 * SPDX-License-Identifier: Apache-2.0
 * Sources: inline base64 (RFC 4648 section 4), a ConfigMap key
 * (binaryData, or base64 text in data), or an HTTP(S) URL; each is
 * checked against its SHA-256 (FIPS 180-4) before it is used.
 */
#include "ctl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#define MOD "module"

/* Decodes base64 b64 (whitespace allowed) into fresh bytes. */
static ctl_err unbase64(const char *b64, unsigned char **out,
			size_t *len)
{
	size_t n = strlen(b64), i, k = 0, pad = 0;
	char *clean = malloc(n + 1);
	int got;

	*out = NULL;
	if (clean == NULL || (*out = malloc(n / 4 * 3 + 3)) == NULL) {
		free(clean);
		return CTL_E_NOMEM;
	}
	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)b64[i]))
			clean[k++] = b64[i];
	clean[k] = '\0';
	got = k % 4 == 0 ? EVP_DecodeBlock(*out, (unsigned char *)clean,
					   (int)k)
			 : -1;
	while (k > 0 && clean[k - 1] == '=' && pad < 2) {
		k--;
		pad++;
	}
	free(clean);
	if (got < 0 || (size_t)got < pad) {
		free(*out);
		*out = NULL;
		return CTL_E_INVALID;
	}
	*len = (size_t)got - pad;
	return CTL_OK;
}

/* Reads key of ConfigMap name: binaryData, else base64 text in data. */
static ctl_err from_configmap(struct ctl *c, json_t *ref,
			      unsigned char **data, size_t *len)
{
	const char *name = json_string_value(json_object_get(ref, "name"));
	const char *key = json_string_value(json_object_get(ref, "key"));
	const char *b64;
	char path[1024];
	json_t *cm = NULL;
	ctl_err rc;

	if (name == NULL || key == NULL)
		return CTL_E_INVALID;
	ctl_kube_path(&c->kube, "configmaps", name, NULL, path,
		      sizeof(path));
	rc = ctl_kube_call(&c->kube, "GET", path, NULL, &cm);
	if (rc != CTL_OK)
		return rc;
	b64 = json_string_value(json_object_get(
		json_object_get(cm, "binaryData"), key));
	if (b64 == NULL)
		b64 = json_string_value(json_object_get(
			json_object_get(cm, "data"), key));
	rc = b64 ? unbase64(b64, data, len) : CTL_E_NOTFOUND;
	json_decref(cm);
	return rc;
}

/* 1 if the SHA-256 of data is the hex digest want. */
static int digest_ok(const unsigned char *data, size_t len,
		     const char *want, char got[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	int i;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(got + 2 * i, 3, "%02x", md[i]);
	return want != NULL && strcasecmp(want, got) == 0;
}

ctl_err ctl_module_fetch(struct ctl *c, json_t *m, unsigned char **data,
			 size_t *len, char *msg, size_t cap)
{
	const char *inl = json_string_value(json_object_get(m, "inline"));
	const char *url = json_string_value(json_object_get(m, "url"));
	json_t *ref = json_object_get(m, "configMapRef");
	char got[65];
	ctl_err rc = CTL_E_INVALID;

	*data = NULL;
	*len = 0;
	if (inl != NULL)
		rc = unbase64(inl, data, len);
	else if (json_is_object(ref))
		rc = from_configmap(c, ref, data, len);
	else if (url != NULL)
		rc = ctl_http_get_bytes(url, CTL_MAX_MODULE, data, len);
	if (rc != CTL_OK) {
		snprintf(msg, cap, "cannot read the module from %s",
			 inl ? "spec.module.inline (base64?)"
			 : ref ? "its ConfigMap" : url ? url
			 : "spec.module (none given)");
		goto out;
	}
	if (!digest_ok(*data, *len, json_string_value(json_object_get(
				   m, "sha256")), got)) {
		snprintf(msg, cap, "module SHA-256 is %s, not the one in"
			 " spec.module.sha256", got);
		rc = CTL_E_INVALID;
	}
out:
	if (rc != CTL_OK) {
		free(*data);
		*data = NULL;
		ctl_log(CTL_WARN, MOD, "%s", msg);
	}
	return rc;
}
