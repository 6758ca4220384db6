/* ctl.h - internal interfaces between the parts of wasmbed-controller.
 * SPDX-License-Identifier: Apache-2.0
 * Speaks the Kubernetes API (API conventions, watch and resourceVersion
 * semantics) on one side and the gateway's HTTP API on the other; see
 * docs/kubernetes.md.
 */
#ifndef WASMBED_CTL_H
#define WASMBED_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

/* The controller's one error type. */
typedef enum ctl_err {
	CTL_OK = 0,
	CTL_E_SYS,       /* an operating system call failed */
	CTL_E_NET,       /* no answer: connection refused, reset, timeout */
	CTL_E_HTTP,      /* an answer with an unexpected status code */
	CTL_E_NOTFOUND,  /* 404 */
	CTL_E_CONFLICT,  /* 409: resourceVersion moved on, or exists */
	CTL_E_GONE,      /* 410: resourceVersion too old, relist */
	CTL_E_INVALID,   /* malformed input: config, JSON, module */
	CTL_E_NOMEM
} ctl_err;

enum ctl_level { CTL_ERROR, CTL_WARN, CTL_INFO, CTL_DEBUG };

/* Leveled log line on stderr: time, level, module, message. */
void ctl_log(enum ctl_level lvl, const char *mod, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ctl_log_set_level(enum ctl_level lvl);
/* Milliseconds since the Unix epoch, and on a monotonic clock. */
uint64_t ctl_now_ms(void);
uint64_t ctl_mono_ms(void);
/* RFC 3339 UTC time of ms since the epoch; micro adds 6 decimals. */
void ctl_rfc3339(uint64_t ms, int micro, char out[40]);

/* ---- YAML (kubeconfig) as JSON: every scalar becomes a string ---- */

/* Loads the YAML file at path; the caller owns *out. */
ctl_err ctl_yaml_load(const char *path, json_t **out);

/* ---- how to reach the API server ---- */

struct ctl_kcfg {
	char server[512];     /* https://host:port, no trailing slash */
	char *token;          /* bearer token, wiped on free */
	char ca_file[512];    /* PEM bundle path, or empty */
	char *ca_pem;         /* PEM bundle in memory, or NULL */
	int insecure;         /* skip TLS verification (tests only) */
	char ns[254];         /* namespace from the context, or empty */
};

/* In-cluster config (service account files, KUBERNETES_SERVICE_*). */
ctl_err ctl_kcfg_in_cluster(struct ctl_kcfg *k);
/* The current context of a kubeconfig file; token users only. */
ctl_err ctl_kcfg_file(struct ctl_kcfg *k, const char *path);
void ctl_kcfg_free(struct ctl_kcfg *k);

/* ---- HTTP with JSON bodies (libcurl) ---- */

struct ctl_tls {
	const char *ca_file;
	const char *ca_pem;
	int insecure;
};

struct ctl_req {
	const char *method;      /* GET, POST, PUT, PATCH, DELETE */
	const char *url;
	const char *token;       /* bearer token, or NULL */
	const struct ctl_tls *tls;
	json_t *body;            /* borrowed, or NULL */
	const char *ctype;       /* body content type; JSON if NULL */
	const unsigned char *raw; /* raw body instead of JSON, or NULL */
	size_t raw_len;
	long timeout_ms;
};

/* Sends one request. *status gets the HTTP status (0 if no answer);
 * *out the parsed JSON answer if any (caller owns). Returns CTL_OK on
 * 2xx, CTL_E_NOTFOUND, CTL_E_CONFLICT, CTL_E_GONE, CTL_E_HTTP on other
 * statuses, CTL_E_NET when no answer came. */
ctl_err ctl_http(const struct ctl_req *r, long *status, json_t **out);
/* Fetches url's body as bytes (module URLs); caller frees *data. */
ctl_err ctl_http_get_bytes(const char *url, size_t max,
			   unsigned char **data, size_t *len);
/* Applies tls and token to a curl handle; hdrs gets the headers list
 * the caller frees after the transfer. */
void ctl_http_setup(CURL *c, const struct ctl_tls *tls, const char *token,
		    struct curl_slist **hdrs);

/* ---- the Kubernetes API ---- */

#define CTL_GROUP "wasmbed.io"
#define CTL_VERSION "v1alpha1"

struct ctl_kube {
	struct ctl_kcfg cfg;
	struct ctl_tls tls;
	char ns[254];
};

/* Path of a collection or object: plural like "devices", name NULL for
 * the collection, sub like "status" or NULL. Custom resources of
 * wasmbed.io unless plural names a core or coordination resource
 * (configmaps, secrets, leases). */
void ctl_kube_path(const struct ctl_kube *k, const char *plural,
		   const char *name, const char *sub, char *out,
		   size_t cap);
/* One call on path (from ctl_kube_path, plus any query). */
ctl_err ctl_kube_call(struct ctl_kube *k, const char *method,
		      const char *path, json_t *body, json_t **out);

/* ---- informers: list, then watch from the list's resourceVersion ---- */

struct ctl_inf {
	const char *plural;
	json_t *cache;        /* name -> object */
	char rv[64];          /* last resourceVersion seen, "" to relist */
	int synced;           /* the first list succeeded */
	int dirty;            /* something changed since last cleared */
	CURL *watch;          /* the running watch, or NULL */
	struct curl_slist *hdrs;
	char *buf;            /* partial event line */
	size_t len, cap;
	int gone;             /* a watch event said 410 Gone */
	uint64_t retry_at;    /* monotonic ms of the next attempt */
	uint32_t backoff_ms;
};

struct ctl_infs {
	struct ctl_kube *kube;
	CURLM *multi;
	struct ctl_inf *inf;
	size_t n;
};

ctl_err ctl_inf_init(struct ctl_infs *s, struct ctl_kube *k,
		     struct ctl_inf *inf, size_t n);
void ctl_inf_free(struct ctl_infs *s);
/* Lists what needs listing, starts watches, waits up to wait_ms for
 * events and applies them to the caches. */
void ctl_inf_step(struct ctl_infs *s, int wait_ms);
/* Puts an object a write returned into the cache (borrowed). */
void ctl_inf_store(struct ctl_inf *inf, json_t *obj);

/* ---- the gateway's HTTP API ---- */

struct ctl_gw {
	const char *name;     /* the Gateway resource */
	char url[512];        /* http://host:port of its API */
	char *token;
};

/* GET /api/v1/devices: *out is the "devices" array (caller owns). */
ctl_err ctl_gw_devices(const struct ctl_gw *g, json_t **out);

/* Deployments and applications of docs/api.md (ctl_gwdeploy.c). A
 * gateway without that API answers 404, taken as "none". */

/* *out: the "deployments" array, [] on 404 (caller owns). */
ctl_err ctl_gw_deployments(const struct ctl_gw *g, json_t **out);
/* One deployment with its per-device "devices" (caller owns). */
ctl_err ctl_gw_deployment(const struct ctl_gw *g, json_int_t id,
			  json_t **out);
/* Uploads module as application name, version (201 or 200: same). */
ctl_err ctl_gw_app_upload(const struct ctl_gw *g, const char *name,
			  const char *version, const unsigned char *mod,
			  size_t len);
/* Deletes every version of application name; CTL_OK if none. */
ctl_err ctl_gw_app_delete(const struct ctl_gw *g, const char *name);
/* Creates (id 0) or patches deployment id with body (borrowed); *out
 * is the deployment the gateway answers with (caller owns). */
ctl_err ctl_gw_deploy_put(const struct ctl_gw *g, json_int_t id,
			  json_t *body, json_t **out);
/* Starts removing deployment id; CTL_OK if it is gone already. */
ctl_err ctl_gw_deploy_delete(const struct ctl_gw *g, json_int_t id);
/* *out: device id -> [{"app","version","state","error"}] for every
 * deployment of the gateway (caller owns). */
ctl_err ctl_gw_device_apps(const struct ctl_gw *g, json_t **out);

/* ---- application modules ---- */

#define CTL_MAX_MODULE (4u << 20)

/* The module bytes spec.module of an Application names (inline
 * base64, a ConfigMap key, or a URL), checked against its sha256. On
 * failure msg says why, for the Application's status. */
struct ctl;
ctl_err ctl_module_fetch(struct ctl *c, json_t *spec_module,
			 unsigned char **data, size_t *len, char *msg,
			 size_t cap);

/* ---- label selectors ---- */

/* 1 if labels (an object, or NULL) match a metav1.LabelSelector:
 * matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
int ctl_selector_match(json_t *sel, json_t *labels);

/* ---- reconcilers ---- */

struct ctl {
	struct ctl_kube kube;
	struct ctl_infs infs;
	struct ctl_inf inf[3];  /* gateways, devices, applications */
	uint32_t sync_ms;
	uint64_t next_sync;
	char identity[128];
	int leader_elect;
	int leader;
	uint64_t lease_renewed;    /* monotonic ms of our last renewal */
	uint64_t lease_seen;       /* when the holder last moved */
	char lease_seen_rv[64];
	uint64_t lease_next;
};

#define CTL_INF_GW 0
#define CTL_INF_DEV 1
#define CTL_INF_APP 2
#define CTL_FINALIZER "wasmbed.io/deployments"

/* Builds the client for Gateway gw (token from its Secret); caller
 * frees with ctl_gw_free. */
ctl_err ctl_gw_open(struct ctl *c, json_t *gw, struct ctl_gw *out);
void ctl_gw_free(struct ctl_gw *g);
/* Mirrors every Gateway's devices into Device resources and the
 * Gateway's own status; writes only what changed. */
void ctl_devices_sync(struct ctl *c);
/* Drives every Application into gateway deployments; finalizers. */
void ctl_apps_sync(struct ctl *c);
/* Writes obj's status (PUT .../status) unless it equals status.
 * Takes status; updates the cache on success. */
ctl_err ctl_status_put(struct ctl *c, int which, json_t *obj,
		       json_t *status);
/* Takes or renews the Lease; sets c->leader. */
void ctl_lease_step(struct ctl *c);
/* Gives up the Lease on a clean stop. */
void ctl_lease_release(struct ctl *c);

#endif
