#!/usr/bin/env bash
# Runs waygate-lambda under cargo-lambda's Lambda emulator (`cargo lambda watch`) and sends
# it real HTTP requests (Function URL events) with the bundle in a file:// store:
#   1. an empty store answers 503 saying no bundle is loaded (no crash loop);
#   2. after publishing, the same running function serves it: forward to a real upstream
#      (python3 http.server), response header filter, redirect, Kubernetes-pinned 307 and
#      421, 404;
#   3. a newer generation is picked up on the next request (WAYGATE_REFRESH_SECONDS=0);
#   4. every request left one JSON access-log line (route, status, duration, bundle digest).
# Then, in a second phase, the same function with its bundle in the S3-compatible server of the
# test infrastructure (moto on a free loopback port), published with `waygate publish --store
# s3://…` and read through aws-sdk-s3 (AWS_ENDPOINT_URL, dummy keys, path-style):
#   5. an empty bucket answers 503; after publishing, requests are served from S3 (the
#      bundle object is read from moto);
#   6. a newer generation is not picked up within WAYGATE_REFRESH_SECONDS and is after it;
#   7. a bundle object altered in the bucket is refused (digest mismatch, logged) while the
#      running generation keeps serving; once the object is restored it is picked up.
# Every wait is bounded; ports are picked free; whatever the script started is stopped on
# exit. Ends with "N passed, M failed" and exits non-zero unless every check passed.
# Usage: runtimes/lambda/tests/emulator.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
# shellcheck disable=SC1091
source scripts/env.sh
waygate_test_infra
command -v cargo-lambda >/dev/null || { echo "cargo-lambda not on PATH" >&2; exit 1; }

t0=$(date +%s)
work=$(mktemp -d)
pids=()
passed=0 failed=0
cleanup() {
  local rc=$?
  # Each background job is its own process group (setsid): stop the whole group, so the
  # `cargo run` and `bootstrap` cargo-lambda spawned go too; then wait, bounded.
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 -- "-$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -rf "$work"
  # A setup step that died under `set -e` counts as a failure, so the summary never lies.
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "FAIL: setup (exit $rc)" >&2; fi
  echo "emulator: $(( $(date +%s) - t0 ))s"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0 || exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; }
check() { # NAME ACTUAL PATTERN (bash glob): one counted check
  # shellcheck disable=SC2053
  if [[ $2 == $3 ]]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
log="$work/emulator.log" # the running emulator's output (the function logs there)
abort() { # a step later checks cannot do without
  fail "$1"
  [ -f "$log" ] && tail -40 "$log" >&2
  exit 1
}
stop_group() { # PID: stop one background job's process group, bounded
  kill -TERM -- "-$1" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$1" 2>/dev/null || true
}

# Build the CLI and the function up front, each on its own: `cargo lambda watch` runs
# `cargo run -p waygate-lambda --bin bootstrap`, and building both packages in one command
# would unify features differently and make that run rebuild.
timeout 900 cargo build --quiet -p waygate-compiler --bin waygate
timeout 900 cargo build --quiet -p waygate-lambda --bin bootstrap
waygate="$CARGO_TARGET_DIR/debug/waygate"
echo "build: $(( $(date +%s) - t0 ))s (includes waiting for the shared target-dir lock)"

# A real upstream on loopback.
up_port=$(free_port)
mkdir -p "$work/www/api"
echo "hello from upstream" >"$work/www/api/hello.txt"
setsid python3 -m http.server "$up_port" --bind 127.0.0.1 --directory "$work/www" \
  >"$work/upstream.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$up_port/api/hello.txt" && break
  sleep 0.1
done

# Keys and two generations of manifests.
"$waygate" keygen --private "$work/key.pem" --public "$work/key.pub" >/dev/null
mkdir -p "$work/m1" "$work/m2" "$work/store"
cat >"$work/m1/routes.yaml" <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: waygate}
spec: {controllerName: waygate.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  gatewayClassName: waygate
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: files, namespace: default}
spec: {ports: [{name: p, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: files-local, namespace: default, labels: {kubernetes.io/service-name: files}}
addressType: IPv4
endpoints: [{addresses: ['127.0.0.1']}]
ports: [{name: p, port: $up_port}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: default}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-served-by, value: waygate-lambda}]}}
    backendRefs: [{name: files, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: new.example.com, statusCode: 301}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: agents, namespace: default, annotations: {waygate.dev/placement: kubernetes}}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /agents}}]
    backendRefs: [{name: files, port: 80}]
