#!/bin/sh
# no_heap.sh - fails if the protocol library references an allocator.
# SPDX-License-Identifier: Apache-2.0
# Guards the heap-free contract of src/proto/proto.h.
lib="$1"
bad=$(nm -u "$lib" |
	grep -E ' (malloc|calloc|realloc|free|cbor_load|cbor_new_[a-z_]*)$')
if [ -n "$bad" ]; then
	echo "proto library reaches for the heap:"; echo "$bad"; exit 1
fi
echo "proto library: no allocator symbols"
