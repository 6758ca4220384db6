#!/usr/bin/env bash
# Wasmbed integration tests of wasmbed-emu: a real server, real QEMU
# boards with the bring-up images, driven through the client verbs.
# SPDX-License-Identifier: Apache-2.0
#
# Usage: emu_cli.sh CASE WASMBED_EMU FW_DIR [PROFILE]
# Cases: profile, crash, health, sigterm, errors, bridge_net. Each starts its own
# server on a loopback port it picks (port 0, read back from api.url).
set -euo pipefail

case_name=$1 emu=$2 fw=$3 profile=${4:-uno-r4}
work=$(mktemp -d /tmp/emu-test.XXXXXX)
srv_pid=
echo_pid=

fail() {
    echo "FAIL ($case_name): $*" >&2
    [[ -f $work/serve.log ]] && tail -30 "$work/serve.log" >&2
    exit 1
}

cleanup() {
    [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" || true
    [[ -n $echo_pid ]] && kill "$echo_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# serve DIR [options]: starts a server and sets WASMBED_EMU_URL.
serve() {
    local dir=$1
    shift
    rm -f "$dir/api.url"
    "$emu" serve --data-dir "$dir" --gateway 127.0.0.1:9 \
        --listen 127.0.0.1:0 --fw-dir "$fw" "$@" >>"$work/serve.log" 2>&1 &
    srv_pid=$!
    for _ in $(seq 100); do
        [[ -s $dir/api.url ]] && break
        sleep 0.05
    done
    [[ -s $dir/api.url ]] || fail "server did not start"
    WASMBED_EMU_URL=$(cat "$dir/api.url")
    export WASMBED_EMU_URL
}

# field NAME KEY: one value of a board's status.
field() {
    "$emu" status "$1" | awk -v k="$2" '$1 == k { print $2 }'
}

# wait_for SECONDS COMMAND...: retries until the command succeeds.
wait_for() {
    local end=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < end)) || return 1
        sleep 0.1
    done
}

restarted() { (($(field "$1" restarts) >= 1)); }
is_state() { [[ $(field "$1" state) == "$2" ]]; }
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }

# The full life of one board of $profile.
case_profile() {
    local d=$work/data pid
    serve "$d"
    # The bring-up image, not the agent build/fw now also holds.
    "$emu" create --board "$profile" --name b1 \
        --image "$fw/bringup-$profile.elf" >/dev/null || fail "create"
    [[ $(stat -c %s "$d/boards/b1/seed.bin") == 32 ]] || fail "seed size"
    local kb
    kb=$(awk -v p="$profile" '$1 == p { print $5 }' \
        "$(dirname "$0")/../../boards/profiles.txt")
    [[ $(stat -c %s "$d/boards/b1/flash.bin") == $((kb * 1024)) ]] ||
        fail "flash size"
    "$emu" start b1 >/dev/null || fail "start"
    wait_for 15 is_state b1 running || fail "never running"
    wait_for 15 grep -q "wasmbed bring-up: profile=$profile " \
        "$d/boards/b1/console.log" || fail "no banner in console.log"
    grep -q "console: b1: wasmbed bring-up" "$work/serve.log" ||
        fail "console not logged"
    pid=$(field b1 pid)
    alive "$pid" || fail "no qemu pid"
    "$emu" list | grep -q "^b1 .*running" || fail "list"
    "$emu" stop b1 >/dev/null || fail "stop"
    is_state b1 stopped || fail "not stopped"
    dead "$pid" || fail "qemu $pid survived stop"
    "$emu" remove b1 >/dev/null || fail "remove"
    [[ ! -e $d/boards/b1 ]] || fail "board folder left"
    expect_err "no board named 'b1'" "$emu" status b1
}

# Killing QEMU restarts the board with back-off.
case_crash() {
    local d=$work/data pid
    serve "$d" --restart-min 200
    "$emu" create --board "$profile" --name c1 >/dev/null
    "$emu" start c1 >/dev/null
    wait_for 15 is_state c1 running || fail "never running"
    pid=$(field c1 pid)
    kill -9 "$pid"
    wait_for 15 restarted c1 || fail "no restart"
    wait_for 15 is_state c1 running || fail "not running again"
    [[ $(field c1 pid) != "$pid" ]] || fail "same pid"
    "$emu" status c1 | grep -q "last_error *qemu killed by signal 9" ||
        fail "last error not shown"
    grep -q "c1: running -> crashed" "$work/serve.log" ||
        fail "transition not logged"
}

# A silent console counts as hung: the board is killed and restarted.
case_health() {
    local d=$work/data
    serve "$d" --console-timeout 1 --restart-min 100
    "$emu" create --board "$profile" --name h1 >/dev/null
    "$emu" start h1 >/dev/null
    wait_for 15 restarted h1 || fail "no restart"
    "$emu" status h1 | grep -q "console silent for 1000 ms" ||
        fail "reason not shown"
}