YAML
sed 's/value: \/old}/value: \/gone}/' "$work/m1/routes.yaml" >"$work/m2/routes.yaml"

compile_gen() { # GENERATION DIR: compile to $work/b<GENERATION>, print its digest
  local gen=$1 dir=$2
  "$waygate" compile "$dir" --key "$work/key.pem" --out "$work/b$gen" --generation "$gen" \
    --created 1700000000 --kubernetes-origin https://k8s.example.com >/dev/null
  sha256sum "$work/b$gen" | cut -d' ' -f1
}
publish() { # GENERATION DIR: compile, then write bundles/<digest> and channels/prod
  local gen=$1 dir=$2 digest
  digest=$(compile_gen "$gen" "$dir")
  mkdir -p "$work/store/bundles" "$work/store/channels"
  cp "$work/b$gen" "$work/store/bundles/$digest"
  printf '{"digest":"%s","generation":%s,"updated":1700000000}\n' "$digest" "$gen" \
    >"$work/store/channels/prod.tmp"
  mv "$work/store/channels/prod.tmp" "$work/store/channels/prod"
  echo "$digest"
}

# cargo-lambda passes its own environment on to the function, so the multi-line PEM travels
# as is (`--env-var` takes one-line KEY=VALUE pairs).
export WAYGATE_STORE="file://$work/store" WAYGATE_CHANNEL=prod WAYGATE_REFRESH_SECONDS=0
WAYGATE_PUBLIC_KEY=$(cat "$work/key.pub"); export WAYGATE_PUBLIC_KEY

start_emulator() { # LOGFILE: start `cargo lambda watch` with the current environment
  log=$1
  port=$(free_port)
  setsid cargo lambda watch -p waygate-lambda --bin bootstrap --ignore-changes \
    --invoke-address 127.0.0.1 --invoke-port "$port" --timeout 110 \
    >"$log" 2>&1 &
  emulator=$!
  pids+=("$emulator")
  # cargo-lambda names a function after its binary, so the Function URL is /lambda-url/bootstrap.
  base="http://127.0.0.1:$port/lambda-url/bootstrap"
  # Wait (bounded) for the emulator to listen. Probe a function that does not exist: the
  # emulator answers that itself, without queueing an invocation of ours.
  local up=0
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/lambda-url/no-such-function/"; then
      up=1 && break
    fi
    sleep 0.2
  done
  [ "$up" = 1 ] || abort "emulator did not listen on 127.0.0.1:$port within 20s"
}
t1=$(date +%s)
start_emulator "$work/emulator.log"

req() { # PATH [curl args...] -> "STATUS|LOCATION|BODY"; headers left in $work/head
  local path=$1; shift
  : >"$work/head"; : >"$work/body"
  curl -s --max-time 120 -o "$work/body" -D "$work/head" "$@" "$base$path" || true
  local status location
  status=$(awk 'NR==1{print $2}' "$work/head" | tr -d '\r')
  location=$(grep -i '^location:' "$work/head" | cut -d' ' -f2- | tr -d '\r' || true)
  echo "$status|$location|$(cat "$work/body")"
}

# The first invoke waits for the function's (cached) build and cold start: bounded by
# curl's --max-time in req.
check "empty store answers 503 saying no bundle is loaded" \
  "$(req /api/hello.txt)" "503||*no verified bundle is loaded*"
echo "emulator start to first answer: $(( $(date +%s) - t1 ))s"

