#!/usr/bin/env bash
# wasmbed-device's command line: --help, and a clear message and exit
# status for each mistake (docs/agent.md "wasmbed-device").
# SPDX-License-Identifier: Apache-2.0
# Usage: device_cli.sh DEVICE_BIN
set -uo pipefail
dev=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect STATUS NEEDLE ARGS...: exit status and a line of its output.
expect() {
    local want=$1 needle=$2 out st
    shift 2
    out=$(timeout 10 "$dev" "$@" 2>&1)
    st=$?
    if [[ $st -ne $want || "$out" != *"$needle"* ]]; then
        echo "FAIL: wasmbed-device $*: status $st, output: $out"
        fail=1
    fi
}

expect 0 "usage: wasmbed-device" --help
expect 2 "are required" --gateway 127.0.0.1:1
expect 2 "is not HOST:PORT" --gateway nowhere --data-dir "$tmp/d"
expect 2 "is not HOST:PORT" --gateway h:99999 --data-dir "$tmp/d"
expect 2 "is not HOST:PORT" --gateway h:abc --data-dir "$tmp/d"
expect 2 "is not HOST:PORT" --gateway h:0 --data-dir "$tmp/d"
expect 2 "unexpected argument" --gateway h:1 --data-dir "$tmp/d" extra
expect 2 "--log-level is one of" --gateway h:1 --data-dir "$tmp/d" \
    --log-level loud
expect 2 "a back-off is" --gateway h:1 --data-dir "$tmp/d" \
    --backoff-min 5x
expect 1 "no fleet CA" --gateway h:1 --data-dir "$tmp/d"
expect 1 "cannot open $tmp/none" --gateway h:1 --data-dir "$tmp/d" \
    --ca "$tmp/none"
echo "not a certificate" > "$tmp/bad.crt"
expect 1 "not a PEM or DER certificate" --gateway h:1 \
    --data-dir "$tmp/d" --ca "$tmp/bad.crt"
# A certificate that starts like DER but is not one is refused too.
printf '\x30\x82garbage' > "$tmp/bad.der"
expect 1 "not a PEM or DER certificate" --gateway h:1 \
    --data-dir "$tmp/d" --ca "$tmp/bad.der"

# Damaged stored credentials stop the start with the file and the way
# out, instead of failing every session without end.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -subj /CN=ca -days 2 \
    2>/dev/null
mkdir -m 700 "$tmp/s"
openssl x509 -in "$tmp/ca.crt" -outform DER -out "$tmp/s/ca.der"
head -c 40 "$tmp/ca.key" > "$tmp/s/device.key"
expect 1 "$tmp/s/device.key is unusable: to enroll again" \
    --gateway h:1 --data-dir "$tmp/s"
openssl ec -in "$tmp/ca.key" -outform DER -out "$tmp/s/device.key" \
    2>/dev/null
head -c 300 /dev/urandom > "$tmp/s/device.crt"
expect 1 "$tmp/s/device.crt is unusable" --gateway h:1 --data-dir "$tmp/s"
rm "$tmp/s/device.crt"
head -c 300 /dev/zero > "$tmp/s/ca.der"
expect 1 "$tmp/s/ca.der is unusable: pass --ca" --gateway h:1 \
    --data-dir "$tmp/s"
touch "$tmp/file"
expect 1 "data directory" --gateway h:1 --data-dir "$tmp/file/sub"
exit $fail
