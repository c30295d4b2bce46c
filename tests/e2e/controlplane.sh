#!/usr/bin/env bash
# A local Kubernetes v1.34 cluster for the e2e tests, in one of two forms:
#
#   kwok (default): on loopback only: etcd, kube-apiserver (Pod Security
#     admission on, as by default), kube-controller-manager, kube-scheduler
#     and kwok (a fake node; pods become Ready without running, LoadBalancer
#     Services get an ingress IP and the cleanup finalizer from a Stage).
#   cluster (--suite cluster): a single-node cluster whose pods really run, all of
#     it inside a network namespace of its own: the control plane above,
#     containerd + runc (Debian's), the CNI bridge/host-local/portmap plugins,
#     kubelet, kube-proxy (iptables mode), kube-router's network policy
#     firewall (iptables and ipsets, nothing else of kube-router), CoreDNS
#     serving cluster.local, and our cloud controller, whose load balancers are TCP forwarders holding
#     an address from a pool. Every cluster address is in 198.18.0.0/15 and
#     exists only in that namespace; the root namespace gains no address,
#     route or firewall rule. Images are built locally (toolchain.sh images)
#     and imported into containerd; nothing is pulled.
#   cluster with --nodes N (N from 2 to 8): the same cluster with N worker nodes. The control plane,
#     CoreDNS and the cloud controller stay in the cluster's namespace, on a bridge `nodes0`; each node
#     (containerd with its own root, state, socket and cgroup root, kubelet, kube-proxy, kube-router's
#     firewall) runs in a network namespace of its own, joined to the bridge, and the cluster's
#     namespace routes each node's pod range to it, so pods of different nodes reach each other and
#     every Service works from every node. Nodes are labelled with their zone
#     (topology.kubernetes.io/zone: the first half zone-a, the rest zone-b). A further namespace,
#     outside the cluster, holds a client whose address is none of the cluster's.
#
#   tests/e2e/controlplane.sh start [--suite kwok|cluster [--nodes N]] [--owner-pid PID]
#       Starts everything in a new temp dir and waits until it is healthy
#       (/readyz, the node Ready, ServiceAccount default/default exists; for
#       cluster also CoreDNS answering, kube-proxy's rules and kube-router's
#       policy chains in place).
#       Prints, as its last lines on stdout:
#         CONTROLPLANE_DIR=/tmp/nginx-service-cp.XXXXXX
#         KUBECONFIG=/tmp/nginx-service-cp.XXXXXX/kubeconfig
#       and for cluster also (before those) the lines of DIR/cluster.env:
#       NETNS=, NODE_IP=, POD_CIDR=, SERVICE_CIDR=, DNS_IP=, LB_POOL=, and the
#       image references. Reach the cluster from inside NETNS
#       (`ip netns exec NETNS ...` or `nsenter --net=/run/netns/NETNS ...`).
#       With --nodes N also NODES=N, NODE_NAMES=, NODE_IPS=, NODE_NETNS=, NODE_ZONES= (comma-separated,
#       node 1 first), OUTSIDE_NETNS= and OUTSIDE_IP= (the client outside the cluster); NODE_IP is
#       node 1's, POD_CIDR covers every node's pod range.
#       With --owner-pid, a watchdog stops the cluster once that process
#       has exited (e.g. a test runner that crashed).
#       On any failure it stops what it started, prints the logs' tails
#       to stderr and exits non-zero.
#   tests/e2e/controlplane.sh stop-process DIR NAME | start-process DIR NAME
#       For fault drills: stop one process (e.g. cloud-controller,
#       kube-apiserver), or start it again with its first command line.
#   tests/e2e/controlplane.sh stop-node DIR NODE
#       For the node-loss drill of a multi-node cluster: node NODE (1..N) goes as a machine that dies
#       would: its processes and containers are killed, its namespace removed.
#   tests/e2e/controlplane.sh memory DIR
#       The resident memory (MiB) of each node's processes, shims and pods, and of the control plane.
#   tests/e2e/controlplane.sh stop DIR
#       Stops every process started for DIR (and for cluster: every container,
#       mount, cgroup and the network namespace) and removes DIR (kept if
#       NGINX_SERVICE_E2E_KEEP=1, for looking at the logs).
#
# Binaries come from NGINX_SERVICE_E2E_BIN or `toolchain.sh --check SUITE`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_NAME=kwok-node-0
LB_FINALIZER=service.kubernetes.io/load-balancer-cleanup
SERVICE_CIDR=10.96.0.0/16
FIRST_SERVICE_IP=10.96.0.1
CLUSTER_DOMAIN=cluster.local

