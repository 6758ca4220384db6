/* ctl_kube.c - calls on the Kubernetes API server's REST paths.
 * SPDX-License-Identifier: Apache-2.0
 * Paths per the Kubernetes API conventions: /api/v1 for core groups,
 * /apis/GROUP/VERSION otherwise, /namespaces/NS/PLURAL/NAME[/SUB].
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#define MOD "kube"

/* The API group prefix of plural. */
static const char *prefix(const char *plural)
{
	if (strcmp(plural, "configmaps") == 0 ||
	    strcmp(plural, "secrets") == 0)
		return "/api/v1";
	if (strcmp(plural, "leases") == 0)
		return "/apis/coordination.k8s.io/v1";
	return "/apis/" CTL_GROUP "/" CTL_VERSION;
}

void ctl_kube_path(const struct ctl_kube *k, const char *plural,
		   const char *name, const char *sub, char *out,
		   size_t cap)
{
	snprintf(out, cap, "%s/namespaces/%s/%s%s%s%s%s", prefix(plural),
		 k->ns, plural, name ? "/" : "", name ? name : "",
		 sub ? "/" : "", sub ? sub : "");
}

/* Logs the Status message the server gave, if any. */
static void log_status(const char *method, const char *path, long st,
		       json_t *ans)
{
	const char *msg = json_string_value(json_object_get(ans, "message"));

	ctl_log(st == 409 || st == 404 ? CTL_DEBUG : CTL_WARN, MOD,
		"%s %s: %ld %s", method, path, st, msg ? msg : "");
}

ctl_err ctl_kube_call(struct ctl_kube *k, const char *method,
		      const char *path, json_t *body, json_t **out)
{
	char url[2048];
	struct ctl_req r = { .method = method, .url = url,
			     .token = k->cfg.token, .tls = &k->tls,
			     .body = body, .timeout_ms = 15000 };
	json_t *ans = NULL;
	long st;
	ctl_err rc;

	if (strcmp(method, "PATCH") == 0)
		r.ctype = "application/merge-patch+json";
	snprintf(url, sizeof(url), "%s%s", k->cfg.server, path);
	rc = ctl_http(&r, &st, &ans);
	if (rc == CTL_E_NET)
		ctl_log(CTL_WARN, MOD, "%s %s: no answer from the API"
			" server", method, path);
	else if (rc != CTL_OK)
		log_status(method, path, st, ans);
	if (out != NULL && rc == CTL_OK)
		*out = ans;
	else
		json_decref(ans);
	return rc;
}
