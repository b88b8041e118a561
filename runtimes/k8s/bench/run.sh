#!/usr/bin/env bash
# Reproduces the Kubernetes runtime numbers in BENCHMARKS.md (not run in CI):
#  1. wrk, 64 keep-alive connections, small bodies: `waygate serve` vs nginx as a reverse
#     proxy, both in front of the same loopback nginx upstream; then again with each proxy
#     pinned to CPU 0 and wrk plus the upstream to CPU 1 (needs taskset);
#  2. idle RSS of `waygate serve` with a 1k-route bundle;
#  3. RSS per idle WebSocket with 10k WebSockets held through the gateway.
# Needs wrk, nginx, curl and python3 (Debian packages). Everything binds 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/env.sh
for t in wrk nginx curl python3 taskset; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }; done
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
WS=${WS:-10000}
# Each proxied WebSocket holds two descriptors in the gateway (client and upstream side):
# cap the count to what the hard descriptor limit allows and report the count used.
max_ws=$(( ($(ulimit -Hn) - 200) / 2 ))
[ "$WS" -gt "$max_ws" ] && { echo "note: RLIMIT_NOFILE $(ulimit -Hn) allows $max_ws WebSockets, not $WS" >&2; WS=$max_ws; }
if [ -z "${WAYGATE_BIN:-}" ]; then
  cargo build --quiet --release -p waygate-compiler --bin waygate
fi
waygate=${WAYGATE_BIN:-$CARGO_TARGET_DIR/release/waygate}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
UP=18081 NGX=18082 GW=18083 ADMIN=18084 ECHO=18085 GW1K=18086 ADMIN1K=18087

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# CPU time (clock ticks, user + system) of processes and all their threads.
cpu_ticks() { local t=0 p f; for p in "$@"; do for f in /proc/"$p"/task/*/stat; do
  t=$(( t + $(cut -d')' -f2 <"$f" | awk '{print $12 + $13}') )); done; done; echo $t; }
# Of that, the time spent in the kernel (system time only).
sys_ticks() { local t=0 p f; for p in "$@"; do for f in /proc/"$p"/task/*/stat; do
  t=$(( t + $(cut -d')' -f2 <"$f" | awk '{print $13}') )); done; done; echo $t; }
