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
