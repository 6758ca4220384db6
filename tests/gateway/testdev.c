/* testdev.c - an OpenSSL test device and gateway harness for tests.
 * SPDX-License-Identifier: Apache-2.0
 * Client side of docs/protocol.md over TLS 1.3 (RFC 8446); requests per
 * RFC 2986; HTTP/1.0 requests to the API.
 */
#include "testdev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

int td_tcp(uint16_t port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void set_timeout(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int td_connect(struct td *t, uint16_t port, const char *ca_file,
	       const struct td_opts *o)
{
	int v = o->tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL)
		return -1;
	SSL_CTX_set_min_proto_version(t->ctx, v);
	SSL_CTX_set_max_proto_version(t->ctx, v);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1)
		return -1;
	if (o->cert && (SSL_CTX_use_certificate(t->ctx, o->cert) != 1 ||
			SSL_CTX_use_PrivateKey(t->ctx, o->key) != 1))
		return -1;
	t->fd = td_tcp(port);
	if (t->fd < 0)
		return -1;
	set_timeout(t->fd, 5000);
	t->ssl = SSL_new(t->ctx);
	SSL_set_fd(t->ssl, t->fd);
	if (SSL_connect(t->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void td_close(struct td *t)
{
	if (t->ssl) {
		SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	if (t->fd >= 0)
		close(t->fd);
	SSL_CTX_free(t->ctx);
	t->ssl = NULL;
	t->ctx = NULL;
	t->fd = -1;
	ERR_clear_error();
}

int td_send_raw(struct td *t, const void *p, size_t n)
{
	return SSL_write(t->ssl, p, (int)n) == (int)n ? 0 : -1;
}

int td_send(struct td *t, struct proto_msg *m)
{
	uint8_t buf[8192];
	size_t n;

	m->id = ++t->next_id;
	if (proto_encode(m, buf, sizeof(buf), &n) != PROTO_OK)
		return -1;
	return td_send_raw(t, buf, n);
}

/* Reads exactly n bytes; -1 on end or error, -2 on timeout. */
static int read_full(struct td *t, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int r = SSL_read(t->ssl, p + got, (int)(n - got));

		if (r <= 0) {
			int e = SSL_get_error(t->ssl, r);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ ||
			    (e == SSL_ERROR_SYSCALL &&
			     (errno == EAGAIN || errno == EWOULDBLOCK)))
				return -2;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int td_recv(struct td *t, struct proto_msg *m, int timeout_ms)
{
	uint32_t n;
	int rc;

	set_timeout(t->fd, timeout_ms);
	rc = read_full(t, t->rx, PROTO_HDR_LEN);
	if (rc != 0)
		return rc;
	if (proto_frame_len(t->rx, TD_RX_MAX - PROTO_HDR_LEN, &n) !=
	    PROTO_OK)
		return -1;
	rc = read_full(t, t->rx + PROTO_HDR_LEN, n);
	if (rc != 0)
		return rc;
	t->last_len = n;
	return proto_decode(t->rx + PROTO_HDR_LEN, n, m, NULL) == PROTO_OK
	       ? 0 : -1;
}

int td_closed(struct td *t, int timeout_ms)
{
	struct proto_msg m;
	int waited = 0, rc;

	/* Frames sent before the close (an error, a goodbye) are fine. */
	while (waited < timeout_ms) {
		rc = td_recv(t, &m, 200);
		if (rc == -1)
			return 1;
		waited += rc == -2 ? 200 : 0;
	}
	return 0;
}

static struct proto_str str(const char *s)
{
	struct proto_str r = { (const uint8_t *)s, strlen(s) };

	return r;
}

int td_hello(struct td *t, struct proto_msg *welcome)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello.board = str("testdev");
	m.u.hello.firmware = str("0.0.1");
	m.u.hello.ram = 192 * 1024;
	m.u.hello.flash = 1024 * 1024;
	m.u.hello.max_frame = 4096;
	m.u.hello.n_features = 1;
	m.u.hello.features[0] = str("wasi");
	if (td_send(t, &m) != 0 || td_recv(t, welcome, 5000) != 0)
		return -1;
	return welcome->type == PROTO_WELCOME ? 0 : -1;
}

int td_heartbeat(struct td *t)
{
	struct proto_msg m, r;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HEARTBEAT;
	m.u.heartbeat.uptime_ms = 1234;
	m.u.heartbeat.free_mem = 5678;
	if (td_send(t, &m) != 0 || td_recv(t, &r, 5000) != 0)
		return -1;
	return r.type == PROTO_HEARTBEAT_ACK && r.u.heartbeat_ack.re == m.id
	       ? 0 : -1;
}

EVP_PKEY *td_keygen(void)
{
	return EVP_EC_gen("P-256");
}

static int make_csr(EVP_PKEY *key, uint8_t **der, int *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	int ok = req && n;

	ok = ok && X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					      (const unsigned char *)"new", -1,
					      -1, 0);
	ok = ok && X509_REQ_set_subject_name(req, n);
	ok = ok && X509_REQ_set_pubkey(req, key);
	ok = ok && X509_REQ_sign(req, key, EVP_sha256()) > 0;
	*der = NULL;
	ok = ok && (*len = i2d_X509_REQ(req, der)) > 0;
	X509_NAME_free(n);
	X509_REQ_free(req);
	return ok ? 0 : -1;
}

int td_enroll(uint16_t port, const char *ca_file, EVP_PKEY *key,
	      X509 **cert, char id[32])
{
	struct td_opts o = { NULL, NULL, 0 };
	struct td *t = calloc(1, sizeof(*t));
	struct proto_msg m;
	uint8_t *der = NULL;
	int len, rc = -1;

	*cert = NULL;
	if (t == NULL || make_csr(key, &der, &len) != 0 ||
	    td_connect(t, port, ca_file, &o) != 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_ENROLL;
	m.u.enroll.csr.ptr = der;
	m.u.enroll.csr.len = (size_t)len;
	m.u.enroll.name = str("testdev");
	if (td_send(t, &m) != 0 || td_recv(t, &m, 5000) != 0)
		goto out;
	if (m.type == PROTO_ENROLL_REFUSED) {
		rc = m.u.enroll_refused.reason;
	} else if (m.type == PROTO_ENROLL_OK) {
		const unsigned char *p = m.u.enroll_ok.cert.ptr;

		*cert = d2i_X509(NULL, &p, (long)m.u.enroll_ok.cert.len);
		snprintf(id, 32, "%.*s", (int)m.u.enroll_ok.device_id.len,
			 (const char *)m.u.enroll_ok.device_id.ptr);
		rc = *cert ? 0 : -1;
	}
out:
	OPENSSL_free(der);
	if (t != NULL)
		td_close(t);
	free(t);
	return rc;
}

static void *load_pem(const char *path, int is_key)
{
	FILE *f = fopen(path, "r");
	void *r;

	if (f == NULL)
		return NULL;
	r = is_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
		   : (void *)PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return r;
}

X509 *td_issue(EVP_PKEY *key, const char *cn, const char *ca_key,
	       const char *ca_cert, long from_s, long to_s)
{
	EVP_PKEY *ck = ca_key ? load_pem(ca_key, 1) : NULL;
	X509 *cc = ca_cert ? load_pem(ca_cert, 0) : NULL;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int ok = x && n && (ca_key == NULL || (ck && cc));

	ok = ok && X509_set_version(x, 2);
	ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(x),
				    (long)(time(NULL) & 0x7fffffff));
	ok = ok && X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					      (const unsigned char *)cn, -1,
					      -1, 0);
	ok = ok && X509_set_subject_name(x, n);
	ok = ok && X509_set_issuer_name(x, cc ? X509_get_subject_name(cc)
					      : n);
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), from_s);
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), to_s);
	ok = ok && X509_set_pubkey(x, key);
	ok = ok && X509_sign(x, ck ? ck : key, EVP_sha256()) > 0;
	X509_NAME_free(n);
	EVP_PKEY_free(ck);
	X509_free(cc);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* ---- the gateway process ---- */

