#!/usr/bin/env bash
# Proves the images of build.sh run under Debian's containerd (1.6.20) + runc, the runtime of the real
# node: starts a private containerd (its own root, state, socket and config in a temp dir), imports each
# archive with `ctr -n k8s.io images import`, and runs
#   - nginx with a read-only root filesystem, a tmpfs /tmp, the component's server config bind-mounted
#     read-only at /etc/nginx/conf.d and a TLS key pair at /etc/nginx/ssl (key 0440, group 101 as
#     fsGroup makes it), no capabilities, in the container's own network namespace: it answers on 8080
#     and 8443, runs as uid/gid 101, writes only under /tmp, logs to stdout/stderr, and stops gracefully
#     on the image's stop signal (SIGQUIT) with exit code 0;
#   - client in nginx's network namespace, as uid 65532: curl --cacert by a name resolved through glibc's
#     resolver (search list) from a DNS responder in that namespace, exit code 60 for a name outside the
#     certificate, openssl s_client, a bounded request loop;
#   - pause: reaps an orphan reparented to it (it is PID 1 of the container) and exits 0 on SIGTERM.
# Everything it starts it stops, also on failure or a signal: tasks, containers, shims, containerd, the
# DNS responder; it unmounts whatever is mounted under its temp dir, removes the cgroups it made and the
# temp dir, and fails if anything it could have created outside the temp dir is left.
#
#   bash tests/e2e/images/check.sh [IMAGES_DIR]    (IMAGES_DIR: build.sh's OUTDIR; built afresh if absent)
# NGINX_SERVICE_CHECK_KEEP=1 keeps the temp dir (logs) after a failure; processes and mounts still go.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export LC_ALL=C
[ "$(id -u)" = 0 ] || { echo "check.sh: run as root (containerd and runc need it)" >&2; exit 1; }
for tool in containerd ctr runc nsenter openssl curl jq python3 findmnt; do
    command -v "$tool" >/dev/null || { echo "check.sh: $tool not found" >&2; exit 1; }
done

T="$(mktemp -d /tmp/nginx-service-images-check.XXXXXX)"
chmod 0711 "$T"
SOCK="$T/containerd.sock"
CGROUP_PARENT="nginx-service-images-check-$$"
CONTAINERD_PID=""
DNS_PID=""
RUN_PIDS=()

# Host paths containerd 1.6 writes to whatever its config says (shim sockets, ctr's fifos): note which
# exist now, so the cleanup removes only what this run created.
HOST_PATHS=(/run/containerd /run/containerd/s /run/containerd/fifo /opt/containerd /etc/cni /var/lib/containerd /var/run/netns)
declare -A EXISTED=()
for p in "${HOST_PATHS[@]}"; do [ -e "$p" ] && EXISTED[$p]=1; done

# The report goes to fd 3, a copy of stderr: a signal's trap can run while a shell function's
# redirection (C ... >file 2>&1) is in force, and the cleanup's words must not land in that file.
exec 3>&2
log() { echo "check: $*" >&3; }
C() { ctr --address "$SOCK" -n k8s.io "$@"; }
# ctr 1.6 has no ""${DROP_ALL[@]}"" (it wants CAP_ names): drop each capability of its default set, which
# leaves none, as the component's capabilities.drop [ALL] does.
DROP_ALL=()
for cap in CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE; do
    DROP_ALL+=(--cap-drop "CAP_$cap")