# The real cluster's addresses: 198.18.0.0/15 is reserved for benchmarking (RFC 2544), so nothing
# on any network answers there, and every one of them exists only inside the cluster's namespace.
REAL_NODE_NAME=nginx-service-node
REAL_NODE_IP=198.18.0.2
REAL_POD_CIDR=198.18.64.0/24
REAL_POD_GATEWAY=198.18.64.1
REAL_SERVICE_CIDR=198.19.0.0/16
REAL_FIRST_SERVICE_IP=198.19.0.1
REAL_DNS_IP=198.19.0.10
REAL_LB_POOL=198.18.200.0/24
# The multi-node form: the control plane keeps REAL_NODE_IP (on the bridge that joins the nodes); node I
# is 198.18.0.(10+I) with its pods in 198.18.(63+I).0/24, all of them inside MULTI_POD_CIDR; the client
# outside the cluster is OUTSIDE_IP, behind OUTSIDE_GATEWAY in the cluster's namespace.
MULTI_POD_CIDR=198.18.64.0/18
MAX_NODES=8
multi_node_ip() { echo "198.18.0.$((10 + $1))"; }
multi_pod_cidr() { echo "198.18.$((63 + $1)).0/24"; }
multi_pod_gateway() { echo "198.18.$((63 + $1)).1"; }
multi_node_name() { echo "nginx-service-node-$1"; }
multi_node_zone() { if (( $1 <= ($2 + 1) / 2 )); then echo zone-a; else echo zone-b; fi; } # node count
# (outside every pod range: kube-proxy takes a source inside MULTI_POD_CIDR for a pod of the cluster).
OUTSIDE_IP=198.18.32.2
OUTSIDE_GATEWAY=198.18.32.1
APISERVER_SECURE_PORT=6443
K8S_STARTUP_TIMEOUT=${NGINX_SERVICE_E2E_STARTUP_TIMEOUT:-120}

