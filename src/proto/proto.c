/* proto.c - heap-free CBOR codec and framing of the Wasmbed protocol.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/protocol.md sections "Framing" and "Envelope" with
 * RFC 8949 section 3 items; definite lengths only (section 4.2.1).
 */
#include "proto_internal.h"

#include <cbor.h>
#include <string.h>

/* ---- reading: one token per call of libcbor's streaming decoder ---- */

/* libcbor 0.10 (boards) passes string and collection lengths to the
 * callbacks as uint64_t, 0.8 (Debian 12 hosts) as size_t. */
#if CBOR_MAJOR_VERSION == 0 && CBOR_MINOR_VERSION < 10
typedef size_t cb_len;
#else
typedef uint64_t cb_len;
#endif

enum tkind {
	T_NONE, T_UINT, T_NEG, T_BSTR, T_TSTR, T_ARRAY, T_MAP, T_BOOL,
	T_SCALAR, T_BAD
};

struct tok {
	uint8_t kind;
	uint64_t u; /* integer value, bool, or element count */
	const uint8_t *p;
	size_t n;
};

struct rd {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	uint32_t key; /* for diagnostics */
	struct tok t;
};

static void set_tok(void *ctx, uint8_t kind, uint64_t u)
{
	struct rd *r = ctx;

	r->t.kind = kind;
	r->t.u = u;
}

static void cb_u8(void *c, uint8_t v) { set_tok(c, T_UINT, v); }
static void cb_u16(void *c, uint16_t v) { set_tok(c, T_UINT, v); }
static void cb_u32(void *c, uint32_t v) { set_tok(c, T_UINT, v); }
static void cb_u64(void *c, uint64_t v) { set_tok(c, T_UINT, v); }
static void cb_n8(void *c, uint8_t v) { set_tok(c, T_NEG, v); }
static void cb_n16(void *c, uint16_t v) { set_tok(c, T_NEG, v); }
static void cb_n32(void *c, uint32_t v) { set_tok(c, T_NEG, v); }
static void cb_n64(void *c, uint64_t v) { set_tok(c, T_NEG, v); }
static void cb_bad(void *c) { set_tok(c, T_BAD, 0); }
static void cb_bad_u64(void *c, uint64_t v) { set_tok(c, T_BAD, v); }
static void cb_scalar(void *c) { set_tok(c, T_SCALAR, 0); }
static void cb_float(void *c, float v) { (void)v; set_tok(c, T_SCALAR, 0); }
static void cb_double(void *c, double v) { (void)v; set_tok(c, T_SCALAR, 0); }
static void cb_bool(void *c, bool v) { set_tok(c, T_BOOL, v ? 1 : 0); }
static void cb_array(void *c, cb_len n) { set_tok(c, T_ARRAY, n); }
static void cb_map(void *c, cb_len n) { set_tok(c, T_MAP, n); }

/* A length that does not fit size_t cannot be inside the frame. */
static void cb_string(void *c, uint8_t kind, cbor_data p, cb_len n)
{
	struct rd *r = c;

	set_tok(c, (uint64_t)n == (uint64_t)(size_t)n ? kind : T_BAD, n);
	r->t.p = p;
	r->t.n = (size_t)n;
}

static void cb_bstr(void *c, cbor_data p, cb_len n)
{
	cb_string(c, T_BSTR, p, n);
}

static void cb_tstr(void *c, cbor_data p, cb_len n)
{
	cb_string(c, T_TSTR, p, n);
}

/* Indefinite lengths and tags are outside the protocol: T_BAD. */
static const struct cbor_callbacks rd_cbs = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32,
	.negint64 = cb_n64,
	.byte_string_start = cb_bad, .byte_string = cb_bstr,
	.string = cb_tstr, .string_start = cb_bad,
	.indef_array_start = cb_bad, .array_start = cb_array,
	.indef_map_start = cb_bad, .map_start = cb_map,
	.tag = cb_bad_u64,
	.float2 = cb_float, .float4 = cb_float, .float8 = cb_double,
	.undefined = cb_scalar, .null = cb_scalar, .boolean = cb_bool,
	.indef_break = cb_bad,
};

