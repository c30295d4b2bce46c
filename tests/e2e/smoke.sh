#!/usr/bin/env bash
# Smoke check of the local control plane (tests/e2e/controlplane.sh):
# Pod Security admission (restricted namespace rejects a privileged pod and
# admits a compliant Deployment whose pods become Ready on the kwok node),
# a LoadBalancer Service gets an ingress IP and the cleanup finalizer from
# kwok and is fully deleted, and after stop no process of it is left.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NS=smoke
FINALIZER=service.kubernetes.io/load-balancer-cleanup

step() { echo "smoke: $*"; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

t0=$(date +%s)
out=$("$HERE/controlplane.sh" start --owner-pid $$)
CONTROLPLANE_DIR=$(sed -n 's/^CONTROLPLANE_DIR=//p' <<<"$out")
KUBECONFIG=$(sed -n 's/^KUBECONFIG=//p' <<<"$out")
export KUBECONFIG
[[ -d $CONTROLPLANE_DIR ]] || fail "no control plane dir in: $out"
stopped=0
cleanup() { (( stopped )) || "$HERE/controlplane.sh" stop "$CONTROLPLANE_DIR"; }
trap cleanup EXIT
step "control plane ready in $(( $(date +%s) - t0 ))s: $(kubectl version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1)"
kubectl get nodes -o wide

kubectl create namespace "$NS" >/dev/null
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null

if err=$(kubectl -n "$NS" run privileged --image=registry.invalid/nginx:1 --privileged 2>&1); then
  fail "a privileged pod was admitted in a restricted namespace"
fi
grep -q 'violates PodSecurity "restricted' <<<"$err" || fail "unexpected rejection: $err"
step "privileged pod rejected by Pod Security admission"

kubectl -n "$NS" apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 101
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: nginx
        image: registry.invalid/nginx-unprivileged:1
        ports:
        - containerPort: 8080
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
EOF
kubectl -n "$NS" rollout status deployment/web --timeout=90s
ready=$(kubectl -n "$NS" get pods -l app=web \
  -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
[[ $ready == 2 ]] || fail "expected 2 Ready pods, got $ready"
step "restricted Deployment admitted, 2 pods Ready on $(kubectl -n "$NS" get pods -l app=web -o jsonpath='{.items[0].spec.nodeName}')"

kubectl -n "$NS" apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - name: https
    port: 443
    targetPort: 8080
EOF
ip=""
for _ in $(seq 1 60); do
  ip=$(kubectl -n "$NS" get service web -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
  [[ -n $ip ]] && break
  sleep 0.5
done
[[ -n $ip ]] || fail "status.loadBalancer.ingress not set"
finalizers=$(kubectl -n "$NS" get service web -o jsonpath='{.metadata.finalizers}')
grep -q "$FINALIZER" <<<"$finalizers" || fail "finalizer missing: $finalizers"
step "LoadBalancer Service: ingress $ip, clusterIP $(kubectl -n "$NS" get service web -o jsonpath='{.spec.clusterIP}'), nodePort $(kubectl -n "$NS" get service web -o jsonpath='{.spec.ports[0].nodePort}'), finalizers $finalizers"
for _ in $(seq 1 40); do
  eps=$(kubectl -n "$NS" get endpointslices -l kubernetes.io/service-name=web \
    -o jsonpath='{range .items[*].endpoints[*]}{.conditions.ready}{"\n"}{end}' | grep -c true || true)
  [[ $eps == 2 ]] && break
  sleep 0.5
done
[[ $eps == 2 ]] || fail "expected 2 ready endpoints, got $eps"
step "EndpointSlice has 2 ready endpoints"

kubectl -n "$NS" delete service web --wait=true --timeout=30s >/dev/null
if kubectl -n "$NS" get service web >/dev/null 2>&1; then fail "Service still present after delete"; fi
step "LoadBalancer Service deleted (finalizer released by kwok)"

kubectl delete namespace "$NS" --wait=true --timeout=60s >/dev/null
step "namespace $NS deleted"

pids=$(cat "$CONTROLPLANE_DIR"/pids/*)
"$HERE/controlplane.sh" stop "$CONTROLPLANE_DIR"
stopped=1
for pid in $pids; do
  if kill -0 "$pid" 2>/dev/null; then fail "process $pid left after stop: $(ps -o args= -p "$pid")"; fi
done
left=$(pgrep -f "$CONTROLPLANE_DIR" || true)
[[ -z $left ]] || fail "processes left after stop: $left"
[[ ! -e $CONTROLPLANE_DIR ]] || fail "$CONTROLPLANE_DIR left after stop"
step "stopped; no process left; total $(( $(date +%s) - t0 ))s"
echo "smoke: 1 passed, 0 failed"