done
# ctr passes no runtime options of the config to the shim: runc's state would go to /run/containerd/runc.
RUNC_OPTS=(--runc-binary /usr/sbin/runc --runc-root "$T/runc")

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -z "$DNS_PID" ] || { kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; }
    if [ -n "$CONTAINERD_PID" ] && kill -0 "$CONTAINERD_PID" 2>/dev/null; then
        local id
        for id in $(C task ls -q 2>/dev/null); do
            C task kill -s SIGKILL "$id" >/dev/null 2>&1
        done
        sleep 0.5
        for id in $(C task ls -q 2>/dev/null); do C task delete -f "$id" >/dev/null 2>&1; done
        for id in $(C containers ls -q 2>/dev/null); do C containers delete "$id" >/dev/null 2>&1; done
    fi
    local pid
    for pid in "${RUN_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -n "$CONTAINERD_PID" ]; then
        kill "$CONTAINERD_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$CONTAINERD_PID" 2>/dev/null
        wait "$CONTAINERD_PID" 2>/dev/null
    fi
    # Shims outlive containerd by design; ours are the ones whose command line names our socket.
    for pid in $(pgrep -f -- "-address $SOCK" 2>/dev/null); do
        log "killing leftover shim $pid"
        kill -9 "$pid" 2>/dev/null
    done
    # Deepest mounts first.
    local mounts
    mounts="$(awk -v t="$T" '$5 == t || index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)"
    for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m"; done
    local dir
    for dir in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
        [ -d "$dir" ] || continue
        find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
        [ ! -d "$dir" ] || { log "could not remove cgroup $dir"; rc=1; }
    done
    for p in /run/containerd/fifo /run/containerd/s /run/containerd; do
        [ -n "${EXISTED[$p]:-}" ] || [ ! -d "$p" ] || rmdir "$p" 2>/dev/null || { log "left non-empty: $p: $(ls -A "$p")"; rc=1; }
    done
    for p in "${HOST_PATHS[@]}"; do
        if [ -z "${EXISTED[$p]:-}" ] && [ -e "$p" ]; then log "left behind: $p"; rc=1; fi
    done
    if awk -v t="$T" 'index($5, t) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        log "mounts left under $T, not removing it:"; grep -F "$T" /proc/self/mountinfo >&2; rc=1
    elif [ "$rc" != 0 ] && [ "${NGINX_SERVICE_CHECK_KEEP:-}" = 1 ]; then
        log "kept $T (logs: $T/containerd.log, $T/*.out, $T/*.err)"
    else
        rm -rf "$T"
    fi
    if [ "$rc" = 0 ]; then log "PASS (cleaned up)"; else log "FAIL (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    log "FAILED: $*"
    for f in "$T"/*.out "$T"/*.err; do [ -s "$f" ] && { echo "--- $f" >&3; tail -20 "$f" >&3; }; done
    echo "--- containerd.log (last 30 lines)" >&3; tail -30 "$T/containerd.log" >&3
    exit 1
}
# Polls COMMAND until it succeeds, at most SECONDS.
wait_for() {
    local seconds="$1"; shift
    local end=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}
task_pid() { C task ls | awk -v id="$1" '$1 == id && $3 == "RUNNING" { print $2 }'; }
running() { [ -n "$(task_pid "$1")" ]; }

# ---------------------------------------------------------------- images
IMAGES="${1:-}"
if [ -z "$IMAGES" ]; then
    IMAGES="$T/images"
    bash "$HERE/build.sh" "$IMAGES" >/dev/null
fi
# shellcheck disable=SC1091
. "$IMAGES/images.env"
for v in PAUSE_IMAGE NGINX_IMAGE CLIENT_IMAGE; do [ -n "${!v:-}" ] || fail "$v missing from $IMAGES/images.env"; done

# ---------------------------------------------------------------- containerd
# The CRI section is what the kubelet's containerd needs; the opt plugin and the CNI conf dir are moved
# into the temp dir because containerd creates them (/opt/containerd, /etc/cni/net.d) at start.
mkdir -p "$T/root" "$T/state" "$T/opt" "$T/runc" "$T/cni/net.d"
cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$T/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$T/cni/net.d"
EOF
containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
CONTAINERD_PID=$!
wait_for 20 ctr --address "$SOCK" version || fail "containerd did not come up"
log "containerd $(ctr --address "$SOCK" version | awk '/Server:/ { s = 1 } s && /Version:/ { print $2; exit }') up (pid $CONTAINERD_PID)"
C plugins ls | awk '$2 == "cri" || $2 == "overlayfs" || $2 == "io.containerd.runc.v2"' >&2
[ "$(C plugins ls | awk '$2 == "cri" { print $NF }')" = ok ] || fail "the CRI plugin did not load"
[ "$(C plugins ls | awk '$2 == "overlayfs" { print $NF }')" = ok ] || fail "the overlayfs snapshotter did not load"

NAMES=(pause nginx client)
[ -z "${COREDNS_IMAGE:-}" ] || NAMES+=(coredns)
for name in "${NAMES[@]}"; do
    archive="$IMAGES/$name.tar"
    start=$(date +%s.%N)
    C images import "$archive" >"$T/import-$name.out" 2>&1 || { cat "$T/import-$name.out" >&2; fail "import of $archive"; }
    log "imported $name in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'): $(tr '\n' ' ' <"$T/import-$name.out")"
done
C images ls >&2
for ref in "$PAUSE_IMAGE" "$NGINX_IMAGE" "$CLIENT_IMAGE" ${COREDNS_IMAGE:+"$COREDNS_IMAGE"}; do
    C images ls | awk -v r="$ref" '$1 == r && $0 ~ /linux\/amd64/ { f = 1 } END { exit !f }' || fail "$ref not listed with platform linux/amd64"
    C images check | awk -v r="$ref" '$1 == r && $0 ~ /complete/ { f = 1 } END { exit !f }' || fail "$ref not complete"
done

# ---------------------------------------------------------------- nginx
mkdir -p "$T/conf.d" "$T/ssl" "$T/ca" "$T/tmp-nginx"
# The server config as renderNginxConfig (sdk/nginxConfig.ts) writes it with TLS on and no redirect.
cat >"$T/conf.d/default.conf" <<'EOF'
server {
    listen 8080;
    server_name _;
    location = /healthz {
        access_log off;
        default_type text/plain;
        return 200 "ok\n";
    }
    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }
}

server {
    listen 8443 ssl http2;
    server_name _;
    ssl_certificate /etc/nginx/ssl/tls.crt;
    ssl_certificate_key /etc/nginx/ssl/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
    location = /healthz {
        access_log off;
        default_type text/plain;
        return 200 "ok\n";
    }
    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }
}
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=check-ca \
    -keyout "$T/ca/ca.key" -out "$T/ca/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=my-nginx \
    -keyout "$T/ssl/tls.key" -out "$T/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:my-nginx,DNS:my-nginx.default,DNS:my-nginx.default.svc,DNS:my-nginx.default.svc.cluster.local\n' >"$T/san.ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/ca/ca.crt" -CAkey "$T/ca/ca.key" -CAcreateserial -days 1 \
    -extfile "$T/san.ext" -out "$T/ssl/tls.crt" 2>/dev/null
# As the kubelet lays out the Secret: defaultMode 0440, group = fsGroup 101.
chown 0:101 "$T/ssl/tls.crt" "$T/ssl/tls.key"
chmod 0440 "$T/ssl/tls.crt" "$T/ssl/tls.key"
chmod 0755 "$T/conf.d" "$T/ssl" "$T/ca"
chmod 0644 "$T/conf.d/default.conf" "$T/ca/ca.crt"

C run --rm "${RUNC_OPTS[@]}" --read-only --cgroup "/$CGROUP_PARENT/nginx" "${DROP_ALL[@]}" --seccomp \
    --mount "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:mode=1777:size=65536k" \
    --mount "type=bind,src=$T/conf.d,dst=/etc/nginx/conf.d,options=rbind:ro" \
    --mount "type=bind,src=$T/ssl,dst=/etc/nginx/ssl,options=rbind:ro" \
    "$NGINX_IMAGE" nginx >"$T/nginx.out" 2>"$T/nginx.err" &
NGINX_RUN=$!
RUN_PIDS+=("$NGINX_RUN")
start=$(date +%s.%N)
wait_for 20 running nginx || fail "nginx task not running"
NGINX_PID="$(task_pid nginx)"
in_net() { nsenter -t "$NGINX_PID" -n -- "$@"; }
wait_for 10 in_net curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || fail "nginx does not answer on 8080"
log "nginx answers $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2fs", b - a }') after ctr run (pid $NGINX_PID)"

[ "$(in_net curl -sS http://127.0.0.1:8080/healthz)" = ok ] || fail "/healthz"
in_net curl -sS http://127.0.0.1:8080/ | grep -q '<title>Welcome to nginx!</title>' || fail "welcome page on 8080"
code="$(in_net curl -sS -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" --resolve my-nginx:8443:127.0.0.1 https://my-nginx:8443/)"
[ "$code" = 200 ] || fail "https on 8443 answered $code"
log "nginx: 8080 /healthz ok, welcome page, 8443 TLS verified against the CA: 200"

# uid/gid 101 for the master and every worker, no capabilities, read-only root, writes only in /tmp.
procs="$NGINX_PID $(for s in /proc/[0-9]*/status; do awk -v p="$NGINX_PID" '$1 == "PPid:" && $2 == p { f = 1 } END { exit !f }' "$s" 2>/dev/null && basename "$(dirname "$s")"; done | tr '\n' ' ' || true)"
for p in $procs; do
    uid="$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$p/status")"
    gid="$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$p/status")"
    capeff="$(awk '$1 == "CapEff:" { print $2 }' "/proc/$p/status")"
    [ "$uid" = "101 101 101 101" ] && [ "$gid" = "101 101 101 101" ] || fail "process $p ($(cat /proc/$p/comm)) runs as uid $uid gid $gid"
    [ "$capeff" = 0000000000000000 ] || fail "process $p has capabilities $capeff"
    log "  pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline") uid=101 gid=101 CapEff=0"
