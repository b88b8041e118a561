#!/usr/bin/env bash
# The main job on the embedded defaults: compile examples/quickstart with a local key into a
# signed bundle, verify it, and ask the gateway what it does with a few requests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --quiet --locked -p waygate-compiler --bin waygate
waygate=$CARGO_TARGET_DIR/debug/waygate
out=${WAYGATE_OUT:-.waygate}
mkdir -p "$out"
[ -f "$out/signing.pem" ] || "$waygate" keygen --private "$out/signing.pem" --public "$out/public.pem"
"$waygate" compile examples/quickstart --key "$out/signing.pem" --out "$out/bundle.json" \
  --status "$out/status.json" --placement "$out/placement.json" \
  --kubernetes-origin https://k8s.quickstart.example
"$waygate" verify --bundle "$out/bundle.json" --public-key "$out/public.pem"
for url in http://quickstart.example/api/orders http://quickstart.example/old/docs \
           http://quickstart.example/agents/planner/ws http://quickstart.example/nowhere; do
  echo; echo "\$ waygate explain --method GET --url $url"
  "$waygate" explain --bundle "$out/bundle.json" --public-key "$out/public.pem" --method GET --url "$url"
done
echo; echo "bundle: $out/bundle.json   status: $out/status.json   placement: $out/placement.json"

# The same manifests served for real: `waygate dev` compiles with a throwaway key, serves on
# 127.0.0.1:8080 with echo upstreams on the quickstart's EndpointSlice ports, and drains on
# SIGTERM. (Interactive use: `waygate dev examples/quickstart --echo 127.0.0.1:9090 --echo 127.0.0.1:9091`.)
echo; echo "\$ waygate dev examples/quickstart --echo 127.0.0.1:9090 --echo 127.0.0.1:9091"
"$waygate" dev examples/quickstart --listen-host 127.0.0.1 --admin 127.0.0.1:9901 \
  --echo 127.0.0.1:9090 --echo 127.0.0.1:9091 2>"$out/dev.log" &
dev=$!
trap 'kill "$dev" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs http://127.0.0.1:9901/readyz >/dev/null && break; sleep 0.1; done
curl -fsS http://127.0.0.1:9901/readyz; echo
echo "\$ curl -H 'Host: quickstart.example' http://127.0.0.1:8080/api/orders"
curl -fsS -H 'Host: quickstart.example' http://127.0.0.1:8080/api/orders
echo "\$ curl -i -H 'Host: quickstart.example' http://127.0.0.1:8080/old/docs"
curl -sS -i -H 'Host: quickstart.example' http://127.0.0.1:8080/old/docs | head -2
kill -TERM "$dev"; wait "$dev"; trap - EXIT
echo "waygate dev stopped cleanly (log: $out/dev.log)"
