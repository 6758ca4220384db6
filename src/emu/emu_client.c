/* emu_client.c - wasmbed-emu's client verbs over the manager's HTTP API.
 * SPDX-License-Identifier: Apache-2.0
 * Routes in docs/emu.md ("HTTP API"). Exit status: 0 done, 1 refused by
 * the server (its reason printed), 2 usage, 3 server unreachable.
 */
#include "emu.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

struct client {
    const char *url, *board, *name, *image;
    int json;
    const char *verb;
};

/* Collects a response body. */
static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct { char *p; size_t len; } *body = arg;
    char *grown = realloc(body->p, body->len + size * n + 1);

    if (!grown)
        return 0;
    memcpy(grown + body->len, p, size * n);
    body->len += size * n;
    grown[body->len] = '\0';
    body->p = grown;
    return size * n;
}

/* Sends one request; returns the status code (0: unreachable) and the
 * parsed JSON answer in *out. */
static long request(const char *method, const char *url, const char *body,
                    json_t **out)
{
    struct { char *p; size_t len; } got = { NULL, 0 };
    struct curl_slist *hdr =
        curl_slist_append(NULL, "Content-Type: application/json");
    CURL *c = curl_easy_init();
    long code = 0;

    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    *out = got.p ? json_loads(got.p, 0, NULL) : NULL;
    free(got.p);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return code;
}

/* Prints one board as "key: value" lines. */
static void print_board(json_t *b)
{
    const char *k;
    json_t *v;

    json_object_foreach(b, k, v) {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY
                                                              | JSON_COMPACT);

        printf("%-12s %s\n", k, text ? text : json_string_value(v));
        free(text);
    }
}

/* Prints the board list as a table. */
static void print_list(json_t *j)
{
    json_t *boards = json_object_get(j, "boards"), *b;
    size_t i;

    printf("%-20s %-18s %-9s %7s %8s %8s\n", "NAME", "BOARD", "STATE",
           "PID", "UPTIME", "RESTARTS");
    json_array_foreach(boards, i, b) {
        printf("%-20s %-18s %-9s %7lld %7llds %8lld\n",
               json_string_value(json_object_get(b, "name")),
               json_string_value(json_object_get(b, "board")),
               json_string_value(json_object_get(b, "state")),
               json_integer_value(json_object_get(b, "pid")),
               json_integer_value(json_object_get(b, "uptime_s")),
               json_integer_value(json_object_get(b, "restarts")));
    }
}

/* Parses verb arguments; returns 0 or -1 on a usage error. */
static int parse_args(int argc, char **argv, struct client *c)
{
    c->verb = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--json") == 0)
            c->json = 1;
        else if (next && strcmp(a, "--url") == 0)
            c->url = argv[++i];
        else if (next && strcmp(a, "--board") == 0)
            c->board = argv[++i];
        else if (next && strcmp(a, "--name") == 0)
            c->name = argv[++i];
        else if (next && strcmp(a, "--image") == 0)
            c->image = argv[++i];
        else if (a[0] != '-' && !c->name)
            c->name = a;
        else
            return -1;
    }
    if (strcmp(c->verb, "list") == 0)
        return 0;
    if (strcmp(c->verb, "create") == 0)
        return c->board && c->name ? 0 : -1;
    return c->name ? 0 : -1;
}

/* Builds method, URL and body of the verb; returns 0 or -1. */
static int build(const struct client *c, const char **method, char *url,
                 size_t cap, char **body)
{
    static const char *const posts[] = { "start", "stop", "restart" };
    const char *base = c->url;

    *body = NULL;
    *method = "GET";
    if (strcmp(c->verb, "list") == 0) {
        snprintf(url, cap, "%s/api/v1/boards", base);
        return 0;
    }
    if (strcmp(c->verb, "create") == 0) {
        json_t *j = json_pack("{s:s, s:s}", "name", c->name, "board",
                              c->board);

        if (c->image)
            json_object_set_new(j, "image", json_string(c->image));
        *body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        *method = "POST";
        snprintf(url, cap, "%s/api/v1/boards", base);
        return 0;
    }
    snprintf(url, cap, "%s/api/v1/boards/%s", base, c->name);
    if (strcmp(c->verb, "status") == 0)
        return 0;
    if (strcmp(c->verb, "remove") == 0) {
        *method = "DELETE";
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(c->verb, posts[i]) == 0) {
            *method = "POST";
            snprintf(url, cap, "%s/api/v1/boards/%s/%s", base, c->name,
                     posts[i]);
            return 0;
        }
    }
    return -1;
}

int emu_client_main(int argc, char **argv)
{
    struct client c = { .url = getenv("WASMBED_EMU_URL") };
    const char *method;
    char url[1024], *body = NULL, *text;
    json_t *j = NULL;
    long code;
    int rc = 2;

    if (!c.url || !*c.url)
        c.url = "http://127.0.0.1:8090";
    if (parse_args(argc, argv, &c) < 0 ||
        build(&c, &method, url, sizeof url, &body) < 0) {
        fprintf(stderr, "wasmbed-emu: bad arguments for '%s' (see "
                "wasmbed-emu --help)\n", argv[0]);
        goto out;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    code = request(method, url, body, &j);
    curl_global_cleanup();
    if (code == 0) {
        fprintf(stderr, "wasmbed-emu: cannot reach the device manager at "
                "%s (is 'wasmbed-emu serve' running? set --url or "
                "WASMBED_EMU_URL)\n", c.url);
        rc = 3;
        goto out;
    }
    rc = code < 300 ? 0 : 1;
    if (rc) {
        fprintf(stderr, "wasmbed-emu: %s: %s\n", c.verb,
                json_string_value(json_object_get(j, "error")));
    } else if (c.json) {
        text = json_dumps(j, JSON_INDENT(2));
        printf("%s\n", text ? text : "null");
        free(text);
    } else if (strcmp(c.verb, "list") == 0) {
        print_list(j);
    } else if (strcmp(c.verb, "remove") != 0) {
        print_board(j);
    }
out:
    free(body);
    json_decref(j);
    return rc;
}