log() { echo "controlplane: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Stop order: the reverse of start order (a mode starts only some of them).
PROCS=(watchdog cloud-controller coredns kube-router kube-proxy kubelet containerd kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

# A node of the multi-node form, its processes named n<I>-<process> and its files in nodes/n<I>.
NODE_PROCS=(kube-router kube-proxy kubelet)

stop_dir() {
  local dir=$1 name node
  [[ -d $dir/pids ]] || { log "nothing to stop in $dir"; return 0; }
  # One at a time, in reverse start order: the API server shuts down
  # promptly only while etcd is still there. The nodes of a multi-node cluster go after the cluster's
  # add-ons, before the control plane.
  for name in watchdog cloud-controller coredns; do
    if [[ -f $dir/pids/$name ]]; then stop_process "$dir" "$name"; fi
  done
  for node in "$dir"/nodes/n*; do
    if [[ -d $node ]]; then stop_node "$dir" "${node##*/}"; fi
  done
  for name in "${PROCS[@]}"; do
    # Containers outlive the kubelet and containerd (their shims are separate processes): kill them
    # while containerd can still clean up after them.
    if [[ $name == containerd && -f $dir/netns ]]; then stop_containers "$dir"; fi
    if [[ -f $dir/pids/$name ]]; then stop_process "$dir" "$name"; fi
  done
  if [[ -f $dir/netns ]]; then remove_node_leftovers "$dir"; fi
  if [[ -f $dir/outside-netns ]]; then
    ip netns delete "$(<"$dir/outside-netns")" 2>/dev/null || true
    rm -f "$dir/outside-netns"
  fi
  if [[ ${NGINX_SERVICE_E2E_KEEP:-} == 1 ]]; then
    log "kept $dir"
  else
    rm -rf "$dir"
  fi
}

stop_node() { # dir n<I>: its processes, then its containers, containerd, mounts, cgroups and namespace
  local dir=$1 node=$2 name
  for name in "${NODE_PROCS[@]}"; do
    if [[ -f $dir/pids/$node-$name ]]; then stop_process "$dir" "$node-$name"; fi
  done
  if [[ -f $dir/nodes/$node/netns ]]; then stop_containers "$dir/nodes/$node"; fi
  if [[ -f $dir/pids/$node-containerd ]]; then stop_process "$dir" "$node-containerd"; fi
  if [[ -f $dir/nodes/$node/netns ]]; then remove_node_leftovers "$dir/nodes/$node"; fi
}

resolve_bin() { # suite
  if [[ -n ${NGINX_SERVICE_E2E_BIN:-} ]]; then
    BIN=$NGINX_SERVICE_E2E_BIN
  else
    BIN=$("$HERE/toolchain.sh" --check "$1" 2>/dev/null | tail -n 1) ||
      die "toolchain not built for the $1 suite: run tests/e2e/toolchain.sh --suite $1"
  fi
  local b bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)
  if [[ $1 == kwok ]]; then
    bins+=(kwok)
  else
    bins+=(kubelet kube-proxy kube-router coredns nginx-service-cloud-controller)
  fi
  for b in "${bins[@]}"; do
    [[ -x $BIN/$b ]] || die "$BIN/$b missing: run tests/e2e/toolchain.sh --suite $1"
  done
  STAGES_DIR=$BIN/../share/kwok-stages
  IMAGES_DIR=$BIN/../share/images
  if [[ $1 == kwok ]]; then
    [[ -d $STAGES_DIR ]] || die "$STAGES_DIR missing: run tests/e2e/toolchain.sh"
  else
    [[ -f $IMAGES_DIR/images.env ]] || die "$IMAGES_DIR/images.env missing: run tests/e2e/toolchain.sh --suite cluster"
    local t
    for t in containerd ctr runc iptables ipset ip nsenter; do
      command -v "$t" >/dev/null || die "$t not found: run scripts/install.sh"
    done
    [[ -x /usr/lib/cni/bridge ]] || die "/usr/lib/cni/bridge missing: run scripts/install.sh"
  fi
}

# kubectl of the cluster's own version, from inside the cluster's namespace when it has one.
kc() { "${IN_NS[@]}" "$BIN/kubectl" "$@"; }

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
subjectAltName=IP:127.0.0.1,IP:$FIRST_SERVICE_IP,IP:$API_HOST,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
    cert admin "/O=system:masters/CN=nginx-service-e2e-admin" "$client"
    cert controller-manager "/CN=system:kube-controller-manager" "$client"
    cert scheduler "/CN=system:kube-scheduler" "$client"
    if [[ $SUITE == kwok ]]; then
      # kwok patches nodes, pods and services of every namespace.
      cert kwok "/O=system:masters/CN=kwok-controller" "$client"
    else
      # The Node authorizer and RBAC's default bindings know these identities.
      if (( NODES == 1 )); then
        cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
      else
        local i
        for i in $(seq 1 "$NODES"); do
          cert "kubelet-n$i" "/O=system:nodes/CN=system:node:$(multi_node_name "$i")" "$client"
        done
      fi
      cert kube-proxy "/CN=system:kube-proxy" "$client"
      # The API server's identity towards the kubelet (exec, logs, port-forward).
      cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
      # Cluster add-ons of the test harness: they read every namespace (CoreDNS) or write Service
      # status (the cloud controller). A real cluster gives each a narrow ClusterRole.
      cert coredns "/O=system:masters/CN=coredns" "$client"
      cert cloud-controller "/O=system:masters/CN=cloud-controller-manager" "$client"
      # kube-router's firewall watches pods, namespaces and NetworkPolicies of every namespace.
      cert kube-router "/O=system:masters/CN=kube-router" "$client"
    fi
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
    server: https://$API_HOST:$APISERVER_PORT
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

# launch NAME BINARY ARGS... (inside the cluster's namespace when it has one); the process's stdio
# never holds our caller's pipes. nsenter execs the command, so the pid is the process's own.
# Inside a node's namespace while for_node sets that node up.
launch() {
  local name=$1; shift
  local prefix=("${IN_NS[@]}")
  if [[ -n ${NNS:-} ]]; then prefix=(nsenter "--net=/run/netns/$NNS"); fi
  mkdir -p "$DIR/cmds"
  printf '%s\0' "${prefix[@]}" "$@" >"$DIR/cmds/$name"
  "${prefix[@]}" "$@" </dev/null >>"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/pids/$name"
  STARTED+=("$name")
}

# For the fault drills: stop one process of a running cluster (as `stop` does), or start it again with
# the command line it was first started with.
stop_process() { # dir name
  local dir=$1 name=$2 pid i
  [[ -f $dir/pids/$name ]] || die "$name is not running in $dir"
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
}

start_process() { # dir name
  local dir=$1 name=$2
  [[ -f $dir/cmds/$name ]] || die "no command recorded for $name in $dir"
  [[ ! -f $dir/pids/$name ]] || die "$name is already running in $dir"
  local cmd=()
  mapfile -d '' cmd <"$dir/cmds/$name"
  "${cmd[@]}" </dev/null >>"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name"
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

# ---- the real node -------------------------------------------------------------------------------

# Directories of the machine that the node's parts create whatever their config says (the shims'
# sockets, the kubelet's log links): noted when absent, removed again by stop when empty.
MACHINE_DIRS=(/run/containerd/s /run/containerd /var/log/containers /var/log/pods)

# The network namespace the whole real cluster lives in: one interface holds the node's address
# (and routes the service range, so that locally sent packets reach kube-proxy's DNAT), another one
# holds the load balancers' addresses. Each is one end of a veth pair whose other end stays in the
# namespace too (this kernel has no dummy interfaces): both ends up means a carrier, so routes work.
create_netns() {
  local d
  for d in "${MACHINE_DIRS[@]}"; do
    [[ -e $d ]] || echo "$d" >>"$DIR/machine-dirs"
  done
  ip netns add "$NETNS"
  echo "$NETNS" >"$DIR/netns"
  "${IN_NS[@]}" ip link set lo up
  if (( NODES > 1 )); then
    create_multi_netns
    return
  fi
  local dev
  for dev in node0 lb0; do
    "${IN_NS[@]}" ip link add "$dev" type veth peer name "$dev-peer"
    "${IN_NS[@]}" ip link set "$dev-peer" up
    "${IN_NS[@]}" ip link set "$dev" up
  done
  "${IN_NS[@]}" ip addr add "$REAL_NODE_IP/24" dev node0
  "${IN_NS[@]}" ip route add "$REAL_SERVICE_CIDR" dev node0
  # Per-namespace settings: forwarding between pods, and bridged pod-to-pod traffic through
  # kube-proxy's rules (a pod reaching its own Service).
  "${IN_NS[@]}" sysctl -qw net.ipv4.ip_forward=1
  "${IN_NS[@]}" sysctl -qw net.bridge.bridge-nf-call-iptables=1
}

# The multi-node form's network: in the cluster's namespace the bridge nodes0 (the control plane's
# address, each node's gateway), a route to each node's pod range via that node, lb0 as in the single
# node, and outside0 towards the namespace of the client outside the cluster. Every packet between two
# nodes' pods, or between a node and anything not on the bridge, is routed by the cluster's namespace
# (no ICMP redirects), so the load balancers' translation there sees both directions of a connection.
create_multi_netns() {
  local i ns nip
  "${IN_NS[@]}" ip link add lb0 type veth peer name lb0-peer
  "${IN_NS[@]}" ip link set lb0-peer up
  "${IN_NS[@]}" ip link set lb0 up
  "${IN_NS[@]}" ip link add nodes0 type bridge
  "${IN_NS[@]}" ip addr add "$REAL_NODE_IP/24" dev nodes0
  "${IN_NS[@]}" ip link set nodes0 up
  "${IN_NS[@]}" sysctl -qw net.ipv4.ip_forward=1
  "${IN_NS[@]}" sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.nodes0.send_redirects=0

  ns=$NETNS-x
  ip netns add "$ns"
  echo "$ns" >"$DIR/outside-netns"
  "${IN_NS[@]}" ip link add outside0 type veth peer name eth0 netns "$ns"
  "${IN_NS[@]}" ip addr add "$OUTSIDE_GATEWAY/24" dev outside0
  "${IN_NS[@]}" ip link set outside0 up
  nsenter "--net=/run/netns/$ns" ip link set lo up
  nsenter "--net=/run/netns/$ns" ip addr add "$OUTSIDE_IP/24" dev eth0
  nsenter "--net=/run/netns/$ns" ip link set eth0 up
  nsenter "--net=/run/netns/$ns" ip route add default via "$OUTSIDE_GATEWAY"

  for i in $(seq 1 "$NODES"); do
    ns=$NETNS-n$i
    nip=$(multi_node_ip "$i")
    mkdir -p "$DIR/nodes/n$i"
    ip netns add "$ns"
    echo "$ns" >"$DIR/nodes/n$i/netns"
    "${IN_NS[@]}" ip link add "n$i" type veth peer name eth0 netns "$ns"
    "${IN_NS[@]}" ip link set "n$i" master nodes0
    "${IN_NS[@]}" ip link set "n$i" up
    "${IN_NS[@]}" ip route add "$(multi_pod_cidr "$i")" via "$nip"
    local in_node=(nsenter "--net=/run/netns/$ns")
    "${in_node[@]}" ip link set lo up
    "${in_node[@]}" ip addr add "$nip/24" dev eth0
    "${in_node[@]}" ip link set eth0 up
    "${in_node[@]}" ip route add default via "$REAL_NODE_IP"
    "${in_node[@]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.default.accept_redirects=0
    "${in_node[@]}" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  done
}

# Writes the config of one node into ND: containerd, CNI, kubelet, kube-proxy. The node is described by
# ND (its dir), NNS (its network namespace), NIP, NNAME, NPOD_CIDR, NPOD_GATEWAY and NCLUSTER_CIDR (every
# pod range of the cluster, for kube-proxy).
write_node_config() {
  mkdir -p "$ND/containerd" "$ND/cni/net.d" "$ND/cni/ipam" "$ND/kubelet" "$ND/pod-logs"
  cat >"$ND/containerd/config.toml" <<EOF
version = 2
root = "$ND/containerd/root"
state = "$ND/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$ND/containerd/containerd.sock"
[ttrpc]
  address = "$ND/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$ND/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Pod network namespaces under our state dir, not /run/netns of the machine.
  netns_mounts_under_state_dir = true
  # This machine's root lacks CAP_SYS_RESOURCE, so no process may lower its OOM score; containerd
  # would set -998 on every sandbox and runc would fail. Clamp to containerd's own score instead.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # No systemd here: the kubelet and runc both use cgroupfs.
        SystemdCgroup = false
        # runc's state with ours, not under the machine's /run/containerd.
        Root = "$ND/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$ND/cni/net.d"
EOF
  cat >"$ND/cni/net.d/10-nginx-service.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "nginx-service-e2e",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NPOD_CIDR", "gateway": "$NPOD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$ND/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  # Pods resolve through the cluster's DNS only; no search domain or server of the machine leaks in.
  : >"$ND/kubelet/resolv.conf"
  cat >"$ND/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$ND/containerd/containerd.sock
cgroupDriver: cgroupfs
# The pods' cgroups under one of this cluster's own (kubepods inside it), so that two clusters on one
# machine, or a cluster's stop, never touch another's containers.
cgroupRoot: /$NNS
# This machine mounts only cgroup v1 hierarchies; v1.31+ kubelets refuse them unless told.
failCgroupV1: false
address: $NIP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $DIR/pki/ca.crt }
authorization: { mode: Webhook }
clusterDNS: [$REAL_DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $ND/kubelet/resolv.conf
podLogsDir: $ND/pod-logs
failSwapOn: false
# The images exist only in this containerd (nothing can pull them again): never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
serializeImagePulls: false
registerNode: true
EOF
  cat >"$ND/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $DIR/kube-proxy.kubeconfig }
mode: $NPROXY_MODE
clusterCIDR: $NCLUSTER_CIDR
hostnameOverride: $NNAME
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# Node ports answer on the node's address only.
nodePortAddresses: [$NIP/32]
# Leave the kernel's connection tracking limits alone.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
}

write_corefile() {
  # CoreDNS serves the cluster's zone and the reverse zones only, with no upstream resolver: any other
  # name is REFUSED.
  cat >"$DIR/Corefile" <<EOF
$CLUSTER_DOMAIN:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $REAL_NODE_IP
    errors
    health 127.0.0.1:8080
    ready 127.0.0.1:8181
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $DIR/coredns.kubeconfig e2e
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
}
EOF
}

import_images() {
  local archive
  for archive in "$IMAGES_DIR"/*.tar; do
    nsenter "--net=/run/netns/$NNS" ctr --address "$ND/containerd/containerd.sock" -n k8s.io images import \
      "$archive" >>"$DIR/logs/${NPREFIX}images.log" 2>&1 || die "importing $archive failed (log: $DIR/logs/${NPREFIX}images.log)"
  done
}

# The DNS Service of the cluster, backed by CoreDNS on the node's address.
dns_service() {
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: { k8s-app: kube-dns }
spec:
  clusterIP: $REAL_DNS_IP
  ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-node
  namespace: kube-system
  labels:
    kubernetes.io/service-name: kube-dns
    endpointslice.kubernetes.io/managed-by: nginx-service-e2e
addressType: IPv4
endpoints:
- addresses: [$REAL_NODE_IP]
  conditions: { ready: true }
ports:
- { name: dns, port: 53, protocol: UDP }
- { name: dns-tcp, port: 53, protocol: TCP }
EOF
}

# The variables that describe node I (0: the single node) to write_node_config and the functions below;
# they are set in for_node's scope only (bash's locals are seen by the functions it calls).
node_vars() { # i
  local i=$1
  if (( i == 0 )); then
    ND=$DIR NNS=$NETNS NIP=$REAL_NODE_IP NNAME=$NODE_NAME NPOD_CIDR=$REAL_POD_CIDR NPOD_GATEWAY=$REAL_POD_GATEWAY
    NCLUSTER_CIDR=$REAL_POD_CIDR NPREFIX="" NKUBELET_USER=kubelet NLABELS="" NPROXY_MODE=iptables
  else
    ND=$DIR/nodes/n$i NNS=$NETNS-n$i NIP=$(multi_node_ip "$i") NNAME=$(multi_node_name "$i")
    NPOD_CIDR=$(multi_pod_cidr "$i") NPOD_GATEWAY=$(multi_pod_gateway "$i") NCLUSTER_CIDR=$MULTI_POD_CIDR
    NPREFIX=n$i- NKUBELET_USER=kubelet-n$i NLABELS=topology.kubernetes.io/zone=$(multi_node_zone "$i" "$NODES")
    # kube-proxy's rules in a table of their own: kube-router rewrites the whole iptables filter table
    # from a copy it has just read, which undoes a change kube-proxy makes in between (in iptables mode
    # its filter rules, e.g. the DROP of a node port without local endpoints under
    # externalTrafficPolicy Local, stale until its next sync).
    NPROXY_MODE=nftables
  fi
  IN_NODE=(nsenter "--net=/run/netns/$NNS")
}

for_node() { # i function...: runs the functions for node i
  local ND NNS NIP NNAME NPOD_CIDR NPOD_GATEWAY NCLUSTER_CIDR NPREFIX NKUBELET_USER NLABELS NPROXY_MODE
  local -a IN_NODE
  node_vars "$1"
  shift
  local f
  for f in "$@"; do "$f"; done
}

# containerd (with the images), the cgroup root, kubelet and kube-proxy of a node.
start_node_runtime() {
  write_node_config
  write_kubeconfig "$ND/kubelet.kubeconfig" "$NKUBELET_USER"
  launch "${NPREFIX}containerd" containerd --config "$ND/containerd/config.toml"
  wait_for "containerd of $NNAME" 30 "${IN_NODE[@]}" ctr --address "$ND/containerd/containerd.sock" version
  import_images

  # The kubelet requires its cgroup root to exist in every hierarchy; the stop removes them.
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    mkdir -p "$hierarchy$NNS"
    # A new v1 cpuset has no CPUs or memory nodes, and a task cannot join it: the machine's own.
    if [[ -f ${hierarchy}cpuset.cpus ]]; then
      cat "${hierarchy}cpuset.cpus" >"$hierarchy$NNS/cpuset.cpus"
      cat "${hierarchy}cpuset.mems" >"$hierarchy$NNS/cpuset.mems"
    fi
  done
  launch "${NPREFIX}kubelet" "$BIN/kubelet" \
    --config "$ND/kubelet/config.yaml" \
    --kubeconfig "$ND/kubelet.kubeconfig" \
    --root-dir "$ND/kubelet" \
    --cert-dir "$ND/kubelet/pki" \
    --hostname-override "$NNAME" \
    --node-ip "$NIP" \
    ${NLABELS:+--node-labels "$NLABELS"} \
    --v=1
  launch "${NPREFIX}kube-proxy" "$BIN/kube-proxy" --config "$ND/kube-proxy.yaml" --v=1
}

# Once the node is Ready and kube-proxy has synced: kube-router's firewall.
start_node_firewall() {
  wait_for "node $NNAME Ready" "$K8S_STARTUP_TIMEOUT" \
    kc wait --for=condition=Ready "node/$NNAME" --timeout=2s
  # kube-proxy has synced once the DNS Service's address is in its rules. Waited for before kube-router
  # starts: kube-router rewrites the whole filter table from a copy it has just read, so a chain
  # kube-proxy creates in between is lost and kube-proxy's first sync fails ("Chain 'KUBE-SERVICES'
  # does not exist", retry in 30 s). Seen once in CI, where the rules were still missing 60 s later.
  if [[ $NPROXY_MODE == nftables ]]; then
    wait_for "kube-proxy rules on $NNAME" 60 bash -c "${IN_NODE[*]} nft list table ip kube-proxy | grep -qF -- '$REAL_DNS_IP'"
  else
    wait_for "kube-proxy rules on $NNAME" 60 bash -c "${IN_NODE[*]} iptables-save -t nat | grep -q -- '-d $REAL_DNS_IP/32'"
  fi
  # NetworkPolicy: kube-router's firewall only (iptables filter rules and ipsets of this namespace,
  # through the same iptables binary, hence the same nf_tables backend, as kube-proxy), started once
  # the node it looks up by name is registered. No BGP router, service proxy, load balancer
  # allocator, metrics or health server: the parts the security advisories of v2.1.0 concern are not
  # started (see docs/real-cluster.md, "NetworkPolicy: kube-router's firewall").
  launch "${NPREFIX}kube-router" "$BIN/kube-router" \
    --kubeconfig "$DIR/kube-router.kubeconfig" \
    --hostname-override "$NNAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --run-loadbalancer=false \
    --metrics-port 0 --health-port 0 --enable-pprof=false \
    --enable-ipv4=true --enable-ipv6=false \
    --service-cluster-ip-range "$REAL_SERVICE_CIDR" \
    --v=1
}

wait_node_firewall() {
  # kube-router's firewall is in place once FORWARD jumps to its chain.
  wait_for "kube-router firewall on $NNAME" 60 bash -c "${IN_NODE[*]} iptables-save -t filter | grep -q -- '-A FORWARD .*-j KUBE-ROUTER-FORWARD'"
}

# From the node, the API server through its Service address: the node's kube-proxy and the route to
# the control plane both work.
wait_node_services() {
  wait_for "the kubernetes Service from $NNAME" 60 "${IN_NODE[@]}" curl -sf --max-time 2 --cacert "$DIR/pki/ca.crt" "https://$REAL_FIRST_SERVICE_IP/readyz"
}

write_cluster_kubeconfigs() {
  write_kubeconfig "$DIR/kube-proxy.kubeconfig" kube-proxy
  write_kubeconfig "$DIR/coredns.kubeconfig" coredns
  write_kubeconfig "$DIR/cloud-controller.kubeconfig" cloud-controller
  write_kubeconfig "$DIR/kube-router.kubeconfig" kube-router
}

start_cluster_addons() { # cloud controller arguments...
  dns_service
  write_corefile
  launch coredns "$BIN/coredns" -conf "$DIR/Corefile"
  launch cloud-controller "$BIN/nginx-service-cloud-controller" \
    --kubeconfig "$DIR/cloud-controller.kubeconfig" \
    --cloud-provider nginx-service-local --controllers service \
    --leader-elect=false --secure-port 0 \
    --lb-pool "$REAL_LB_POOL" --lb-interface lb0 "$@"
}

start_real_node() {
  write_cluster_kubeconfigs
  for_node 0 start_node_runtime
  start_cluster_addons
  for_node 0 start_node_firewall
  wait_for "CoreDNS ready" 60 "${IN_NS[@]}" curl -sf http://127.0.0.1:8181/ready
  for_node 0 wait_node_firewall
}

start_multi_nodes() {
  write_cluster_kubeconfigs
  local i
  for i in $(seq 1 "$NODES"); do for_node "$i" start_node_runtime; done
  # Load balancers that translate addresses, so that the client's address reaches the nodes
  # (externalTrafficPolicy Local), health-checked as a cloud's are.
  start_cluster_addons --lb-mode nat
  for i in $(seq 1 "$NODES"); do for_node "$i" start_node_firewall; done
  wait_for "CoreDNS ready" 60 "${IN_NS[@]}" curl -sf http://127.0.0.1:8181/ready
  for i in $(seq 1 "$NODES"); do for_node "$i" wait_node_firewall wait_node_services; done
}

# Kills every container of this node and lets containerd unmount their filesystems.
stop_containers() {
  local dir=$1 sock=$1/containerd/containerd.sock ns task
  ns=$(<"$dir/netns")
  [[ -S $sock ]] || return 0
  local ctr=(nsenter "--net=/run/netns/$ns" ctr --address "$sock" -n k8s.io)
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
  done
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks delete -f "$task" >/dev/null 2>&1 || true
  done
  for task in $("${ctr[@]}" containers ls -q 2>/dev/null); do
    "${ctr[@]}" containers delete "$task" >/dev/null 2>&1 || true
  done
}

# What a node leaves when its processes are gone: shims, mounts, cgroups, the namespace.
remove_node_leftovers() {
  local dir=$1 ns pid m c
  ns=$(<"$dir/netns")
  # Shims (and any container they still hold) of this node's containerd.
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/containerd/containerd.sock" || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Only this node's pods: the kubelet's cgroup root is named after the namespace.
  for c in /sys/fs/cgroup/*/"$ns"; do
    [[ -d $c ]] || continue
    find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  sleep 0.5
  # Deepest first; lazily, since a dying process may still hold one for a moment.
  for m in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  for c in /sys/fs/cgroup/*/"$ns"; do
    [[ -d $c ]] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  # The kubelet links container logs here whatever its root dir is.
  find /var/log/containers -maxdepth 1 -type l -lname "$dir/*" -delete 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -f "$dir/netns"
  if [[ -f $dir/machine-dirs ]]; then
    while read -r m; do rmdir "$m" 2>/dev/null || true; done <"$dir/machine-dirs"
  fi
}

# What a running cluster holds in memory, in MiB: each process's resident set, per node also its
# containerd shims and its pods (the memory cgroup of its cgroup root).
memory() { # dir
  local dir=$1 name pid kib node nodes=() sum all=0 line
  rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
  for node in "$dir"/nodes/n*; do [[ -f $node/netns ]] && nodes+=("$node"); done
  if [[ ${#nodes[@]} == 0 && -f $dir/netns ]]; then nodes=("$dir"); fi
  for node in "${nodes[@]}"; do
    local prefix="" ns
    [[ $node != "$dir" ]] && prefix=${node##*/}-
    ns=$(<"$node/netns")
    sum=0 line=""
    for name in containerd kubelet kube-proxy kube-router; do
      [[ -f $dir/pids/$prefix$name ]] || continue
      kib=$(rss "$(<"$dir/pids/$prefix$name")"); sum=$((sum + kib)); line+=" $name $((kib / 1024))"
    done
    kib=0
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $node/containerd/containerd.sock" || true); do kib=$((kib + $(rss "$pid"))); done
    sum=$((sum + kib)); line+=" shims $((kib / 1024))"
    kib=$(( $(cat "/sys/fs/cgroup/memory/$ns/memory.usage_in_bytes" 2>/dev/null || echo 0) / 1024 ))
    sum=$((sum + kib)); all=$((all + sum))
    echo "node ${prefix%-}:$line pods $((kib / 1024)) total $((sum / 1024))"
  done
  sum=0 line=""
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler coredns cloud-controller; do
    [[ -f $dir/pids/$name ]] || continue
    kib=$(rss "$(<"$dir/pids/$name")"); sum=$((sum + kib)); line+=" $name $((kib / 1024))"
  done
  echo "control plane:$line total $((sum / 1024))"
  echo "nodes $((all / 1024)) MiB, with the control plane $(( (all + sum) / 1024 )) MiB"
}

