#!/usr/bin/env bash
# tests/controller: wasmbed-controller against a real API server, a real
# gateway and a test device.
# SPDX-License-Identifier: Apache-2.0
# Starts etcd and kube-apiserver on loopback (token authentication,
# RBAC), applies deploy/k8s, and checks: Device status mirroring (and
# no write while nothing changes), the Application finalizer and
# status, the Lease, and the controller surviving an API-server restart
# that also compacts etcd (so its watches get 410 Gone and relist).
#
# run.sh KUBE-DIR K8S-DIR GATEWAY TESTDEV CONTROLLER [DEVICE APPS-DIR]
# With wasmbed-device and the sample apps, the Application runs on a
# real agent; without, on the test device, which takes no application.
# Exit status: 0 passed, 1 failed, 77 skipped (no kube-apiserver).
set -euo pipefail

kube=$1 k8s=$2 gateway=$3 testdev=$4 controller=$5
device=${6:-} apps=${7:-}
if [[ ! -x $kube/bin/kube-apiserver || ! -x $kube/bin/etcd ]]; then
    echo "SKIP: $kube/bin has no kube-apiserver (scripts/setup.d/40-kube)"
    exit 77
fi

# kubectl as built with kube-apiserver, else the machine's.
kubectl=$kube/bin/kubectl
[[ -x $kubectl ]] || kubectl=$(command -v kubectl) || {
    echo "SKIP: no kubectl"; exit 77; }

T=$(mktemp -d /tmp/wasmbed-ctl.XXXXXX)
pids=()
keep=${KEEP:-0}
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ $keep == 0 ]]; then rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    keep=1
    echo "--- logs in $T; controller log tail:"
    tail -n 40 "$T/ctl.log" 2>/dev/null || true
    exit 1
}
ok() { echo "ok: $*"; }

# free_port: a loopback TCP port nobody listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0));
print(s.getsockname()[1])'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
    local secs=$1 what=$2 end
    shift 2
    end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < end)) || fail "timed out after ${secs}s: $what"
        sleep 0.2
    done
}

EP=$(free_port) EPEER=$(free_port) KP=$(free_port)
DP=$(free_port) AP=$(free_port)
ADMIN=$(openssl rand -hex 16) CTLTOK=$(openssl rand -hex 16)
SA=system:serviceaccount:wasmbed:wasmbed-controller
NS=wasmbed

start_etcd() {
    "$kube/bin/etcd" --name t --data-dir "$T/etcd" \
        --listen-client-urls "http://127.0.0.1:$EP" \
        --advertise-client-urls "http://127.0.0.1:$EP" \
        --listen-peer-urls "http://127.0.0.1:$EPEER" \
        --initial-advertise-peer-urls "http://127.0.0.1:$EPEER" \
        --initial-cluster "t=http://127.0.0.1:$EPEER" \
        >"$T/etcd.log" 2>&1 &
    pids+=($!)
}

start_apiserver() {
    "$kube/bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$EP" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
        --secure-port "$KP" --insecure-port 0 --cert-dir "$T/certs" \
        --token-auth-file "$T/tokens.csv" --authorization-mode RBAC \
        --service-account-key-file "$T/sa.key" \
        --service-account-signing-key-file "$T/sa.key" \
        --service-account-issuer https://kubernetes.default.svc \
        --service-cluster-ip-range 10.0.0.0/24 \
        >>"$T/apiserver.log" 2>&1 &
    api_pid=$!
    pids+=($api_pid)
    wait_for 90 "kube-apiserver ready" curl -fsk \
        -H "Authorization: Bearer $ADMIN" "https://127.0.0.1:$KP/readyz"
}

# kubeconfig FILE TOKEN: a token user of the test API server.
kubeconfig() {
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: t
  cluster:
    server: https://127.0.0.1:$KP
    certificate-authority: $T/certs/apiserver.crt
users:
- name: u
  user:
    token: $2
contexts:
- name: t
  context: {cluster: t, user: u, namespace: $NS}
current-context: t
EOF
}

