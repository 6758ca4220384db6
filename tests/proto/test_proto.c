/* test_proto.c - round trips and hostile input for the protocol codec.
 * SPDX-License-Identifier: Apache-2.0
 * Checks docs/protocol.md: every message, framing, RFC 8949 edge cases.
 */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			failures++;                                        \
		}                                                          \
	} while (0)

#define S(lit) { (const uint8_t *)(lit), sizeof(lit) - 1 }

static const uint8_t sha[PROTO_SHA256_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t der[] = { 0x30, 0x82, 0x01, 0x00, 0xde, 0xad };

static struct proto_msg sample(uint32_t type)
{
	struct proto_msg m;
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.id = 1000 + type;
	switch (type) {
	case PROTO_ENROLL:
		m.u.enroll.csr = (struct proto_str){ der, sizeof(der) };
		m.u.enroll.name = (struct proto_str)S("bench-7");
		break;
	case PROTO_ENROLL_OK:
		m.u.enroll_ok.device_id = (struct proto_str)S("wb-0123abcd");
		m.u.enroll_ok.cert = (struct proto_str){ der, sizeof(der) };
		m.u.enroll_ok.ca = (struct proto_str){ der, 3 };
		break;
	case PROTO_ENROLL_REFUSED:
		m.u.enroll_refused.reason = PROTO_REFUSE_PAIRING_CLOSED;
		m.u.enroll_refused.message = (struct proto_str)S("closed");
		break;
	case PROTO_HELLO:
		m.u.hello.board = (struct proto_str)S("stm32f4-discovery");
		m.u.hello.firmware = (struct proto_str)S("0.1.0");
		m.u.hello.ram = 192 * 1024;
		m.u.hello.flash = 1024 * 1024;
		m.u.hello.max_frame = 4096;
		m.u.hello.n_features = PROTO_MAX_FEATURES;
		for (i = 0; i < PROTO_MAX_FEATURES; i++)
			m.u.hello.features[i] = (struct proto_str)S("wasi");
		m.u.hello.features[1] = (struct proto_str)S("fuel-\xc3\xa9");
		break;
	case PROTO_WELCOME:
		m.u.welcome.time_ms = 1764763200123ull;
		m.u.welcome.heartbeat_ms = 30000;
		m.u.welcome.max_frame = 16384;
		m.u.welcome.log_seq = UINT64_MAX;
		m.u.welcome.device_id = (struct proto_str)S("wb-1");
		break;
	case PROTO_HEARTBEAT:
		m.u.heartbeat.uptime_ms = 123456789;
		m.u.heartbeat.free_mem = 4000;
		m.u.heartbeat.n_apps = 3;
		for (i = 0; i < 3; i++) {
			m.u.heartbeat.apps[i].app_id = 7 + i;
			m.u.heartbeat.apps[i].state = (uint8_t)(i + 2);
		}
		break;
	case PROTO_HEARTBEAT_ACK:
		m.u.heartbeat_ack.re = 77;
		m.u.heartbeat_ack.time_ms = 5;
		break;
	case PROTO_DEPLOY:
		m.u.deploy.app_id = 42;
		m.u.deploy.name = (struct proto_str)S("counter");
		m.u.deploy.version = (struct proto_str)S("1.2.3");
		m.u.deploy.size = 16384;
		m.u.deploy.sha256 = (struct proto_str){ sha, sizeof(sha) };
		m.u.deploy.mem_limit = 65536;
		m.u.deploy.fuel_limit = 1ull << 40;
		m.u.deploy.autostart = 1;
		break;
	case PROTO_CHUNK:
		m.u.chunk.app_id = 42;
		m.u.chunk.offset = 8192;
		m.u.chunk.data = (struct proto_str){ sha, sizeof(sha) };
		break;
	case PROTO_START:
	case PROTO_STOP:
	case PROTO_REMOVE:
		m.u.app.app_id = UINT32_MAX;
		break;
	case PROTO_APP_STATUS:
		m.u.app_status.app_id = 42;
		m.u.app_status.state = PROTO_APP_FAILED;
		m.u.app_status.received = 16384;
		m.u.app_status.error = (struct proto_str)S("trap: unreachable");
		break;
	case PROTO_LOG:
		m.u.log.n_records = PROTO_MAX_LOG;
		for (i = 0; i < PROTO_MAX_LOG; i++) {
			struct proto_log_record *r = &m.u.log.records[i];

			r->seq = 100 + i;
			r->app_id = 42;
			r->time_ms = 1000 * i;
			r->level = (uint8_t)(i % 4);
			r->text = (struct proto_str)S("tick");
		}
		break;
	case PROTO_LOG_ACK:
		m.u.log_ack.seq = 115;
		break;
	case PROTO_PUBLISH:
		m.u.publish.app_id = 42;
		m.u.publish.topic = (struct proto_str)S("temp");
		m.u.publish.payload = (struct proto_str){ der, 2 };
		break;
	case PROTO_ACK:
		m.u.ack.re = 9;
		break;
	case PROTO_ERROR:
		m.u.error.re = 9;
		m.u.error.code = PROTO_CODE_UNKNOWN_TYPE;
		m.u.error.message = (struct proto_str)S("type 99");
		break;
	case PROTO_GOODBYE:
		m.u.goodbye.reason = (struct proto_str)S("shutdown");
		break;
	}
	return m;
}

static int str_eq(struct proto_str a, struct proto_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

/* Encode, decode, re-encode: the two frames must be identical, and
 * decoded strings must point into the frame (zero copy). */
static void round_trip(uint32_t type)
{
	struct proto_msg m = sample(type), d;
	uint8_t a[4096], b[4096];
	size_t alen, blen;
	uint32_t body;

	CHECK(proto_encode(&m, a, sizeof(a), &alen) == PROTO_OK);
	CHECK(proto_frame_len(a, 4096, &body) == PROTO_OK);
	CHECK(body + PROTO_HDR_LEN == alen);
	CHECK(proto_decode(a + 4, body, &d, NULL) == PROTO_OK);
	CHECK(d.version == PROTO_VERSION && d.id == m.id && d.type == type);
	CHECK(proto_encode(&d, b, sizeof(b), &blen) == PROTO_OK);
	CHECK(alen == blen && memcmp(a, b, alen) == 0);
	if (type == PROTO_DEPLOY) {
		CHECK(d.u.deploy.sha256.ptr > a && d.u.deploy.sha256.ptr <
		      a + alen);
		CHECK(str_eq(d.u.deploy.name, m.u.deploy.name));
		CHECK(d.u.deploy.fuel_limit == m.u.deploy.fuel_limit);
	}
	if (type == PROTO_HELLO)
		CHECK(str_eq(d.u.hello.features[1], m.u.hello.features[1]));
	if (type == PROTO_LOG)
		CHECK(d.u.log.records[15].seq == 115);
}

/* Every strict prefix of a body is refused; every buffer too small for
 * the frame is refused, with exact-size heap buffers so that ASan sees
 * any overrun. */
static void truncations(uint32_t type)
{
	struct proto_msg m = sample(type), d;
	uint8_t a[4096];
	size_t alen, cut, n;

	CHECK(proto_encode(&m, a, sizeof(a), &alen) == PROTO_OK);
	for (cut = 0; cut < alen - 4; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, a + 4, cut);
		CHECK(proto_decode(p, cut, &d, NULL) != PROTO_OK);
		free(p);
	}
	for (cut = 0; cut < alen; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		CHECK(proto_encode(&m, p, cut, &n) == PROTO_E_NOSPACE);
		free(p);
	}
}

/* Flipping any bit must never crash; what decodes must re-encode. */
static void mutations(uint32_t type)
{
	struct proto_msg m = sample(type), d;
	uint8_t a[4096], b[4096];
	size_t alen, blen, i;
	int bit;

	CHECK(proto_encode(&m, a, sizeof(a), &alen) == PROTO_OK);
	for (i = 4; i < alen; i++) {
		for (bit = 0; bit < 8; bit++) {
			uint8_t *p = malloc(alen - 4);

			memcpy(p, a + 4, alen - 4);
			p[i - 4] ^= (uint8_t)(1u << bit);
			if (proto_decode(p, alen - 4, &d, NULL) == PROTO_OK)
				CHECK(proto_encode(&d, b, sizeof(b), &blen) ==
				      PROTO_OK);
			free(p);
		}
	}
}

struct vec {
	const char *what;
	const char *hex;
	proto_err want;
};

/* Hand-made bodies: [version, id, type, body]. */
static const struct vec vecs[] = {
	{ "ack", "84010b11a10109", PROTO_OK },
	{ "ack, id 0", "840100" "11a10109", PROTO_OK },
	{ "version 2", "840201" "11a10109", PROTO_E_VERSION },
	{ "type 0", "84010100a0", PROTO_E_TYPE },
	{ "type 99", "8401011863a0", PROTO_E_TYPE },
	{ "envelope of 3", "83010111", PROTO_E_SCHEMA },
	{ "envelope is a map", "a10101", PROTO_E_SCHEMA },
	{ "trailing byte", "84010111a1010900", PROTO_E_MALFORMED },
	{ "indefinite array", "9f010111a10109ff", PROTO_E_MALFORMED },
	{ "indefinite map", "84010111bf0109ff", PROTO_E_MALFORMED },
	{ "tag", "c184010111a10109", PROTO_E_MALFORMED },
	{ "reserved info", "1c", PROTO_E_MALFORMED },
	{ "missing key", "84010111a0", PROTO_E_SCHEMA },
	{ "duplicate key", "84010111a201090109", PROTO_E_SCHEMA },
	{ "negative value", "84010111a10120", PROTO_E_SCHEMA },
	{ "text for uint", "84010111a1016131", PROTO_E_SCHEMA },
	{ "negative key", "84010111a12009", PROTO_E_SCHEMA },
	{ "unknown key skipped", "84010111a2010918638201a1f6f4",
	  PROTO_OK },
	{ "unknown key nested wrong", "84010111a2010918638201a1f6",
	  PROTO_E_TRUNCATED },
	{ "huge array claim", "84010111a201091863"
	  "9bffffffffffffffff", PROTO_E_TRUNCATED },
	{ "huge map claim", "84010111bbffffffffffffffff",
	  PROTO_E_TRUNCATED },
	{ "huge string claim", "84010112a301000200035bffffffffffffffff",
	  PROTO_E_TRUNCATED },
	{ "bad utf-8", "84010112a3010002000362c328", PROTO_E_SCHEMA },
	{ "overlong utf-8", "84010112a3010002000362c081",
	  PROTO_E_SCHEMA },
	{ "surrogate", "84010112a3010002000363eda080", PROTO_E_SCHEMA },
	{ "u32 overflow", "8401010aa1011b0000000100000000",
	  PROTO_E_SCHEMA },
	{ "state out of range", "8401010da3010102050300", PROTO_E_SCHEMA },
	{ "sha of 31 bytes", "84010108a80101026161036131040105581f"
	  "00000000000000000000000000000000000000000000000000000000000000"
	  "0601070108f5", PROTO_E_SCHEMA },
	{ "bool as int", "84010108a80101026161036131040105" "5820"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "06010701" "0801", PROTO_E_SCHEMA },
	{ "17 features", "84010104a6016161026131030104010591"
	  "6161616161616161616161616161616161616161616161616161616161616161"
	  "6161" "0601", PROTO_E_TOO_LARGE },
	{ "empty", "", PROTO_E_TRUNCATED },
};

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*h) {
		if (*h == ' ' || h[1] == 0) {
			h++;
			continue;
		}
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void vectors(void)
{
	size_t i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t raw[512], *p;
		struct proto_msg d;
		size_t n = unhex(vecs[i].hex, raw);
		proto_err rc;

		p = malloc(n ? n : 1);
		memcpy(p, raw, n);
		rc = proto_decode(p, n, &d, NULL);
		if (rc != vecs[i].want) {
			fprintf(stderr, "vector '%s': got %s, want %s\n",
				vecs[i].what, proto_strerror(rc),
				proto_strerror(vecs[i].want));
			failures++;
		}
		free(p);
	}
}

