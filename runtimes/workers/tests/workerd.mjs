// Drives the built Worker in Cloudflare's real runtime (workerd, through Miniflare — what
// `wrangler dev --local` runs) with real HTTP requests on 127.0.0.1. The R2 binding BUNDLES
// is Miniflare's local R2, populated through its R2 API. See test.sh for what is checked.
// Env: BUILD_DIR, WORK, WAYGATE_BIN, NODE_MODULES, CORPUS_PLAN (optional).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const { BUILD_DIR, WORK, WAYGATE_BIN, NODE_MODULES, CORPUS_PLAN } = process.env;
const require = createRequire(path.join(NODE_MODULES, "x.js"));
const { Miniflare } = await import(pathToFileURL(require.resolve("miniflare")).href);

let passed = 0, failed = 0;
const ok = (name) => { passed++; console.log(`ok: ${name}`); };
const bad = (name, why) => { failed++; console.log(`FAIL: ${name}: ${why}`); };
const check = (name, cond, why) => (cond ? ok(name) : bad(name, why));
// A setup step that throws still ends with the summary line, counted as a failure.
const fatal = (e) => { bad("setup", e?.stack ?? e); console.log(`${passed} passed, ${failed} failed`); process.exit(1); };
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bounded = (p, ms, what) => Promise.race([p, sleep(ms).then(() => { throw new Error(`${what}: no answer within ${ms} ms`); })]);

// ---- a loopback upstream ------------------------------------------------------------------
const hits = [];
let flaky = 0;
const upstream = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString();
    hits.push({ method: req.method, url: req.url, headers: req.headers, body });
    if (req.url.startsWith("/api/hello")) { res.writeHead(200, { "content-type": "text/plain" }); res.end("hello from upstream"); return; }
    if (req.url.startsWith("/slow")) { setTimeout(() => { res.writeHead(200); res.end("late"); }, 3000); return; }
    if (req.url.startsWith("/flaky")) { flaky++; res.writeHead(flaky % 2 === 1 ? 503 : 200); res.end(`attempt ${flaky}`); return; }
    if (req.url.startsWith("/moved")) { res.writeHead(302, { location: "/elsewhere" }); res.end(); return; }
    res.writeHead(200, { "content-type": "application/json", "x-upstream-private": "1", connection: "x-upstream-private" });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
});
await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
const upPort = upstream.address().port;

// ---- keys, manifests, bundles --------------------------------------------------------------
const sh = (args) => execFileSync(WAYGATE_BIN, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
sh(["keygen", "--force", "--private", `${WORK}/key.pem`, "--public", `${WORK}/key.pub`]);
sh(["keygen", "--force", "--private", `${WORK}/other.pem`, "--public", `${WORK}/other.pub`]);
const publicKey = fs.readFileSync(`${WORK}/key.pub`, "utf8");

const base = `apiVersion: gateway.networking.k8s.io/v1
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
ports: [{name: p, port: ${upPort}}]
`;
const routes = (redirectPrefix) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: default}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-served-by, value: waygate-workers}]}}
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-gateway, value: waygate}], remove: [x-secret]}}
    backendRefs: [{name: files, port: 80}]
  - matches: [{path: {type: PathPrefix, value: ${redirectPrefix}}}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: new.example.com, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /slow}}]
    timeouts: {request: 500ms}
    backendRefs: [{name: files, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /flaky}}]
    retry: {codes: [503], attempts: 2, backoff: 10ms}
    backendRefs: [{name: files, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /mirror}}]
    filters: [{type: RequestMirror, requestMirror: {backendRef: {name: files, port: 80}}}]
    backendRefs: [{name: files, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs:
    - name: files
      port: 80
      filters:
      - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: x-backend-filter, value: applied}]}}
      - {type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-backend-request, value: applied}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: agents, namespace: default, annotations: {waygate.dev/placement: kubernetes}}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /agents}}]
    backendRefs: [{name: files, port: 80}]
