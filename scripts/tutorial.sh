#!/usr/bin/env bash
# The tutorial "Connecting Applications with Services" on a real cluster on this machine (single-node, or
# N nodes with --nodes),
# with one `pulumi up` of the root program (npm run tutorial / tutorial:shell / tutorial:down).
#
#   scripts/tutorial.sh up [--nodes N]
#                               build what is missing of the toolchain, start the cluster (N worker
#                               nodes in two zones; default: the single-node form), `pulumi up`, print
#                               the outputs and check each step of the tutorial; the cluster stays up
#   scripts/tutorial.sh shell   a shell inside the cluster's network namespace with KUBECONFIG, kubectl
#                               and pulumi (this stack selected) set up
#   scripts/tutorial.sh down    `pulumi destroy`, then stop the cluster and remove all it added
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$REPO/tests/e2e"
STATE_DIR=${NGINX_SERVICE_TUTORIAL_DIR:-$HOME/.cache/nginx-service-e2e/tutorial}
STATE=$STATE_DIR/cluster.env
STACK=tutorial

say() { printf '%s\n' "$*"; }
die() { say "tutorial: $*" >&2; exit 1; }

load_state() {
  [[ -f $STATE ]] || die "no tutorial cluster is running (start one with: npm run tutorial)"
  # shellcheck source=/dev/null
  source "$STATE"
  [[ -d $CONTROLPLANE_DIR ]] || die "the cluster in $STATE is gone ($CONTROLPLANE_DIR); remove $STATE_DIR and run npm run tutorial"
  IN_NS=(nsenter "--net=/run/netns/$NETNS")
  export KUBECONFIG PATH="$BIN:$PATH"
  export PULUMI_HOME=$STATE_DIR/pulumi-home PULUMI_BACKEND_URL=file://$STATE_DIR/backend
  export PULUMI_CONFIG_PASSPHRASE=tutorial PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
}

kc() { "${IN_NS[@]}" "$BIN/kubectl" "$@"; }
pu() { (cd "$REPO" && "${IN_NS[@]}" "$BIN/pulumi" --non-interactive "$@"); }
out() { pu stack output "$1" --show-secrets 2>/dev/null; }
check() { # description command...: prints ok/FAILED; counts failures
  local what=$1; shift
  if "$@"; then say "  ok      $what"; else say "  FAILED  $what"; FAILED=$((FAILED + 1)); fi
}

