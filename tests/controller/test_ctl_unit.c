/* test_ctl_unit.c - unit cases of the controller's pure parts.
 * SPDX-License-Identifier: Apache-2.0
 * metav1.LabelSelector semantics, clientcmd v1 kubeconfig reading and
 * inline modules (base64, RFC 4648; SHA-256), table-driven.
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int cond, const char *what)
{
	if (!cond) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

/* Each case: selector, labels, expected match. */
static void selectors(void)
{
	static const struct {
		const char *sel, *labels;
		int want;
	} cases[] = {
		{ "{}", "{}", 1 },
		{ "{}", "null", 1 },
		{ "{\"matchLabels\":{\"a\":\"1\"}}", "{\"a\":\"1\"}", 1 },
		{ "{\"matchLabels\":{\"a\":\"1\"}}", "{\"a\":\"2\"}", 0 },
		{ "{\"matchLabels\":{\"a\":\"1\"}}", "{}", 0 },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
		  "\"values\":[\"1\",\"2\"]}]}", "{\"a\":\"2\"}", 1 },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"NotIn\",\"values\":[\"1\"]}]}", "{}", 1 },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"Exists\"}]}", "{}", 0 },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"DoesNotExist\"}]}", "{\"b\":\"1\"}", 1 },
		{ "{\"matchLabels\":{\"a\":\"1\"},\"matchExpressions\":[{"
		  "\"key\":\"b\",\"operator\":\"Exists\"}]}",
		  "{\"a\":\"1\"}", 0 },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"Gt\",\"values\":[\"1\"]}]}", "{\"a\":\"2\"}", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *s = json_loads(cases[i].sel, JSON_DECODE_ANY, NULL);
		json_t *l = json_loads(cases[i].labels, JSON_DECODE_ANY,
				       NULL);
		char what[300];

		snprintf(what, sizeof(what), "selector %s on %s",
			 cases[i].sel, cases[i].labels);
		check(ctl_selector_match(s, json_is_null(l) ? NULL : l) ==
		      cases[i].want, what);
		json_decref(s);
		json_decref(l);
	}
}

/* Reads tests/controller/kubeconfig.yaml. */
static void kubeconfig(const char *dir)
{
	struct ctl_kcfg k;
	char path[512];

	snprintf(path, sizeof(path), "%s/kubeconfig.yaml", dir);
	check(ctl_kcfg_file(&k, path) == CTL_OK, "kubeconfig loads");
	check(strcmp(k.server, "https://127.0.0.1:6443") == 0, "server");
	check(k.token && strcmp(k.token, "s3cret") == 0, "token");
	check(strcmp(k.ns, "fleet") == 0, "namespace");
	check(k.ca_pem && strcmp(k.ca_pem, "PEM") == 0, "CA data");
	check(k.insecure == 0, "insecure off");
	ctl_kcfg_free(&k);
	snprintf(path, sizeof(path), "%s/kubeconfig-a.yaml", dir);
	check(ctl_kcfg_file(&k, path) == CTL_OK, "kubeconfig a loads");
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	check(strcmp(k.ca_file, path) == 0, "relative CA file");
	check(strcmp(k.ns, "") == 0, "no namespace");
	ctl_kcfg_free(&k);
	snprintf(path, sizeof(path), "%s/no-such-kubeconfig", dir);
	check(ctl_kcfg_file(&k, path) != CTL_OK, "missing file refused");
	ctl_kcfg_free(&k);
}

/* Inline modules: base64 decoding and the SHA-256 check. */
static void modules(void)
{
	/* "\0asm" version 1, and the SHA-256 of those 8 bytes. */
	static const char *const sha = "93a44bbb96c751218e4c00d479e4c14"
				       "358122a389acca16205b1e4d0dc5f9476";
	static const struct {
		const char *inl, *sha;
		ctl_err want;
		size_t len;
	} cases[] = {
		{ "AGFzbQEAAAA=", NULL, CTL_OK, 8 },
		{ "AGFz bQEA\nAAA=", NULL, CTL_OK, 8 },
		{ "AGFzbQEAAAA=", "00", CTL_E_INVALID, 0 },
		{ "AGFzbQEAAA", NULL, CTL_E_INVALID, 0 },
		{ "!!!!", NULL, CTL_E_INVALID, 0 },
	};
	struct ctl c;
	unsigned char *data;
	char msg[256];
	size_t i, len;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *m = json_pack("{s:s,s:s}", "inline", cases[i].inl,
				      "sha256", cases[i].sha ? cases[i].sha
							     : sha);
		ctl_err rc = ctl_module_fetch(&c, m, &data, &len, msg,
					      sizeof(msg));
		char what[200];

		snprintf(what, sizeof(what), "module %s", cases[i].inl);
		check(rc == cases[i].want, what);
		check(rc != CTL_OK || (len == cases[i].len && data != NULL &&
				       memcmp(data, "\0asm", 4) == 0), what);
		free(data);
		json_decref(m);
	}
}

int main(int argc, char **argv)
{
	ctl_log_set_level(CTL_ERROR);
	selectors();
	modules();
	if (argc > 1)
		kubeconfig(argv[1]);
	printf("%s\n", failures ? "controller unit: FAILED"
				: "controller unit: all passed");
	return failures ? 1 : 0;
}
