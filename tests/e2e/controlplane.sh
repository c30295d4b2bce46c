#!/usr/bin/env bash
# Local Kubernetes control plane for the e2e tests, on loopback only:
# etcd, kube-apiserver (Pod Security admission on, as by default),
# kube-controller-manager, kube-scheduler and kwok (fake node, pods become
# Ready, LoadBalancer Services get an ingress IP and the cleanup finalizer).
#
#   tests/e2e/controlplane.sh start [--owner-pid PID]
#       Starts everything in a new temp dir and waits until it is healthy
#       (/readyz, the node Ready, ServiceAccount default/default exists).
#       Prints, as its last lines on stdout:
#         CONTROLPLANE_DIR=/tmp/nginx-service-cp.XXXXXX
#         KUBECONFIG=/tmp/nginx-service-cp.XXXXXX/kubeconfig
#       With --owner-pid, a watchdog stops the control plane once that
#       process has exited (e.g. a test runner that crashed).
#       On any failure it stops what it started, prints the logs' tails
#       to stderr and exits non-zero.
#   tests/e2e/controlplane.sh stop DIR
#       Stops every process started for DIR and removes DIR (kept if
#       NGINX_SERVICE_E2E_KEEP=1, for looking at the logs).
#
# Binaries come from NGINX_SERVICE_E2E_BIN or `toolchain.sh --check`.
# kubectl is taken from PATH.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_NAME=kwok-node-0
LB_FINALIZER=service.kubernetes.io/load-balancer-cleanup
SERVICE_CIDR=10.96.0.0/16
FIRST_SERVICE_IP=10.96.0.1
K8S_STARTUP_TIMEOUT=${NGINX_SERVICE_E2E_STARTUP_TIMEOUT:-120}

log() { echo "controlplane: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Stop order: the reverse of start order.
PROCS=(watchdog kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

stop_dir() {
  local dir=$1 name pid i
  [[ -d $dir/pids ]] || { log "nothing to stop in $dir"; return 0; }
  # One at a time, in reverse start order: the API server shuts down
  # promptly only while etcd is still there.
  for name in "${PROCS[@]}"; do
    [[ -f $dir/pids/$name ]] || continue
    pid=$(<"$dir/pids/$name")
    # Never signal ourselves (the watchdog runs this function too).
    if [[ $pid != "$$" && $pid != "${BASHPID:-}" ]] && kill -TERM "$pid" 2>/dev/null; then
      for i in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name ($pid) did not exit within 15s of TERM, killing"
        kill -KILL "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    fi
    rm -f "$dir/pids/$name"
  done
  if [[ ${NGINX_SERVICE_E2E_KEEP:-} == 1 ]]; then
    log "kept $dir"
  else
    rm -rf "$dir"
  fi
}

resolve_bin() {
  if [[ -n ${NGINX_SERVICE_E2E_BIN:-} ]]; then
    BIN=$NGINX_SERVICE_E2E_BIN
  else
    BIN=$("$HERE/toolchain.sh" --check 2>/dev/null | tail -n 1) ||
      die "toolchain not built: run tests/e2e/toolchain.sh first"
  fi
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    [[ -x $BIN/$b ]] || die "$BIN/$b missing: run tests/e2e/toolchain.sh"
  done
  STAGES_DIR=$BIN/../share/kwok-stages
  [[ -d $STAGES_DIR ]] || die "$STAGES_DIR missing: run tests/e2e/toolchain.sh"
  command -v kubectl >/dev/null || die "kubectl not found on PATH"
}

# N free TCP ports on 127.0.0.1, chosen by the kernel.
free_ports() {
  node -e '
    const net = require("net");
    const n = Number(process.argv[1]);
    const servers = [];
    let done = 0;
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        servers.push(s);
        if (++done === n) {
          console.log(servers.map((x) => x.address().port).join(" "));
          servers.forEach((x) => x.close());
        }
      });
    }' "$1"
}

gen_certs() {
  local d=$DIR/pki
  mkdir -p "$d"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj "/CN=nginx-service-e2e-ca" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
    cert() { # name subject extensions
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    cert apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$FIRST_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    cert admin "/O=system:masters/CN=nginx-service-e2e-admin" "$client"
    cert controller-manager "/CN=system:kube-controller-manager" "$client"
    cert scheduler "/CN=system:kube-scheduler" "$client"
    # kwok patches nodes, pods and services of every namespace.
    cert kwok "/O=system:masters/CN=kwok-controller" "$client"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  )
}

write_kubeconfig() { # file user
  local f=$1 user=$2
  cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$DIR/pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$DIR/pki/$user.crt")
    client-key-data: $(base64 -w0 <"$DIR/pki/$user.key")
contexts:
- name: e2e
  context:
    cluster: e2e
    user: $user
current-context: e2e
EOF
  chmod 600 "$f"
}