k() { "$kubectl" --kubeconfig "$T/admin.kubeconfig" "$@"; }
jp() { k -n $NS get "$1" -o "jsonpath=$2" 2>/dev/null; }

# ---- the command line ----
"$controller" --help | grep -q "^usage: wasmbed-controller" || fail "--help"
rc=0; "$controller" --frob >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "an unknown option exits $rc, not 2"
rc=0
env -u KUBERNETES_SERVICE_HOST "$controller" >/dev/null 2>"$T/nocfg" ||
    rc=$?
((rc == 1)) && grep -q "not in a cluster" "$T/nocfg" ||
    fail "no configuration: exit $rc, $(cat "$T/nocfg")"
ok "--help, a bad option (2), no cluster and no --kubeconfig (1)"

# ---- API server ----
mkdir -p "$T/certs"
openssl genrsa -out "$T/sa.key" 2048 2>/dev/null
printf '%s,admin,1,"system:masters"\n' "$ADMIN" >"$T/tokens.csv"
printf '%s,%s,2,"system:serviceaccounts,system:serviceaccounts:%s"\n' \
    "$CTLTOK" "$SA" "$NS" >>"$T/tokens.csv"
t0=$SECONDS
start_etcd
start_apiserver
ok "etcd and kube-apiserver ready in $((SECONDS - t0)) s"
kubeconfig "$T/admin.kubeconfig" "$ADMIN"
kubeconfig "$T/ctl.kubeconfig" "$CTLTOK"

k apply -k "$k8s" >"$T/apply.log" 2>&1 || fail "kubectl apply -k: $(cat "$T/apply.log")"
k wait --for condition=established --timeout=30s \
    crd/gateways.wasmbed.io crd/devices.wasmbed.io \
    crd/applications.wasmbed.io >/dev/null || fail "CRDs not established"
ok "kubectl apply -k deploy/k8s; CRDs established"
can_i() { k auth can-i "$@" -n $NS --as $SA 2>/dev/null || true; }
[[ $(can_i update devices.wasmbed.io --subresource=status) == yes ]] ||
    fail "RBAC: controller may not update devices/status"
[[ $(can_i delete devices.wasmbed.io) == no ]] ||
    fail "RBAC: controller may delete devices"
[[ $(can_i get secrets/other) == no ]] ||
    fail "RBAC: controller may read any Secret"
ok "RBAC: status writes allowed, deletes refused"

# ---- gateway and a device ----
"$gateway" --data-dir "$T/gw" --device-listen "127.0.0.1:$DP" \
    --api-listen "127.0.0.1:$AP" --heartbeat-interval 500ms \
    --missed-heartbeats 3 >"$T/gateway.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)
wait_for 20 "gateway health" curl -fs "http://127.0.0.1:$AP/health"
GWTOK=$(cat "$T/gw/admin.token")
curl -fs -X POST -H "Authorization: Bearer $GWTOK" \
    "http://127.0.0.1:$AP/api/v1/pairing/open" >/dev/null
k -n $NS create secret generic wasmbed-gateway-token \
    --from-literal=token="$GWTOK" >/dev/null
k apply -f - >/dev/null <<EOF
apiVersion: wasmbed.io/v1alpha1
kind: Gateway
metadata: {name: gw0, namespace: $NS}
spec:
  endpoints: {api: "http://127.0.0.1:$AP", device: "127.0.0.1:$DP"}
  tokenSecretRef: {name: wasmbed-gateway-token}
EOF

# new_device KNOWN: prints the id of a device the gateway lists other
# than KNOWN; fails if there is none (the test device's stdout is
# block-buffered, so its own "enrolled as" line comes late).
new_device() {
    curl -fs -H "Authorization: Bearer $GWTOK" \
        "http://127.0.0.1:$AP/api/v1/devices" | python3 -c '
import json, sys
ids = [d["id"] for d in json.load(sys.stdin)["devices"]
       if d["id"] != sys.argv[1]]
print(ids[0]) if ids else sys.exit(1)' "$1"
}
mkdir -p "$T/dev1"
"$testdev" "$DP" "$T/gw/ca.crt" "$T/dev1" 400 >"$T/dev1.log" 2>&1 &
dev_pid=$!
pids+=($dev_pid)
wait_for 20 "device enrolled" new_device ""
DEV=$(new_device "")