/* Two distinct free loopback ports: both sockets are bound at once. */
static void free_ports(uint16_t *a, uint16_t *b)
{
	struct sockaddr_in sa;
	socklen_t len;
	uint16_t *out[2] = { a, b };
	int fd[2], i;

	for (i = 0; i < 2; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sa);
		*out[i] = 0;
		if (fd[i] >= 0 &&
		    bind(fd[i], (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(fd[i], (struct sockaddr *)&sa, &len) == 0)
			*out[i] = ntohs(sa.sin_port);
	}
	for (i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void spawn(struct td_gw *g, const char *const *extra)
{
	char dev[40], api[40];
	const char *argv[32];
	int i = 0, fd;

	snprintf(dev, sizeof(dev), "127.0.0.1:%u", g->dev_port);
	snprintf(api, sizeof(api), "127.0.0.1:%u", g->api_port);
	argv[i++] = g->bin;
	argv[i++] = "--data-dir";
	argv[i++] = g->dir;
	argv[i++] = "--device-listen";
	argv[i++] = dev;
	argv[i++] = "--api-listen";
	argv[i++] = api;
	while (extra && *extra && i < 30)
		argv[i++] = *extra++;
	argv[i] = NULL;
	/* A harness killed by a test timeout takes its gateway along. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	execv(g->bin, (char *const *)argv);
	_exit(127);
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (f)
		fclose(f);
	return n;
}

/* 1 if the log holds needle after byte offset off. */
static int log_has_since(struct td_gw *g, long off, const char *needle)
{
	static char buf[1 << 20];
	FILE *f = fopen(g->log, "r");
	size_t n = 0;

	if (f != NULL && fseek(f, off, SEEK_SET) == 0)
		n = fread(buf, 1, sizeof(buf) - 1, f);
	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* One attempt: 0 when this gateway logged "ready", -1 if it exited
 * (a port taken between choosing and binding it) or never got ready. */
static int start_once(struct td_gw *g, const char *const *extra)
{
	long off = file_size(g->log);
	int waited, st;

	free_ports(&g->dev_port, &g->api_port);
	g->pid = fork();
	if (g->pid < 0)
		return -1;
	if (g->pid == 0)
		spawn(g, extra);
	for (waited = 0; waited < 20000; waited += 20) {
		if (log_has_since(g, off, "main: ready"))
			return 0;
		if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
			g->pid = 0;
			return -1;
		}
		sleep_ms(20);
	}
	td_gw_kill9(g);
	return -1;
}

int td_gw_start(struct td_gw *g, const char *bin, const char *dir,
		const char *const *extra)
{
	char path[300];
	int attempt, rc = -1;
	FILE *f;

	memset(g, 0, sizeof(*g));
	snprintf(g->bin, sizeof(g->bin), "%s", bin);
	snprintf(g->dir, sizeof(g->dir), "%s", dir);
	snprintf(g->ca, sizeof(g->ca), "%s/ca.crt", dir);
	snprintf(g->log, sizeof(g->log), "%s.log", dir);
	for (attempt = 0; attempt < 3 && rc != 0; attempt++)
		rc = start_once(g, extra);
	snprintf(path, sizeof(path), "%s/admin.token", dir);
	f = fopen(path, "r");
	if (f == NULL || fscanf(f, "%79s", g->token) != 1)
		rc = -1;
	if (f)
		fclose(f);
	return rc;
}

int td_gw_stop(struct td_gw *g)
{
	int st, waited;

	if (g->pid <= 0)
		return -1;
	kill(g->pid, SIGTERM);
	for (waited = 0; waited < 20000; waited += 20) {
		if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
			g->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		sleep_ms(20);
	}
	td_gw_kill9(g);
	return -1;
}

void td_gw_kill9(struct td_gw *g)
{
	if (g->pid <= 0)
		return;
	kill(g->pid, SIGKILL);
	waitpid(g->pid, NULL, 0);
	g->pid = 0;
}

/* Reads a whole HTTP/1.0 response; returns its length or -1. */
static int read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t r;

	while (got + 1 < cap && (r = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	return got > 0 ? (int)got : -1;
}

int td_http_as(struct td_gw *g, const char *method, const char *path,
	       const void *body, size_t len, const char *token, char *resp,
	       size_t cap)
{
	char req[1024];
	static char raw[1 << 20];
	const char *p;
	int fd = td_tcp(g->api_port), n, code = -1;

	if (fd < 0)
		return -1;
	set_timeout(fd, 70000);
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n"
		     "%s%s%sContent-Length: %zu\r\n\r\n", method, path,
		     token ? "Authorization: Bearer " : "",
		     token ? token : "", token ? "\r\n" : "", len);
	if (write(fd, req, (size_t)n) == n &&
	    (len == 0 || write(fd, body, len) == (ssize_t)len) &&
	    read_all(fd, raw, sizeof(raw)) > 0 &&
	    sscanf(raw, "HTTP/1.%*d %d", &code) == 1) {
		p = strstr(raw, "\r\n\r\n");
		snprintf(resp, cap, "%s", p ? p + 4 : "");
	}
	close(fd);
	return code;
}

int td_http(struct td_gw *g, const char *method, const char *path,
	    const char *body, int auth, char *resp, size_t cap)
{
	return td_http_as(g, method, path, body, body ? strlen(body) : 0,
			  auth == 1 ? g->token : auth ? "wrong" : NULL, resp,
			  cap);
}

int td_log_wait(struct td_gw *g, const char *needle, int timeout_ms)
{
	static char buf[1 << 20];
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 50) {
		FILE *f = fopen(g->log, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, needle) != NULL)
			return 1;
		sleep_ms(50);
	}
	return 0;
}
