/* fuzz_proto.c - libFuzzer target for the protocol decoder.
 * SPDX-License-Identifier: Apache-2.0
 * Feeds arbitrary bodies to the docs/protocol.md codec (RFC 8949 items).
 *
 * Contract checked: decoding never crashes or reads outside the input,
 * and whatever decodes re-encodes to a frame that decodes to the same
 * bytes again.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out1[65536], out2[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m, m2;
	size_t n1, n2;
	uint32_t body;

	if (size >= PROTO_HDR_LEN)
		(void)proto_frame_len(data, PROTO_MIN_FRAME, &body);
	if (proto_decode(data, size, &m, NULL) != PROTO_OK)
		return 0;
	if (proto_encode(&m, out1, sizeof(out1), &n1) != PROTO_OK)
		abort();
	if (proto_decode(out1 + PROTO_HDR_LEN, n1 - PROTO_HDR_LEN, &m2,
			 NULL) != PROTO_OK)
		abort();
	if (proto_encode(&m2, out2, sizeof(out2), &n2) != PROTO_OK ||
	    n1 != n2 || memcmp(out1, out2, n1) != 0)
		abort();
	return 0;
}
