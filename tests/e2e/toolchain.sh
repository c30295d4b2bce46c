#!/usr/bin/env bash
# Builds, from Go modules only, everything the e2e tests run:
#   pulumi                                           (tools/pulumi)
#   pulumi-language-nodejs, pulumi-language-python
#   (+ the Python SDK's run script),
#   pulumi-language-go                               (language-hosts: tools/language-hosts)
#   pulumi-resource-kubernetes                       (tools/kubernetes-provider)
#   pulumi-resource-tls, pulumi-resource-random      (tools/tf-providers)
#   kube-apiserver, kube-controller-manager,
#   kube-scheduler, kubectl                          (tools/controlplane)
#   etcd                                             (tools/etcd)
#   kwok (+ its node and pod Stage files)            (tools/kwok)
#   kubelet, kube-proxy                              (node: tools/controlplane)
#   coredns                                          (tools/coredns)
#   nginx-service-cloud-controller                   (tools/cloud-controller)
#   kube-router (its network policy firewall is run) (tools/kube-router)
#   pulumi-language-yaml                             (tools/yaml)
#   the node's images: pause, nginx, client, coredns (images: tests/e2e/images)
# into a cache outside the repository:
#   ${NGINX_SERVICE_E2E_CACHE:-$HOME/.cache/nginx-service-e2e}/<versions-key>/bin
#
#   tests/e2e/toolchain.sh             build what is missing (idempotent), print each build's time
#   tests/e2e/toolchain.sh GROUP...    build only these groups (pulumi language-hosts
#                                      kubernetes-provider tf-providers controlplane etcd kwok
#                                      node coredns cloud-controller kube-router images yaml)
#   tests/e2e/toolchain.sh --check [SUITE]
#                                      build nothing; exit 0 and print the bin dir if every group
#                                      SUITE needs is built (default: all), exit 1 and name the
#                                      missing groups otherwise. Suites: kwok (the API-server suite
#                                      on kwok's fake node), cluster (the real single-node cluster),
#                                      multinode (the same cluster with three nodes: the same groups),
#                                      languages (the package from Python, Go and Pulumi YAML
#                                      programs, on the real single-node cluster)
#   tests/e2e/toolchain.sh --suite SUITE
#                                      build the groups SUITE needs
#   tests/e2e/toolchain.sh --list      print groups, versions and cache state
#
# Each group is cached under groups/<group>-<hash of its tools module, its
# recipe below and the Go version>; <versions-key> names the whole set, and
# its bin/ holds symlinks into the groups. Builds run one after another
# (`go build` already uses every core), under `nice`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="$HERE/tools"
CACHE_ROOT="${NGINX_SERVICE_E2E_CACHE:-$HOME/.cache/nginx-service-e2e}"

# ---- versions (the recipe) ----------------------------------------------------
PULUMI_VERSION=3.248.0
# pulumi-kubernetes provider: the only version the module proxy serves is the
# untagged commit f47bc2d6f199 of 2026-01-15, 1.5 days before the v4.25.0 tag.
K8S_PROVIDER_COMMIT=f47bc2d6f199
K8S_PROVIDER_VERSION=4.25.0-dev.20260115033456+$K8S_PROVIDER_COMMIT
# Our bridged Terraform providers (see tools/tf-providers/info/info.go):
# upstream terraform-provider-tls 857b38cda3fc (2026-01-30) and
# terraform-provider-random f8d869dc98d9 (2026-05-13), bridge v3.120.0.
TLS_VERSION=0.0.0-e2e.tfbridge.3.120.0.tls.857b38cda3fc
RANDOM_VERSION=0.0.0-e2e.tfbridge.3.120.0.random.f8d869dc98d9
K8S_VERSION=1.34.4
ETCD_VERSION=3.6.16
KWOK_VERSION=0.8.0
COREDNS_VERSION=1.12.1
# pulumi-yaml: the newest version the module proxy serves (see tools/yaml/main.go).
YAML_VERSION=1.25.0
# kube-router: the only version the module proxy serves; only its network policy firewall is run
# (controlplane.sh; the advisories against v2.1.0 concern its proxy and BGP router, see docs/real-cluster.md).
KUBE_ROUTER_VERSION=2.1.0

