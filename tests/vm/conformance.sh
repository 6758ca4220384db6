#!/usr/bin/env bash
# Wasmbed: runs every converted spec test file through wasmbed-spectest.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: conformance.sh SPECTEST SPECDIR SKIPLIST [SPECTEST OPTIONS]
# SPECDIR is build/spec (scripts/setup.d/30-spec-tests): one folder per
# .wast file, and wast2json.log naming those wast2json could not read.
# Those are passed too, so that each must have its line in SKIPLIST.
set -euo pipefail

spectest=$1 dir=$2 skip=$3
shift 3     # the rest: options of wasmbed-spectest (--translate)
files=()
for d in "$dir"/*/; do
    name=$(basename "$d")
    files+=("$dir/$name/$name.json")
done
if [[ -f "$dir/wast2json.log" ]]; then
    while IFS=: read -r name _; do
        files+=("$dir/$name/$name.json")
    done < "$dir/wast2json.log"
fi
exec "$spectest" --skip "$skip" "$@" "${files[@]}"