up() {
  local nodes=1
  while (( $# )); do
    case $1 in
      --nodes) nodes=${2:?--nodes needs a number}; shift 2 ;;
      *) die "unknown argument to up: $1" ;;
    esac
  done
  if [[ -f $STATE ]]; then
    die "a tutorial cluster is already running ($STATE): npm run tutorial:down first"
  fi
  if [[ ! -d $REPO/node_modules ]] || ! command -v containerd >/dev/null || [[ ! -x /usr/lib/cni/bridge ]]; then
    say "== installing what the tutorial needs (scripts/install.sh: npm packages, Debian's containerd, runc, CNI plugins, iptables)"
    bash "$REPO/scripts/install.sh"
  fi
  if ! BIN=$(bash "$E2E/toolchain.sh" --check cluster 2>/dev/null | tail -n 1); then
    say "The toolchain (Pulumi CLI and providers, Kubernetes, containerd images) is built from Go modules"
    say "on first use. On a 2-core machine a cold build takes about 40 minutes (measured: 31 for the Pulumi and control-plane parts, 7 for the node); later runs reuse it."
    bash "$E2E/toolchain.sh" --suite cluster
    BIN=$(bash "$E2E/toolchain.sh" --check cluster | tail -n 1)
  fi
  mkdir -p "$STATE_DIR"
  if (( nodes == 1 )); then say "== starting the single-node cluster"; else say "== starting the cluster: a control plane and $nodes worker nodes in two zones"; fi
  local started
  started=$(NGINX_SERVICE_E2E_BIN=$BIN bash "$E2E/controlplane.sh" start --suite cluster --nodes "$nodes")
  { echo "BIN=$BIN"; grep -E '^[A-Z_]+=' <<<"$started"; } >"$STATE"
  load_state

  say "== pulumi up (the root program: HTTPS nginx behind a NodePort Service)"
  mkdir -p "$STATE_DIR/backend" "$PULUMI_HOME"
  pu stack select --create "$STACK" >/dev/null
  pu config set image "$NGINX_IMAGE" >/dev/null
  pu config set replicas 2 >/dev/null
  pu up --yes --skip-preview
  pu stack output

  FAILED=0
  local ns svc cip https_np ca pod_ips
  ns=$(out namespace); svc=$(out serviceName); cip=$(out clusterIP)
  ca=$STATE_DIR/ca.pem
  out caCertificatePem >"$ca"
  say ""
  say "== the tutorial's checks"
  say "Pods and their IPs (kubectl get pods -o custom-columns=...):"
  kc -n "$ns" get pods -l "app.kubernetes.io/instance=$svc" -o custom-columns=POD:.metadata.name,POD_IP:.status.podIP,NODE:.spec.nodeName,READY:.status.containerStatuses[0].ready
  pod_ips=$(kc -n "$ns" get pods -l "app.kubernetes.io/instance=$svc" -o jsonpath='{.items[*].status.podIP}')
  local ip
  for ip in $pod_ips; do
    check "nginx answers on pod IP $ip:8080 from the node" \
      bash -c "${IN_NS[*]} curl -sf --max-time 5 http://$ip:8080/ | grep -qi nginx"
  done
  say "Endpoints of Service $svc (cluster IP $cip):"
  kc -n "$ns" get endpointslices -l "kubernetes.io/service-name=$svc" -o custom-columns=SLICE:.metadata.name,ADDRESSES:.endpoints[*].addresses[0],PORTS:.ports[*].port
  client_pod "$ns"
  check "DNS: $svc resolves to the cluster IP $cip from a pod" \
    bash -c "$(printf '%q ' "${IN_NS[@]}" "$BIN/kubectl") -n $ns exec client -- getent hosts $svc | grep -q '^$cip '"
  kc -n "$ns" exec -i client -- sh -c 'cat > /tmp/ca.pem' <"$ca"
  local name
  for name in "$svc" "$svc.$ns" "$svc.$ns.svc" "$svc.$ns.svc.cluster.local"; do
    check "HTTPS to https://$name verifies against the caCertificatePem output (the trust anchor)" \
      kc -n "$ns" exec client -- curl -sf --max-time 5 -o /dev/null --cacert /tmp/ca.pem "https://$name/"
  done
  https_np=$(out nodePorts | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).https))')
  check "node port: https://$svc:$https_np on the node's address $NODE_IP verifies" \
    "${IN_NS[@]}" curl -sf --max-time 5 -o /dev/null --cacert "$ca" --resolve "$svc:$https_np:$NODE_IP" "https://$svc:$https_np/"

  say ""
  say "== the tutorial's last step: the Service becomes a LoadBalancer (pulumi config set serviceType LoadBalancer)"
  pu config set serviceType LoadBalancer >/dev/null
  pu up --yes --skip-preview >/dev/null
  local lb
  lb=$(out loadBalancerIP)
  say "Load balancer address: $lb (from the cloud controller's pool $LB_POOL)"
  check "HTTPS through the load balancer at $lb verifies" \
    "${IN_NS[@]}" curl -sf --max-time 5 -o /dev/null --cacert "$ca" --resolve "$svc:443:$lb" "https://$svc/"

  say ""
  if (( FAILED )); then say "$FAILED check(s) FAILED"; else say "Every check passed."; fi
  say "Explore: npm run tutorial:shell   Tear down: npm run tutorial:down"
  say "KUBECONFIG=$KUBECONFIG"
  say "NETNS=$NETNS"
  (( FAILED == 0 ))
}

client_pod() { # namespace
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: $1 }
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: RuntimeDefault } }
  containers:
  - name: client
    image: $CLIENT_IMAGE
    command: [sleep, "3600"]
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
    volumeMounts: [{ name: tmp, mountPath: /tmp }]
  volumes: [{ name: tmp, emptyDir: {} }]
EOF
  kc -n "$1" wait --for=condition=Ready pod/client --timeout=90s >/dev/null
}

shell() {
  load_state
  say "A shell in the cluster's network namespace $NETNS (exit to leave). Try: kubectl get pods -A; pulumi stack output"
  cd "$REPO"
  exec "${IN_NS[@]}" env PS1="[nginx-service $NETNS] \\w\\$ " bash --norc -i
}

down() {
  load_state
  say "== pulumi destroy"
  pu stack select "$STACK" >/dev/null 2>&1 && pu destroy --yes --skip-preview >/dev/null && pu stack rm --yes "$STACK" >/dev/null || say "tutorial: pulumi destroy failed; stopping the cluster anyway"
  say "== stopping the cluster"
  bash "$E2E/controlplane.sh" stop "$CONTROLPLANE_DIR"
  rm -rf "$STATE_DIR"
  say "Stopped; the cluster's namespace, processes and mounts are gone."
}

case ${1:-} in
  up) shift; up "$@" ;;
  shell) shell ;;
  down) down ;;
  *) echo "usage: $0 up [--nodes N]|shell|down" >&2; exit 2 ;;
esac
