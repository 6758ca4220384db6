/* testdev_main.c - wasmbed-testdev: the OpenSSL test device as a program.
 * SPDX-License-Identifier: Apache-2.0
 * Enrolls if it has no credentials, then runs a docs/protocol.md
 * session: hello, heartbeats, goodbye.
 *
 * wasmbed-testdev PORT CA-FILE DIR [BEATS [INTERVAL-MS]]
 * Exit status: 0 done, 1 failure, 3 enrollment refused.
 */
#include "testdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

/* Loads DIR/device.pem (key then certificate), enrolling first when
 * it does not exist. Returns 0, 3 if refused, or 1. */
static int credentials(uint16_t port, const char *ca, const char *dir,
		       EVP_PKEY **key, X509 **cert)
{
	char path[512], id[32];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/device.pem", dir);
	f = fopen(path, "r");
	if (f != NULL) {
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		return *key && *cert ? 0 : 1;
	}
	*key = td_keygen();
	rc = td_enroll(port, ca, *key, cert, id);
	if (rc > 0) {
		fprintf(stderr, "testdev: enrollment refused (reason %d)\n",
			rc);
		return 3;
	}
	if (rc < 0 || (f = fopen(path, "w")) == NULL)
		return 1;
	PEM_write_PrivateKey(f, *key, NULL, NULL, 0, NULL, NULL);
	PEM_write_X509(f, *cert);
	fclose(f);
	printf("testdev: enrolled as %s\n", id);
	return 0;
}

int main(int argc, char **argv)
{
	struct td *t = calloc(1, sizeof(*t));
	struct td_opts o = { NULL, NULL, 0 };
	struct proto_msg w;
	int beats = argc > 4 ? atoi(argv[4]) : 3, i, rc;
	long interval = argc > 5 ? atol(argv[5]) : -1;
	uint16_t port;

	if (argc < 4 || t == NULL) {
		fprintf(stderr, "usage: wasmbed-testdev PORT CA DIR [BEATS"
			" [INTERVAL-MS]]\n");
		return 1;
	}
	port = (uint16_t)atoi(argv[1]);
	rc = credentials(port, argv[2], argv[3], &o.key, &o.cert);
	if (rc == 0 && (td_connect(t, port, argv[2], &o) != 0 ||
			td_hello(t, &w) != 0))
		rc = 1;
	if (rc == 0)
		printf("testdev: welcome, heartbeat every %u ms\n",
		       (unsigned)w.u.welcome.heartbeat_ms);
	if (interval < 0 && rc == 0)
		interval = (long)w.u.welcome.heartbeat_ms;
	for (i = 0; rc == 0 && i < beats; i++) {
		usleep((useconds_t)interval * 1000);
		rc = td_heartbeat(t) == 0 ? 0 : 1;
	}
	if (rc == 0) {
		memset(&w, 0, sizeof(w));
		w.type = PROTO_GOODBYE;
		rc = td_send(t, &w) == 0 ? 0 : 1;
	}
	td_close(t);
	free(t);
	EVP_PKEY_free(o.key);
	X509_free(o.cert);
	printf("testdev: %s\n", rc == 0 ? "done" : "failed");
	return rc;
}
