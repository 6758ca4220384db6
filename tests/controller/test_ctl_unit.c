/* test_ctl_unit.c - unit cases of the controller: selectors, kubeconfig.
 * SPDX-License-Identifier: Apache-2.0
 * metav1.LabelSelector semantics and clientcmd v1 kubeconfig reading,
 * table-driven.
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
	snprintf(path, sizeof(path), "%s/no-such-kubeconfig", dir);
	check(ctl_kcfg_file(&k, path) != CTL_OK, "missing file refused");
	ctl_kcfg_free(&k);
}

int main(int argc, char **argv)
{
	ctl_log_set_level(CTL_ERROR);
	selectors();
	if (argc > 1)
		kubeconfig(argv[1]);
	printf("%s\n", failures ? "controller unit: FAILED"
				: "controller unit: all passed");
	return failures ? 1 : 0;
}
