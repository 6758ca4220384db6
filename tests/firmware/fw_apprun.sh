#!/usr/bin/env bash
# Wasmbed integration test: the sample app runs on the target in the agent
# firmware's slot and arena sizes (build/fw/apprun-PROFILE.elf).
# SPDX-License-Identifier: Apache-2.0
#
# Usage: fw_apprun.sh QEMU MACHINE FW_DIR PROFILE APP.wasm
# Checks docs/boards.md "Budgets": the app's output reaches the console and
# the arena's peak is printed (and shown here for the closing note).
set -euo pipefail

qemu=$1 machine=$2 fw=$3 profile=$4 app=$5
work=$(mktemp -d /tmp/fw-apprun.XXXXXX)
qpid=

cleanup() {
    [[ -n $qpid ]] && kill "$qpid" 2>/dev/null && wait "$qpid" || true
    rm -rf "$work"
}
trap cleanup EXIT

cp "$app" "$work/app.wasm"
cd "$work"
"$qemu" -M "$machine" -kernel "$fw/apprun-$profile.elf" -display none \
    -monitor none -nodefaults -nic none \
    -semihosting-config enable=on,target=native \
    -serial file:console.txt -serial null 2>qemu.log &
qpid=$!
for _ in $(seq 300); do
    grep -q "apprun: done" console.txt 2>/dev/null && break
    sleep 0.1
done
cat console.txt
grep -q "apprun: done" console.txt || { echo "FAIL: no result"; exit 1; }
grep -q "apprun: failed" console.txt && { echo "FAIL: app failed"; exit 1; }
grep -q "hello from wasmbed, line 3" console.txt ||
    { echo "FAIL: app output missing"; exit 1; }
echo "PASS ($profile)"