done
[ "$(echo "$procs" | wc -w)" -ge 2 ] || fail "no nginx worker processes"
awk '$5 == "/" { print $6 }' "/proc/$NGINX_PID/mountinfo" | grep -qw ro || fail "root filesystem is not read-only"
log "nginx: root filesystem mounted ro; /tmp holds: $(ls "/proc/$NGINX_PID/root/tmp" | tr '\n' ' ')"
[ -f "/proc/$NGINX_PID/root/tmp/nginx.pid" ] || fail "no /tmp/nginx.pid"
[ "$(C containers info nginx | jq -r '.Labels["io.containerd.image.config.stop-signal"]')" = SIGQUIT ] \
    || fail "the container does not carry the image's stop signal"

# ---------------------------------------------------------------- client (in nginx's network namespace)
printf 'nameserver 127.0.0.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n' >"$T/resolv.conf"
chmod 0644 "$T/resolv.conf"
nsenter -t "$NGINX_PID" -n -- python3 "$HERE/dns.py" 127.0.0.1 53 my-nginx.default.svc.cluster.local=127.0.0.1 >"$T/dns.out" 2>"$T/dns.err" &
DNS_PID=$!
wait_for 5 grep -q serving "$T/dns.out" || fail "DNS responder did not start"
cat >"$T/client.sh" <<'EOF'
set -eu
echo "uid=$(id -u) gid=$(id -g) user=$(id -un) home=$HOME"
[ "$(id -u)" = 65532 ] && [ "$(id -g)" = 65532 ]
curl --version | head -n 1
openssl version
echo "getent hosts my-nginx: $(getent hosts my-nginx)"
[ "$(getent hosts my-nginx | cut -d' ' -f1)" = 127.0.0.1 ]
if getent hosts nothing-here >/dev/null; then echo "nothing-here resolved"; exit 1; fi
for name in my-nginx my-nginx.default my-nginx.default.svc my-nginx.default.svc.cluster.local; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert /ca/ca.crt "https://$name:8443/")
    echo "https://$name:8443/ -> $code"
    [ "$code" = 200 ]
