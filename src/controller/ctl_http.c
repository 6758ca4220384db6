/* ctl_http.c - one HTTP request with a JSON body and answer (libcurl).
 * SPDX-License-Identifier: Apache-2.0
 * HTTP/1.1 (RFC 9110), JSON (RFC 8259), bearer tokens (RFC 6750 2.1).
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#define MOD "http"
#define MAX_ANSWER (64u << 20)

struct sink {
	unsigned char *data;
	size_t len, cap, max;
};

static size_t sink_write(char *p, size_t sz, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = sz * n;
	unsigned char *d;

	if (s->len + add > s->max)
		return 0;
	if (s->len + add + 1 > s->cap) {
		s->cap = (s->len + add + 1) * 2;
		d = realloc(s->data, s->cap);
		if (d == NULL)
			return 0;
		s->data = d;
	}
	memcpy(s->data + s->len, p, add);
	s->len += add;
	s->data[s->len] = 0;
	return add;
}

void ctl_http_setup(CURL *c, const struct ctl_tls *tls, const char *token,
		    struct curl_slist **hdrs)
{
	char auth[4096];

	if (tls != NULL && tls->ca_file != NULL && tls->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, tls->ca_file);
	if (tls != NULL && tls->ca_pem != NULL) {
		struct curl_blob b = { (void *)tls->ca_pem,
				       strlen(tls->ca_pem),
				       CURL_BLOB_COPY };

		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
	}
	if (tls != NULL && tls->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	*hdrs = curl_slist_append(*hdrs, "Accept: application/json");
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 token);
		*hdrs = curl_slist_append(*hdrs, auth);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
}

/* Maps an HTTP status to the error type. */
static ctl_err status_err(long st)
{
	if (st >= 200 && st < 300)
		return CTL_OK;
	if (st == 404)
		return CTL_E_NOTFOUND;
	if (st == 409)
		return CTL_E_CONFLICT;
	if (st == 410)
		return CTL_E_GONE;
	return CTL_E_HTTP;
}

/* Sets method and body of c; *text is the body to free afterwards. */
static ctl_err set_body(CURL *c, const struct ctl_req *r,
			struct curl_slist **hdrs, char **text)
{
	char ct[128];

	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body == NULL && r->raw == NULL)
		return CTL_OK;
	if (r->raw == NULL) {
		*text = json_dumps(r->body, JSON_COMPACT);
		if (*text == NULL)
			return CTL_E_NOMEM;
	}
	snprintf(ct, sizeof(ct), "Content-Type: %s",
		 r->ctype ? r->ctype : "application/json");
	*hdrs = curl_slist_append(*hdrs, ct);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			 r->raw ? (const char *)r->raw : *text);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
			 (long)(r->raw ? r->raw_len : strlen(*text)));
	return CTL_OK;
}

ctl_err ctl_http(const struct ctl_req *r, long *status, json_t **out)
{
	struct sink s = { NULL, 0, 0, MAX_ANSWER };
	struct curl_slist *hdrs = NULL;
	char *text = NULL;
	CURLcode cc;
	ctl_err rc;
	CURL *c = curl_easy_init();

	*status = 0;
	if (out != NULL)
		*out = NULL;
	if (c == NULL)
		return CTL_E_NOMEM;
	rc = set_body(c, r, &hdrs, &text);
	if (rc != CTL_OK)
		goto out;
	ctl_http_setup(c, r->tls, r->token, &hdrs);
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 r->timeout_ms ? r->timeout_ms : 15000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		ctl_log(CTL_DEBUG, MOD, "%s %s: %s", r->method, r->url,
			curl_easy_strerror(cc));
		rc = CTL_E_NET;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	rc = status_err(*status);
	if (out != NULL && s.len > 0)
		*out = json_loadb((const char *)s.data, s.len, 0, NULL);
	if (rc != CTL_OK)
		ctl_log(CTL_DEBUG, MOD, "%s %s: %ld %.200s", r->method,
			r->url, *status, s.data ? (char *)s.data : "");
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(text);
	free(s.data);
	return rc;
}

ctl_err ctl_http_get_bytes(const char *url, size_t max,
			   unsigned char **data, size_t *len)
{
	struct sink s = { NULL, 0, 0, max };
	CURL *c = curl_easy_init();
	long st = 0;
	ctl_err rc = CTL_OK;

	*data = NULL;
	*len = 0;
	if (c == NULL)
		return CTL_E_NOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (curl_easy_perform(c) != CURLE_OK)
		rc = CTL_E_NET;
	else if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st),
		 (rc = status_err(st)) == CTL_OK) {
		*data = s.data;
		*len = s.len;
		s.data = NULL;
	}
	curl_easy_cleanup(c);
	free(s.data);
	return rc;
}
