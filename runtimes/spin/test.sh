#!/usr/bin/env bash
# The Spin runtime under a real WASI HTTP host: builds the component (wasm32-wasip2) and the
# waygate CLI, then tests/run.py serves the component with `wasmtime serve` on 127.0.0.1
# against loopback store and upstream servers: forwarding, header filters, redirects, a
# pinned route, timeouts, retries, bad bundles and settings, the bundle from S3 (moto, from
# `waygate_test_infra`) through SigV4-signed GETs, the conformance corpus against
# `waygate explain`, and the 1k-route budget. Last line: `N passed, M failed`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
WAYGATE_CACHE=${WAYGATE_CACHE:-$HOME/.cache/waygate}

WASM_TC_ROOT="$WAYGATE_CACHE/wasm-tc" "$repo/../shared/scripts/install-wasm-toolchain.sh" >/dev/null
# shellcheck disable=SC1091
source "$WAYGATE_CACHE/wasm-tc/env.sh"
# moto (the S3 server) for the SigV4 store checks; run.py starts it on a free port and stops it.
# shellcheck disable=SC1091
source "$repo/scripts/env.sh"
waygate_test_infra
export MOTO_SERVER="$TEST_INFRA_DIR/venv-s3/bin/moto_server"
[ -x "$MOTO_SERVER" ] || { echo "$MOTO_SERVER missing after waygate_test_infra" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "building the component (wasm32-wasip2)…"
CARGO_TARGET_DIR="$WAYGATE_CACHE/target-wasm" timeout 1200 \
    cargo build --quiet --release --target wasm32-wasip2 --manifest-path "$here/Cargo.toml"
# The Spin-variables variant deployed to Spin must compile too (it imports wasi:config/store,
# which wasmtime-cli ships without, so it is not served here).
CARGO_TARGET_DIR="$WAYGATE_CACHE/target-wasm" timeout 1200 \
    cargo check --quiet --release --target wasm32-wasip2 --features spin-variables --manifest-path "$here/Cargo.toml"
echo "building the waygate CLI…"
(cd "$repo" && CARGO_TARGET_DIR="$WAYGATE_CACHE/target" timeout 1200 \
    cargo build --quiet -p waygate-compiler --bin waygate)

wasm="$WAYGATE_CACHE/target-wasm/wasm32-wasip2/release/waygate_spin.wasm"
cli="$WAYGATE_CACHE/target/debug/waygate"
timeout 600 python3 "$here/tests/run.py" "$wasm" "$cli" "$work" --corpus --bench &
pid=$!
wait "$pid"
