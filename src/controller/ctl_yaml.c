/* ctl_yaml.c - a YAML file as a JSON tree, for reading kubeconfig.
 * SPDX-License-Identifier: Apache-2.0
 * YAML 1.1 through libyaml's event parser; scalars stay strings, the
 * first document only, aliases refused.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#include <yaml.h>

#define MOD "yaml"
#define MAX_DEPTH 32

static json_t *node(yaml_parser_t *p, yaml_event_t *ev, int depth);

/* Next event into ev; 0 on success. */
static int next(yaml_parser_t *p, yaml_event_t *ev)
{
	if (yaml_parser_parse(p, ev))
		return 0;
	ctl_log(CTL_ERROR, MOD, "line %zu: %s",
		p->problem_mark.line + 1,
		p->problem ? p->problem : "parse error");
	return -1;
}

/* Reads mapping entries up to MAPPING-END. */
static json_t *mapping(yaml_parser_t *p, int depth)
{
	json_t *obj = json_object(), *val;
	yaml_event_t k, v;

	while (obj != NULL && next(p, &k) == 0) {
		if (k.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&k);
			return obj;
		}
		if (k.type != YAML_SCALAR_EVENT || next(p, &v) != 0) {
			yaml_event_delete(&k);
			break;
		}
		val = node(p, &v, depth + 1);
		yaml_event_delete(&v);
		if (val == NULL || json_object_set_new(
			obj, (const char *)k.data.scalar.value, val) != 0) {
			yaml_event_delete(&k);
			break;
		}
		yaml_event_delete(&k);
	}
	json_decref(obj);
	return NULL;
}

/* Reads sequence items up to SEQUENCE-END. */
static json_t *sequence(yaml_parser_t *p, int depth)
{
	json_t *arr = json_array(), *val;
	yaml_event_t ev;

	while (arr != NULL && next(p, &ev) == 0) {
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		val = node(p, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (val == NULL || json_array_append_new(arr, val) != 0)
			break;
	}
	json_decref(arr);
	return NULL;
}

/* The value that starts with event ev (not consumed here). */
static json_t *node(yaml_parser_t *p, yaml_event_t *ev, int depth)
{
	if (depth > MAX_DEPTH)
		return NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return json_stringn((const char *)ev->data.scalar.value,
				    ev->data.scalar.length);
	case YAML_MAPPING_START_EVENT:
		return mapping(p, depth);
	case YAML_SEQUENCE_START_EVENT:
		return sequence(p, depth);
	default:
		ctl_log(CTL_ERROR, MOD, "unsupported YAML (alias?)");
		return NULL;
	}
}

/* Skips to the first node of the first document and reads it. */
static json_t *document(yaml_parser_t *p)
{
	yaml_event_t ev;
	json_t *root = NULL;

	for (;;) {
		if (next(p, &ev) != 0)
			return NULL;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return json_object();
		}
		if (ev.type != YAML_STREAM_START_EVENT &&
		    ev.type != YAML_DOCUMENT_START_EVENT)
			break;
		yaml_event_delete(&ev);
	}
	root = node(p, &ev, 0);
	yaml_event_delete(&ev);
	return root;
}

ctl_err ctl_yaml_load(const char *path, json_t **out)
{
	yaml_parser_t p;
	ctl_err rc = CTL_OK;
	FILE *f = fopen(path, "rb");

	*out = NULL;
	if (f == NULL) {
		ctl_log(CTL_ERROR, MOD, "cannot open %s", path);
		return CTL_E_SYS;
	}
	if (!yaml_parser_initialize(&p)) {
		rc = CTL_E_NOMEM;
		goto out;
	}
	yaml_parser_set_input_file(&p, f);
	*out = document(&p);
	yaml_parser_delete(&p);
	if (*out == NULL) {
		ctl_log(CTL_ERROR, MOD, "%s: not a YAML document we read",
			path);
		rc = CTL_E_INVALID;
	}
out:
	fclose(f);
	return rc;
}
