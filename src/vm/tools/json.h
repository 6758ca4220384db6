/* Wasmbed engine tools: a small JSON reader for wast2json scripts.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: RFC 8259 (JSON), the subset wast2json writes.
 */
#ifndef WASMBED_JSON_H
#define WASMBED_JSON_H

#include <stddef.h>

enum { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

typedef struct json {
    int type;
    char *key;             /* member name inside an object */
    char *str;             /* string value, or number text */
    size_t len;            /* bytes in str (it may hold NUL) */
    struct json *child, *next;
} json;

/* Parses text (NUL-terminated); NULL on a syntax error. */
json *json_parse(const char *text);
void json_free(json *j);
/* The member called key of object j, or NULL. */
json *json_get(const json *j, const char *key);
/* The string of member key, or NULL. */
const char *json_str(const json *j, const char *key);

#endif
