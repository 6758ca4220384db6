#!/bin/sh
# fuzz.sh - builds the protocol fuzz target with libFuzzer and runs it.
# SPDX-License-Identifier: Apache-2.0
# Usage: tests/proto/fuzz.sh [SECONDS]  (default 60). New inputs that
# raise coverage land in tests/proto/corpus; commit the useful ones.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../src/proto"
out=${TMPDIR:-/tmp}/wasmbed-fuzz-proto
secs=${1:-60}
mkdir -p "$out"
clang -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined \
	-I"$src" "$here/fuzz_proto.c" "$src/proto.c" "$src/proto_schema.c" \
	$(pkg-config --cflags --libs libcbor) -o "$out/fuzz_proto"
exec "$out/fuzz_proto" -max_total_time="$secs" -max_len=4096 \
	"$here/corpus"