/* Reads the next token. Containers announce counts no larger than the
 * bytes left (every item takes at least one), so a caller may trust
 * t.u as a bound. */
static proto_err rd_next(struct rd *r)
{
	struct cbor_decoder_result res;
	size_t left = r->len - r->pos;

	if (left == 0)
		return PROTO_E_TRUNCATED;
	r->t.kind = T_NONE;
	res = cbor_stream_decode(r->buf + r->pos, left, &rd_cbs, r);
	if (res.status == CBOR_DECODER_NEDATA)
		return PROTO_E_TRUNCATED;
	if (res.status != CBOR_DECODER_FINISHED || r->t.kind == T_NONE ||
	    r->t.kind == T_BAD || res.read > left)
		return PROTO_E_MALFORMED;
	r->pos += res.read;
	if ((r->t.kind == T_ARRAY || r->t.kind == T_MAP) &&
	    r->t.u > r->len - r->pos)
		return PROTO_E_TRUNCATED;
	return PROTO_OK;
}

/* Skips one value of any shape without recursion: counts the items
 * still owed instead of keeping a stack. */
static proto_err rd_skip(struct rd *r)
{
	uint64_t owed = 1;
	proto_err rc;

	while (owed > 0) {
		rc = rd_next(r);
		if (rc != PROTO_OK)
			return rc;
		owed--;
		if (r->t.kind == T_ARRAY)
			owed += r->t.u;
		else if (r->t.kind == T_MAP)
			owed += 2 * r->t.u;
		if (owed > r->len - r->pos)
			return PROTO_E_TRUNCATED;
	}
	return PROTO_OK;
}

static proto_err rd_uint(struct rd *r, uint64_t max, uint64_t *v)
{
	proto_err rc = rd_next(r);

	if (rc != PROTO_OK)
		return rc;
	if (r->t.kind != T_UINT)
		return PROTO_E_SCHEMA;
	if (r->t.u > max)
		return PROTO_E_SCHEMA;
	*v = r->t.u;
	return PROTO_OK;
}

