#!/usr/bin/env bash
# Wasmbed: wasmbed-run refuses bad numbers and arguments with a reason.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: run-options.sh WASMBED-RUN BASIC.WASM : each bad command line
# must exit 2 with a message naming what was wrong (text, negative and
# zero numbers were taken silently, argument errors gave only the usage).
set -uo pipefail

run=$1 wasm=$2
fails=0

# expect STATUS PATTERN ARGS...: the exit status and a line of stderr.
expect() {
    local want=$1 pat=$2 err got
    shift 2
    err=$(timeout 10 "$run" "$@" 2>&1 >/dev/null)
    got=$?
    if [[ $got -ne $want ]] || ! grep -qE -- "$pat" <<< "$err"; then
        echo "FAIL: wasmbed-run $*: status $got, stderr: $err" >&2
        fails=$((fails + 1))
    fi
}

expect 2 "--fuel '0' is not a number above 0" \
    "$wasm" --fuel 0 --invoke count 1000
expect 2 "--fuel 'abc' is not a number above 0" \
    "$wasm" --fuel abc --invoke count 1000
expect 2 "--fuel '-1' is not a number above 0" \
    "$wasm" --fuel -1 --invoke count 1000
expect 2 "--arena 'x1' is not a number above 0" "$wasm" --arena x1
expect 2 "--arena '99999999999999999999' is not" \
    "$wasm" --arena 99999999999999999999
expect 2 "count takes 1 arguments, not 2" "$wasm" --invoke count 1 2
expect 2 "argument 1 of count: 'ten' is not a number" \
    "$wasm" --invoke count ten
expect 2 "--code 'lots' is not a number above 0" "$wasm" --code lots
expect 0 "suspended [0-9]+ times" "$wasm" --fuel 7 --invoke count 1000
expect 0 "suspended [0-9]+ times" "$wasm" --fuel 7 --code 0 \
    --invoke count 1000
exit $((fails > 0))
