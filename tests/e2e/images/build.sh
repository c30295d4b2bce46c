#!/usr/bin/env bash
# Builds the container images of the real-cluster e2e suite as OCI image-layout archives,
# offline, from files of Debian packages installed on this machine plus pause.c, with no registry, no
# Docker and no image tool: a layer is a sorted tar of a root filesystem, the config, manifest and index
# are written with jq, and the archive is importable with `ctr -n k8s.io images import FILE`.
#
#   bash tests/e2e/images/build.sh OUTDIR [--coredns PATH] [--only NAME[,NAME...]]
#
# Writes OUTDIR/<name>.tar for pause, nginx, client (and coredns when given a binary, by --coredns or
# COREDNS_BIN), OUTDIR/<name>.packages (the Debian package and version of every file taken from the
# machine) and OUTDIR/images.env (PAUSE_IMAGE=..., NGINX_IMAGE=..., ...), and prints the references.
#
# Why files of the installed packages and not `apt-get download` + `dpkg-deb -x`: the build then needs no
# network at all, takes seconds, and copies exactly the binaries the data-plane tests (tests/harness/
# nginx.ts) already run; the shared libraries are found with ldd, so the image holds the closure the
# binary really loads instead of whole packages (nginx's image is ~6 MB, not the ~60 MB of its
# dependencies' .debs). The cost: the content follows what is installed here, which is why each image's
# package list is written next to it, recorded in its config labels, and checked against dpkg's md5sums.
#
# Deterministic: every tar is sorted by name with owners and mtimes fixed (SOURCE_DATE_EPOCH, default 0)
# and gzip -6 -n (-9 costs 3x the CPU for 0.5% less), so the same installed packages give the same digests.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_PREFIX="${NGINX_SERVICE_IMAGE_PREFIX:-localhost/nginx-service}"
EPOCH="${SOURCE_DATE_EPOCH:-0}"
CREATED="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
export LC_ALL=C
umask 022

usage() { echo "usage: $0 OUTDIR [--coredns PATH] [--only pause,nginx,client,coredns]" >&2; exit 2; }
die() { echo "build.sh: $*" >&2; exit 1; }

OUT=""
COREDNS="${COREDNS_BIN:-}"
ONLY="pause,nginx,client,coredns"
while [ $# -gt 0 ]; do
    case "$1" in
        --coredns) COREDNS="${2:?--coredns needs a path}"; shift 2 ;;
        --only) ONLY="${2:?--only needs names}"; shift 2 ;;
        -h|--help) usage ;;
        -*) usage ;;
        *) [ -z "$OUT" ] || usage; OUT="$1"; shift ;;
    esac
done
[ -n "$OUT" ] || usage
for tool in jq gcc readelf tar gzip sha256sum ldd dpkg-query; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: jq, gcc, binutils, libc6-dev, tar, gzip, coreutils, libc-bin, dpkg)"
done
[ "$(dpkg --print-architecture)" = amd64 ] || die "only amd64 is built (the images say linux/amd64)"
[ "$(id -u)" = 0 ] || die "run as root: the root filesystems are laid out with their final owners"
wanted() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nginx-service-images.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- root filesystem helpers

# A skeleton with Debian's merged-/usr layout, so library paths ldd reports (/lib/..., /lib64/...) exist.
new_rootfs() {
    local root="$1"
    mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root"/usr/lib "$root"/usr/lib64 "$root"/etc
    ln -s usr/bin "$root/bin"
    ln -s usr/sbin "$root/sbin"
    ln -s usr/lib "$root/lib"
    ln -s usr/lib64 "$root/lib64"
    install -d -m 1777 "$root/tmp"
}

# Paths of host files copied into the rootfs being built, for the package list.
COPIED=()
ADDED=()