# ---- controller ----
"$controller" --kubeconfig "$T/ctl.kubeconfig" --sync-period 1s \
    --leader-elect --identity ctl-a --log-level debug \
    >"$T/ctl.log" 2>&1 &
ctl_pid=$!
pids+=($ctl_pid)

phase_is() { [[ $(jp "device/$DEV" '{.status.phase}') == "$1" ]]; }
wait_for 30 "Device $DEV Connected" phase_is Connected
[[ $(jp "device/$DEV" '{.status.gateway}') == gw0 ]] || fail "gateway"
[[ $(jp "device/$DEV" '{.metadata.labels.wasmbed\.io/gateway}') == gw0 ]] ||
    fail "Device label"
[[ -n $(jp "device/$DEV" '{.status.lastSeen}') ]] || fail "lastSeen"
ok "Device $DEV mirrored: Connected on gw0"
gw_ready() { [[ $(jp gateway/gw0 '{.status.ready}/{.status.devicesConnected}') == true/1 ]]; }
wait_for 10 "Gateway gw0 ready, 1 connected" gw_ready
ok "Gateway gw0 status: ready, 1 device connected"
[[ $(jp lease/wasmbed-controller '{.spec.holderIdentity}') == ctl-a ]] ||
    fail "Lease not held by ctl-a"
ok "Lease wasmbed-controller held by ctl-a"
# A second replica: it watches, but acts only once it holds the Lease.
"$controller" --kubeconfig "$T/ctl.kubeconfig" --sync-period 1s \
    --leader-elect --identity ctl-b --log-level debug \
    >"$T/ctl-b.log" 2>&1 &
ctlb_pid=$!
pids+=($ctlb_pid)

rv1=$(jp "device/$DEV" '{.metadata.resourceVersion}')
sleep 4
rv2=$(jp "device/$DEV" '{.metadata.resourceVersion}')
[[ $rv1 == "$rv2" ]] || fail "Device rewritten while unchanged ($rv1 -> $rv2)"
ok "no Device write over 4 s of heartbeats and sync passes"

# ---- Application: finalizer, deployment, status, deletion ----
WASM=AGFzbQEAAAA=
APP_TARGET="devices: [\"\$DEV2\"]"
gwapi() {
    curl -s -o /dev/null -w '%{http_code}' \
        -H "Authorization: Bearer $GWTOK" "http://127.0.0.1:$AP$1"
}
mkdir -p "$T/dev2"
if [[ -n $device && -f $apps/counter.wasm ]]; then
    # The real agent with a sample app that keeps running.
    "$device" --gateway "127.0.0.1:$DP" --data-dir "$T/dev2" \
        --ca "$T/gw/ca.crt" --name dev2 --backoff-max 2s \
        >"$T/dev2.log" 2>&1 &
    WASM=$(base64 -w0 "$apps/counter.wasm")
    real=1
else
    # The test device takes no application: the deployment stays
    # pending on it, and its removal needs nothing from it.
    "$testdev" "$DP" "$T/gw/ca.crt" "$T/dev2" 400 >"$T/dev2.log" 2>&1 &
    real=0
fi
pids+=($!)
wait_for 20 "second device enrolled" new_device "$DEV"
DEV2=$(new_device "$DEV")
dev2_up() { [[ $(jp "device/$DEV2" '{.status.phase}') == Connected ]]; }
wait_for 20 "Device $DEV2 Connected" dev2_up
k -n $NS label device "$DEV2" role=sensor >/dev/null
SHA=$(echo "$WASM" | base64 -d | sha256sum | cut -c1-64)
k apply -f - >/dev/null <<EOF
apiVersion: wasmbed.io/v1alpha1
kind: Application
metadata: {name: counter, namespace: $NS}
spec:
  module: {inline: "$WASM", sha256: "$SHA"}
  target: {selector: {matchLabels: {role: sensor}}}
  limits: {memoryBytes: 65536, fuel: 100000}
