#!/usr/bin/env bash
# Wasmbed end-to-end test of the agent firmware: a real gateway, the real
# device manager and QEMU running build/fw/wasmbed-PROFILE.elf.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: fw_e2e.sh GATEWAY WASMBED_EMU FW_DIR PROFILE [APP.wasm]
# Implements issue 7, "Done when": the board boots under the manager,
# enrolls with pairing open, connects with mutual TLS 1.3 and shows
# connected in the gateway's device list; given APP (a sample that prints
# "count N"), it is deployed, runs, and its log lines reach the gateway,
# and after a restart the board restores it from flash and it runs
# again; after `wasmbed-emu restart` and
# after its QEMU is killed it comes back connected, with the same
# identity (its flash survived); a restarted gateway sees it reconnect.
# Prints the time from start to connected.
set -euo pipefail

gw=$1 emu=$2 fw=$3 profile=$4 app=${5:-}
work=$(mktemp -d /tmp/fw-e2e.XXXXXX)
gw_pid= srv_pid=

fail() {
    echo "FAIL ($profile): $*" >&2
    for f in gw.log serve.log emu/boards/b1/console.log; do
        [[ -f $work/$f ]] && { echo "--- $f" >&2; tail -25 "$work/$f" >&2; }
    done
    exit 1
}

cleanup() {
    [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" || true
    [[ -n $gw_pid ]] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" || true
    rm -rf "$work"
}
trap cleanup EXIT

[[ -f $fw/wasmbed-$profile.elf ]] || fail "no image $fw/wasmbed-$profile.elf"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0))
print(s.getsockname()[1])'
}

api() {
    curl -sf -X "$1" -H "Authorization: Bearer $(cat "$work/gw/admin.token")" \
        "http://127.0.0.1:$api_port$2"
}

# device KEY: a field of the one device in the gateway's list.
device() {
    api GET /api/v1/devices | python3 -c 'import json,sys
d=json.load(sys.stdin)["devices"]
k=sys.argv[1]
print(len(d) if k=="count" else (d[0].get(k) if d else ""))' "$1"
}

# connected_from OLD_PEER: connected, over a session other than OLD_PEER.
connected_from() {
    [[ $(device state) == connected && $(device peer) != "$1" ]]
}

# last_count: the seq of the device's latest "count" log record, or 0.
last_count() {
    api GET "/api/v1/devices/$id/logs?limit=1000" | python3 -c '
import json, sys
r = [x["seq"] for x in json.load(sys.stdin)["records"]
     if x["text"].startswith("count ")]
print(max(r) if r else 0)'
}

# count_after SEQ: a "count" record newer than SEQ has reached the gateway.
count_after() {
    (($(last_count) > $1))
}

# deploy_app: uploads APP and deploys it to the board, autostarted.
deploy_app() {
    curl -sf -H "Authorization: Bearer $(cat "$work/gw/admin.token")" \
        --data-binary @"$app" \
        "http://127.0.0.1:$api_port/api/v1/apps?name=fwapp&version=1.0" \
        >/dev/null || fail "upload of $app refused"
    curl -sf -H "Authorization: Bearer $(cat "$work/gw/admin.token")" \
        -d "{\"app\":\"fwapp\",\"version\":\"1.0\",\"devices\":[\"$id\"]}" \
        "http://127.0.0.1:$api_port/api/v1/deployments" >/dev/null ||
        fail "deployment refused"
}

wait_for() {
    local end=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < end)) || return 1
        sleep 0.2
    done
}

start_gateway() {
    "$gw" --data-dir "$work/gw" --device-listen "127.0.0.1:$dev_port" \
        --api-listen "127.0.0.1:$api_port" --heartbeat-interval 2s \
        >>"$work/gw.log" 2>&1 &
    gw_pid=$!
    wait_for 20 api GET /api/v1/pairing || fail "gateway did not start"
}

# The gateway, with pairing open.
dev_port=$(free_port) api_port=$(free_port)
start_gateway
api POST /api/v1/pairing/open >/dev/null || fail "cannot open pairing"
# The manager and one board, provisioned with the fleet CA.
"$emu" serve --data-dir "$work/emu" --gateway "127.0.0.1:$dev_port" \
    --listen 127.0.0.1:0 --fw-dir "$fw" --ca "$work/gw/ca.crt" \
    >"$work/serve.log" 2>&1 &
srv_pid=$!
wait_for 10 test -s "$work/emu/api.url" || fail "manager did not start"
WASMBED_EMU_URL=$(cat "$work/emu/api.url")
export WASMBED_EMU_URL
"$emu" create --board "$profile" --name b1 >/dev/null || fail "create"

t0=$(date +%s%N)
"$emu" start b1 >/dev/null || fail "start"
wait_for 180 connected_from none || fail "not connected after start"
t1=$(date +%s%N)
echo "$profile: start to connected $(( (t1 - t0) / 1000000 )) ms" \
     "(first boot: key generation and enrollment)"
id=$(device id)

if [[ -n $app ]]; then
    t0=$(date +%s%N)
    deploy_app
    wait_for 120 count_after 0 || fail "no output from the deployed app"
    t1=$(date +%s%N)
    echo "$profile: deployment to first app output $(( (t1 - t0) / 1000000 ))" \
         "ms"
fi

# Restart through the manager: same identity, a new session.
seen=$( [[ -n $app ]] && last_count || echo 0)
boots=$(grep -c "^--- wasmbed-emu: boot" "$work/emu/boards/b1/console.log")
peer=$(device peer)
t0=$(date +%s%N)
"$emu" restart b1 >/dev/null || fail "restart"
wait_for 120 connected_from "$peer" || fail "not connected after restart"
t1=$(date +%s%N)
echo "$profile: restart to connected $(( (t1 - t0) / 1000000 )) ms"
[[ $(device id) == "$id" && $(device count) == 1 ]] ||
    fail "identity lost across restart"
if [[ -n $app ]]; then
    wait_for 60 count_after "$seen" || fail "app not running after restart"
    awk -v n="$boots" '/^--- wasmbed-emu: boot/ { b++ } b > n' \
        "$work/emu/boards/b1/console.log" | grep -q "restoring app" ||
        fail "the app was not restored from flash after restart"
    echo "$profile: app restored from flash and running after restart"
fi

# A killed QEMU is restarted by the manager and reconnects.
peer=$(device peer)
pid=$("$emu" status b1 | awk '$1 == "pid" { print $2 }')
[[ -n $pid && $pid != 0 ]] || fail "no QEMU pid"
kill -9 "$pid"
wait_for 120 connected_from "$peer" || fail "not connected after kill"
[[ $(device id) == "$id" && $(device count) == 1 ]] ||
    fail "identity lost across crash"
echo "$profile: recovered from a killed QEMU"

# The gateway goes away and comes back: the board reconnects by itself.
peer=$(device peer)
kill "$gw_pid" && wait "$gw_pid" || true
gw_pid=
start_gateway
wait_for 120 connected_from "$peer" || fail "not connected after gateway"
echo "$profile: reconnected after a gateway restart"
grep -q "board: fault" "$work/emu/boards/b1/console.log" &&
    fail "the board faulted"
# Stack and heap peaks the firmware reported before each connection.
sed -n 's/.*stack peak \([0-9]*\) bytes, heap peak \([0-9]*\).*/\1 \2/p' \
    "$work/emu/boards/b1/console.log" | sort -n | awk -v p="$profile" '
    { if ($1 > s) s = $1; if ($2 > h) h = $2 }
    END { printf "%s: stack peak %d bytes, heap peak %d bytes\n", p, s, h }'
echo "PASS ($profile)"