# start NAME BINARY ARGS... ; the process's stdio never holds our caller's pipes.
launch() {
  local name=$1; shift
  "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/pids/$name"
}

check_alive() {
  local name pid
  for name in "$@"; do
    pid=$(<"$DIR/pids/$name")
    kill -0 "$pid" 2>/dev/null || die "$name exited early (log: $DIR/logs/$name.log)"
  done
}

wait_for() { # description timeout-seconds command...
  local what=$1 timeout=$2 deadline; shift 2
  deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    check_alive "${STARTED[@]}"
    (( $(date +%s) < deadline )) || die "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
}

dump_logs() {
  local f
  for f in "$DIR"/logs/*.log; do
    [[ -f $f ]] || continue
    echo "----- tail of $f" >&2
    tail -n 20 "$f" >&2
  done
}

start() {
  local owner_pid=""
  while (( $# )); do
    case $1 in
      --owner-pid) owner_pid=$2; shift 2 ;;
      *) die "unknown argument to start: $1" ;;
    esac
  done
  resolve_bin
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/nginx-service-cp.XXXXXX")
  chmod 700 "$DIR"
  mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/etcd"
  STARTED=()
  trap 'rc=$?; if (( rc != 0 )); then dump_logs; stop_dir "$DIR"; fi' EXIT
  trap 'exit 130' INT TERM

  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHED_PORT KWOK_PORT <<<"$(free_ports 6)"
  gen_certs
  write_kubeconfig "$DIR/kubeconfig" admin
  write_kubeconfig "$DIR/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$DIR/scheduler.kubeconfig" scheduler
  write_kubeconfig "$DIR/kwok.kubeconfig" kwok
  export KUBECONFIG=$DIR/kubeconfig

  launch etcd "$BIN/etcd" --name e2e --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  STARTED+=(etcd)
  wait_for "etcd health" 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  launch kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --cert-dir "$DIR/pki" \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" \
    --service-account-key-file "$DIR/pki/sa.pub" \
    --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode RBAC \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --profiling=false
  STARTED+=(kube-apiserver)
  wait_for "kube-apiserver /readyz" "$K8S_STARTUP_TIMEOUT" kubectl get --raw /readyz

  launch kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
    --service-account-private-key-file "$DIR/pki/sa.key" \
    --root-ca-file "$DIR/pki/ca.crt" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --use-service-account-credentials=true \
    --leader-elect=false
  STARTED+=(kube-controller-manager)

  launch kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" \
    --leader-elect=false
  STARTED+=(kube-scheduler)

  # Node and pod stages as shipped with kwok (copied by toolchain.sh), plus
  # our own Stages for Services of type LoadBalancer. The heartbeat stage
  # updates node status only every ~10 minutes and counts on kwok renewing
  # the node's Lease: without --node-lease-duration-seconds the node
  # controller marks the node NotReady after its grace period (about 50 s).
  {
    local f
    for f in "$STAGES_DIR"/*.yaml "$HERE/kwok/service-load-balancer.yaml"; do
      echo "---"
      cat "$f"
      echo
    done
  } >"$DIR/kwok.yaml"
  launch kwok "$BIN/kwok" \
    --kubeconfig "$DIR/kwok.kubeconfig" \
    --config "$DIR/kwok.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40 \
    --server-address "127.0.0.1:$KWOK_PORT" \
    --node-ip 127.0.0.1 \
    --cidr 10.244.0.0/16
  STARTED+=(kwok)

  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
EOF
  wait_for "node $NODE_NAME Ready" "$K8S_STARTUP_TIMEOUT" \
    kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
  wait_for "ServiceAccount default/default" "$K8S_STARTUP_TIMEOUT" \
    kubectl -n default get serviceaccount default
  check_alive "${STARTED[@]}"

  if [[ -n $owner_pid ]]; then
    # Outlives this script; stops the control plane once the owner is gone.
    (
      trap - EXIT
      while kill -0 "$owner_pid" 2>/dev/null && [[ -d $DIR/pids ]]; do sleep 2; done
      [[ -d $DIR/pids ]] && stop_dir "$DIR"
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$DIR/pids/watchdog"
  fi

  trap - EXIT INT TERM
  echo "CONTROLPLANE_DIR=$DIR"
  echo "KUBECONFIG=$DIR/kubeconfig"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop)
    [[ -n ${2:-} ]] || die "usage: $0 stop DIR"
    stop_dir "$2"
    ;;
  *) echo "usage: $0 start [--owner-pid PID] | stop DIR" >&2; exit 2 ;;
esac
