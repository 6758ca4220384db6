#!/bin/bash
# run.sh - gateway benchmarks: handshakes/s, sessions held, heartbeat RTT.
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/gateway/run.sh
#   env: SESSIONS=10000 SECS=10 CONC=16 BEAT=5s HOLD_SECS=30
#        FAST_BEAT_MS=1000 (a second, saturating heartbeat run; 0 skips)
# Builds a release gateway, starts it on free loopback ports with its own
# data directory, enrolls SESSIONS devices, runs each measure, and stops
# the gateway. With STATE=DIR the gateway's data and the device
# credentials are kept in DIR and reused by the next run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build/bench-gateway}
sessions=${SESSIONS:-10000}
secs=${SECS:-10}
conc=${CONC:-16}
beat=${BEAT:-5s}
hold_secs=${HOLD_SECS:-30}
fast=${FAST_BEAT_MS:-1000}
work=$(mktemp -d /tmp/wbbench-XXXXXX)
state=${STATE:-$work}
creds=$state/creds
mkdir -p "$creds"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DWASMBED_COMPONENTS="vm;proto;gateway" >/dev/null
cmake --build "$build" -j2 --target wasmbed-gateway gwbench >/dev/null
ulimit -n "$(ulimit -Hn)"
echo "descriptors: $(ulimit -n), cores: $(nproc)"

port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
dev=$(port); api=$(port)
"$build/bin/wasmbed-gateway" --data-dir "$state/gw" \
	--device-listen "127.0.0.1:$dev" --api-listen "127.0.0.1:$api" \
	--heartbeat-interval "$beat" --log-level warn 2>"$work/gateway.log" &
gw=$!
trap 'kill $gw 2>/dev/null; wait $gw 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$api/health" >/dev/null && break
	sleep 0.1
done
token=$(cat "$state/gw/admin.token")
curl -sf -X POST -H "Authorization: Bearer $token" \
	"http://127.0.0.1:$api/api/v1/pairing/open" >/dev/null

bench="$build/bin/gwbench"
ca="$state/gw/ca.crt"
"$bench" enroll "$dev" "$ca" "$creds" "$sessions"
"$bench" handshake "$dev" "$ca" "$creds" "$secs" "$conc"
"$bench" session "$dev" "$ca" "$creds" "$secs" "$conc"
"$bench" hold "$dev" "$ca" "$creds" "$sessions" "$gw" "$hold_secs"
if [ "$fast" != 0 ]; then
	echo "-- again, every session beating each $fast ms (saturation)"
	"$bench" hold "$dev" "$ca" "$creds" "$sessions" "$gw" "$secs" \
		"$fast"
fi
echo "-- clean stop with every session up"
"$bench" hold "$dev" "$ca" "$creds" "$sessions" "$gw" 1 0 stop
start=$(date +%s.%N)
wait "$gw" && echo "gateway exit status 0, $(python3 -c \
	"print(round($(date +%s.%N) - $start, 2))") s after the last close"
echo "gateway warnings: $(grep -c WARN "$work/gateway.log" || true)"