static void unknown_type_keeps_id(void)
{
	static const uint8_t raw[] = { 0x84, 0x01, 0x18, 0x2a, 0x18, 0x63,
				       0xa0 };
	struct proto_msg d;
	struct proto_diag diag;

	CHECK(proto_decode(raw, sizeof(raw), &d, &diag) == PROTO_E_TYPE);
	CHECK(d.id == 42 && d.type == 99);
	CHECK(strcmp(proto_type_name(d.type), "unknown") == 0);
	CHECK(strcmp(proto_type_name(PROTO_HELLO), "hello") == 0);
}

static void framing(void)
{
	uint8_t h[4] = { 0, 0, 0x10, 0x01 };
	uint32_t n;

	CHECK(proto_frame_len(h, 4096, &n) == PROTO_E_TOO_LARGE);
	CHECK(n == 4097);
	CHECK(proto_frame_len(h, 4097, &n) == PROTO_OK);
	h[2] = h[3] = 0;
	CHECK(proto_frame_len(h, 4096, &n) == PROTO_E_MALFORMED);
	h[0] = h[1] = h[2] = h[3] = 0xff;
	CHECK(proto_frame_len(h, UINT32_MAX - 1, &n) == PROTO_E_TOO_LARGE);
}

static void encoder_refuses_bad_messages(void)
{
	struct proto_msg m = sample(PROTO_DEPLOY);
	uint8_t a[512];
	size_t n;

	m.u.deploy.sha256.len = 31;
	CHECK(proto_encode(&m, a, sizeof(a), &n) == PROTO_E_ARG);
	m = sample(PROTO_HEARTBEAT);
	m.u.heartbeat.n_apps = PROTO_MAX_APPS + 1;
	CHECK(proto_encode(&m, a, sizeof(a), &n) == PROTO_E_ARG);
	m.type = 0;
	CHECK(proto_encode(&m, a, sizeof(a), &n) == PROTO_E_ARG);
	m = sample(PROTO_APP_STATUS);
	m.u.app_status.state = 9;
	CHECK(proto_encode(&m, a, sizeof(a), &n) == PROTO_E_ARG);
}

/* Writes one body per message type into dir: the fuzz seed corpus. */
static int write_seeds(const char *dir)
{
	char path[512];
	uint8_t a[4096];
	size_t n;
	uint32_t t;

	for (t = 1; t <= PROTO_TYPE_MAX; t++) {
		struct proto_msg m = sample(t);
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, proto_type_name(t));
		f = fopen(path, "wb");
		if (f == NULL || proto_encode(&m, a, sizeof(a), &n) != PROTO_OK)
			return 1;
		fwrite(a + 4, 1, n - 4, f);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t t;

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);

	for (t = 1; t <= PROTO_TYPE_MAX; t++) {
		round_trip(t);
		truncations(t);
		mutations(t);
	}
	vectors();
	unknown_type_keeps_id();
	framing();
	encoder_refuses_bad_messages();
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("proto: all checks passed\n");
	return 0;
}
