#!/usr/bin/env bash
# Offline checks of everything under deploy/: the Helm chart (lint, render, validate the
# manifests, cross-object consistency, schema rejections) and the Terraform modules (fmt,
# `terraform test` of the provider-free config modules, module wiring, README tables).
# Runs every check, prints each result, exits non-zero if any failed.
# Usage: deploy/test.sh            (scripts/test.sh calls it; tools come from test-infra)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck disable=SC1091
source scripts/env.sh
t0=$(date +%s)

# Tools: helm, kubernetes-validate, validate-gwapi.mjs (test-infra), terraform (machine).
if [ -f "$TEST_INFRA_DIR/env.sh" ] && [ -x "$TEST_INFRA_DIR/bin/helm" ]; then
  # shellcheck disable=SC1091
  source "$TEST_INFRA_DIR/env.sh"
else
  waygate_test_infra
fi
PY=$TEST_INFRA_DIR/venv-tools/bin/python # has PyYAML (kubernetes-validate needs it)
GWAPI_VALIDATE=$TEST_INFRA_DIR/node/validate-gwapi.mjs
for tool in helm kubernetes-validate node terraform "$PY"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "deploy/test.sh: missing tool $tool (see ../shared/scripts/README.md)" >&2; exit 2; }
done
[ -f "$GWAPI_VALIDATE" ] || { echo "deploy/test.sh: missing $GWAPI_VALIDATE" >&2; exit 2; }

chart=deploy/helm/waygate
tf=deploy/terraform
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=()
# check NAME CMD...: run CMD, keep its output, print ok/FAIL (and the output on failure).
check() {
  local name=$1; shift
  local log="$work/log.$((passed + ${#failed[@]}))"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); printf 'ok    %s\n' "$name"
  else
    failed+=("$name"); printf 'FAIL  %s\n' "$name"; sed 's/^/      | /' "$log" | tail -40
  fi
}
# must_fail NAME SUBSTRING CMD...: CMD must exit non-zero and say SUBSTRING (the right reason).
must_fail() {
  local name=$1 want=$2; shift 2
  local out="$work/neg.out"
  if "$@" >"$out" 2>&1; then
    echo "expected failure, but it succeeded"; return 1
  fi
  grep -qiF -- "$want" "$out" || { echo "failed without saying '$want':"; cat "$out"; return 1; }
}