# Involuntary context switches (preemptions) of processes and all their threads.
preemptions() { local t=0 p f; for p in "$@"; do for f in /proc/"$p"/task/*/status; do
  t=$(( t + $(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$f") )); done; done; echo $t; }
wait_ready() { for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.1; done; echo "not ready" >&2; exit 1; }

# --- upstream and nginx reverse proxy --------------------------------------------------
# Two nginx instances, so the CPU each proxy spends per request can be read from /proc:
# the upstream (shared by both proxies) and the reverse proxy under comparison.
nginx_conf() { # dir server-block
mkdir -p "$1"
cat >"$1/nginx.conf" <<NGINX
worker_processes 2;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1; proxy_temp_path $1;
  fastcgi_temp_path $1; uwsgi_temp_path $1; scgi_temp_path $1;
  $2
}
NGINX
}
nginx_conf "$work/upstream" "server { listen 127.0.0.1:$UP; location / { return 200 \"hello from upstream\\n\"; } }"
nginx_conf "$work/nginx" "upstream up { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$NGX; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
nginx -c "$work/upstream/nginx.conf" -g 'daemon off;' & pids+=($!); upstream_master=$!
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' & pids+=($!); nginx_master=$!

# --- waygate bundle: one route to the same upstream -------------------------------------
"$waygate" keygen --private "$work/k.pem" --public "$work/k.pub" 2>/dev/null
gateway() { # port
cat <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: waygate}
spec: {controllerName: waygate.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: waygate
  listeners: [{name: http, protocol: HTTP, port: $1}]
---
apiVersion: v1
kind: Service
metadata: {name: up, namespace: default}
spec: {ports: [{name: p, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: up-local, namespace: default, labels: {kubernetes.io/service-name: up}}
addressType: IPv4
endpoints: [{addresses: [127.0.0.1]}]
ports: [{name: p, port: $UP}]
---
apiVersion: v1
kind: Service
metadata: {name: ws, namespace: default}
spec: {ports: [{name: p, port: 80, appProtocol: kubernetes.io/ws}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ws-local, namespace: default, labels: {kubernetes.io/service-name: ws}}
addressType: IPv4
endpoints: [{addresses: [127.0.0.1]}]
ports: [{name: p, port: $ECHO}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ws, namespace: default}
spec:
  parentRefs: [{name: bench}]
  rules: [{matches: [{path: {type: PathPrefix, value: /ws}}], backendRefs: [{name: ws, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: bench}]
  rules: [{backendRefs: [{name: up, port: 80}]}]
YAML
}
serve() { # name port admin yaml-dir
  mkdir -p "$work/$1"
  "$waygate" compile "$4" --key "$work/k.pem" --out "$work/$1/b.json" --generation 1 2>/dev/null
  mkdir -p "$work/$1/store/bundles" "$work/$1/store/channels"
  digest=$(sha256sum "$work/$1/b.json" | cut -d' ' -f1)
  cp "$work/$1/b.json" "$work/$1/store/bundles/$digest"
  printf '{"digest":"%s","generation":1,"updated":0}' "$digest" >"$work/$1/store/channels/bench"
  RUST_LOG=warn "$waygate" serve --store "file://$work/$1/store" --channel bench \
    --public-key "$work/k.pub" --listen-host 127.0.0.1 --admin "127.0.0.1:$3" 2>"$work/$1/log" &
}
mkdir -p "$work/src1"; gateway $GW >"$work/src1/all.yaml"
ulimit -n "$(ulimit -Hn)"
serve main $GW $ADMIN "$work/src1"; pids+=($!); main=$!
"$waygate" echo-upstream --listen "127.0.0.1:$ECHO" 2>/dev/null & pids+=($!)
wait_ready $ADMIN
curl -fsS "http://127.0.0.1:$GW/" >/dev/null
curl -fsS "http://127.0.0.1:$NGX/" >/dev/null

# --- 1. throughput -------------------------------------------------------------------
bench() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$1/" ; }
# bench_cpu PORT PIDS...: the wrk report, then the proxy's CPU in microseconds per request
# and how often per request the scheduler preempted it.
bench_cpu() { local port=$1 a b c d out n; shift; a=$(cpu_ticks "$@"); c=$(preemptions "$@")
  out=$(bench "$port"); b=$(cpu_ticks "$@"); d=$(preemptions "$@")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$out"; awk -v t=$((b - a)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "cpu_us_per_req %.1f\n", t * 1e6 / hz / n}'
  awk -v p=$((d - c)) -v n="$n" 'BEGIN {printf "preempted_per_req %.2f\n", p / n}'; }
parse_rps() { awk '/Requests\/sec/ {print $2}'; }
parse_p99() { awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'; }
bench $NGX >/dev/null 2>&1 || true   # warm up both
bench $GW >/dev/null 2>&1 || true
nginx_workers=$(pgrep -P "$nginx_master" | xargs)
out_ngx=$(bench_cpu $NGX $nginx_workers); out_gw=$(bench_cpu $GW $main)
echo "$out_ngx" >"$work/wrk-nginx.txt"; echo "$out_gw" >"$work/wrk-waygate.txt"
rps_ngx=$(echo "$out_ngx" | parse_rps); rps_gw=$(echo "$out_gw" | parse_rps)
p99_ngx=$(echo "$out_ngx" | parse_p99); p99_gw=$(echo "$out_gw" | parse_p99)
cpu_ngx=$(echo "$out_ngx" | awk '/cpu_us_per_req/ {print $2}'); cpu_gw=$(echo "$out_gw" | awk '/cpu_us_per_req/ {print $2}')
pre_ngx=$(echo "$out_ngx" | awk '/preempted_per_req/ {print $2}'); pre_gw=$(echo "$out_gw" | awk '/preempted_per_req/ {print $2}')

# --- 1b. the same with each proxy alone on CPU 0 ------------------------------------------
# wrk and the upstream go to CPU 1, so a proxy's throughput is set by its own cost per
# request rather than by what it leaves to the others on a shared box.
pin() { local cpu=$1 p; shift; for p in "$@"; do taskset -apc "$cpu" "$p" >/dev/null; done; }
upstream_workers=$(pgrep -P "$upstream_master" | xargs)
pin 1 $upstream_workers
pinned() { # port pids...
  local port=$1; shift; pin 0 "$@"
  local a c; a=$(cpu_ticks "$@"); c=$(sys_ticks "$@")
  local out; out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$port/")
  local b d; b=$(cpu_ticks "$@"); d=$(sys_ticks "$@"); pin 0,1 "$@"
  local rps n; rps=$(echo "$out" | parse_rps); n=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v r="$rps" -v t=$((b - a)) -v k=$((d - c)) -v n="$n" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%s %.1f %.1f\n", r, t * 1e6 / hz / n, k * 1e6 / hz / n}'; }
read -r pin_rps_ngx pin_cpu_ngx pin_sys_ngx < <(pinned $NGX $nginx_workers)
read -r pin_rps_gw pin_cpu_gw pin_sys_gw < <(pinned $GW $main)
pin 0,1 $upstream_workers

# --- 2. idle RSS with 1k routes ---------------------------------------------------------
mkdir -p "$work/src1k"; gateway $GW1K >"$work/src1k/all.yaml"
for i in $(seq 1 1000); do
cat >>"$work/src1k/all.yaml" <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r$i, namespace: default}
spec:
  parentRefs: [{name: bench}]
  hostnames: [h$i.bench.example]
  rules:
    - matches: [{path: {type: PathPrefix, value: /api/v$i}, headers: [{name: x-tenant, value: t$i}]}]
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-route, value: r$i}]}}]
      backendRefs: [{name: up, port: 80}]
YAML
done
serve thousand $GW1K $ADMIN1K "$work/src1k"; pids+=($!); thousand=$!
wait_ready $ADMIN1K
curl -fsS -H "Host: h500.bench.example" -H "x-tenant: t500" "http://127.0.0.1:$GW1K/api/v500" >/dev/null
sleep 1
rss_1k=$(rss_kib $thousand); rss_1route=$(rss_kib $main)

# --- 3. idle WebSockets -------------------------------------------------------------------
before=$(rss_kib $main)
coproc WSC { python3 runtimes/k8s/bench/ws_idle.py 127.0.0.1 $GW "$WS" /ws; }
read -r -t 300 ready n <&"${WSC[0]}" || { echo "WebSocket client failed" >&2; exit 1; }
sleep 2
after=$(rss_kib $main)
active=$(curl -fs "http://127.0.0.1:$ADMIN/metrics" | awk '/^waygate_active_websockets / {print $2}')
per_ws=$(( (after - before) * 1024 / n ))
exec {WSC[1]}>&-

cat <<REPORT
== waygate k8s runtime benchmark ($(date -u +%F), $(nproc) cores, wrk -t$THREADS -c$CONNS -d$DURATION)
nginx reverse proxy : $rps_ngx req/s, p99 ${p99_ngx} ms, proxy CPU ${cpu_ngx} us/request, preempted ${pre_ngx}/request
waygate serve       : $rps_gw req/s, p99 ${p99_gw} ms, proxy CPU ${cpu_gw} us/request, preempted ${pre_gw}/request
ratio (waygate/nginx): $(awk -v a="$rps_gw" -v b="$rps_ngx" 'BEGIN {printf "%.2fx req/s", a/b}'), p99 $(awk -v a="$p99_gw" -v b="$p99_ngx" 'BEGIN {printf "%.2fx", a/b}'), proxy CPU per request $(awk -v a="$cpu_gw" -v b="$cpu_ngx" 'BEGIN {printf "%.2fx", a/b}') (alone on CPU 0: $(awk -v a="$pin_cpu_gw" -v b="$pin_cpu_ngx" 'BEGIN {printf "%.2fx", a/b}'))
proxy alone on CPU 0: nginx $pin_rps_ngx req/s at $pin_cpu_ngx us/request ($pin_sys_ngx in the kernel), waygate $pin_rps_gw req/s at $pin_cpu_gw us/request ($pin_sys_gw in the kernel), $(awk -v a="$pin_rps_gw" -v b="$pin_rps_ngx" 'BEGIN {printf "%.2fx", a/b}')
idle RSS, 1 route   : $rss_1route KiB
idle RSS, 1k routes : $rss_1k KiB
idle WebSockets     : $n open (gauge $active), RSS $before -> $after KiB, $per_ws bytes per connection
REPORT
