#!/bin/bash
# deploy.sh - time from a deployment request to "installed" on every
# device, for a module of MODULE bytes, at each device count in COUNTS.
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/gateway/deploy.sh   env: COUNTS="1 100 1000" MODULE=16384
# Builds a release gateway and the load generator, then for each count
# starts a gateway with a fresh data directory, enrolls that many
# simulated devices (gwbench enroll), connects them all (deploybench),
# uploads the module and deploys it to every device in one request.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build/bench-gateway}
counts=${COUNTS:-1 100 1000}
module=${MODULE:-16384}
work=$(mktemp -d /tmp/wbdeploy-XXXXXX)
gw=

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DWASMBED_COMPONENTS="vm;proto;gateway" >/dev/null
cmake --build "$build" -j2 --target wasmbed-gateway gwbench \
	deploybench >/dev/null
ulimit -n "$(ulimit -Hn)"
echo "descriptors: $(ulimit -n), cores: $(nproc)"
trap '[ -n "$gw" ] && kill $gw 2>/dev/null; rm -rf "$work"' EXIT

port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for n in $counts; do
	state=$work/$n
	mkdir -p "$state/creds"
	dev=$(port); api=$(port)
	"$build/bin/wasmbed-gateway" --data-dir "$state/gw" \
		--device-listen "127.0.0.1:$dev" \
		--api-listen "127.0.0.1:$api" --log-level warn \
		2>"$state/gateway.log" &
	gw=$!
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$api/health" >/dev/null && break
		sleep 0.1
	done
	token=$(cat "$state/gw/admin.token")
	curl -sf -X POST -H "Authorization: Bearer $token" \
		"http://127.0.0.1:$api/api/v1/pairing/open" >/dev/null
	"$build/bin/gwbench" enroll "$dev" "$state/gw/ca.crt" \
		"$state/creds" "$n"
	echo "-- $n devices"
	"$build/bin/deploybench" "$dev" "$api" "$state/gw/ca.crt" \
		"$state/creds" "$n" "$token" "$module"
	curl -sf -H "Authorization: Bearer $token" \
		"http://127.0.0.1:$api/api/v1/deployments/1" |
		python3 -c 'import json, sys; d = json.load(sys.stdin)
print("gateway: state", d["state"], d["counts"])'
	kill "$gw"
	wait "$gw" || true
	gw=
done