done
rc=0
curl -sS -o /dev/null --max-time 5 --cacert /ca/ca.crt --resolve wrong.example:8443:127.0.0.1 https://wrong.example:8443/ 2>/dev/null || rc=$?
echo "https://wrong.example:8443/ -> curl exit $rc"
[ "$rc" = 60 ]
echo | openssl s_client -connect 127.0.0.1:8443 -servername my-nginx -verify_hostname my-nginx -CAfile /ca/ca.crt -verify_return_error -brief >/tmp/s_client.out 2>&1
head -n 4 /tmp/s_client.out
grep -q 'Verification: OK' /tmp/s_client.out
curl -sS --max-time 5 http://my-nginx:8080/ | grep -q 'Welcome to nginx!'
i=0
while [ "$i" -lt 20 ]; do
    curl -fsS -o /dev/null --max-time 2 http://my-nginx:8080/healthz
    i=$((i + 1))
done
echo "request loop: $i/20 ok"
env | grep -q '^PATH=' && cat /etc/passwd >/dev/null && sleep 0.1 && timeout 1 sleep 0.1
echo client-ok
EOF
chmod 0644 "$T/client.sh"
C run --rm "${RUNC_OPTS[@]}" --cgroup "/$CGROUP_PARENT/client" "${DROP_ALL[@]}" --seccomp --with-ns "network:/proc/$NGINX_PID/ns/net" \
    --mount "type=bind,src=$T/resolv.conf,dst=/etc/resolv.conf,options=rbind:ro" \
    --mount "type=bind,src=$T/ca,dst=/ca,options=rbind:ro" \
    --mount "type=bind,src=$T/client.sh,dst=/client.sh,options=rbind:ro" \
    "$CLIENT_IMAGE" client sh /client.sh >"$T/client.out" 2>"$T/client.err" || fail "client checks"
