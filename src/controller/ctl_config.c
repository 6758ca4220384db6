/* ctl_config.c - where the API server is and how to authenticate.
 * SPDX-License-Identifier: Apache-2.0
 * In-cluster: the service account volume and KUBERNETES_SERVICE_HOST
 * and _PORT (Kubernetes "Accessing the API from a Pod"). Otherwise a
 * kubeconfig file (clientcmd v1: current-context, clusters, users);
 * bearer tokens only.
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MOD "config"
#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Reads a small text file without its trailing newline; NULL if
 * absent. Caller frees. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    n < 1 << 20 && fseek(f, 0, SEEK_SET) == 0 &&
	    (s = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(s, 1, (size_t)n, f) == (size_t)n) {
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
			s[--n] = '\0';
	} else {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

ctl_err ctl_kcfg_in_cluster(struct ctl_kcfg *k)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char *ns;

	memset(k, 0, sizeof(*k));
	if (host == NULL || port == NULL) {
		ctl_log(CTL_ERROR, MOD, "not in a cluster:"
			" KUBERNETES_SERVICE_HOST is not set (--kubeconfig?)");
		return CTL_E_INVALID;
	}
	snprintf(k->server, sizeof(k->server),
		 strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
		 host, port);
	k->token = read_text(SA_DIR "/token");
	if (k->token == NULL) {
		ctl_log(CTL_ERROR, MOD, "cannot read %s/token", SA_DIR);
		return CTL_E_INVALID;
	}
	snprintf(k->ca_file, sizeof(k->ca_file), "%s/ca.crt", SA_DIR);
	ns = read_text(SA_DIR "/namespace");
	if (ns != NULL)
		snprintf(k->ns, sizeof(k->ns), "%s", ns);
	free(ns);
	return CTL_OK;
}

/* The entry called name in list (clusters, users, contexts), returning
 * its member field ("cluster", "user", "context"). */
static json_t *named(json_t *root, const char *list, const char *name,
		     const char *field)
{
	json_t *arr = json_object_get(root, list), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n != NULL && name != NULL && strcmp(n, name) == 0)
			return json_object_get(e, field);
	}
	return NULL;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Decodes base64 certificate-authority-data into k->ca_pem. */
static ctl_err ca_data(struct ctl_kcfg *k, const char *b64)
{
	size_t n = strlen(b64);

	k->ca_pem = calloc(1, n + 1);
	if (k->ca_pem == NULL)
		return CTL_E_NOMEM;
	if (EVP_DecodeBlock((unsigned char *)k->ca_pem,
			    (const unsigned char *)b64, (int)n) < 0) {
		ctl_log(CTL_ERROR, MOD, "bad certificate-authority-data");
		return CTL_E_INVALID;
	}
	return CTL_OK;
}

/* Fills server and CA from a cluster entry; a relative CA file is
 * taken from the kubeconfig's folder dir, as kubectl does. */
static ctl_err cluster(struct ctl_kcfg *k, json_t *cl, const char *dir)
{
	const char *server = str(cl, "server");
	const char *v;

	if (server == NULL) {
		ctl_log(CTL_ERROR, MOD, "the context's cluster has no server");
		return CTL_E_INVALID;
	}
	snprintf(k->server, sizeof(k->server), "%s", server);
	if (k->server[0] && k->server[strlen(k->server) - 1] == '/')
		k->server[strlen(k->server) - 1] = '\0';
	v = str(cl, "insecure-skip-tls-verify");
	k->insecure = v != NULL && strcmp(v, "true") == 0;
	if ((v = str(cl, "certificate-authority")) != NULL)
		snprintf(k->ca_file, sizeof(k->ca_file), "%s%s", v[0] == '/'
			 ? "" : dir, v);
	if ((v = str(cl, "certificate-authority-data")) != NULL)
		return ca_data(k, v);
	return CTL_OK;
}

/* Fills the token from a user entry (token or tokenFile). */
static ctl_err user(struct ctl_kcfg *k, json_t *u)
{
	const char *v = str(u, "token");

	if (v != NULL)
		k->token = strdup(v);
	else if ((v = str(u, "tokenFile")) != NULL)
		k->token = read_text(v);
	if (k->token == NULL) {
		ctl_log(CTL_ERROR, MOD, "the context's user has no token"
			" (only token authentication is supported)");
		return CTL_E_INVALID;
	}
	return CTL_OK;
}

ctl_err ctl_kcfg_file(struct ctl_kcfg *k, const char *path)
{
	json_t *root = NULL, *ctx;
	const char *cur, *slash = strrchr(path, '/');
	char dir[512] = "";
	ctl_err rc;

	memset(k, 0, sizeof(*k));
	if (slash != NULL)
		snprintf(dir, sizeof(dir), "%.*s/", (int)(slash - path), path);
	rc = ctl_yaml_load(path, &root);
	if (rc != CTL_OK)
		goto out;
	cur = str(root, "current-context");
	ctx = named(root, "contexts", cur, "context");
	if (ctx == NULL) {
		ctl_log(CTL_ERROR, MOD, "%s: no current context", path);
		rc = CTL_E_INVALID;
		goto out;
	}
	if (str(ctx, "namespace") != NULL)
		snprintf(k->ns, sizeof(k->ns), "%s", str(ctx, "namespace"));
	rc = cluster(k, named(root, "clusters", str(ctx, "cluster"),
			      "cluster"), dir);
	if (rc == CTL_OK)
		rc = user(k, named(root, "users", str(ctx, "user"), "user"));
out:
	json_decref(root);
	return rc;
}

void ctl_kcfg_free(struct ctl_kcfg *k)
{
	if (k->token != NULL) {
		OPENSSL_cleanse(k->token, strlen(k->token));
		free(k->token);
	}
	free(k->ca_pem);
	k->token = NULL;
	k->ca_pem = NULL;
}
