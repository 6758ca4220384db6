#!/usr/bin/env bash
# Wasmbed end to end: scripts/run from nothing to a sample app's output
# on every emulated board with firmware and on a wasmbed-device; then
# stop, update to a new version, remove, a clean Ctrl-C with no process
# left, and scripts/run --demo reusing the enrolled devices.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: e2e_run.sh ROOT BIN_DIR FW_DIR APPS_DIR
set -euo pipefail

root=$1
export WASMBED_BIN=$2 WASMBED_FW_DIR=$3 WASMBED_APPS_DIR=$4
cli=$WASMBED_BIN/wasmbed
work=$(mktemp -d /tmp/e2e.XXXXXX)
export WASMBED_DATA_DIR=$work/data HOME=$work/home
unset WASMBED_URL WASMBED_TOKEN WASMBED_EMU_URL WASMBED_CONFIG
run_pid=

fail() {
    echo "FAIL: $*" >&2
    for f in run.out data/run/gateway.log data/run/emu.log; do
        [[ -f $work/$f ]] && { echo "--- $f" >&2; tail -30 "$work/$f" >&2; }
    done
    exit 1
}

cleanup() {
    [[ -n $run_pid ]] && kill "$run_pid" 2>/dev/null &&
        wait "$run_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0))
print(s.getsockname()[1])'
}
export WASMBED_API_PORT=$(free_port) WASMBED_DEVICE_PORT=$(free_port)
export WASMBED_EMU_PORT=$(free_port)
export WASMBED_URL=http://127.0.0.1:$WASMBED_API_PORT
export WASMBED_EMU_URL=http://127.0.0.1:$WASMBED_EMU_PORT

wait_for() {
    local end=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < end)) || return 1
        sleep 0.5
    done
}

# targets_in STATE: every device reports STATE for app counter.
targets_in() {
    local id
    for id in $(awk '{ print $1 }' "$WASMBED_DATA_DIR/run/devices"); do
        "$cli" devices get "$id" -o json | python3 -c 'import json,sys
d=json.load(sys.stdin)
s=[a.get("state") for a in d.get("apps",[]) if a.get("app")=="counter"]
sys.exit(0 if s and s[-1]==sys.argv[1] else 1)' "$1" || return 1
    done
}

# every_device_says TEXT: each device's log stream holds TEXT.
every_device_says() {
    local id
    for id in $(awk '{ print $1 }' "$WASMBED_DATA_DIR/run/devices"); do
        grep -q "$1" "$WASMBED_DATA_DIR/run/out.$id" || return 1
    done
}

no_process_left() {
    ! pgrep -f "$work/data" >/dev/null &&
        ! (exec 3<>"/dev/tcp/127.0.0.1/$WASMBED_API_PORT") 2>/dev/null
}

# 1. From nothing: scripts/run brings everything up.
want=1
for p in $(awk '/^[a-z]/ { print $1 }' "$root/boards/profiles.txt"); do
    [[ -f $WASMBED_FW_DIR/wasmbed-$p.elf ]] && want=$((want + 1))
done
# Job control: scripts/run gets its own process group, as in a terminal,
# and SIGINT is not ignored in it (bash ignores it for plain `&` jobs).
set -m
"$root/scripts/run" >"$work/run.out" 2>&1 &
run_pid=$!
set +m
up() {
    grep -q "Wasmbed is up" "$work/run.out" ||
        { ! kill -0 "$run_pid" 2>/dev/null && return 0; return 1; }
}
wait_for 400 up || fail "scripts/run did not come up"
kill -0 "$run_pid" 2>/dev/null || fail "scripts/run stopped"
n=$(wc -l <"$WASMBED_DATA_DIR/run/devices")
((n == want)) || fail "$n devices connected, expected $want"
ids=$(awk '{ print $1 }' "$WASMBED_DATA_DIR/run/devices" | sort)

deploys=1
grep -q "cannot deploy applications yet" "$work/run.out" && deploys=0
if ((deploys)); then
    # 2. A sample app's output from every device.
    wait_for 120 every_device_says "counter: count" ||
        fail "not every device showed the counter's output"
    echo "output from all $want devices"

    # 3. Stop: installed, not running, everywhere.
    "$cli" stop counter >/dev/null || fail "stop"
    wait_for 60 targets_in installed || fail "counter did not stop"

    # 4. Update to a new version (other bytes: hello's) and start it.
    "$cli" apps upload "$WASMBED_APPS_DIR/hello.wasm" --name counter \
        --version 2.0 >/dev/null || fail "upload 2.0"
    "$cli" start counter >/dev/null || fail "start"
    "$cli" deploy counter:2.0 --all --timeout 3m >/dev/null ||
        fail "update to 2.0"
    wait_for 120 every_device_says "hello from wasmbed" ||
        fail "version 2.0 did not run everywhere"
    echo "updated to 2.0 on all $want devices"

    # 5. Remove: the deployment goes once every device dropped it.
    "$cli" undeploy counter --all >/dev/null || fail "undeploy"
    gone() {
        "$cli" status -o json | python3 -c 'import json,sys
d=json.load(sys.stdin).get("deployments",[])
sys.exit(1 if any(x["app"]=="counter" for x in d) else 0)'
    }
    wait_for 120 gone || fail "counter not removed from every device"
    echo "removed from all $want devices"
else
    echo "the gateway cannot deploy yet: enrolment and shutdown only"
fi

# 6. Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
kill -INT -- -"$run_pid"
rc=0
wait "$run_pid" || rc=$?
run_pid=
((rc == 130)) || fail "scripts/run exited $rc after SIGINT"
wait_for 10 no_process_left || fail "processes left: $(pgrep -af "$work")"
echo "clean shutdown"

# 7. make demo on the same data: the same devices, bounded.
rc=0
"$root/scripts/run" --demo >"$work/run.out" 2>&1 || rc=$?
if ((deploys)); then
    ((rc == 0)) || fail "scripts/run --demo exited $rc"
    grep -q "demo passed" "$work/run.out" || fail "no demo verdict"
else
    ((rc == 1)) && grep -q "cannot deploy applications yet" \
        "$work/run.out" || fail "demo without deployments: rc $rc"
fi
[[ $(awk '{ print $1 }' "$WASMBED_DATA_DIR/run/devices" | sort) == "$ids" ]] ||
    fail "the second run did not reuse the enrolled devices"
wait_for 10 no_process_left || fail "processes left after the demo"
echo "PASS"