digest1=$(publish 1 "$work/m1")
check "forwards to the loopback upstream" "$(req /api/hello.txt)" "200||hello from upstream"
check "response header filter applied" \
  "$(grep -i '^x-served-by:' "$work/head" | tr -d '\r')" "[xX]-[sS]erved-[bB]y: waygate-lambda"
check "redirect keeps path and query, changes host" \
  "$(req '/old/page?q=1')" "301|http*://new.example.com/old/page?q=1|*"
check "Kubernetes-pinned route redirects to the Kubernetes origin" \
  "$(req /agents/chat)" "307|https://k8s.example.com/agents/chat|*"
check "Kubernetes-pinned upgrade is 421" \
  "$(req /agents/ws -H 'Connection: Upgrade' -H 'Upgrade: websocket')" "421|*"
check "no matching route is 404" "$(req /nothing)" "404|*"

digest2=$(publish 2 "$work/m2")
check "generation 2 picked up: old redirect gone" "$(req /old/page)" "404|*"
check "generation 2 picked up: new redirect served" "$(req /gone/page)" "301|*://new.example.com/gone/page|*"

# The access log: one JSON object per request, with the bundle digest that served it.
logcheck() { # NAME PYTHON-PREDICATE over `e` (a parsed JSON log line of the running emulator)
  if python3 - "$log" "$2" <<'PY'
import json, sys
found = False
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if eval(sys.argv[2], {}, {"e": e}):
        found = True
sys.exit(0 if found else 1)
PY
  then pass "$1"; else fail "$1"; fi
}
logcheck "JSON access log: forwarded request with route, status, duration and bundle" \
  "e.get('target') == 'waygate::access' and e.get('route') == 'default/api' and e.get('status') == 200 and isinstance(e.get('duration_ms'), float) and e.get('bundle') == '$digest1'"
logcheck "JSON access log: generation 2 requests carry its digest" \
  "e.get('target') == 'waygate::access' and e.get('path') == '/gone/page' and e.get('status') == 301 and e.get('bundle') == '$digest2'"
inits=$(grep -c '"message":"init"' "$work/emulator.log" || true)
check "one cold start served every request (no crash loop)" "$inits" "1"

# ---- Phase 2: the bundle in S3 (moto), read by the function through aws-sdk-s3.
stop_group "$emulator"
s3_port=$(free_port)
setsid "$TEST_INFRA_DIR/venv-s3/bin/moto_server" -H 127.0.0.1 -p "$s3_port" \
  >"$work/moto.log" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 1 150); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$s3_port/moto-api/" && up=1 && break
  sleep 0.2
done
[ "$up" = 1 ] || abort "moto did not listen on 127.0.0.1:$s3_port within 30s"
# What the function's aws-sdk-s3 reads: the endpoint (an IP host, so path-style), dummy keys
# (moto accepts any), the region; no instance-metadata lookups on this machine.
export AWS_ENDPOINT_URL="http://127.0.0.1:$s3_port" AWS_ACCESS_KEY_ID=waygate-test \
  AWS_SECRET_ACCESS_KEY=waygate-test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION
bucket=waygate-bundles prefix=edge
s3obj() { # ACTION [KEY [FILE]]: create-bucket | get KEY FILE | put KEY FILE, through boto3
  "$TEST_INFRA_DIR/venv-s3/bin/python" - "$@" <<'PY'
import os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
bucket = "waygate-bundles"
action = sys.argv[1]
if action == "create-bucket":
    s3.create_bucket(Bucket=bucket)
elif action == "get":
    with open(sys.argv[3], "wb") as f:
        f.write(s3.get_object(Bucket=bucket, Key=sys.argv[2])["Body"].read())
elif action == "put":
    with open(sys.argv[3], "rb") as f:
        s3.put_object(Bucket=bucket, Key=sys.argv[2], Body=f.read())
PY
}
s3obj create-bucket
s3publish() { # GENERATION: `waygate publish` the compiled $work/b<GENERATION> to the bucket
  "$waygate" publish --bundle "$work/b$1" --store "s3://$bucket/$prefix" \
    --s3-endpoint "$AWS_ENDPOINT_URL" --channel prod --public-key "$work/key.pub" >/dev/null
}
refresh=5
export WAYGATE_STORE="s3://$bucket/$prefix" WAYGATE_REFRESH_SECONDS=$refresh
t2=$(date +%s)
start_emulator "$work/emulator-s3.log"
check "S3: empty bucket answers 503 saying no bundle is loaded" \
  "$(req /api/hello.txt)" "503||*no verified bundle is loaded*"
