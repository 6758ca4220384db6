/* ctl_inf.c - informers: a cache per resource kept by list then watch.
 * SPDX-License-Identifier: Apache-2.0
 * Kubernetes API concepts, "Efficient detection of changes": list,
 * watch from the list's resourceVersion, bookmarks, and a fresh list
 * when the server answers 410 Gone. Lost connections are retried with
 * exponential back-off and jitter.
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#define MOD "watch"
#define WATCH_S 290
#define BACKOFF_MIN_MS 500u
#define BACKOFF_MAX_MS 30000u
#define MAX_LINE (16u << 20)

static const char *name_of(json_t *obj)
{
	return json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "name"));
}

static const char *rv_of(json_t *obj)
{
	return json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "resourceVersion"));
}

void ctl_inf_store(struct ctl_inf *inf, json_t *obj)
{
	const char *name = name_of(obj);

	if (name != NULL)
		json_object_set(inf->cache, name, obj);
}

/* Schedules the next attempt after a failure, doubling the wait. */
static void backoff(struct ctl_inf *inf)
{
	uint32_t b = inf->backoff_ms * 2;

	if (b < BACKOFF_MIN_MS)
		b = BACKOFF_MIN_MS;
	if (b > BACKOFF_MAX_MS)
		b = BACKOFF_MAX_MS;
	inf->backoff_ms = b;
	inf->retry_at = ctl_mono_ms() + b / 2 + (uint32_t)rand() % (b / 2);
}

/* Replaces the cache with a fresh list; remembers its version. */
static ctl_err list(struct ctl_infs *s, struct ctl_inf *inf)
{
	char path[1024];
	json_t *ans = NULL, *items, *o;
	const char *rv;
	size_t i;
	ctl_err rc;

	ctl_kube_path(s->kube, inf->plural, NULL, NULL, path, sizeof(path));
	rc = ctl_kube_call(s->kube, "GET", path, NULL, &ans);
	if (rc != CTL_OK)
		return rc;
	rv = rv_of(ans);
	items = json_object_get(ans, "items");
	json_object_clear(inf->cache);
	json_array_foreach(items, i, o)
		ctl_inf_store(inf, o);
	snprintf(inf->rv, sizeof(inf->rv), "%s", rv ? rv : "");
	inf->synced = 1;
	inf->dirty = 1;
	ctl_log(CTL_INFO, MOD, "%s: listed %zu at version %s", inf->plural,
		json_array_size(items), inf->rv);
	json_decref(ans);
	return CTL_OK;
}

/* Applies one watch event (a JSON line) to the cache. */
static void event(struct ctl_inf *inf, const char *line, size_t n)
{
	json_t *ev = json_loadb(line, n, 0, NULL);
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *obj = json_object_get(ev, "object");
	const char *rv = rv_of(obj), *name = name_of(obj);

	if (type == NULL || strcmp(type, "ERROR") == 0) {
		/* A Status, as an event or alone; 410 means relist. */
		json_t *st = obj ? obj : ev;
		json_int_t code = json_integer_value(
			json_object_get(st, "code"));

		inf->gone |= code == 410;
		ctl_log(code == 410 ? CTL_INFO : CTL_WARN, MOD, "%s: %s",
			inf->plural, code == 410 ? "410 Gone, relisting"
						  : "watch error");
		json_decref(ev);
		return;
	}
	if (rv != NULL)
		snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
	if (strcmp(type, "DELETED") == 0 && name != NULL)
		json_object_del(inf->cache, name);
	else if (strcmp(type, "BOOKMARK") != 0)
		ctl_inf_store(inf, obj);
	if (strcmp(type, "BOOKMARK") != 0) {
		inf->dirty = 1;
		ctl_log(CTL_DEBUG, MOD, "%s %s %s", inf->plural, type,
			name ? name : "?");
	}
	inf->backoff_ms = 0;
	json_decref(ev);
}

/* libcurl write callback: buffers bytes, applies each full line. */
static size_t watch_write(char *p, size_t sz, size_t n, void *arg)
{
	struct ctl_inf *inf = arg;
	size_t add = sz * n, start = 0, i;
	char *nb;

	if (inf->len + add > MAX_LINE)
		return 0;
	if (inf->len + add > inf->cap) {
		nb = realloc(inf->buf, (inf->len + add) * 2);
		if (nb == NULL)
			return 0;
		inf->buf = nb;
		inf->cap = (inf->len + add) * 2;
	}
	memcpy(inf->buf + inf->len, p, add);
	inf->len += add;
	for (i = 0; i < inf->len; i++) {
		if (inf->buf[i] != '\n')
			continue;
		if (i > start)
			event(inf, inf->buf + start, i - start);
		start = i + 1;
	}
	memmove(inf->buf, inf->buf + start, inf->len - start);
	inf->len -= start;
	return add;
}

