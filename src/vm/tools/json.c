/* Wasmbed engine tools: a small JSON reader for wast2json scripts.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: RFC 8259 (JSON), the subset wast2json writes: \uXXXX
 * escapes are decoded to UTF-8.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include "json.h"

typedef struct rd {
    const char *p;
} rd;

static void skip_ws(rd *r)
{
    while (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')
        r->p++;
}

static void put_utf8(char **o, unsigned cp)
{
    if (cp < 0x80) {
        *(*o)++ = (char)cp;
    } else if (cp < 0x800) {
        *(*o)++ = (char)(0xC0 | (cp >> 6));
        *(*o)++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *(*o)++ = (char)(0xE0 | (cp >> 12));
        *(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *(*o)++ = (char)(0x80 | (cp & 0x3F));
    }
}

static char *parse_string(rd *r, size_t *len)
{
    const char *s = ++r->p;
    char *out, *o;

    while (*r->p && *r->p != '"')
        r->p += (*r->p == '\\' && r->p[1]) ? 2 : 1;
    if (*r->p != '"' || !(out = malloc((size_t)(r->p - s) * 3 + 1)))
        return NULL;
    for (o = out; s < r->p; s++) {
        if (*s != '\\') {
            *o++ = *s;
            continue;
        }
        switch (*++s) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            char hex[5] = {0};

            memcpy(hex, s + 1, 4);
            put_utf8(&o, (unsigned)strtoul(hex, NULL, 16));
            s += 4;
            break;
        }
        default: *o++ = *s; break;
        }
    }
    *o = '\0';
    *len = (size_t)(o - out);
    r->p++;
    return out;
}

static json *parse_value(rd *r);

/* Members or elements up to the closing bracket close. */
static int parse_items(rd *r, json *j, char close)
{
    json **tail = &j->child;

    r->p++;
    skip_ws(r);
    if (*r->p == close) {
        r->p++;
        return 1;
    }
    for (;;) {
        char *key = NULL;
        size_t klen;
        json *v;

        skip_ws(r);
        if (close == '}') {
            if (*r->p != '"' || !(key = parse_string(r, &klen)))
                return 0;
            skip_ws(r);
            if (*r->p++ != ':') {
                free(key);
                return 0;
            }
        }
        if (!(v = parse_value(r))) {
            free(key);
            return 0;
        }
        v->key = key;
        *tail = v;
        tail = &v->next;
        skip_ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p++ != close)
            return 0;
        return 1;
    }
}

static json *parse_value(rd *r)
{
    json *j = calloc(1, sizeof *j);
    int ok = 1;

    if (!j)
        return NULL;
    skip_ws(r);
    if (*r->p == '{') {
        j->type = JSON_OBJ;
        ok = parse_items(r, j, '}');
    } else if (*r->p == '[') {
        j->type = JSON_ARR;
        ok = parse_items(r, j, ']');
    } else if (*r->p == '"') {
        j->type = JSON_STR;
        ok = (j->str = parse_string(r, &j->len)) != NULL;
    } else if (strncmp(r->p, "true", 4) == 0 ||
               strncmp(r->p, "false", 5) == 0) {
        j->type = JSON_BOOL;
        r->p += r->p[0] == 't' ? 4 : 5;
    } else if (strncmp(r->p, "null", 4) == 0) {
        r->p += 4;
    } else {
        const char *s = r->p;

        while (*r->p && strchr("+-0123456789.eE", *r->p))
            r->p++;
        j->type = JSON_NUM;
        ok = r->p > s && (j->str = strndup(s, (size_t)(r->p - s)));
    }
    if (!ok) {
        json_free(j);
        return NULL;
    }
    return j;
}

json *json_parse(const char *text)
{
    rd r = {text};

    return parse_value(&r);
}

void json_free(json *j)
{
    while (j) {
        json *next = j->next;

        json_free(j->child);
        free(j->key);
        free(j->str);
        free(j);
        j = next;
    }
}

json *json_get(const json *j, const char *key)
{
    json *c;

    for (c = j ? j->child : NULL; c; c = c->next)
        if (c->key && strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

const char *json_str(const json *j, const char *key)
{
    json *c = json_get(j, key);

    return c && c->type == JSON_STR ? c->str : NULL;
}