echo "S3 emulator start to first answer: $(( $(date +%s) - t2 ))s"

s3publish 1
sleep 1.2 # with no bundle loaded the function retries at most once a second
check "S3: published generation 1 is served (forwards to the upstream)" \
  "$(req /api/hello.txt)" "200||hello from upstream"
check "S3: the function read the bundle object from the bucket" \
  "$(grep -cE "\"GET /$bucket/$prefix/bundles/$digest1( |\\?)" "$work/moto.log" || true)" "[1-9]*"
logcheck "S3: access log names generation 1's digest" \
  "e.get('target') == 'waygate::access' and e.get('path') == '/api/hello.txt' and e.get('status') == 200 and e.get('bundle') == '$digest1'"

# Refresh: poll once (unchanged), publish generation 2, and it is not seen until the
# interval has passed since that poll.
sleep "$refresh.3"
check "S3: generation 1 still served before publishing" "$(req /old/page)" "301|*://new.example.com/old/page|*"
tp=$(date +%s%N)
s3publish 2
check "S3: generation 2 not picked up within the refresh interval" "$(req /old/page)" "301|*"
echo "S3: publish + request took $(( ($(date +%s%N) - tp) / 1000000 )) ms of the ${refresh}s interval"
sleep "$refresh.3"
check "S3: generation 2 picked up after the interval (new redirect)" \
  "$(req /gone/page)" "301|*://new.example.com/gone/page|*"
check "S3: generation 2 picked up after the interval (old redirect gone)" "$(req /old/page)" "404|*"

# An altered bundle object: publish generation 3, then change one byte of its object in the
# bucket before the function polls. The digest check refuses it; generation 2 keeps serving.
mkdir -p "$work/m3"
sed 's/value: \/old}/value: \/third}/' "$work/m1/routes.yaml" >"$work/m3/routes.yaml"
digest3=$(compile_gen 3 "$work/m3")
s3publish 3
s3obj get "$prefix/bundles/$digest3" "$work/b3.orig"
cmp -s "$work/b3.orig" "$work/b3" || abort "S3: the published bundle object differs from the compiled one"
python3 - "$work/b3.orig" "$work/b3.altered" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = len(b) // 2
b[i] = ord("X") if b[i] != ord("X") else ord("Y")
open(sys.argv[2], "wb").write(b)
PY
s3obj put "$prefix/bundles/$digest3" "$work/b3.altered"
sleep "$refresh.3"
check "S3: altered bundle refused, generation 2 keeps serving" \
  "$(req /gone/page)" "301|*://new.example.com/gone/page|*"
check "S3: altered generation 3's route not served" "$(req /third/page)" "404|*"
logcheck "S3: the refusal is logged as an altered bundle, naming it" \
  "e.get('level') == 'WARN' and 'was altered in the store' in str(e.get('error')) and '$digest3' in str(e.get('error'))"
logcheck "S3: requests after the refusal carry generation 2's digest" \
  "e.get('target') == 'waygate::access' and e.get('path') == '/third/page' and e.get('status') == 404 and e.get('bundle') == '$digest2'"
s3obj put "$prefix/bundles/$digest3" "$work/b3.orig"
sleep "$refresh.3"
check "S3: restored generation 3 is picked up without a restart" \
  "$(req /third/page)" "301|*://new.example.com/third/page|*"
inits=$(grep -c '"message":"init"' "$log" || true)
check "S3: one cold start served every request (no crash loop)" "$inits" "1"