/* RFC 3629 section 4: shortest forms only, no surrogates. */
static int utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t k, need = c < 0x80 ? 0 : c < 0xc2 ? 9 : c < 0xe0 ? 1
				 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 9;
		uint32_t cp = need == 1 ? c & 0x1f : need == 2 ? c & 0x0f
			      : c & 0x07;

		if (need == 9 || need > n - i - 1)
			return need == 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		     cp <= 0xdfff))) || (need == 3 &&
		    (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* ---- decoding bodies from the field tables ---- */

static proto_err dec_map(struct rd *r, const struct pfield *f, uint8_t nf,
			 uint8_t *base);

static proto_err dec_str(struct rd *r, const struct pfield *f,
			 struct proto_str *s)
{
	proto_err rc = rd_next(r);
	uint8_t want = f->kind == PK_TSTR ? T_TSTR : T_BSTR;

	if (rc != PROTO_OK)
		return rc;
	if (r->t.kind != want)
		return PROTO_E_SCHEMA;
	if (f->kind == PK_SHA && r->t.n != PROTO_SHA256_LEN)
		return PROTO_E_SCHEMA;
	if (want == T_TSTR && !utf8_ok(r->t.p, r->t.n))
		return PROTO_E_SCHEMA;
	s->ptr = r->t.p;
	s->len = r->t.n;
	return PROTO_OK;
}

static proto_err dec_list(struct rd *r, const struct plist *l,
			  uint8_t *arr, uint8_t *base)
{
	static const struct pfield tstr = { 0, PK_TSTR, 0, 0, 0 };
	proto_err rc = rd_next(r);
	uint32_t i, n;

	if (rc != PROTO_OK)
		return rc;
	if (r->t.kind != T_ARRAY)
		return PROTO_E_SCHEMA;
	if (r->t.u > l->max)
		return PROTO_E_TOO_LARGE;
	n = (uint32_t)r->t.u;
	memcpy(base + l->count_off, &n, sizeof(n));
	for (i = 0; i < n; i++) {
		uint8_t *el = arr + (size_t)i * l->elem_size;

		if (l->fields == NULL)
			rc = dec_str(r, &tstr, (struct proto_str *)el);
		else
			rc = dec_map(r, l->fields, l->n_fields, el);
		if (rc != PROTO_OK)
			return rc;
	}
	return PROTO_OK;
}

static proto_err dec_field(struct rd *r, const struct pfield *f,
			   uint8_t *base)
{
	static const uint64_t max[] = { [PK_U32] = UINT32_MAX,
					[PK_U64] = UINT64_MAX };
	uint8_t *dst = base + f->off;
	uint64_t v = 0;
	proto_err rc;

	switch (f->kind) {
	case PK_U8:
		rc = rd_uint(r, f->aux ? f->aux : UINT8_MAX, &v);
		*dst = (uint8_t)v;
		return rc;
	case PK_U32:
	case PK_U64:
		rc = rd_uint(r, max[f->kind], &v);
		if (f->kind == PK_U32) {
			uint32_t v32 = (uint32_t)v;
			memcpy(dst, &v32, sizeof(v32));
		} else {
			memcpy(dst, &v, sizeof(v));
		}
		return rc;
	case PK_BOOL:
		rc = rd_next(r);
		if (rc == PROTO_OK && r->t.kind != T_BOOL)
			rc = PROTO_E_SCHEMA;
		*dst = (uint8_t)r->t.u;
		return rc;
	case PK_LIST:
		return dec_list(r, &proto_lists[f->aux], dst, base);
	default:
		return dec_str(r, f, (struct proto_str *)dst);
	}
}

static const struct pfield *find_field(const struct pfield *f, uint8_t nf,
				       uint64_t key, uint8_t *idx)
{
	uint8_t i;

	for (i = 0; i < nf; i++) {
		if (f[i].key == key) {
			*idx = i;
			return &f[i];
		}
	}
	return NULL;
}

/* Decodes a map laid out by f into base. Unknown keys are skipped so
 * that later minor versions can add fields; a repeated key or a
 * missing required one breaks the schema. */
static proto_err dec_map(struct rd *r, const struct pfield *f, uint8_t nf,
			 uint8_t *base)
{
	uint32_t seen = 0, req = 0;
	uint64_t i, n;
	uint8_t idx;
	proto_err rc = rd_next(r);

	if (rc != PROTO_OK)
		return rc;
	if (r->t.kind != T_MAP)
		return PROTO_E_SCHEMA;
	n = r->t.u;
	for (i = 0; i < n; i++) {
		const struct pfield *fd;
		uint64_t key;

		rc = rd_uint(r, UINT32_MAX, &key);
		if (rc != PROTO_OK)
			return rc;
		r->key = (uint32_t)key;
		fd = find_field(f, nf, key, &idx);
		if (fd == NULL) {
			rc = rd_skip(r);
		} else if (seen & (1u << idx)) {
			rc = PROTO_E_SCHEMA;
		} else {
			seen |= 1u << idx;
			rc = dec_field(r, fd, base);
		}
		if (rc != PROTO_OK)
			return rc;
	}
	for (idx = 0; idx < nf; idx++)
		if (f[idx].flags & PF_REQ)
			req |= 1u << idx;
	r->key = 0;
	return (seen & req) == req ? PROTO_OK : PROTO_E_SCHEMA;
}

static proto_err dec_envelope(struct rd *r, struct proto_msg *m)
{
	uint64_t v;
	proto_err rc = rd_next(r);

	if (rc != PROTO_OK)
		return rc;
	if (r->t.kind != T_ARRAY || r->t.u != 4)
		return PROTO_E_SCHEMA;
	rc = rd_uint(r, UINT32_MAX, &v);
	if (rc != PROTO_OK)
		return rc;
	m->version = (uint32_t)v;
	rc = rd_uint(r, UINT64_MAX, &m->id);
	if (rc != PROTO_OK)
		return rc;
	rc = rd_uint(r, UINT32_MAX, &v);
	if (rc != PROTO_OK)
		return rc;
	m->type = (uint32_t)v;
	if (m->version != PROTO_VERSION)
		return PROTO_E_VERSION;
	if (m->type == 0 || m->type > PROTO_TYPE_MAX)
		return PROTO_E_TYPE;
	return PROTO_OK;
}

proto_err proto_decode(const uint8_t *body, size_t len,
		       struct proto_msg *msg, struct proto_diag *diag)
{
	struct rd r = { body, len, 0, 0, { 0, 0, NULL, 0 } };
	const struct pmsg *pm;
	proto_err rc;

	memset(msg, 0, sizeof(*msg));
	if (body == NULL || len == 0) {
		rc = PROTO_E_TRUNCATED;
		goto out;
	}
	rc = dec_envelope(&r, msg);
	if (rc != PROTO_OK)
		goto out;
	pm = &proto_msgs[msg->type];
	rc = dec_map(&r, pm->fields, pm->n_fields, (uint8_t *)&msg->u);
	if (rc == PROTO_OK && r.pos != len)
		rc = PROTO_E_MALFORMED;
out:
	if (diag != NULL) {
		diag->offset = r.pos;
		diag->key = r.key;
	}
	return rc;
}

/* ---- writing: libcbor's encoders into the caller's buffer ---- */

struct wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int full;
};

/* Every cbor_encode_* returns 0 when the item does not fit. */
static void wr_took(struct wr *w, size_t n)
{
	if (n == 0)
		w->full = 1;
	w->len += n;
}

static void wr_uint(struct wr *w, uint64_t v)
{
	if (!w->full)
		wr_took(w, cbor_encode_uint(v, w->buf + w->len,
					    w->cap - w->len));
}

static void wr_str(struct wr *w, int text, const struct proto_str *s)
{
	size_t n;

	if (w->full)
		return;
	n = text ? cbor_encode_string_start(s->len, w->buf + w->len,
					    w->cap - w->len)
		 : cbor_encode_bytestring_start(s->len, w->buf + w->len,
						w->cap - w->len);
	wr_took(w, n);
	if (w->full || s->len > w->cap - w->len) {
		w->full = 1;
		return;
	}
	if (s->len > 0)
		memcpy(w->buf + w->len, s->ptr, s->len);
	w->len += s->len;
}

static void wr_head(struct wr *w, int map, size_t n)
{
	if (!w->full)
		wr_took(w, map ? cbor_encode_map_start(n, w->buf + w->len,
						       w->cap - w->len)
			       : cbor_encode_array_start(n, w->buf + w->len,
							 w->cap - w->len));
}

static proto_err enc_map(struct wr *w, const struct pfield *f, uint8_t nf,
			 const uint8_t *base);

static int omitted(const struct pfield *f, const uint8_t *base)
{
	const struct proto_str *s = (const void *)(base + f->off);

	if (f->flags & PF_REQ)
		return 0;
	return (f->kind == PK_TSTR || f->kind == PK_BSTR) && s->len == 0;
}

static proto_err enc_list(struct wr *w, const struct plist *l,
			  const uint8_t *arr, const uint8_t *base)
{
	uint32_t i, n;
	proto_err rc = PROTO_OK;

	memcpy(&n, base + l->count_off, sizeof(n));
	if (n > l->max)
		return PROTO_E_ARG;
	wr_head(w, 0, n);
	for (i = 0; i < n && rc == PROTO_OK; i++) {
		const uint8_t *el = arr + (size_t)i * l->elem_size;

		if (l->fields == NULL)
			wr_str(w, 1, (const struct proto_str *)el);
		else
			rc = enc_map(w, l->fields, l->n_fields, el);
	}
	return rc;
}

static proto_err enc_field(struct wr *w, const struct pfield *f,
			   const uint8_t *base)
{
	const uint8_t *src = base + f->off;
	const struct proto_str *s = (const void *)src;
	uint32_t v32;
	uint64_t v64;

	switch (f->kind) {
	case PK_U8:
		if (f->aux && *src > f->aux)
			return PROTO_E_ARG;
		wr_uint(w, *src);
		return PROTO_OK;
	case PK_U32:
		memcpy(&v32, src, sizeof(v32));
		wr_uint(w, v32);
		return PROTO_OK;
	case PK_U64:
		memcpy(&v64, src, sizeof(v64));
		wr_uint(w, v64);
		return PROTO_OK;
	case PK_BOOL:
		if (!w->full)
			wr_took(w, cbor_encode_bool(*src != 0, w->buf + w->len,
						    w->cap - w->len));
		return PROTO_OK;
	case PK_LIST:
		return enc_list(w, &proto_lists[f->aux], src, base);
	default:
		if (f->kind == PK_SHA && s->len != PROTO_SHA256_LEN)
			return PROTO_E_ARG;
		if (s->len > 0 && s->ptr == NULL)
			return PROTO_E_ARG;
		wr_str(w, f->kind == PK_TSTR, s);
		return PROTO_OK;
	}
}

static proto_err enc_map(struct wr *w, const struct pfield *f, uint8_t nf,
			 const uint8_t *base)
{
	uint8_t i, n = 0;
	proto_err rc = PROTO_OK;

	for (i = 0; i < nf; i++)
		n += !omitted(&f[i], base);
	wr_head(w, 1, n);
	for (i = 0; i < nf && rc == PROTO_OK; i++) {
		if (omitted(&f[i], base))
			continue;
		wr_uint(w, f[i].key);
		rc = enc_field(w, &f[i], base);
	}
	return rc;
}

proto_err proto_encode(const struct proto_msg *msg, uint8_t *buf,
		       size_t cap, size_t *len)
{
	struct wr w = { buf, cap, PROTO_HDR_LEN, 0 };
	const struct pmsg *pm;
	size_t body;
	proto_err rc;

	*len = 0;
	if (msg->type == 0 || msg->type > PROTO_TYPE_MAX)
		return PROTO_E_ARG;
	if (cap < PROTO_HDR_LEN)
		return PROTO_E_NOSPACE;
	pm = &proto_msgs[msg->type];

	wr_head(&w, 0, 4);
	wr_uint(&w, PROTO_VERSION);
	wr_uint(&w, msg->id);
	wr_uint(&w, msg->type);
	rc = enc_map(&w, pm->fields, pm->n_fields, (const uint8_t *)&msg->u);
	if (rc != PROTO_OK)
		return rc;
	if (w.full)
		return PROTO_E_NOSPACE;

	/* The header goes last, once the body length is known. */
	body = w.len - PROTO_HDR_LEN;
	buf[0] = (uint8_t)(body >> 24);
	buf[1] = (uint8_t)(body >> 16);
	buf[2] = (uint8_t)(body >> 8);
	buf[3] = (uint8_t)body;
	*len = w.len;
	return PROTO_OK;
}

proto_err proto_frame_len(const uint8_t hdr[PROTO_HDR_LEN], uint32_t max,
			  uint32_t *body_len)
{
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		     (uint32_t)hdr[2] << 8 | hdr[3];

	*body_len = n;
	if (n == 0)
		return PROTO_E_MALFORMED;
	return n > max ? PROTO_E_TOO_LARGE : PROTO_OK;
}

const char *proto_strerror(proto_err err)
{
	static const char *const s[] = {
		[PROTO_OK] = "ok",
		[PROTO_E_NOSPACE] = "output buffer too small",
		[PROTO_E_TRUNCATED] = "input ends inside an item",
		[PROTO_E_MALFORMED] = "malformed CBOR",
		[PROTO_E_TOO_LARGE] = "over a size limit",
		[PROTO_E_VERSION] = "unsupported protocol version",
		[PROTO_E_TYPE] = "unknown message type",
		[PROTO_E_SCHEMA] = "message breaks the schema",
		[PROTO_E_ARG] = "invalid message given to encoder",
	};

	if ((unsigned)err >= sizeof(s) / sizeof(s[0]))
		return "unknown error";
	return s[err];
}

const char *proto_type_name(uint32_t type)
{
	if (type == 0 || type > PROTO_TYPE_MAX)
		return "unknown";
	return proto_msgs[type].name;
}
