# Shared settings for the project's scripts: build outputs and tool installs live in a cache
# outside the clone, so a fresh CI clone reuses them.
WAYGATE_CACHE=${WAYGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/waygate}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$WAYGATE_CACHE/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
mkdir -p "$WAYGATE_CACHE"
