#!/usr/bin/env bash
# Wasmbed: runs a command and checks its stdout and exit status.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: expect.sh LINE STATUS COMMAND... : passes when COMMAND exits with
# STATUS and prints LINE as one line of its standard output.
set -uo pipefail

want=$1 status=$2
shift 2
out=$("$@")
got=$?
printf '%s\n' "$out"
if [[ $got -ne $status ]]; then
    echo "expect.sh: exit status $got, wanted $status" >&2
    exit 1
fi
if ! grep -qxF -- "$want" <<< "$out"; then
    echo "expect.sh: no line '$want' in the output" >&2
    exit 1
fi
