#!/usr/bin/env bash
# Builds the Worker (worker-build, release) and runs it in Cloudflare's real runtime —
# workerd through Miniflare, what `wrangler dev --local` runs — on 127.0.0.1 with the R2
# binding BUNDLES populated locally, against a loopback upstream (tests/workerd.mjs):
#   - empty bucket and a bundle signed by an untrusted key: 503 saying why;
#   - forwarding (streamed POST body, path/query, upstream redirects passed through),
#     request/response header filters, hop-by-hop stripping, RequestRedirect, a
#     Kubernetes-pinned route (307 to the Kubernetes origin, 421 for upgrades), the rule
#     request timeout (504), retries, RequestMirror through ctx.waitUntil;
#   - a tampered bundle is refused while the running one keeps serving; a newer one is
#     picked up by a background refresh; one JSON access-log line per request;
#   - a cold start with a 1k-route bundle (timed; three concurrent first requests);
#   - the S3 source (SigV4-signed GETs through fetch) against a loopback moto server;
#   - corpus parity: every request of every compilable tests/corpus case, compared with
#     `waygate explain --format json` (tests/corpus_plan.py).
# Prints the gzipped artefact size. Ends with "N passed, M failed"; non-zero exit on failure.
# Usage: runtimes/workers/test.sh   (WAYGATE_WORKERS_SKIP_CORPUS=1 skips corpus parity)
set -euo pipefail
crate=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$crate/../.." && pwd)
# shellcheck disable=SC1091
source "$repo/scripts/env.sh"
t0=$(date +%s)
work=$(mktemp -d)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 -- "-$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -rf "$work"
  # The driver prints the total time and the summary line last; only a setup failure
  # (before the driver ran) needs a summary from here.
  if [ "$rc" -ne 0 ] && [ -z "${summary_printed:-}" ]; then echo "FAIL: setup (exit $rc)"; echo "0 passed, 1 failed"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WASM_TC_ROOT="$WAYGATE_CACHE/wasm-tc" "$repo/../shared/scripts/install-wasm-toolchain.sh" \
  >"$WAYGATE_CACHE/wasm-tc.log" 2>&1 || { tail -20 "$WAYGATE_CACHE/wasm-tc.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$WAYGATE_CACHE/wasm-tc/env.sh"

# The CLI (natively, shared target dir) compiles bundles and answers `explain`.
(cd "$repo" && timeout 900 cargo build --quiet -p waygate-compiler --bin waygate)
waygate="$CARGO_TARGET_DIR/debug/waygate"
# The Worker, in its own target dir (wasm32 artefacts never mix with native ones).
(cd "$crate" && CARGO_TARGET_DIR="$WAYGATE_CACHE/target-wasm" timeout 1200 worker-build --release \
  >"$work/build.log" 2>&1) || { tail -30 "$work/build.log" >&2; exit 1; }
echo "build: $(( $(date +%s) - t0 ))s"
wasm="$crate/build/index_bg.wasm"
echo "artefact: index_bg.wasm $(stat -c %s "$wasm") bytes, gzipped $(gzip -9 -c "$wasm" | wc -c) bytes; index.js $(stat -c %s "$crate/build/index.js") bytes"

# A loopback S3 (moto, from ../shared/scripts/install-test-infra.sh) for the SigV4 source.
waygate_test_infra
s3port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
setsid "$TEST_INFRA_DIR/venv-s3/bin/moto_server" -H 127.0.0.1 -p "$s3port" >"$work/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$s3port/moto-api/" && break
  sleep 0.2
done
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$s3port/moto-api/" || { echo "moto did not start" >&2; exit 1; }

plan=""
if [ -z "${WAYGATE_WORKERS_SKIP_CORPUS:-}" ]; then
  "$waygate" keygen --private "$work/corpus-key.pem" --public "$work/corpus-key.pub" >/dev/null 2>&1
  timeout 300 python3 "$crate/tests/corpus_plan.py" "$waygate" "$repo/tests/corpus" \
    "$work/corpus-key.pem" "$work/corpus" >"$work/plan.json"
  plan="$work/plan.json"
fi

# The driver runs in its own process group so the trap can stop it (and the workerd it
# started) as a whole; every wait inside it is bounded too.
set +e
T0="$t0" BUILD_DIR="$crate/build" WORK="$work" WAYGATE_BIN="$waygate" \
  NODE_MODULES="$WASM_TC_ROOT/npm/node_modules" CORPUS_PLAN="$plan" S3_ENDPOINT="http://127.0.0.1:$s3port" CORPUS_KEY_PUB="$work/corpus-key.pub" \
  setsid timeout 600 node "$crate/tests/workerd.mjs" &
pids+=($!)
wait "${pids[-1]}"
rc=$?
set -e
# 0 and 1 are the driver's own exits (it printed the summary); anything else (a timeout,
# a crash) gets the cleanup's summary.
if [ "$rc" -le 1 ]; then summary_printed=1; fi
exit "$rc"
