# Shared settings for the project's scripts: build outputs and tool installs live in a cache
# outside the clone, so a fresh CI clone reuses them.
WAYGATE_CACHE=${WAYGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/waygate}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$WAYGATE_CACHE/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
mkdir -p "$WAYGATE_CACHE"

# Test infrastructure (S3 server, clients, validators, load tools) from ../shared/scripts,
# installed once into the cache; `source scripts/env.sh && waygate_test_infra` puts it on PATH.
export TEST_INFRA_DIR=${TEST_INFRA_DIR:-$WAYGATE_CACHE/test-infra}
waygate_test_infra() {
  local here; here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  "$here/../shared/scripts/install-test-infra.sh" "$@" >"$WAYGATE_CACHE/test-infra.log" 2>&1 || {
    echo "test infrastructure install failed; see $WAYGATE_CACHE/test-infra.log" >&2
    tail -20 "$WAYGATE_CACHE/test-infra.log" >&2
    return 1
  }
  # shellcheck disable=SC1091
  source "$TEST_INFRA_DIR/env.sh"
}
