/* test_doc.c - keeps docs/protocol.md's CDDL and the codec in step.
 * SPDX-License-Identifier: Apache-2.0
 * Reads the CDDL (RFC 8610) blocks of the document and checks every
 * message type number and name, and every body key and its optionality,
 * against the codec's field tables.
 */
#include "proto_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char doc[1 << 16];
static int failures;

/* Copies the text of every ```cddl block of the file into doc. */
static int load_cddl(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t used = 0;
	int in = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "```", 3) == 0) {
			in = !in && strncmp(line, "```cddl", 7) == 0;
			continue;
		}
		if (in && used + strlen(line) + 1 < sizeof(doc)) {
			memcpy(doc + used, line, strlen(line));
			used += strlen(line);
		}
	}
	doc[used] = '\0';
	fclose(f);
	return 0;
}

/* The text of rule "name = { ... }" up to its balanced brace, or NULL. */
static const char *rule(const char *name, size_t *len)
{
	char head[64];
	const char *p = doc, *q;
	int depth = 0;

	snprintf(head, sizeof(head), "%s = {", name);
	while ((p = strstr(p, head)) != NULL &&
	       p != doc && p[-1] != '\n')
		p++;
	if (p == NULL)
		return NULL;
	for (q = p + strlen(head) - 1; *q; q++) {
		depth += *q == '{';
		depth -= *q == '}';
		if (depth == 0)
			break;
	}
	*len = (size_t)(q - p);
	return p;
}

/* Compares the keys of a rule with a field table. */
static void check_rule(const char *name, const struct pfield *f,
		       uint8_t nf)
{
	size_t len, i, found = 0;
	const char *r = rule(name, &len);

	if (r == NULL) {
		fprintf(stderr, "protocol.md: no rule %s\n", name);
		failures++;
		return;
	}
	for (i = 0; i + 1 < len; i++) {
		const char *k;
		unsigned key;
		int opt, j;

		if (r[i] != '=' || r[i + 1] != '>')
			continue;
		k = r + i;
		while (k > r && isspace((unsigned char)k[-1]))
			k--;
		while (k > r && isdigit((unsigned char)k[-1]))
			k--;
		key = (unsigned)strtoul(k, NULL, 10);
		while (k > r && isspace((unsigned char)k[-1]))
			k--;
		opt = k > r && k[-1] == '?';
		for (j = 0; j < nf && f[j].key != key; j++)
			continue;
		if (j == nf || (!(f[j].flags & PF_REQ)) != opt) {
			fprintf(stderr, "protocol.md: %s key %u %s\n", name,
				key, j == nf ? "not in the codec"
					     : "optionality differs");
			failures++;
		}
		found++;
	}
	if (found != nf) {
		fprintf(stderr, "protocol.md: %s has %zu keys, codec %u\n",
			name, found, (unsigned)nf);
		failures++;
	}
}

static void check_types(void)
{
	char want[64];
	uint32_t t;

	for (t = 1; t <= PROTO_TYPE_MAX; t++) {
		snprintf(want, sizeof(want), " %s: %u,", proto_type_name(t),
			 (unsigned)t);
		if (strstr(doc, want) == NULL) {
			fprintf(stderr, "protocol.md: msg-type lacks '%s'\n",
				want + 1);
			failures++;
		}
	}
}

int main(int argc, char **argv)
{
	uint32_t t;

	if (argc != 2 || load_cddl(argv[1]) != 0) {
		fprintf(stderr, "usage: test_doc docs/protocol.md\n");
		return 2;
	}
	check_types();
	for (t = 1; t <= PROTO_TYPE_MAX; t++) {
		const char *name = proto_type_name(t);

		if (t == PROTO_START || t == PROTO_STOP || t == PROTO_REMOVE)
			name = "app-ref";
		check_rule(name, proto_msgs[t].fields, proto_msgs[t].n_fields);
	}
	check_rule("app-brief", proto_lists[PL_APPS].fields,
		   proto_lists[PL_APPS].n_fields);
	check_rule("log-record", proto_lists[PL_LOG].fields,
		   proto_lists[PL_LOG].n_fields);
	if (failures)
		return 1;
	printf("protocol.md and the codec agree\n");
	return 0;
}