GROUPS_ALL=(pulumi language-hosts kubernetes-provider tf-providers controlplane etcd kwok node coredns cloud-controller kube-router images yaml)

# What each suite runs. A suite runs when its groups are built, whatever the others' state.
suite_groups() {
  case $1 in
    kwok) echo pulumi language-hosts kubernetes-provider tf-providers controlplane etcd kwok ;;
    # multinode: the same cluster with several nodes (controlplane.sh --nodes), the same groups.
    cluster|multinode) echo pulumi language-hosts kubernetes-provider tf-providers controlplane etcd node coredns cloud-controller kube-router images ;;
    languages) echo "$(suite_groups cluster) yaml" ;;
    all) echo "${GROUPS_ALL[@]}" ;;
    *) echo "toolchain: unknown suite $1 (kwok, cluster, multinode, languages, all)" >&2; return 1 ;;
  esac
}

# The tools module (under tools/) or source folder a group is built from.
group_src() {
  case $1 in
    node) echo "$TOOLS/controlplane" ;;
    images) echo "$HERE/images" ;;
    *) echo "$TOOLS/$1" ;;
  esac
}

group_bins() {
  case $1 in
    pulumi) echo pulumi ;;
    language-hosts) echo pulumi-language-nodejs pulumi-language-python pulumi-language-python-exec pulumi-language-go ;;
    kubernetes-provider) echo pulumi-resource-kubernetes ;;
    tf-providers) echo pulumi-resource-tls pulumi-resource-random ;;
    controlplane) echo kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
    etcd) echo etcd ;;
    kwok) echo kwok ;;
    node) echo kubelet kube-proxy ;;
    coredns) echo coredns ;;
    cloud-controller) echo nginx-service-cloud-controller ;;
    kube-router) echo kube-router ;;
    images) ;;  # no binaries: archives under share/images (group_outputs)
    yaml) echo pulumi-language-yaml ;;
    *) echo "unknown group $1" >&2; return 1 ;;
  esac
}

group_recipe() {
  case $1 in
    pulumi) echo "pulumi=$PULUMI_VERSION" ;;
    language-hosts) echo "pulumi-sdk=$PULUMI_VERSION" ;;
    kubernetes-provider) echo "kubernetes-provider=$K8S_PROVIDER_VERSION" ;;
    tf-providers) echo "tls=$TLS_VERSION random=$RANDOM_VERSION" ;;
    controlplane) echo "kubernetes=$K8S_VERSION" ;;
    etcd) echo "etcd=$ETCD_VERSION" ;;
    kwok) echo "kwok=$KWOK_VERSION stages=node-fast,node-heartbeat-with-lease,pod-fast" ;;
    node) echo "kubernetes=$K8S_VERSION" ;;
    coredns) echo "coredns=$COREDNS_VERSION" ;;
    cloud-controller) echo "cloud-provider=$K8S_VERSION" ;;
    kube-router) echo "kube-router=$KUBE_ROUTER_VERSION" ;;
    images) echo "debian=$(debian_versions)" ;;
    yaml) echo "pulumi-yaml=$YAML_VERSION" ;;
  esac
}

GO_VERSION=$(go env GOVERSION 2>/dev/null || echo no-go)

group_hash() {
  local g=$1
  {
    echo "recipe-v1 $(group_recipe "$g") $GO_VERSION"
    (cd "$(group_src "$g")" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \
      -o -name '*.sh' -o -name '*.c' -o -name '*.conf' \) ! -name '*_test.go' | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-12
}

group_dir() { echo "$CACHE_ROOT/groups/$1-$(group_hash "$1")"; }

versions_key() {
  local g
  for g in "${GROUPS_ALL[@]}"; do echo "$g $(group_hash "$g")"; done | sha256sum | cut -c1-12
}

key_dir() { echo "$CACHE_ROOT/e2e-$(versions_key)"; }

# What a built group holds, relative to its dir.
group_outputs() {
  local b
  case $1 in
    images) echo share/images/images.env ;;
    *) for b in $(group_bins "$1"); do echo "bin/$b"; done ;;
  esac
}

group_complete() {
  local d f
  d=$(group_dir "$1")
  [[ -f $d/complete ]] || return 1
  for f in $(group_outputs "$1"); do [[ -s $d/$f ]] || return 1; done
}

