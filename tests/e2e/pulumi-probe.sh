#!/usr/bin/env bash
# Runs tests/e2e/probe (tls PrivateKey + SelfSignedCert, random RandomString,
# a Kubernetes ConfigMap) through `pulumi up`, `pulumi preview
# --expect-no-changes` and `pulumi destroy` against a fresh local control
# plane, with the same hermetic environment the e2e suite needs:
#   PATH                 toolchain bin dir first (pulumi, pulumi-language-nodejs and
#                        the pulumi-resource-* providers are found there)
#   PULUMI_BACKEND_URL   file:// in a temp dir
#   PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME (temp), PULUMI_SKIP_UPDATE_CHECK=true,
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
#   KUBECONFIG           from controlplane.sh (the program's k8s.Provider reads it)
# node_modules: a symlink to the repository's node_modules.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

BIN=$("$HERE/toolchain.sh" --check | tail -n 1)
W=$(mktemp -d "${TMPDIR:-/tmp}/nginx-service-probe.XXXXXX")
CP_DIR=""
cleanup() {
  [[ -n $CP_DIR ]] && "$HERE/controlplane.sh" stop "$CP_DIR"
  rm -rf "$W"
}
trap cleanup EXIT

out=$("$HERE/controlplane.sh" start --owner-pid $$)
CP_DIR=$(sed -n 's/^CONTROLPLANE_DIR=//p' <<<"$out")
export KUBECONFIG=$CP_DIR/kubeconfig

mkdir -p "$W/state" "$W/home"
cp -r "$HERE/probe" "$W/prog"
ln -s "$ROOT/node_modules" "$W/prog/node_modules"
export PATH="$BIN:$PATH"
export PULUMI_BACKEND_URL="file://$W/state"
export PULUMI_CONFIG_PASSPHRASE=e2e-passphrase
export PULUMI_HOME="$W/home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

cd "$W/prog"
pulumi version
pulumi stack init e2e --non-interactive
time pulumi up --yes --non-interactive --skip-preview
name=$(pulumi stack output configMapName)
kubectl -n default get configmap "$name" -o jsonpath='{.data.suffix}{"\n"}'
[[ $(kubectl -n default get configmap "$name" -o jsonpath='{.data.suffix}') == "$(pulumi stack output suffixResult)" ]]
time pulumi preview --expect-no-changes --non-interactive
pulumi stack export >"$W/state.json"
if grep -q "PRIVATE KEY" "$W/state.json"; then
  echo "probe: FAILED: private key in plaintext in the state" >&2
  exit 1
fi
echo "probe: state holds no plaintext private key"
time pulumi destroy --yes --non-interactive --skip-preview
if kubectl -n default get configmap "$name" >/dev/null 2>&1; then
  echo "probe: FAILED: ConfigMap $name still present after destroy" >&2
  exit 1
fi
pulumi stack rm --yes --non-interactive e2e
echo "probe: 1 passed, 0 failed"