# Copies host file $2 to the same path in rootfs $1 (or to $3), resolving the host's merged-/usr
# symlinks; a symlink to a file (a library's soname link) is copied as the same symlink plus its target.
add_file() {
    local root="$1" src="$2" dest="${3:-$2}"
    [ -e "$src" ] || die "$src not found on this machine"
    # Many binaries share libraries: a path copied once is done.
    case " ${ADDED[*]-} " in *" $root:$dest "*) return 0 ;; esac
    ADDED+=("$root:$dest")
    local dir real
    dir="$(realpath "$(dirname "$dest")")"
    [ "$dest" = "$src" ] || dir="$(dirname "$dest")"
    mkdir -p "$root$dir"
    if [ -L "$src" ] && [ "$dest" = "$src" ]; then
        real="$(realpath "$src")"
        mkdir -p "$root$(dirname "$real")"
        cp -p "$real" "$root$real"
        COPIED+=("$real")
        [ -e "$root$dir/$(basename "$src")" ] || ln -s "$(readlink "$src")" "$root$dir/$(basename "$src")"
    else
        cp -pL "$src" "$root$dir/$(basename "$dest")"
    fi
    COPIED+=("$src")
}

# Copies an ELF executable and every shared library it loads (ldd), the dynamic loader included.
add_elf() {
    local root="$1" bin="$2" lib
    add_file "$root" "$bin"
    while read -r lib; do
        add_file "$root" "$lib"
    done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# The Debian package (and version) of every copied file, one "package version" line each, sorted;
# fails when a file belongs to no package or differs from what its package installed (dpkg's md5sums).
package_list() {
    local root="$1" list="$2"
    [ ${#COPIED[@]} -gt 0 ] || { : >"$list"; return; }
    # dpkg knows a file by the path its package ships, /lib/... or /usr/lib/...: ask for both spellings.
    local queries=() p q
    for p in $(printf '%s\n' "${COPIED[@]}" | sort -u); do
        queries+=("$p")
        case "$p" in
            /usr/lib/*|/usr/lib64/*|/usr/bin/*|/usr/sbin/*) queries+=("${p#/usr}") ;;
            /lib/*|/lib64/*|/bin/*|/sbin/*) queries+=("/usr$p") ;;
        esac
    done
    dpkg-query -S "${queries[@]}" 2>/dev/null | grep -v '^diversion' >"$WORK/owners" || true
    for p in $(printf '%s\n' "${COPIED[@]}" | sort -u); do
        local alt="/usr$p"
        case "$p" in /usr/*) alt="${p#/usr}" ;; esac
        q="$(awk -F': ' -v a="$p" -v b="$alt" '$2 == a || $2 == b { print $1; exit }' "$WORK/owners")"
        [ -n "$q" ] || die "$p belongs to no Debian package"
        q="${q%%,*}"
        local pkg="${q%%:*}" md5 want
        # Integrity: the file must be what the package installed (conffiles are checked the same way).
        want="$(awk -v a="${p#/}" -v b="${alt#/}" '$2 == a || $2 == b { print $1; exit }' "/var/lib/dpkg/info/$q.md5sums" "/var/lib/dpkg/info/$pkg.md5sums" 2>/dev/null || true)"
        [ -n "$want" ] || want="$(dpkg-query -W -f='${Conffiles}\n' "$q" | awk -v a="$p" -v b="$alt" '$1 == a || $1 == b { print $2; exit }')"
        md5="$(md5sum <"$(realpath "$p")" | cut -d' ' -f1)"
        [ -z "$want" ] || [ "$want" = "$md5" ] || die "$p differs from what package $q installed (md5 $md5, dpkg says $want)"
        echo "$pkg $q"
    done | sort -u | while read -r pkg q; do
        echo "$pkg $(dpkg-query -W -f='${Version}' "$q")"
    done | sort -u >"$list"
}

# ---------------------------------------------------------------- OCI image layout

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# Writes a blob into layout $1 and echoes its digest (hex).
put_blob() {
    local layout="$1" file="$2" digest
    digest="$(sha "$file")"
    mkdir -p "$layout/blobs/sha256"
    cp "$file" "$layout/blobs/sha256/$digest"
    echo "$digest"
}

# make_image NAME REF ROOTFS CONFIG_JSON
# CONFIG_JSON is the image config's "config" object (User, Entrypoint, ...). One layer; the archive is
# OUT/NAME.tar; the index names the image by io.containerd.image.name (what ctr import uses) and by
# org.opencontainers.image.ref.name (the tag, as other OCI tools expect).
make_image() {
    local name="$1" ref="$2" root="$3" config="$4"
    local layout="$WORK/$name-layout" layer="$WORK/$name-layer.tar"
    rm -rf "$layout"
    mkdir -p "$layout"
    tar --create --file "$layer" --directory "$root" --sort=name --format=gnu --numeric-owner \
        --mtime="@$EPOCH" --no-acls --no-xattrs --no-selinux .
    gzip -6 -n -c "$layer" >"$layer.gz"
    local diff_id layer_digest config_digest manifest_digest
    diff_id="$(sha "$layer")"
    layer_digest="$(put_blob "$layout" "$layer.gz")"
    jq -n --argjson config "$config" --arg created "$CREATED" --arg diff "sha256:$diff_id" --arg by "tests/e2e/images/build.sh ($name)" '{
        created: $created, architecture: "amd64", os: "linux", config: $config,
        rootfs: { type: "layers", diff_ids: [$diff] },
        history: [ { created: $created, created_by: $by } ]
    }' >"$WORK/$name-config.json"
    config_digest="$(put_blob "$layout" "$WORK/$name-config.json")"
    jq -n --arg cd "sha256:$config_digest" --argjson cs "$(size "$WORK/$name-config.json")" \
        --arg ld "sha256:$layer_digest" --argjson ls "$(size "$layer.gz")" '{
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs },
        layers: [ { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls } ]
    }' >"$WORK/$name-manifest.json"
    manifest_digest="$(put_blob "$layout" "$WORK/$name-manifest.json")"
    jq -n --arg md "sha256:$manifest_digest" --argjson ms "$(size "$WORK/$name-manifest.json")" \
        --arg ref "$ref" --arg tag "${ref##*:}" '{
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [ {
            mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
            platform: { architecture: "amd64", os: "linux" },
            annotations: { "io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $tag }
        } ]
    }' >"$layout/index.json"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
    tar --create --file "$OUT/$name.tar.tmp" --directory "$layout" --sort=name --format=gnu \
        --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" oci-layout index.json blobs
    mv "$OUT/$name.tar.tmp" "$OUT/$name.tar"
    echo "$manifest_digest" >"$OUT/$name.digest"
}

# Labels for the image config: where it came from and which Debian packages it holds.
labels() {
    local title="$1" version="$2" list="$3"
    jq -n --arg title "$title" --arg version "$version" --arg created "$CREATED" \
        --arg packages "$(tr '\n' ',' <"$list" | sed 's/,$//; s/,/, /g')" '{
        "org.opencontainers.image.title": $title,
        "org.opencontainers.image.version": $version,
        "org.opencontainers.image.created": $created,
        "org.opencontainers.image.description": "built by nginx-service tests/e2e/images/build.sh from Debian packages installed on the build machine",
        "io.nginx-service.debian-packages": $packages
    }'
}

sanitize_tag() { echo "$1" | sed 's/[^A-Za-z0-9_.-]/_/g'; }

declare -A REFS=()
timed() {
    local name="$1"; shift
    local start end
    start="$(date +%s.%N)"
    "$@"
    end="$(date +%s.%N)"
    printf '%-8s %-48s %6.1fs %9s bytes\n' "$name" "${REFS[$name]}" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$(size "$OUT/$name.tar")" >&2
}

# ---------------------------------------------------------------- pause

build_pause() {
    local root="$WORK/pause-root"
    mkdir -p "$root"
    gcc -static -Os -s -Wall -Wextra -Werror -o "$root/pause" "$HERE/pause.c"
    COPIED=()
    echo "gcc $(dpkg-query -W -f='${Version}' gcc) libc6-dev $(dpkg-query -W -f='${Version}' libc6-dev) (static link)" >"$OUT/pause.packages"
    REFS[pause]="$REPO_PREFIX/pause:1"
    # Same user as Kubernetes' own pause image: nobody's numeric id, no /etc/passwd needed.
    make_image pause "${REFS[pause]}" "$root" "$(jq -n --argjson labels "$(labels pause 1 "$OUT/pause.packages")" '{
        User: "65535:65535", Entrypoint: ["/pause"], Labels: $labels }')"
}

# ---------------------------------------------------------------- nginx

build_nginx() {
    local root="$WORK/nginx-root"
    COPIED=()
    new_rootfs "$root"
    add_elf "$root" /usr/sbin/nginx
    add_file "$root" /etc/nginx/mime.types
    # OpenSSL reads its config at startup (Debian's sets the security level nginx's TLS runs at here).
    add_file "$root" /etc/ssl/openssl.cnf
    mkdir -p "$root/usr/lib/ssl"
    ln -s /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
    # Debian's welcome page (nginx-common), at the document root the component's config names.
    add_file "$root" /usr/share/nginx/html/index.html
    # The ConfigMap and the TLS Secret are mounted here; empty in the image, so no other server exists.
    install -d -m 0755 "$root/etc/nginx/conf.d" "$root/etc/nginx/ssl"
    printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnginx:x:101:101:nginx user:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnginx:x:101:\n' >"$root/etc/group"
    cat >"$root/etc/nginx/nginx.conf" <<'EOF'
# nginx.conf of nginx-service's e2e nginx image (tests/e2e/images/build.sh), after the contract of
# nginxinc/nginx-unprivileged: runs as uid 101 without root, everything it writes is under /tmp, logs go
# to stdout/stderr, and the only servers are those of /etc/nginx/conf.d (the component's ConfigMap).
daemon off;
worker_processes auto;
error_log /dev/stderr notice;
pid /tmp/nginx.pid;

events {
    worker_connections 1024;
}

http {
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;

    include /etc/nginx/mime.types;
    default_type application/octet-stream;

    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log /dev/stdout main;

    sendfile on;
    keepalive_timeout 65;

    include /etc/nginx/conf.d/*.conf;
}
EOF
    chmod 0644 "$root/etc/nginx/nginx.conf" "$root/etc/passwd" "$root/etc/group"
    package_list "$root" "$OUT/nginx.packages"
    local version tag
    version="$(dpkg-query -W -f='${Version}' nginx)"
    tag="$(sanitize_tag "$version")"
    REFS[nginx]="$REPO_PREFIX/nginx:$tag"
    make_image nginx "${REFS[nginx]}" "$root" "$(jq -n --argjson labels "$(labels nginx "$version" "$OUT/nginx.packages")" '{
        User: "101:101",
        Env: ["PATH=/usr/sbin:/usr/bin"],
        Entrypoint: ["/usr/sbin/nginx"],
        Cmd: ["-c", "/etc/nginx/nginx.conf"],
        ExposedPorts: { "8080/tcp": {}, "8443/tcp": {} },
        StopSignal: "SIGQUIT",
        Labels: $labels }')"
}

# ---------------------------------------------------------------- client

build_client() {
    local root="$WORK/client-root" tool
    COPIED=()
    new_rootfs "$root"
    add_elf "$root" /usr/bin/curl
    add_elf "$root" /usr/bin/openssl
    # getent resolves through glibc's NSS ("hosts: files dns", resolv.conf's search list and ndots), the
    # way every program in a pod does; glibc 2.36 has the dns module inside libc.so.6.
    add_elf "$root" /usr/bin/getent
    add_elf "$root" /usr/bin/dash
    ln -s dash "$root/usr/bin/sh"
    for tool in cat env sleep timeout seq head tail tr wc cut sort uniq tee date id ls mkdir rm true false printf echo test basename dirname; do
        add_elf "$root" "/usr/bin/$tool"
    done
    add_elf "$root" /usr/bin/grep
    add_file "$root" /etc/ssl/openssl.cnf
    mkdir -p "$root/usr/lib/ssl"
    ln -s /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
    printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
    chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
    install -d -m 0755 -o 65532 -g 65532 "$root/home/nonroot"
    package_list "$root" "$OUT/client.packages"
    REFS[client]="$REPO_PREFIX/client:1"
    # The default command waits and exits 0 on SIGTERM (a plain `sleep` as PID 1 would ignore it and make
    # every pod deletion wait out its grace period); tests `kubectl exec` into it.
    make_image client "${REFS[client]}" "$root" "$(jq -n --argjson labels "$(labels client 1 "$OUT/client.packages")" '{
        User: "65532:65532",
        Env: ["PATH=/usr/bin:/bin", "HOME=/home/nonroot"],
        WorkingDir: "/home/nonroot",
        Cmd: ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; sleep infinity & wait"],
        Labels: $labels }')"
}

# ---------------------------------------------------------------- one static binary

# single_binary_image NAME REF BINARY [ENTRYPOINT_ARGS_JSON]: an image whose only file is BINARY at
# /<basename>, its entrypoint. The binary must be static: the image has no loader and no libraries.
single_binary_image() {
    local name="$1" ref="$2" bin="$3" args="${4:-[]}"
    [ -f "$bin" ] && [ -x "$bin" ] || die "$name: $bin is not an executable file"
    # A program interpreter (PT_INTERP) means a dynamic executable; static and static-pie have none.
    if readelf -l "$bin" 2>/dev/null | grep -q 'program interpreter'; then
        die "$name: $bin is dynamically linked ($(readelf -l "$bin" | grep -o 'program interpreter: [^]]*')); build it static (CGO_ENABLED=0)"
    fi
    readelf -h "$bin" 2>/dev/null | grep -q 'Machine: *Advanced Micro Devices X86-64' || die "$name: $bin is not an x86-64 ELF executable"
    local root="$WORK/$name-root" base
    base="$(basename "$bin")"
    mkdir -p "$root"
    install -m 0755 "$bin" "$root/$base"
    echo "$base sha256:$(sha "$bin") (from $bin)" >"$OUT/$name.packages"
    REFS[$name]="$ref"
    make_image "$name" "$ref" "$root" "$(jq -n --arg ep "/$base" --argjson args "$args" \
        --argjson labels "$(labels "$name" "${ref##*:}" "$OUT/$name.packages")" '{
        Entrypoint: ([$ep] + $args), Labels: $labels }')"
}

build_coredns() {
    # CoreDNS listens on 53: the pod grants NET_BIND_SERVICE (or runs it on a high port); no User here.
    single_binary_image coredns "$REPO_PREFIX/coredns:$(sanitize_tag "${COREDNS_TAG:-1}")" "$COREDNS"
}

# ---------------------------------------------------------------- main

echo "building into $OUT (SOURCE_DATE_EPOCH=$EPOCH)" >&2
wanted pause && timed pause build_pause
wanted nginx && timed nginx build_nginx
wanted client && timed client build_client
if wanted coredns; then
    if [ -n "$COREDNS" ]; then
        timed coredns build_coredns
    else
        echo "coredns  skipped (no --coredns PATH or COREDNS_BIN)" >&2
    fi
fi

{
    for name in pause nginx client coredns; do
        [ -n "${REFS[$name]:-}" ] || continue
        echo "${name^^}_IMAGE=${REFS[$name]}"
        echo "${name^^}_ARCHIVE=$OUT/$name.tar"
    done
} >"$OUT/images.env.tmp"
# A partial build (--only) keeps the other images' lines of an earlier run.
if [ -f "$OUT/images.env" ]; then
    grep -v -F -f <(cut -d= -f1 "$OUT/images.env.tmp" | sed 's/$/=/') "$OUT/images.env" >>"$OUT/images.env.tmp" || true
fi
sort "$OUT/images.env.tmp" >"$OUT/images.env"
rm -f "$OUT/images.env.tmp"
for name in pause nginx client coredns; do
    [ -z "${REFS[$name]:-}" ] || echo "${REFS[$name]}"
done