# Expected cold build time in seconds on this 2-core machine, shown before each build: measured in
# this order, each group after the ones before it (they share the Go caches); yaml's is an estimate.
group_expected_secs() {
  case $1 in
    pulumi) echo 430 ;; language-hosts) echo 140 ;; kubernetes-provider) echo 570 ;; tf-providers) echo 175 ;; controlplane) echo 505 ;;
    etcd) echo 75 ;; kwok) echo 145 ;; node) echo 110 ;; coredns) echo 260 ;; cloud-controller) echo 50 ;;
    kube-router) echo 600 ;; images) echo 15 ;; yaml) echo 150 ;;
  esac
}

# Versions of the Debian packages the node's images are made of: a new package version rebuilds them.
debian_versions() {
  dpkg-query -W -f '${Package}=${Version},' nginx curl openssl libc6 2>/dev/null || echo none
}

export GOTOOLCHAIN=local CGO_ENABLED=0
GOBUILD=(nice -n 10 go build -trimpath)

# Copies a tools module to a scratch dir outside the repo (for generated files).
scratch_copy() { # group dest
  rm -rf "$2"
  mkdir -p "$2"
  cp -a "$TOOLS/$1/." "$2/"
}

# The directory of a dependency in the module cache, downloading it if needed
# (go list -m prints an empty Dir for a module not downloaded yet).
module_dir() { # tools-module-dir module
  local d
  d=$(cd "$1" && go mod download -json "$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -n $d && -d $d ]] || { echo "toolchain: cannot find $2 in the module cache" >&2; return 1; }
  echo "$d"
}

# Kubernetes binaries report the release they are built from only when told.
k8s_ldflags() {
  local ld="-s -w" v
  for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $v.gitVersion=v$K8S_VERSION -X $v.gitMajor=${K8S_VERSION%%.*}"
    ld+=" -X $v.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION") -X $v.gitTreeState=clean"
  done
  echo "$ld"
}

