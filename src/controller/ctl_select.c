/* ctl_select.c - matching labels against a label selector.
 * SPDX-License-Identifier: Apache-2.0
 * metav1.LabelSelector of the Kubernetes API: matchLabels, and
 * matchExpressions with In, NotIn, Exists and DoesNotExist; every
 * requirement must hold (AND), an empty selector matches everything.
 */
#include "ctl.h"

#include <string.h>

/* 1 if value is one of the strings of values. */
static int in(json_t *values, const char *value)
{
	json_t *v;
	size_t i;

	json_array_foreach(values, i, v)
		if (value != NULL && json_is_string(v) &&
		    strcmp(json_string_value(v), value) == 0)
			return 1;
	return 0;
}

/* One matchExpressions requirement; unknown operators never match. */
static int requirement(json_t *req, json_t *labels)
{
	const char *key = json_string_value(json_object_get(req, "key"));
	const char *op = json_string_value(json_object_get(req,
							   "operator"));
	json_t *vals = json_object_get(req, "values");
	const char *have;

	if (key == NULL || op == NULL)
		return 0;
	have = json_string_value(json_object_get(labels, key));
	if (strcmp(op, "In") == 0)
		return in(vals, have);
	if (strcmp(op, "NotIn") == 0)
		return !in(vals, have);
	if (strcmp(op, "Exists") == 0)
		return have != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return have == NULL;
	return 0;
}

int ctl_selector_match(json_t *sel, json_t *labels)
{
	json_t *ml = json_object_get(sel, "matchLabels"), *v, *req;
	const char *key;
	size_t i;

	json_object_foreach(ml, key, v) {
		json_t *have = json_object_get(labels, key);

		if (!json_is_string(have) || !json_equal(have, v))
			return 0;
	}
	json_array_foreach(json_object_get(sel, "matchExpressions"), i,
			   req)
		if (!requirement(req, labels))
			return 0;
	return 1;
}
