#!/usr/bin/env bash
# Runs every check CI runs: format, lints, the wasm32 build of core, all tests (unit,
# snapshots, property tests, the conformance corpus) and the fuzz targets' build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
t0=$(date +%s)
step() { printf '\n==> %s\n' "$*"; }

step "toolchain: wasm32-unknown-unknown target"
# The full wasm toolchain (wasm-bindgen, worker-build, wasmtime) comes from
# ../shared/scripts/install-wasm-toolchain.sh once a runtime needs it; core only needs the target.
rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || timeout 300 rustup target add wasm32-unknown-unknown

step "test infrastructure (../shared/scripts/install-test-infra.sh, cached)"
waygate_test_infra

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked --features waygate-runtime-common/sigv4 -- -D warnings

step "core builds for wasm32-unknown-unknown (sans-IO)"
cargo build -p waygate-core --target wasm32-unknown-unknown --locked
if cargo tree -p waygate-core --target wasm32-unknown-unknown -e normal --prefix none \
    | grep -Eq '^(tokio|mio|hyper|reqwest) '; then
  echo "waygate-core depends on an IO runtime" >&2; exit 1
fi

step "the SigV4 store source builds for wasm32-unknown-unknown (Workers, Spin)"
cargo build -p waygate-runtime-common --no-default-features --features sigv4 \
  --target wasm32-unknown-unknown --locked

step "fuzz targets build"
cargo check --manifest-path fuzz/Cargo.toml --locked --quiet

step "deploy: Helm chart and Terraform modules (deploy/test.sh)"
bash deploy/test.sh

step "Lambda runtime under the real emulator (cargo lambda watch)"
bash runtimes/lambda/tests/emulator.sh

step "Spin component under a real WASI HTTP host (wasmtime serve)"
bash runtimes/spin/test.sh

step "Cloudflare Worker in workerd (Miniflare)"
bash runtimes/workers/test.sh

step "tests"
if command -v cargo-nextest >/dev/null 2>&1; then
  # No doctests in the workspace: nextest runs every test there is.
  cargo nextest run --workspace --locked --no-fail-fast --features waygate-runtime-common/sigv4
else
  cargo test --workspace --locked --no-fail-fast --features waygate-runtime-common/sigv4
fi

echo; echo "all checks passed in $(( $(date +%s) - t0 ))s"