# ---- start ---------------------------------------------------------------------------------------

start() {
  local owner_pid=""
  SUITE=kwok
  NODES=1
  while (( $# )); do
    case $1 in
      --owner-pid) owner_pid=$2; shift 2 ;;
      --suite) SUITE=$2; shift 2 ;;
      --nodes) NODES=$2; shift 2 ;;
      *) die "unknown argument to start: $1" ;;
    esac
  done
  [[ $SUITE == kwok || $SUITE == cluster ]] || die "--suite must be kwok or cluster, got $SUITE"
  [[ $NODES =~ ^[1-9][0-9]*$ ]] && (( NODES <= MAX_NODES )) || die "--nodes must be 1 to $MAX_NODES, got $NODES"
  [[ $SUITE == cluster || $NODES == 1 ]] || die "--nodes is for --suite cluster"
  resolve_bin "$SUITE"
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/nginx-service-cp.XXXXXX")
  chmod 700 "$DIR"
  mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/etcd"
  STARTED=()
  IN_NS=()
  trap 'rc=$?; if (( rc != 0 )); then dump_logs; stop_dir "$DIR"; fi' EXIT
  trap 'exit 130' INT TERM

  if [[ $SUITE == kwok ]]; then
    API_HOST=127.0.0.1
    read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHED_PORT KWOK_PORT <<<"$(free_ports 6)"
  else
    # Inside a namespace of our own every port is free: the usual ones.
    NETNS=nginx-service-${DIR##*.}
    IN_NS=(nsenter "--net=/run/netns/$NETNS")
    NODE_NAME=$REAL_NODE_NAME
    SERVICE_CIDR=$REAL_SERVICE_CIDR
    FIRST_SERVICE_IP=$REAL_FIRST_SERVICE_IP
    API_HOST=$REAL_NODE_IP
    ETCD_PORT=2379 ETCD_PEER_PORT=2380 APISERVER_PORT=$APISERVER_SECURE_PORT KCM_PORT=10257 SCHED_PORT=10259
    # shellcheck source=/dev/null
    source "$IMAGES_DIR/images.env"
    create_netns
  fi
  gen_certs
  write_kubeconfig "$DIR/kubeconfig" admin
  write_kubeconfig "$DIR/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$DIR/scheduler.kubeconfig" scheduler
  export KUBECONFIG=$DIR/kubeconfig

  launch etcd "$BIN/etcd" --name e2e --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd health" 30 "${IN_NS[@]}" curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  launch kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$API_HOST" --advertise-address "$API_HOST" --secure-port "$APISERVER_PORT" \
    --cert-dir "$DIR/pki" \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" \
    --service-account-key-file "$DIR/pki/sa.pub" \
    --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --profiling=false \
    ${NETNS:+--kubelet-client-certificate "$DIR/pki/apiserver-kubelet-client.crt"} \
    ${NETNS:+--kubelet-client-key "$DIR/pki/apiserver-kubelet-client.key"} \
    ${NETNS:+--kubelet-preferred-address-types InternalIP}
  wait_for "kube-apiserver /readyz" "$K8S_STARTUP_TIMEOUT" kc get --raw /readyz

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

  launch kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" \
    --leader-elect=false

  if [[ $SUITE == kwok ]]; then
    start_kwok_node
  elif (( NODES == 1 )); then
    start_real_node
  else
    start_multi_nodes
  fi
  wait_for "ServiceAccount default/default" "$K8S_STARTUP_TIMEOUT" \
    kc -n default get serviceaccount default
  check_alive "${STARTED[@]}"

  if [[ -n $owner_pid ]]; then
    # Outlives this script; stops the cluster once the owner is gone.
    (
      trap - EXIT
      while kill -0 "$owner_pid" 2>/dev/null && [[ -d $DIR/pids ]]; do sleep 2; done
      [[ -d $DIR/pids ]] && stop_dir "$DIR"
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$DIR/pids/watchdog"
  fi

  trap - EXIT INT TERM
  if [[ $SUITE == cluster ]]; then
    {
      echo "NETNS=$NETNS"
      if (( NODES == 1 )); then
        echo "NODE_NAME=$NODE_NAME"
        echo "NODE_IP=$REAL_NODE_IP"
        echo "POD_CIDR=$REAL_POD_CIDR"
      else
        local i names=() ips=() nss=() zones=()
        for i in $(seq 1 "$NODES"); do
          names+=("$(multi_node_name "$i")"); ips+=("$(multi_node_ip "$i")")
          nss+=("$NETNS-n$i"); zones+=("$(multi_node_zone "$i" "$NODES")")
        done
        echo "NODES=$NODES"
        echo "NODE_NAME=${names[0]}"
        echo "NODE_IP=${ips[0]}"
        echo "POD_CIDR=$MULTI_POD_CIDR"
        echo "CONTROL_PLANE_IP=$REAL_NODE_IP"
        (IFS=,; echo "NODE_NAMES=${names[*]}"; echo "NODE_IPS=${ips[*]}"; echo "NODE_NETNS=${nss[*]}"; echo "NODE_ZONES=${zones[*]}")
        echo "OUTSIDE_NETNS=$(<"$DIR/outside-netns")"
        echo "OUTSIDE_IP=$OUTSIDE_IP"
      fi
      echo "SERVICE_CIDR=$REAL_SERVICE_CIDR"
      echo "DNS_IP=$REAL_DNS_IP"
      echo "LB_POOL=$REAL_LB_POOL"
      echo "CLUSTER_DOMAIN=$CLUSTER_DOMAIN"
      grep '_IMAGE=' "$IMAGES_DIR/images.env"
    } >"$DIR/cluster.env"
    cat "$DIR/cluster.env"
  fi
  echo "CONTROLPLANE_DIR=$DIR"
  echo "KUBECONFIG=$DIR/kubeconfig"
}

start_kwok_node() {
  write_kubeconfig "$DIR/kwok.kubeconfig" kwok
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

  kc apply -f - >/dev/null <<EOF
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
    kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop)
    [[ -n ${2:-} ]] || die "usage: $0 stop DIR"
    stop_dir "$2"
    ;;
  stop-process) [[ -n ${3:-} ]] || die "usage: $0 stop-process DIR NAME"; stop_process "$2" "$3" ;;
  stop-node)
    [[ -n ${3:-} && -d ${2:-}/nodes/n${3:-} ]] || die "usage: $0 stop-node DIR NODE (a node of a multi-node cluster)"
    stop_node "$2" "n$3"
    ;;
  memory) [[ -d ${2:-}/pids ]] || die "usage: $0 memory DIR"; memory "$2" ;;
  start-process) [[ -n ${3:-} ]] || die "usage: $0 start-process DIR NAME"; start_process "$2" "$3" ;;
  *) echo "usage: $0 start [--suite kwok|cluster [--nodes N]] [--owner-pid PID] | stop DIR | stop-process DIR NAME | start-process DIR NAME | stop-node DIR NODE | memory DIR" >&2; exit 2 ;;
esac
