/* cli_http.c - one HTTP request, with errors a person can act on.
 * SPDX-License-Identifier: Apache-2.0
 * HTTP/1.1 (RFC 9110) via libcurl, JSON (RFC 8259) via jansson, bearer
 * tokens (RFC 6750 section 2.1).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

struct buf {
	char *p;
	size_t len;
};

struct progress {
	const char *label;
	int drawn;
};

static size_t on_data(char *d, size_t sz, size_t n, void *u)
{
	struct buf *b = u;
	char *p = realloc(b->p, b->len + sz * n + 1);

	if (p == NULL)
		return 0;
	memcpy(p + b->len, d, sz * n);
	b->p = p;
	b->len += sz * n;
	p[b->len] = '\0';
	return sz * n;
}

/* Draws "LABEL  N KB / M KB  P%" on stderr while an upload runs. */
static int on_progress(void *u, curl_off_t dt, curl_off_t dn,
		       curl_off_t ut, curl_off_t un)
{
	struct progress *p = u;

	(void)dt;
	(void)dn;
	if (ut <= 0)
		return 0;
	fprintf(stderr, "\r%s  %ld / %ld KB  %3d%%", p->label,
		(long)(un + 1023) / 1024, (long)(ut + 1023) / 1024,
		(int)(un * 100 / ut));
	p->drawn = 1;
	return 0;
}

int cli_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

char *cli_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *r = e ? strdup(e) : NULL;

	curl_free(e);
	return r;
}

/* The server's own {"error": "..."} message, or the status line. */
static const char *server_msg(json_t *j, long status, char *buf,
			      size_t cap)
{
	const char *m = json_string_value(json_object_get(j, "error"));

	if (m != NULL)
		return m;
	snprintf(buf, cap, "HTTP status %ld", status);
	return buf;
}

/* Maps an HTTP answer that is not 2xx to an exit code and a message. */
static cli_err http_error(struct cli *c, const struct cli_req *r,
			  long status, json_t *j)
{
	char tmp[64], hint[CLI_URL_MAX + 128];
	const char *m = server_msg(j, status, tmp, sizeof(tmp));
	int emu = r->base == c->emu_url;

	if (status == 403)
		return cli_fail(CLI_EAUTH, "use a token with that role"
				" (`wasmbed tokens create` as admin)", "%s", m);
	if (status == 401) {
		snprintf(hint, sizeof(hint), "%s (token from %s)",
			 c->token[0] ? "pass a valid token with --token or"
			 " WASMBED_TOKEN" : "no token found: pass --token or"
			 " set WASMBED_TOKEN", c->token[0] ? c->token_src
			 : "nowhere");
		return cli_fail(CLI_EAUTH, hint, "%s", m);
	}
	if (status == 404 && r->quiet_404)
		return CLI_ENOTFOUND;
	if (status == 404 && strstr(m, "no such route") != NULL)
		return cli_fail(CLI_EFAIL, "this server is older than the CLI"
				" (docs/api.md lists the routes)",
				"%s %s: the server has no such route",
				r->method, r->path);
	if (status == 404)
		return cli_fail(CLI_ENOTFOUND, emu ? "see `wasmbed emu list`"
				: "see `wasmbed devices list` or"
				" `wasmbed apps list`", "%s", m);
	return cli_fail(CLI_EFAIL, NULL, "%s", m);
}

static cli_err unreachable(struct cli *c, const struct cli_req *r,
			   const char *why)
{
	if (r->base == c->emu_url)
		return cli_fail(CLI_EUNREACH, "is the device manager running"
				" (`make run`, or `wasmbed-emu serve`)? set"
				" --emu-url or WASMBED_EMU_URL",
				"cannot reach the device manager at %s: %s",
				r->base, why);
	return cli_fail(CLI_EUNREACH, "is the gateway running (`make run`)?"
			" set --url or WASMBED_URL",
			"cannot reach the gateway at %s: %s", r->base, why);
}

/* Sets method, body and headers of h for r; *hdrs to free. */
static void set_request(CURL *h, struct cli *c, const struct cli_req *r,
			char **text, struct curl_slist **hdrs)
{
	char auth[300];

	*hdrs = NULL;
	if (c->token[0] && r->base == c->url) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 c->token);
		*hdrs = curl_slist_append(*hdrs, auth);
		memset(auth, 0, sizeof(auth));
	}
	if (r->body != NULL) {
		*text = json_dumps(r->body, JSON_COMPACT);
		*hdrs = curl_slist_append(*hdrs,
					  "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, *text);
	} else if (r->raw != NULL) {
		*hdrs = curl_slist_append(*hdrs,
					  "Content-Type: application/wasm");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->raw);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)r->raw_len);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	*hdrs = curl_slist_append(*hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
}

/* Parses the answer; a 2xx without JSON is fine, *out stays NULL. */
static cli_err finish(struct cli *c, const struct cli_req *r,
		      long status, struct buf *b, json_t **out)
{
	json_t *j = NULL;
	cli_err rc = CLI_OK;

	if (b->len > 0)
		j = json_loadb(b->p, b->len, 0, NULL);
	if (status < 200 || status > 299)
		rc = http_error(c, r, status, j);
	else if (j == NULL && b->len > 0)
		rc = cli_fail(CLI_EFAIL, "is that URL a Wasmbed server?",
			      "%s %s%s: the answer is not JSON", r->method,
			      r->base, r->path);
	if (rc == CLI_OK && out != NULL) {
		*out = j;
		j = NULL;
	}
	json_decref(j);
	return rc;
}

cli_err cli_call(struct cli *c, const struct cli_req *r, json_t **out)
{
	char url[2 * CLI_URL_MAX], *text = NULL;
	struct buf b = { NULL, 0 };
	struct progress pr = { r->progress, 0 };
	struct curl_slist *hdrs = NULL;
	CURL *h = curl_easy_init();
	CURLcode cc;
	long status = 0;
	cli_err rc = CLI_EFAIL;

	if (out != NULL)
		*out = NULL;
	if (h == NULL)
		goto out;
	snprintf(url, sizeof(url), "%s%s%s",
		 strstr(r->base, "://") ? "" : "http://", r->base, r->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (r->progress != NULL && cli_is_tty()) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &pr);
	}
	set_request(h, c, r, &text, &hdrs);
	cc = curl_easy_perform(h);
	if (pr.drawn)
		fputc('\n', stderr);
	if (cc != CURLE_OK) {
		rc = unreachable(c, r, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	rc = finish(c, r, status, &b, out);
out:
	curl_slist_free_all(hdrs);
	if (h != NULL)
		curl_easy_cleanup(h);
	free(text);
	free(b.p);
	return rc;
}