EOF
app_seen() {
    [[ $(jp application/counter '{.metadata.finalizers[0]}') == wasmbed.io/deployments &&
       $(jp application/counter '{.status.summary.targeted}') == 1 &&
       $(jp application/counter '{.status.devices[0].name}') == "$DEV2" ]]
}
wait_for 20 "Application finalizer and status" app_seen
ok "Application: finalizer, status for $DEV2 by label selector" \
   "($(jp application/counter '{.status.devices[0].state}'))"
if ((real)); then
    app_running() {
        [[ $(jp application/counter '{.status.summary.running}') == 1 &&
           $(jp "device/$DEV2" '{.status.applications[0].state}') == running ]]
    }
    wait_for 60 "counter running on $DEV2" app_running
    ok "counter running on $DEV2: Application and Device status say so"
fi
k -n $NS delete application counter --wait=false >/dev/null
app_gone() { ! k -n $NS get application counter >/dev/null 2>&1; }
wait_for 60 "Application deleted through the finalizer" app_gone
[[ $(gwapi /api/v1/apps/$NS.counter) == 404 ]] ||
    fail "application still on the gateway"
if ((real)); then
    dev_clean() {
        [[ -z $(jp "device/$DEV2" '{.status.applications[0].state}') ]]
    }
    wait_for 20 "counter gone from Device $DEV2 status" dev_clean
fi
ok "Application deleted: removed from the device and the gateway"

! grep -q "status written\|finalizer" "$T/ctl-b.log" ||
    fail "the replica without the Lease wrote"
ok "second replica ctl-b wrote nothing while ctl-a led"

# ---- API server killed and restarted, etcd compacted meanwhile ----
kill -KILL "$api_pid"
wait "$api_pid" 2>/dev/null || true
rev=$(curl -fs "http://127.0.0.1:$EP/v3/kv/range" -d '{"key":"AA=="}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
curl -fs "http://127.0.0.1:$EP/v3/kv/compaction" \
    -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null
sleep 2
start_apiserver
ok "kube-apiserver restarted (etcd compacted at revision $rev)"
kill -KILL "$dev_pid"
wait "$dev_pid" 2>/dev/null || true
wait_for 40 "Device $DEV Unreachable after the restart" phase_is Unreachable
kill -0 "$ctl_pid" && kill -0 "$ctlb_pid" || fail "a controller died"
ok "controllers survived the restart; Device now Unreachable"
grep -q "410 Gone, relisting" "$T/ctl.log" || fail "no relist after 410"
grep -q "watch lost" "$T/ctl.log" || fail "lost watch not logged"
ok "watches lost, retried with back-off, relisted"

# ---- fail-over, then clean stops (exit 0: LeakSanitizer) ----
# The API server was away longer than the Lease: either may hold it.
holder=$(jp lease/wasmbed-controller '{.spec.holderIdentity}')
case $holder in
    ctl-a) first=$ctl_pid second=$ctlb_pid other=ctl-b ;;
    ctl-b) first=$ctlb_pid second=$ctl_pid other=ctl-a ;;
    *) fail "Lease held by '$holder'" ;;
esac
kill -TERM "$first"
wait "$first" || fail "$holder exit status $?"
ok "$holder stopped cleanly"
taken() { [[ $(jp lease/wasmbed-controller '{.spec.holderIdentity}') == "$other" ]]; }
wait_for 15 "$other takes the Lease over" taken
"$testdev" "$DP" "$T/gw/ca.crt" "$T/dev1" 400 >>"$T/dev1.log" 2>&1 &
pids+=($!)
wait_for 30 "Device $DEV Connected again, under $other" phase_is Connected
ok "$other took the Lease over and mirrors the device"
kill -TERM "$second"
wait "$second" || fail "$other exit status $?"
[[ -z $(jp lease/wasmbed-controller '{.spec.holderIdentity}') ]] ||
    fail "Lease not released"
ok "$other stopped cleanly and released the Lease"
kill -TERM "$gw_pid"
wait "$gw_pid" || fail "gateway exit status $?"
echo "controller integration test passed"