sed 's/^/check:   client: /' "$T/client.out" >&2
grep -qx client-ok "$T/client.out" || fail "client checks did not finish"
# The image's default command: waits, and exits 0 on SIGTERM (a pod deletion must not wait out its grace period).
C run --rm "${RUNC_OPTS[@]}" --cgroup "/$CGROUP_PARENT/client-idle" "${DROP_ALL[@]}" --seccomp "$CLIENT_IMAGE" client-idle >"$T/client-idle.out" 2>"$T/client-idle.err" &
CLIENT_RUN=$!
RUN_PIDS+=("$CLIENT_RUN")
wait_for 10 running client-idle || fail "client default command not running"
[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$(task_pid client-idle)/status")" = 65532 ] || fail "client default command not uid 65532"
start=$(date +%s.%N)
C task kill client-idle
rc=0; timeout 10 tail --pid="$CLIENT_RUN" -f /dev/null || fail "client did not stop on SIGTERM"
wait "$CLIENT_RUN" || rc=$?
[ "$rc" = 0 ] || fail "client exited $rc on SIGTERM"
log "client: default command exits 0 on SIGTERM in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2fs", b - a }')"

kill "$DNS_PID"; wait "$DNS_PID" 2>/dev/null || true; DNS_PID=""

# ---------------------------------------------------------------- nginx: graceful stop on the image's stop signal
grep -q '"GET / HTTP/1.1" 200' "$T/nginx.out" || fail "no access log lines on stdout"
start=$(date +%s.%N)
C task kill nginx   # no -s: ctr takes the container's stop signal, from the image (SIGQUIT)
timeout 15 tail --pid="$NGINX_RUN" -f /dev/null || fail "nginx did not stop within 15s of SIGQUIT"
rc=0; wait "$NGINX_RUN" || rc=$?
[ "$rc" = 0 ] || fail "nginx exited $rc"
grep -q 'signal 3 (SIGQUIT) received' "$T/nginx.err" || fail "nginx did not log SIGQUIT"
grep -q 'gracefully shutting down' "$T/nginx.err" || fail "nginx did not shut down gracefully"
log "nginx: SIGQUIT -> graceful shutdown, exit 0 in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2fs", b - a }'); stderr:"
sed 's/^/check:   nginx: /' "$T/nginx.err" >&2

# ---------------------------------------------------------------- pause
C run --rm "${RUNC_OPTS[@]}" --cgroup "/$CGROUP_PARENT/pause" "${DROP_ALL[@]}" --seccomp "$PAUSE_IMAGE" pause >"$T/pause.out" 2>"$T/pause.err" &
PAUSE_RUN=$!
RUN_PIDS+=("$PAUSE_RUN")
wait_for 10 running pause || fail "pause not running"
PAUSE_PID="$(task_pid pause)"
log "pause: pid $PAUSE_PID, uid $(awk '$1 == "Uid:" { print $2 }' "/proc/$PAUSE_PID/status"), rootfs: $(ls -A "/proc/$PAUSE_PID/root" | tr '\n' ' ')"
# An orphan in the container's PID namespace is reparented to pause; once it exits it must not stay a zombie.
nsenter -t "$PAUSE_PID" -p -- /bin/sh -c 'sleep 1 & exit 0'
children() { for s in /proc/[0-9]*/status; do awk -v p="$PAUSE_PID" '$1 == "PPid:" && $2 == p { f = 1 } $1 == "State:" { st = $2 } END { if (f) print st }' "$s" 2>/dev/null; done; }
[ -n "$(children)" ] || fail "the orphan was not reparented to pause"
log "pause: orphan reparented to pause (state $(children | tr '\n' ' '))"
no_children() { [ -z "$(children)" ]; }
wait_for 5 no_children || fail "pause left children: $(children | tr '\n' ' ')"
log "pause: orphan reaped, no zombie"
start=$(date +%s.%N)
C task kill pause
timeout 5 tail --pid="$PAUSE_RUN" -f /dev/null || fail "pause did not stop within 5s of SIGTERM"
rc=0; wait "$PAUSE_RUN" || rc=$?
[ "$rc" = 0 ] || fail "pause exited $rc on SIGTERM"
log "pause: SIGTERM -> exit 0 in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2fs", b - a }')"

# ---------------------------------------------------------------- coredns (when build.sh was given a binary)
if [ -n "${COREDNS_IMAGE:-}" ]; then
    # ctr run ARGS replace the whole command (entrypoint included), unlike a pod's args: name the binary.
    C run --rm "${RUNC_OPTS[@]}" --cgroup "/$CGROUP_PARENT/coredns" "${DROP_ALL[@]}" --seccomp "$COREDNS_IMAGE" coredns /coredns -version \
        >"$T/coredns.out" 2>"$T/coredns.err" || fail "coredns -version"
    log "coredns: $(head -n 1 "$T/coredns.out")"
else
    log "coredns: no image (build.sh without --coredns), skipped"
fi
