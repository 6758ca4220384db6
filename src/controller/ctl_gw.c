/* ctl_gw.c - reaching one gateway: its API address, token and devices.
 * SPDX-License-Identifier: Apache-2.0
 * The gateway's HTTP API of docs/gateway.md (bearer token, RFC 6750);
 * the token comes from the Secret the Gateway resource names.
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MOD "gateway"

/* Decodes base64 text into a fresh NUL-terminated string with any
 * trailing newline removed; NULL if it is not base64. */
static char *unbase64_text(const char *b64)
{
	size_t n = strlen(b64);
	char *out = calloc(1, n + 1);
	int len;

	if (out == NULL)
		return NULL;
	len = EVP_DecodeBlock((unsigned char *)out,
			      (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\0' ||
			   out[len - 1] == '\r'))
		out[--len] = '\0';
	return out;
}

/* Reads key of Secret name in the controller's namespace. */
static ctl_err secret_value(struct ctl *c, const char *name,
			    const char *key, char **out)
{
	char path[1024];
	json_t *sec = NULL;
	const char *b64;
	ctl_err rc;

	ctl_kube_path(&c->kube, "secrets", name, NULL, path, sizeof(path));
	rc = ctl_kube_call(&c->kube, "GET", path, NULL, &sec);
	if (rc != CTL_OK)
		return rc;
	b64 = json_string_value(json_object_get(
		json_object_get(sec, "data"), key));
	*out = b64 ? unbase64_text(b64) : NULL;
	json_decref(sec);
	return *out ? CTL_OK : CTL_E_INVALID;
}

ctl_err ctl_gw_open(struct ctl *c, json_t *gw, struct ctl_gw *out)
{
	json_t *spec = json_object_get(gw, "spec");
	json_t *ref = json_object_get(spec, "tokenSecretRef");
	const char *api = json_string_value(json_object_get(
		json_object_get(spec, "endpoints"), "api"));
	const char *sname = json_string_value(json_object_get(ref, "name"));
	const char *key = json_string_value(json_object_get(ref, "key"));
	ctl_err rc;

	memset(out, 0, sizeof(*out));
	out->name = json_string_value(json_object_get(
		json_object_get(gw, "metadata"), "name"));
	if (api == NULL || sname == NULL || out->name == NULL)
		return CTL_E_INVALID;
	snprintf(out->url, sizeof(out->url), "%s", api);
	if (out->url[0] && out->url[strlen(out->url) - 1] == '/')
		out->url[strlen(out->url) - 1] = '\0';
	rc = secret_value(c, sname, key ? key : "token", &out->token);
	if (rc != CTL_OK)
		ctl_log(CTL_WARN, MOD, "%s: no token from Secret %s",
			out->name, sname);
	return rc;
}

void ctl_gw_free(struct ctl_gw *g)
{
	if (g->token != NULL) {
		OPENSSL_cleanse(g->token, strlen(g->token));
		free(g->token);
	}
	g->token = NULL;
}

ctl_err ctl_gw_devices(const struct ctl_gw *g, json_t **out)
{
	char url[1024];
	struct ctl_req r = { .method = "GET", .url = url,
			     .token = g->token, .timeout_ms = 5000 };
	json_t *ans = NULL;
	long st;
	ctl_err rc;

	snprintf(url, sizeof(url), "%s/api/v1/devices", g->url);
	rc = ctl_http(&r, &st, &ans);
	*out = json_incref(json_object_get(ans, "devices"));
	json_decref(ans);
	if (rc == CTL_OK && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = CTL_E_INVALID;
	}
	if (rc != CTL_OK)
		ctl_log(CTL_WARN, MOD, "%s: GET %s: %s", g->name, url,
			rc == CTL_E_NET ? "no answer" : "refused");
	return rc;
}
