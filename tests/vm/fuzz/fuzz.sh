#!/usr/bin/env bash
# Wasmbed: builds the vm fuzz targets with libFuzzer, ASan and UBSan and
# runs each for a while.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: tests/vm/fuzz/fuzz.sh [SECONDS] [load|exec|diff]... (default 120 s,
# all three). Seeds: the .wasm files of the converted spec tests (build/spec)
# and the unit-test modules; the corpus grows outside the tree, in
# ${TMPDIR:-/tmp}/wasmbed-fuzz-vm. Exits non-zero if a target crashed,
# leaked or hung (libFuzzer writes the input it found there too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
vm="$top/src/vm"
out=${TMPDIR:-/tmp}/wasmbed-fuzz-vm
secs=${1:-120}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(load exec diff)
engine=(vm_arena.c vm_error.c vm_leb.c vm_decode.c vm_validate.c
        vm_instance.c vm_exec.c vm_wasi.c vm_xlate.c vm_xexec.c)
mkdir -p "$out/seeds"
if [[ -d "$top/build/spec" ]]; then
    find -L "$top/build/spec" -name '*.wasm' -size -64k \
        -exec cp -t "$out/seeds" {} + 2>/dev/null || true
fi
for t in "${targets[@]}"; do
    clang -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -I"$vm" \
        -DVM_DISPATCH_LOOP='"vm_loop_goto.h"' \
        "$here/fuzz_$t.c" "${engine[@]/#/$vm/}" -lm -o "$out/fuzz_$t"
    mkdir -p "$out/corpus_$t"
    echo "fuzz_$t: $secs s"
    (cd "$out" && "./fuzz_$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        "corpus_$t" seeds)
done