/* Starts a watch from inf->rv. */
static ctl_err watch(struct ctl_infs *s, struct ctl_inf *inf)
{
	char path[1024], url[2048];
	CURL *c = curl_easy_init();

	if (c == NULL)
		return CTL_E_NOMEM;
	ctl_kube_path(s->kube, inf->plural, NULL, NULL, path, sizeof(path));
	snprintf(url, sizeof(url), "%s%s?watch=1&resourceVersion=%s"
		 "&allowWatchBookmarks=true&timeoutSeconds=%d",
		 s->kube->cfg.server, path, inf->rv, WATCH_S);
	inf->hdrs = NULL;
	ctl_http_setup(c, &s->kube->tls, s->kube->cfg.token, &inf->hdrs);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, inf);
	curl_easy_setopt(c, CURLOPT_PRIVATE, inf);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (WATCH_S + 30) * 1000L);
	inf->len = 0;
	inf->gone = 0;
	inf->watch = c;
	curl_multi_add_handle(s->multi, c);
	ctl_log(CTL_DEBUG, MOD, "%s: watching from %s", inf->plural,
		inf->rv);
	return CTL_OK;
}

/* A watch ended: rewatch, relist on 410, or back off on failure. */
static void watch_done(struct ctl_infs *s, struct ctl_inf *inf,
		       CURLcode cc)
{
	long st = 0;

	curl_easy_getinfo(inf->watch, CURLINFO_RESPONSE_CODE, &st);
	curl_multi_remove_handle(s->multi, inf->watch);
	curl_easy_cleanup(inf->watch);
	curl_slist_free_all(inf->hdrs);
	inf->watch = NULL;
	inf->hdrs = NULL;
	if (inf->gone || st == 410) {
		inf->rv[0] = '\0';
		inf->retry_at = 0;
	} else if (cc == CURLE_OK && st == 200) {
		inf->retry_at = 0;
	} else {
		ctl_log(CTL_WARN, MOD, "%s: watch lost (%s, HTTP %ld)",
			inf->plural, curl_easy_strerror(cc), st);
		backoff(inf);
	}
}

/* Lists or watches inf if it is idle and its wait is over. */
static void start(struct ctl_infs *s, struct ctl_inf *inf)
{
	if (inf->watch != NULL || ctl_mono_ms() < inf->retry_at)
		return;
	if (inf->rv[0] == '\0' && list(s, inf) != CTL_OK) {
		backoff(inf);
		return;
	}
	if (watch(s, inf) != CTL_OK)
		backoff(inf);
}

void ctl_inf_step(struct ctl_infs *s, int wait_ms)
{
	struct ctl_inf *inf;
	CURLMsg *m;
	int running, left;
	size_t i;

	for (i = 0; i < s->n; i++)
		start(s, &s->inf[i]);
	curl_multi_perform(s->multi, &running);
	curl_multi_poll(s->multi, NULL, 0, wait_ms, NULL);
	curl_multi_perform(s->multi, &running);
	while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &inf);
		watch_done(s, inf, m->data.result);
	}
}

ctl_err ctl_inf_init(struct ctl_infs *s, struct ctl_kube *k,
		     struct ctl_inf *inf, size_t n)
{
	size_t i;

	s->kube = k;
	s->inf = inf;
	s->n = n;
	s->multi = curl_multi_init();
	if (s->multi == NULL)
		return CTL_E_NOMEM;
	for (i = 0; i < n; i++) {
		inf[i].cache = json_object();
		if (inf[i].cache == NULL)
			return CTL_E_NOMEM;
	}
	return CTL_OK;
}

void ctl_inf_free(struct ctl_infs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct ctl_inf *inf = &s->inf[i];

		if (inf->watch != NULL) {
			curl_multi_remove_handle(s->multi, inf->watch);
			curl_easy_cleanup(inf->watch);
		}
		curl_slist_free_all(inf->hdrs);
		json_decref(inf->cache);
		free(inf->buf);
	}
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
}