echo "== helm chart ($chart, $(helm version --short))"
check "helm lint --strict (chart defaults)" helm lint --strict "$chart"
values_files=("$chart"/ci/*-values.yaml)
[ "${#values_files[@]}" -ge 2 ] || { echo "expected ci/minimal-values.yaml and ci/full-values.yaml" >&2; exit 2; }

render_and_validate() {
  local values=$1 base; base=$(basename "$values" .yaml)
  local out="$work/$base"
  # Called as an `if` condition by check(), where errexit is off: every step says `|| return 1`.
  helm template waygate "$chart" -n waygate-system -f "$values" >"$out.yaml" || return 1
  local counts
  counts=$("$PY" deploy/helm/tests/render_checks.py split "$out.yaml" "$out.builtin.yaml" "$out.gwapi.yaml" "$out.crd.yaml") \
    || return 1
  echo "rendered: $counts"
  # Built-in kinds, strictly (unknown fields rejected), at the chart's minimum and newest
  # Kubernetes; a built-in kind without a schema would only warn, so treat that as failure.
  for k8s in 1.30.0 1.37.0; do
    kubernetes-validate --strict -k "$k8s" "$out.builtin.yaml" | tee "$out.kv.$k8s" || return 1
    if grep -q "Couldn't find schema" "$out.kv.$k8s"; then echo "unknown built-in kind"; return 1; fi
  done
  # Gateway API kinds: every document must have been validated (none skipped).
  local gw_docs; gw_docs=$(grep -c '^kind:' "$out.gwapi.yaml" || true)
  node "$GWAPI_VALIDATE" "$out.gwapi.yaml" | tee "$out.gw" || return 1
  grep -q "^$gw_docs passed, 0 failed$" "$out.gw" || { echo "expected $gw_docs Gateway API documents to pass"; return 1; }
  [ "$gw_docs" -ge 1 ] || { echo "no Gateway API objects rendered"; return 1; }
  "$PY" deploy/helm/tests/render_checks.py check "$chart" "$values" "$out.yaml" waygate-system
}
for values in "${values_files[@]}"; do
  name=${values#"$chart"/}
  check "helm lint --strict -f $name" helm lint --strict "$chart" -f "$values"
  check "render $name: kubernetes-validate --strict (k8s 1.30, 1.37), validate-gwapi, cross-object checks" \
    render_and_validate "$values"
done
# The full example must exercise the optional objects, or the checks above prove little.
check "ci/full-values.yaml renders every kind" bash -c '
  for kind in Deployment Service ServiceAccount ConfigMap HorizontalPodAutoscaler PodDisruptionBudget \
      ServiceMonitor GatewayClass Gateway HTTPRoute ReferenceGrant; do
    grep -q "^kind: $kind\$" "$1" || { echo "no $kind rendered"; exit 1; }
  done' _ "$work/full-values.yaml"

# Values the chart must refuse (schema or template guard), each for the stated reason.
min=$chart/ci/minimal-values.yaml
tpl() { helm template waygate "$chart" -n waygate-system "$@"; }
check "rejects: no store.uri / publicKey (bare defaults)" must_fail x "store.uri is required" tpl
check "rejects: unknown top-level key" must_fail x "additional properties 'replicas' not allowed" tpl -f "$min" --set replicas=3
check "rejects: unknown nested key (typo)" must_fail x "additional properties 'prot' not allowed" tpl -f "$min" --set gateway.listeners.http.prot=80
check "rejects: service.type not an enum value" must_fail x "/service/type" tpl -f "$min" --set service.type=Ingress
check "rejects: publicKey that is not a PEM key" must_fail x "/publicKey" tpl -f "$min" --set publicKey=ssh-ed25519-AAAA
check "rejects: store.uri with an unsupported scheme" must_fail x "/store/uri" tpl -f "$min" --set store.uri=http://bucket/prefix
check "rejects: listener port out of range" must_fail x "/gateway/listeners/http/port" tpl -f "$min" --set gateway.listeners.http.port=70000
check "rejects: https listener without tlsSecretName" must_fail x "/gateway/listeners/https/tlsSecretName" tpl -f "$min" --set gateway.listeners.https.enabled=true
check "rejects: grace period not above preStop + drain" must_fail x "terminationGracePeriodSeconds" tpl -f "$min" --set terminationGracePeriodSeconds=20
check "rejects: two listeners on one port" must_fail x "is used by two listeners" tpl -f "$min" \
  --set-json 'service.extraPorts=[{"name":"alt","port":80}]'
check "rejects: admin port on a listener port" must_fail x "is used by two listeners" tpl -f "$min" --set admin.port=80
check "rejects: PDB with both minAvailable and maxUnavailable" must_fail x "exactly one of minAvailable" tpl -f "$min" \
  --set podDisruptionBudget.minAvailable=1
check "rejects: allowedRoutes Selector without a selector" must_fail x "namespaceSelector is required" tpl -f "$min" \
  --set gateway.allowedRoutes.from=Selector
check "rejects: upstreamCA from both a ConfigMap and a Secret" must_fail x "not both" tpl -f "$min" \
  --set upstreamCA.configMap=a --set upstreamCA.secret=b
check "rejects: negative workers" must_fail x "/workers" tpl -f "$min" --set workers=-1
check "rejects: HPA min above max" must_fail x "minReplicas (20) is greater" tpl -f "$min" --set autoscaling.minReplicas=20
# The validators are only worth something if they reject what they claim to.
check "kubernetes-validate --strict rejects an unknown Deployment field" bash -c '
  sed "s/^  revisionHistoryLimit: 5$/  revisionHistoryLimit: 5\n  bogusField: 1/" "$1" >"$2"
  grep -q bogusField "$2" || { echo "mutation did not apply"; exit 1; }
  ! kubernetes-validate --strict --quiet "$2"' _ "$work/minimal-values.builtin.yaml" "$work/mutated.yaml"
check "chart README documents every values.yaml key with its default" \
  "$PY" deploy/helm/tests/render_checks.py readme "$chart"

echo "== terraform ($tf, $(terraform version | head -1))"
check "terraform fmt -check -recursive" terraform fmt -check -recursive -diff "$tf"
check "module layout (main/variables/outputs/versions.tf, README, provider constraints)" bash -c '
  for m in "$1"/modules/bundle-bucket "$1"/modules/aws-lambda "$1"/modules/cloudflare-worker "$1"/modules/spin "$1"/examples/aws "$1"/examples/cloudflare; do
    for f in main.tf variables.tf outputs.tf versions.tf README.md; do
      [ -f "$m/$f" ] || { echo "$m/$f missing"; exit 1; }
    done
    grep -q "required_providers" "$m/versions.tf" && grep -Eq "version += \"[^\"]*<" "$m/versions.tf" \
      || { echo "$m/versions.tf lacks a bounded provider constraint"; exit 1; }
  done
  for m in "$1"/modules/*/modules/config; do
    ! grep -q "required_providers\|^provider\|^resource\|^data" "$m"/*.tf \
      || { echo "$m must stay provider-free"; exit 1; }
    ls "$m"/tests/*.tftest.hcl >/dev/null || { echo "$m has no tests"; exit 1; }
  done' _ "$tf"
tf_test() {
  local dir=$1
  # Keep .terraform out of the clone; env.sh's TF_CLI_CONFIG_FILE keeps terraform offline.
  export TF_DATA_DIR="$work/tfdata.${dir//\//_}"
  terraform -chdir="$dir" init -input=false -no-color -backend=false >/dev/null || return 1
  terraform -chdir="$dir" test -no-color | tee "$work/tftest.out" || return 1
  grep -Eq '^Success! [1-9][0-9]* passed, 0 failed' "$work/tftest.out"
}
for dir in "$tf"/modules/*/modules/config; do
  check "terraform test ${dir#"$tf"/}" tf_test "$dir"
done
check "module wiring + README input/output tables" \
  "$PY" "$tf/tests/docs_check.py" "$tf/modules/bundle-bucket" "$tf/modules/aws-lambda" "$tf/modules/cloudflare-worker" "$tf/modules/spin" "$tf/examples/aws" "$tf/examples/cloudflare"
check "config module wiring" "$PY" "$tf/tests/docs_check.py" --wiring "$tf"/modules/*/modules/config

echo
echo "checkov: not run (optional; needs --with-checkov, ~4 min install)"
total=$((passed + ${#failed[@]}))
if [ "${#failed[@]}" -gt 0 ]; then
  printf '%d of %d deploy checks FAILED:\n' "${#failed[@]}" "$total"
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo "all $total deploy checks passed in $(($(date +%s) - t0))s ($root)"