# SIGTERM to the server stops every board and leaves no QEMU behind;
# SIGKILL does too (QEMU runs with a parent-death signal).
case_sigterm() {
    local d=$work/data p1 p2
    serve "$d"
    "$emu" create --board stm32f4-discovery --name s1 >/dev/null
    "$emu" create --board nano33ble --name s2 >/dev/null
    "$emu" start s1 >/dev/null
    "$emu" start s2 >/dev/null
    wait_for 15 is_state s1 running || fail "s1 not running"
    wait_for 15 is_state s2 running || fail "s2 not running"
    p1=$(field s1 pid) p2=$(field s2 pid)
    kill -TERM "$srv_pid"
    wait "$srv_pid" || fail "server exit status $?"
    srv_pid=
    dead "$p1" && dead "$p2" || fail "qemu left behind"

    # Boards that were running come back with the next server.
    serve "$d"
    wait_for 15 is_state s1 running || fail "s1 not resumed"

    # Even a server killed outright takes its QEMUs with it.
    p1=$(field s1 pid)
    kill -KILL "$srv_pid"
    wait "$srv_pid" || true
    srv_pid=
    wait_for 5 dead "$p1" || fail "qemu $p1 outlived a killed server"
}

# The bridge over real sockets: a stand-in for QEMU speaks the link
# framing, a loopback echo server stands in for the gateway.
case_bridge_net() {
    local d=$work/data fake
    fake=$(dirname "$(readlink -f "$0")")/fake_qemu.py
    "$fake" echo "$work/gw.port" &
    echo_pid=$!
    wait_for 5 test -s "$work/gw.port" || fail "echo server"
    FAKE_QEMU_MODE=echo serve "$d" --qemu "$fake" \
        --gateway "127.0.0.1:$(cat "$work/gw.port")"
    "$emu" create --board "$profile" --name g1 --image "$fake" >/dev/null
    "$emu" start g1 >/dev/null || fail "start"
    wait_for 15 grep -q "fake: bridge echo" "$d/boards/g1/console.log" ||
        fail "no bridge result"
    grep -q "fake: bridge echo ok" "$d/boards/g1/console.log" ||
        fail "bridge round trip failed"
    "$emu" status g1 | grep -q '"bytes_up":8' || fail "bytes_up"
    grep -q "g1: HELLO fake" "$work/serve.log" || fail "HELLO not logged"
    kill "$srv_pid"
    wait "$srv_pid" || true
    srv_pid=

    # Nothing listens at the gateway address: OPEN gets CLOSE.
    FAKE_QEMU_MODE=refused serve "$d" --qemu "$fake" \
        --gateway 127.0.0.1:9
    wait_for 15 grep -q "fake: bridge refused" \
        "$d/boards/g1/console.log" || fail "no refused result"
    grep -q "fake: bridge refused ok" "$d/boards/g1/console.log" ||
        fail "OPEN to a dead gateway not answered by CLOSE"
}

# expect_err PATTERN COMMAND...: the command fails saying PATTERN.
expect_err() {
    local pat=$1 out
    shift
    if out=$("$@" 2>&1); then
        fail "'$*' succeeded"
    fi
    grep -q -- "$pat" <<<"$out" || fail "'$*' said: $out"
}

# Each documented error, with its message.
case_errors() {
    local d=$work/data port
    expect_err "not found in PATH" env PATH=/nonexistent "$emu" serve \
        --data-dir "$d" --gateway 127.0.0.1:9
    expect_err "qemu: No such file" "$emu" serve --data-dir "$d" \
        --gateway 127.0.0.1:9 --qemu "$work/qemu"
    expect_err "expected HOST:PORT" "$emu" serve --data-dir "$d" \
        --gateway nowhere
    echo "not a certificate" >"$work/bad-ca.pem"
    expect_err "not a readable PEM or DER certificate" "$emu" serve \
        --data-dir "$d" --gateway 127.0.0.1:9 --ca "$work/bad-ca.pem"
    expect_err "cannot reach the device manager" "$emu" list \
        --url http://127.0.0.1:9
    serve "$d"
    port=${WASMBED_EMU_URL##*:}
    expect_err "Address already in use" "$emu" serve --data-dir "$d.2" \
        --gateway 127.0.0.1:9 --listen "127.0.0.1:$port"
    expect_err "unknown profile 'nrf9999'" "$emu" create --board nrf9999 \
        --name e1
    "$emu" create --board "$profile" --name e1 >/dev/null
    expect_err "name 'e1' is already taken" "$emu" create \
        --board "$profile" --name e1
    expect_err "bad name" "$emu" create --board "$profile" --name "a/b"
    expect_err "image '/nonexistent.elf'" "$emu" create \
        --board "$profile" --name e2 --image /nonexistent.elf
    kill "$srv_pid"
    wait "$srv_pid" || true
    srv_pid=

    # A server whose firmware folder is empty: start names the images.
    mkdir "$work/nofw"
    fw=$work/nofw
    serve "$d"
    expect_err "no image for profile $profile" "$emu" start e1
    is_state e1 failed || fail "state not failed"
}

"case_$case_name"
echo "emu_cli $case_name $profile: ok"