build_group() { # group outdir(bin parent)
  local g=$1 out=$2 src dir
  mkdir -p "$out/bin"
  case $g in
    pulumi)
      (cd "$TOOLS/pulumi" &&
        "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
          -o "$out/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
      ;;
    language-hosts)
      local lang
      for lang in nodejs python go; do
        (cd "$TOOLS/language-hosts" &&
          "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
            -o "$out/bin/pulumi-language-$lang" "./$lang")
      done
      # The Python SDK's run script is not in the `pulumi` wheel: it comes with the Go module the
      # hosts are built from, and the Python host runs it from beside itself.
      dir=$(module_dir "$TOOLS/language-hosts" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")
      install -m 0755 "$dir/python/cmd/pulumi-language-python-exec" "$out/bin/pulumi-language-python-exec"
      ;;
    kubernetes-provider)
      src=$out/src
      scratch_copy kubernetes-provider "$src"
      dir=$(module_dir "$src" github.com/pulumi/pulumi-kubernetes/provider/v4)
      # The module's committed schema.json, with the version we build filled in.
      node -e '
        const fs = require("fs");
        const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        s.version = process.argv[2];
        fs.writeFileSync(process.argv[3], JSON.stringify(s));
      ' "$dir/cmd/pulumi-resource-kubernetes/schema.json" "$K8S_PROVIDER_VERSION" "$src/schema.json"
      cp "$dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$src/terraform-mapping.json"
      chmod u+w "$src"/*.json
      (cd "$src" &&
        "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
          -o "$out/bin/pulumi-resource-kubernetes" .)
      rm -rf "$src"
      ;;
    tf-providers)
      src=$out/src
      scratch_copy tf-providers "$src"
      local ld="-s -w -X nginx-service/e2e-tools/tf-providers/info.TLSVersion=$TLS_VERSION -X nginx-service/e2e-tools/tf-providers/info.RandomVersion=$RANDOM_VERSION"
      local p
      for p in tls random; do
        # The resource mains embed these; placeholders let tfgen's package build.
        echo '{}' >"$src/cmd/pulumi-resource-$p/schema.json"
        echo '{}' >"$src/cmd/pulumi-resource-$p/bridge-metadata.json"
      done
      (cd "$src" && "${GOBUILD[@]}" -ldflags "$ld" -o "$src/pulumi-tfgen" ./cmd/pulumi-tfgen)
      for p in tls random; do
        mkdir -p "$src/gen/$p"
        (cd "$src/gen/$p" && PULUMI_SKIP_UPDATE_CHECK=true PULUMI_HOME="$src/gen/home" \
          "$src/pulumi-tfgen" "$p" schema --out "$src/gen/$p" >"$src/gen/$p.log" 2>&1) || {
          cat "$src/gen/$p.log" >&2
          return 1
        }
        cp "$src/gen/$p/schema.json" "$src/cmd/pulumi-resource-$p/schema.json"
        if [[ -f $src/gen/$p/bridge-metadata.json ]]; then
          cp "$src/gen/$p/bridge-metadata.json" "$src/cmd/pulumi-resource-$p/bridge-metadata.json"
        fi
        mkdir -p "$out/share/schemas"
        cp "$src/gen/$p/schema.json" "$out/share/schemas/$p.json"
        (cd "$src" && "${GOBUILD[@]}" -ldflags "$ld" -o "$out/bin/pulumi-resource-$p" "./cmd/pulumi-resource-$p")
      done
      rm -rf "$src"
      ;;
    controlplane|node)
      local b
      for b in $(group_bins "$g"); do
        (cd "$TOOLS/controlplane" && "${GOBUILD[@]}" -ldflags "$(k8s_ldflags)" -o "$out/bin/$b" "k8s.io/kubernetes/cmd/$b")
      done
      ;;
    coredns)
      (cd "$TOOLS/coredns" && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=v$COREDNS_VERSION" \
        -o "$out/bin/coredns" .)
      ;;
    cloud-controller)
      (cd "$TOOLS/cloud-controller" && "${GOBUILD[@]}" -ldflags "$(k8s_ldflags)" -o "$out/bin/nginx-service-cloud-controller" .)
      ;;
    kube-router)
      (cd "$TOOLS/kube-router" && "${GOBUILD[@]}" \
        -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v$KUBE_ROUTER_VERSION" \
        -o "$out/bin/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router)
      ;;
    images)
      bash "$HERE/images/build.sh" "$out/share/images"
      ;;
    yaml)
      (cd "$TOOLS/yaml" && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_VERSION" \
        -o "$out/bin/pulumi-language-yaml" .)
      ;;
    etcd)
      (cd "$TOOLS/etcd" && "${GOBUILD[@]}" -ldflags "-s -w" -o "$out/bin/etcd" go.etcd.io/etcd/server/v3)
      ;;
    kwok)
      (cd "$TOOLS/kwok" && "${GOBUILD[@]}" -ldflags "-s -w" -o "$out/bin/kwok" sigs.k8s.io/kwok/cmd/kwok)
      dir=$(module_dir "$TOOLS/kwok" sigs.k8s.io/kwok)
      mkdir -p "$out/share/kwok-stages"
      # kwok's own node and pod stages (once a config has any Stage, kwok uses only those).
      cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" \
        "$dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
        "$dir/kustomize/stage/pod/fast/pod-ready.yaml" \
        "$dir/kustomize/stage/pod/fast/pod-complete.yaml" \
        "$dir/kustomize/stage/pod/fast/pod-delete.yaml" \
        "$out/share/kwok-stages/"
      chmod u+w "$out/share/kwok-stages/"*
      ;;
  esac
}

assemble_key_dir() {
  local kd g b
  kd=$(key_dir)
  local tmp="$kd.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin" "$tmp/share"
  for g in "${GROUPS_ALL[@]}"; do
    for b in $(group_bins "$g"); do ln -s "$(group_dir "$g")/bin/$b" "$tmp/bin/$b"; done
  done
  # Links to groups not built yet dangle until they are: a suite checks its own groups.
  ln -s "$(group_dir kwok)/share/kwok-stages" "$tmp/share/kwok-stages"
  ln -s "$(group_dir images)/share/images" "$tmp/share/images"
  {
    echo "pulumi $PULUMI_VERSION"
    echo "pulumi-language-nodejs pulumi-language-python pulumi-language-go $PULUMI_VERSION (own hosts, tools/language-hosts)"
    echo "pulumi-language-python-exec from github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION (python/cmd)"
    echo "pulumi-language-yaml v$YAML_VERSION (pulumi-yaml's host, own main, tools/yaml)"
    echo "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION"
    echo "pulumi-resource-tls $TLS_VERSION"
    echo "pulumi-resource-random $RANDOM_VERSION"
    echo "kube-apiserver kube-controller-manager kube-scheduler kubectl v$K8S_VERSION"
    echo "etcd v$ETCD_VERSION"
    echo "kwok v$KWOK_VERSION"
    echo "kubelet kube-proxy v$K8S_VERSION"
    echo "coredns v$COREDNS_VERSION (own main, tools/coredns)"
    echo "nginx-service-cloud-controller (own, tools/cloud-controller, k8s.io/cloud-provider v$K8S_VERSION)"
    echo "kube-router v$KUBE_ROUTER_VERSION (network policy firewall only)"
    echo "images from Debian packages: $(debian_versions)"
    echo "go $GO_VERSION"
  } >"$tmp/VERSIONS"
  rm -rf "$kd"
  mv "$tmp" "$kd"
}

check() { # [suite]
  local suite=${1:-all} g missing=()
  for g in $(suite_groups "$suite"); do
    group_complete "$g" || missing+=("$g")
  done
  if (( ${#missing[@]} )); then
    echo "toolchain: the $suite suite needs groups not built yet: ${missing[*]} (build them with: bash tests/e2e/toolchain.sh --suite $suite)" >&2
    return 1
  fi
  [[ -f $(key_dir)/VERSIONS ]] || assemble_key_dir
  echo "$(key_dir)/bin"
}

list() {
  local g state
  for g in "${GROUPS_ALL[@]}"; do
    if group_complete "$g"; then state="built in $(<"$(group_dir "$g")/complete")s"; else state="not built"; fi
    printf '%-20s %-60s %s\n' "$g" "$(group_recipe "$g")" "$state"
  done
  echo "bin dir: $(key_dir)/bin"
}

main() {
  case ${1:-} in
    --check) check "${2:-all}"; return ;;
    --list) list; return ;;
    -h|--help) sed -n '2,36p' "$0"; return ;;
  esac
  command -v go >/dev/null || { echo "toolchain: go not found" >&2; exit 1; }
  local groups=("$@") g d f t0 secs total=0
  if [[ ${1:-} == --suite ]]; then
    read -r -a groups <<<"$(suite_groups "${2:?--suite needs a suite name}")"
  fi
  (( ${#groups[@]} )) || groups=("${GROUPS_ALL[@]}")
  for g in "${groups[@]}"; do group_bins "$g" >/dev/null; done
  mkdir -p "$CACHE_ROOT/groups"
  for g in "${groups[@]}"; do
    d=$(group_dir "$g")
    if group_complete "$g"; then
      echo "toolchain: $g cached ($(group_outputs "$g" | xargs); built in $(<"$d/complete")s)"
      continue
    fi
    echo "toolchain: building $g ($(group_recipe "$g")), about $(( ($(group_expected_secs "$g") + 59) / 60 )) min cold ..."
    rm -rf "$d.tmp"
    mkdir -p "$d.tmp"
    t0=$(date +%s)
    # In a background subshell so that `set -e` holds inside build_group
    # (bash ignores it in a function called as an `if` condition).
    ( build_group "$g" "$d.tmp" ) &
    if ! wait $!; then
      echo "toolchain: building $g FAILED after $(( $(date +%s) - t0 ))s" >&2
      exit 1
    fi
    for f in $(group_outputs "$g"); do
      [[ -s $d.tmp/$f ]] || { echo "toolchain: $g: $f was not built" >&2; exit 1; }
    done
    secs=$(( $(date +%s) - t0 ))
    echo "$secs" >"$d.tmp/complete"
    rm -rf "$d"
    mv "$d.tmp" "$d"
    total=$(( total + secs ))
    echo "toolchain: built $g in ${secs}s"
  done
  echo "toolchain: ${total}s building in this run"
  if check >/dev/null 2>&1; then
    echo "toolchain: ready: $(key_dir)/bin"
  fi
}

main "$@"