`;
function compile(name, yaml, generation, key = `${WORK}/key.pem`) {
  const dir = `${WORK}/${name}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/routes.yaml`, yaml);
  sh(["compile", dir, "--key", key, "--out", `${dir}.bundle`, "--generation", String(generation),
    "--created", String(Math.floor(Date.now() / 1000)), "--kubernetes-origin", "https://k8s.example.com"]);
  const bytes = fs.readFileSync(`${dir}.bundle`);
  return { bytes, digest: createHash("sha256").update(bytes).digest("hex"), generation };
}

// ---- the Worker in workerd -----------------------------------------------------------------
const logLines = [];
const modules = {
  "index.js": { type: "esm", contents: fs.readFileSync(path.join(BUILD_DIR, "index.js"), "utf8") },
  "index_bg.wasm": { type: "wasm", contents: new Uint8Array(fs.readFileSync(path.join(BUILD_DIR, "index_bg.wasm"))) },
};
// `outbound`: where the Worker's fetches go (default: the network, i.e. the loopback upstream).
const workerOptions = (bindings, outbound) => {
  const vars = { WAYGATE_PUBLIC_KEY: publicKey, WAYGATE_CHANNEL: "prod", WAYGATE_REFRESH_SECONDS: "0", ...bindings };
  const env = { BUNDLES: { type: "r2", name: "waygate-bundles" } };
  for (const [k, v] of Object.entries(vars)) env[k] = { type: "text", value: v };
  return {
    host: "127.0.0.1", port: 0,
    // Persisted between workerd restarts (the cold-start and corpus steps start new isolates).
    resourcePersistencePath: `${WORK}/state`,
    logRequests: false,
    handleStructuredLogs: (log) => logLines.push(log.message),
    workers: [{
      config: { name: "waygate", compatibilityDate: "2025-09-01", manifest: { mainModule: "index.js", modules }, env },
      dev: outbound ? { outboundService: { type: "fetcher", handler: outbound } } : {},
    }],
  };
};
let mf = new Miniflare(workerOptions({}));
let url = await bounded(mf.ready, 30000, "workerd start");
let bucket = await mf.getR2Bucket("BUNDLES");
async function publish(channel, b, digestOverride) {
  const digest = digestOverride ?? b.digest;
  await bucket.put(`bundles/${digest}`, b.bytes);
  await bucket.put(`channels/${channel}`, JSON.stringify({ digest, generation: b.generation, updated: 1700000000 }) + "\n");
}
function request(method, target, headers = {}, body) {
  const u = new URL(target, url);
  return bounded(new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers: { host: "example.com", ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    r.on("error", reject);
    if (body) r.write(body);
    r.end();
  }), 20000, `${method} ${target}`);
}
const get = (p, h) => request("GET", p, h);

try {
  // 1. nothing published: 503 that says why
  let r = await get("/api/hello.txt");
  check("empty R2 bucket answers 503 saying no bundle is loaded", r.status === 503 && /no verified bundle is loaded.*not found/s.test(r.body), `${r.status} ${r.body}`);

  // 2. a bundle signed with an untrusted key: 503 that says why
  await publish("prod", compile("untrusted", base + routes("/old"), 1, `${WORK}/other.pem`));
  r = await get("/api/hello.txt");
  console.log(`  untrusted-key answer: ${r.status} ${r.body.trim()}`);
  check("bundle signed by an untrusted key answers 503 naming the signature problem", r.status === 503 && /no verified bundle is loaded/.test(r.body) && /sign|key/i.test(r.body), `${r.status} ${r.body}`);

  // 3. a good bundle: loaded on the next request (nothing was being served)
  const g2 = compile("g2", base + routes("/old"), 2);
  await publish("prod", g2);
  r = await get("/api/hello.txt", { "x-secret": "s" });
  check("forwards to the loopback upstream", r.status === 200 && r.body === "hello from upstream", `${r.status} ${r.body}`);
  check("ResponseHeaderModifier applied", r.headers["x-served-by"] === "waygate-workers", JSON.stringify(r.headers));
  r = await get("/api/echo?q=1", { "x-secret": "s", "x-kept": "k" });
  let echo = r.status === 200 ? JSON.parse(r.body) : {};
  check("RequestHeaderModifier set/remove reach the upstream", echo.headers?.["x-gateway"] === "waygate" && echo.headers?.["x-secret"] === undefined && echo.headers?.["x-kept"] === "k", r.body);
  check("path and query forwarded unchanged", echo.url === "/api/echo?q=1", echo.url);
  check("hop-by-hop headers named by the upstream's Connection are stripped", r.headers["x-upstream-private"] === undefined, JSON.stringify(r.headers));
  const big = "x".repeat(200000);
  r = await request("POST", "/echo/post", { "content-type": "text/plain" }, big);
  echo = r.status === 200 ? JSON.parse(r.body) : {};
  check("POST body streamed through intact (200 kB)", echo.method === "POST" && echo.body === big, `${r.status} len=${echo.body?.length}`);
  check("backendRef-level filters: request edit reaches the upstream, response edit reaches the client", echo.headers?.["x-backend-request"] === "applied" && r.headers["x-backend-filter"] === "applied", `${echo.headers?.["x-backend-request"]} / ${r.headers["x-backend-filter"]}`);
  r = await get("/moved");
  check("upstream redirects are passed through, not followed", r.status === 302 && r.headers.location === "/elsewhere", `${r.status} ${r.headers.location}`);
  r = await get("/old/page?q=1");
  check("RequestRedirect: 301 to new host keeping path and query", r.status === 301 && /^https?:\/\/new\.example\.com\/old\/page\?q=1$/.test(r.headers.location ?? ""), `${r.status} ${r.headers.location}`);
  r = await get("/agents/chat");
  check("Kubernetes-pinned route redirects (307) to the Kubernetes origin", r.status === 307 && r.headers.location === "https://k8s.example.com/agents/chat", `${r.status} ${r.headers.location}`);
  r = await get("/agents/ws", { connection: "Upgrade", upgrade: "websocket" });
  check("Kubernetes-pinned upgrade is 421, never proxied", r.status === 421, `${r.status}`);
  r = await get("/api/x", { host: "other.example.com:80" });
  check("host matching goes through core (a listener without hostnames accepts any host)", r.status === 200, `${r.status}`);
  let t0 = Date.now();
  r = await get("/slow");
  let took = Date.now() - t0;
  check("rule request timeout (500ms) races the upstream: 504 before it answers (3s)", r.status === 504 && took < 2500, `${r.status} after ${took} ms`);
  flaky = 0;
  r = await get("/flaky");
  check("retry on 503: second attempt's 200 returned", r.status === 200 && r.body === "attempt 2", `${r.status} ${r.body}`);
  const before = hits.filter((h) => h.url === "/mirror/one").length;
  r = await get("/mirror/one");
  await sleep(300);
  const after = hits.filter((h) => h.url === "/mirror/one").length;
  check("RequestMirror sends a copy through ctx.waitUntil (primary + mirror reach the upstream)", r.status === 200 && after - before === 2, `${r.status} hits=${after - before}`);

  // 4. a tampered bundle: the running bundle keeps serving
  const g3 = compile("g3", base + routes("/gone"), 3);
  await publish("prod", { ...g3, bytes: Buffer.concat([g3.bytes, Buffer.from(" ")]) }, g3.digest);
  r = await get("/old/x"); await sleep(300);
  r = await get("/old/x");
  check("tampered bundle refused; generation 2 keeps serving", r.status === 301, `${r.status}`);
  check("refusal logged with the reason", logLines.some((l) => /refresh failed/.test(l) && /altered/.test(l)), "no log line");

  // 5. a newer good bundle is picked up without blocking requests
  const g4 = compile("g4", base + routes("/gone"), 4);
  await publish("prod", g4);
  r = await get("/old/x");
  check("the request that triggers the refresh is answered from the running bundle", r.status === 301, `${r.status}`);
  await sleep(300);
  r = await get("/gone/x");
  check("generation 4 picked up by the background refresh", r.status === 301 && /new\.example\.com\/gone\/x/.test(r.headers.location ?? ""), `${r.status} ${r.headers.location}`);
  r = await get("/old/x");
  check("generation 4: old redirect gone (falls to the catch-all forward)", r.status === 200, `${r.status}`);

  // 6. one JSON access-log line per request
  const access = logLines.filter((l) => l.includes('"waygate::access"')).map((l) => { try { return JSON.parse(l.slice(l.indexOf("{"))); } catch { return null; } }).filter(Boolean);
  check("JSON access log: forwarded request with route, status, duration and bundle", access.some((e) => e.route === "default/api" && e.status === 200 && typeof e.duration_ms === "number" && e.bundle === g2.digest), `${access.length} lines`);
  check("JSON access log: 503 lines carry the reason", access.some((e) => e.status === 503 && /not found/.test(e.error ?? "")), "none");
  check("JSON access log: generation 4 requests carry its digest", access.some((e) => e.path === "/gone/x" && e.status === 301 && e.bundle === g4.digest), "none");

  // 7. cold start with a 1k-route bundle: a fresh workerd, first request timed
  let bigYaml = base;
  for (let i = 0; i < 1000; i++) {
    bigYaml += `---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r${i}, namespace: default}\nspec:\n  parentRefs: [{name: edge}]\n  hostnames: [h${i}.example.com]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /r${i}}}]\n    backendRefs: [{name: files, port: 80}]\n`;
  }
  const k1 = compile("k1", bigYaml, 1);
  console.log(`1k-route bundle: ${k1.bytes.length} bytes`);
  await publish("big", k1);
  await mf.dispose();
  const tStart = Date.now();
  mf = new Miniflare(workerOptions({ WAYGATE_CHANNEL: "big" }));
  url = await bounded(mf.ready, 30000, "workerd restart");
  bucket = await mf.getR2Bucket("BUNDLES");
  const tReady = Date.now();
  // Three requests arrive together at a cold isolate: one loads, the others wait for it.
  const cold = await Promise.all([999, 998, 997].map(async (i) => {
    const res = await get(`/r${i}/x`, { host: `h${i}.example.com` });
    return { status: res.status, ms: Date.now() - tReady };
  }));
  const tFirst = tReady + Math.min(...cold.map((c) => c.ms));
  console.log(`cold start: workerd ready in ${tReady - tStart} ms; first request (R2 read + verify + router build + forward) ${tFirst - tReady} ms; 3 concurrent: ${cold.map((c) => c.ms).join("/")} ms`);
  check("cold start with a 1k-route bundle: 3 concurrent first requests all forwarded within 5 s", cold.every((c) => c.status === 200 && c.ms < 5000), JSON.stringify(cold));
  t0 = Date.now();
  r = await get("/r500/x", { host: "h500.example.com" });
  console.log(`warm request (1k routes): ${Date.now() - t0} ms`);
  check("second request served from the isolate's cached bundle", r.status === 200, `${r.status}`);

  // 8. the S3 source: SigV4-signed GETs through the Fetch API against a loopback S3 (moto)
  if (process.env.S3_ENDPOINT) {
    const ep = process.env.S3_ENDPOINT;
    const s3put = async (key, body) => {
      // moto checks no signature but wants an Authorization header to overwrite an object.
      const res = await fetch(`${ep}/waygate-test/${key}`, {
        method: "PUT", body,
        headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0" },
      });
      if (!res.ok) throw new Error(`S3 PUT ${key}: ${res.status} ${await res.text()}`);
    };
    await s3put("", undefined).catch(() => {}); // create the bucket (PUT /waygate-test/)
    const s3pub = async (b) => {
      await s3put(`edge/bundles/${b.digest}`, b.bytes);
      await s3put("edge/channels/prod", JSON.stringify({ digest: b.digest, generation: b.generation, updated: 1700000000 }) + "\n");
    };
    await s3pub(compile("s3g1", base + routes("/old"), 1));
    await mf.dispose();
    mf = new Miniflare(workerOptions({
      WAYGATE_STORE: "s3://waygate-test/edge", WAYGATE_S3_ENDPOINT: ep, WAYGATE_S3_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret",
    }));
    url = await bounded(mf.ready, 30000, "workerd restart (S3)");
    bucket = await mf.getR2Bucket("BUNDLES");
    r = await get("/api/hello.txt");
    check("S3 store: bundle fetched with SigV4 GETs over fetch(), request forwarded", r.status === 200 && r.body === "hello from upstream", `${r.status} ${r.body}`);
    await s3pub(compile("s3g2", base + routes("/gone"), 2));
    await get("/old/x"); await sleep(300);
    r = await get("/gone/x");
    check("S3 store: a newer generation is picked up (conditional channel GET)", r.status === 301, `${r.status}`);
    await get("/gone/y"); await sleep(300);
    check("S3 store: an unchanged channel polls without a refusal", !logLines.some((l) => /refresh failed/.test(l) && /S3|s3|endpoint/.test(l)), logLines.filter((l) => /refresh failed/.test(l)).join(" | "));
  }

  // 9. corpus parity
  if (CORPUS_PLAN) await corpus(JSON.parse(fs.readFileSync(CORPUS_PLAN, "utf8")));
} catch (e) {
  bad("driver", e.stack ?? e);
} finally {
  await mf.dispose().catch(() => {});
  upstream.close();
  upstream.closeAllConnections?.();
}

async function corpus(plan) {
  // Outbound fetches go to this function instead of the network: it answers 200 and echoes
  // what the Worker sent, so forward decisions are compared without any real backend.
  const outbound = async (req) => new Response("captured", {
    status: 200,
    headers: { "x-captured-url": req.url, "x-captured-headers": JSON.stringify(Object.fromEntries(req.headers)) },
  });
  let n = 0, same = 0, pinned = 0;
  const diffs = [];
  let channel = 0;
  for (const c of plan) {
    const bytes = fs.readFileSync(c.bundle);
    // Each (gateway, port) the case asks about is a Worker configuration (WAYGATE_GATEWAY /
    // WAYGATE_PORT): one fresh isolate per group.
    const groups = new Map();
    for (const q of c.requests) {
      const k = `${q.gateway ?? ""}|${q.port ?? ""}`;
      groups.set(k, [...(groups.get(k) ?? []), q]);
    }
    const name = `c${channel++}`;
    await publish(name, { bytes, digest: createHash("sha256").update(bytes).digest("hex"), generation: 1 });
    for (const [k, qs] of groups) {
      const [gw, port] = k.split("|");
      const b = { WAYGATE_CHANNEL: name, WAYGATE_PUBLIC_KEY: fs.readFileSync(process.env.CORPUS_KEY_PUB, "utf8") };
      if (gw) b.WAYGATE_GATEWAY = gw;
      if (port) b.WAYGATE_PORT = port;
      await mf.setOptions(workerOptions(b, outbound));
      url = await bounded(mf.ready, 30000, "workerd reload");
      bucket = await mf.getR2Bucket("BUNDLES");
      for (const q of qs) {
        n++;
        const u = new URL(q.url);
        const headers = { host: u.host };
        for (const [hk, hv] of q.headers) {
          const k = hk.toLowerCase();
          headers[k] = k in headers && k !== "host" ? [headers[k]].flat().concat(hv) : hv;
        }
        let r;
        try { r = await request(q.method, u.pathname + u.search, headers); } catch (e) { diffs.push(`${c.case} / ${q.name}: ${e.message}`); continue; }
        const e = q.expect;
        let why = null;
        if (e.placement === "kubernetes") {
          // `waygate explain` answers as the Kubernetes runtime; the Worker is an edge runtime,
          // which must send pinned routes to the Kubernetes origin (DESIGN.md): 307 there,
          // or 421 for upgrades and when the bundle names no origin.
          pinned++;
          const upgrade = q.method === "CONNECT" || "upgrade" in headers || /upgrade/i.test([headers.connection ?? ""].flat().join(","));
          const origin = c.kubernetes_origin?.replace(/\/$/, "");
          if (upgrade || !origin) { if (r.status !== 421) why = `pinned: ${r.status} != 421`; }
          else if (r.status !== 307 || r.headers.location !== origin + u.pathname + u.search) why = `pinned: ${r.status} ${r.headers.location} != 307 ${origin}${u.pathname}${u.search}`;
        } else if (e.outcome === "forward") {
          const cu = r.headers["x-captured-url"];
          if (!cu) {
            // A weighted rule that lists an invalid backend answers 500 for that backend's
            // share of requests (Gateway API); the Worker's draw may land there.
            const invalidShare = e.backends.length > 1 && r.status === 500 && /backend reference is invalid/.test(r.body);
            if (!invalidShare) why = `expected a forward, got ${r.status} ${r.body.slice(0, 80)}`;
          } else {
            const cap = new URL(cu);
            const sent = JSON.parse(r.headers["x-captured-headers"]);
            if (e.upstream && cap.pathname + cap.search !== e.upstream.path) why = `upstream path ${cap.pathname + cap.search} != ${e.upstream.path}`;
            for (const [hk, hv] of Object.entries(e.headers ?? {})) {
              if (hk === "host") continue; // the Fetch API sets Host from the backend URL
              if (sent[hk] !== hv) why = `upstream header ${hk}: ${sent[hk]} != ${hv}`;
            }
          }
        } else {
          if (r.status !== e.status) why = `status ${r.status} != ${e.status}`;
          else if (e.location && r.headers.location !== e.location) why = `location ${r.headers.location} != ${e.location}`;
        }
        if (why) diffs.push(`${c.case} / ${q.name}: ${why}`); else same++;
      }
    }
  }
  for (const d of diffs) console.log(`  parity diff: ${d}`);
  console.log(`corpus parity: ${same}/${n} requests identical to waygate explain across ${plan.length} cases (${pinned} Kubernetes-pinned, checked as the edge's 307/421)`);
  check(`corpus parity: all ${n} corpus requests answered as core/explain decide`, same === n && n > 0, `${n - same} differ`);
}

if (process.env.T0) console.log(`workers test: ${Math.round(Date.now() / 1000 - Number(process.env.T0))}s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
