/* proto_internal.h - field tables shared by the codec and the schema.
 * SPDX-License-Identifier: Apache-2.0
 * Describes the bodies of docs/protocol.md; not part of the public API.
 */
#ifndef WASMBED_PROTO_INTERNAL_H
#define WASMBED_PROTO_INTERNAL_H

#include "proto.h"

/* Kinds of body values, each mapped to one C type in the structs. */
enum pkind {
	PK_U8,   /* uint8_t, bounded by pfield.aux */
	PK_U32,  /* uint32_t */
	PK_U64,  /* uint64_t */
	PK_BOOL, /* uint8_t 0 or 1 */
	PK_TSTR, /* struct proto_str, UTF-8 */
	PK_BSTR, /* struct proto_str */
	PK_SHA,  /* struct proto_str of exactly PROTO_SHA256_LEN bytes */
	PK_LIST  /* array; pfield.aux indexes proto_lists */
};

#define PF_REQ 1u /* must be present */

struct pfield {
	uint8_t key;
	uint8_t kind;
	uint8_t flags;
	uint16_t off; /* within the body struct */
	uint16_t aux;
};

enum { PL_FEATURES, PL_APPS, PL_LOG };

/* An array field: elements are text strings when fields is NULL,
 * otherwise maps laid out by fields. */
struct plist {
	uint16_t count_off; /* uint32_t element count in the body struct */
	uint16_t max;
	uint16_t elem_size;
	const struct pfield *fields;
	uint8_t n_fields;
};

struct pmsg {
	const char *name;
	const struct pfield *fields;
	uint8_t n_fields;
};

extern const struct plist proto_lists[];
extern const struct pmsg proto_msgs[PROTO_TYPE_MAX + 1];

#endif
