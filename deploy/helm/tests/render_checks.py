"""Checks on `helm template` output that schema validators cannot make: the objects agree
with each other (Service ports = Gateway listeners = container ports, TLS certificateRefs =
mounted paths, ServiceMonitor -> admin Service, HTTPRoute -> Gateway/ReferenceGrant) and
with the values they came from, and the pod runs hardened the way the chart promises.

usage:
  render_checks.py split RENDERED BUILTIN_OUT GWAPI_OUT OTHER_OUT   (prints counts)
  render_checks.py check CHART_DIR VALUES_FILE RENDERED NAMESPACE
  render_checks.py readme CHART_DIR        (every values.yaml key is in README.md)

Runs with the PyYAML of the test-infra venv. Exit 1 with one line per failure.
"""

import base64
import json
import re
import sys

import yaml

GWAPI = "gateway.networking.k8s.io/"
CRD_GROUPS = (GWAPI, "monitoring.coreos.com/")
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
PEM_RE = re.compile(r"-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----")

failures = []


def expect(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def merge(base, over):
    """Helm's values merge: maps merge key by key, everything else replaces."""
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def split(rendered, builtin_out, gwapi_out, other_out):
    docs = load_docs(rendered)
    groups = {"builtin": [], "gwapi": [], "other": []}
    for d in docs:
        api = d.get("apiVersion", "")
        key = "gwapi" if api.startswith(GWAPI) else "other" if api.startswith(CRD_GROUPS) else "builtin"
        groups[key].append(d)
    for key, path in (("builtin", builtin_out), ("gwapi", gwapi_out), ("other", other_out)):
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump_all(groups[key], f, sort_keys=False)
    print(" ".join(f"{k}={len(v)}" for k, v in groups.items()))


def by_kind(docs):
    out = {}
    for d in docs:
        out.setdefault(d["kind"], []).append(d)
    return out


def one(kinds, kind):
    objs = kinds.get(kind, [])
    expect(len(objs) == 1, f"expected exactly one {kind}, got {len(objs)}")
    return objs[0] if objs else {}


def subset(small, big):
    return all(big.get(k) == v for k, v in (small or {}).items())


def check_pod(values, dep, kinds, ns):
    pod = dep["spec"]["template"]["spec"]
    containers = pod["containers"]
    expect(len(containers) == 1, "Deployment should run exactly one container")
    c = containers[0]
    repo, tag = values["image"]["repository"], values["image"]["tag"] or CHART["appVersion"]
    want_image = f"{repo}@{values['image']['digest']}" if values["image"]["digest"] else f"{repo}:{tag}"
    expect(c["image"] == want_image, f"image {c['image']} != {want_image}")

    admin = values["admin"]["port"]
    args = c["args"]
    pairs = dict(zip(args[1::2], args[2::2]))
    expect(args[0] == "serve", f"first arg should be serve, got {args[0]}")
    for flag, want in {
        "--store": "$(WAYGATE_STORE)",
        "--channel": "$(WAYGATE_CHANNEL)",
        "--public-key": "/etc/waygate/keys/public.pem",
        "--listen-host": "0.0.0.0",
        "--admin": f"0.0.0.0:{admin}",
        "--secrets-dir": "/etc/waygate/secrets",
        "--cache-dir": "/var/cache/waygate",
        "--poll-interval": str(values["store"]["pollIntervalSeconds"]),
        "--log-format": values["logFormat"],
    }.items():
        expect(pairs.get(flag) == want, f"arg {flag} is {pairs.get(flag)!r}, want {want!r}")

    env = {e["name"]: e for e in c.get("env", [])}
    cm = one(kinds, "ConfigMap")
    for var, key in (("WAYGATE_STORE", "store-uri"), ("WAYGATE_CHANNEL", "channel")):
        ref = env.get(var, {}).get("valueFrom", {}).get("configMapKeyRef", {})
        expect(ref.get("name") == cm["metadata"]["name"] and ref.get("key") == key,
               f"env {var} should come from ConfigMap key {key}")
    expect(cm["data"]["store-uri"] == values["store"]["uri"], "ConfigMap store-uri != store.uri")
    expect(cm["data"]["channel"] == values["store"]["channel"], "ConfigMap channel != store.channel")
    if values["store"]["region"]:
        expect(env.get("AWS_REGION", {}).get("value") == values["store"]["region"], "AWS_REGION not set")

    # Trusted keys: every configured key, each a real ed25519 SPKI key.
    blocks = PEM_RE.findall(cm["data"]["public.pem"])
    want_keys = len(PEM_RE.findall("\n".join([values["publicKey"], *values["extraPublicKeys"]])))
    expect(len(blocks) == want_keys, f"public.pem holds {len(blocks)} keys, want {want_keys}")
    for b in blocks:
        der = base64.b64decode("".join(b.split()))
        expect(der.startswith(ED25519_SPKI_PREFIX) and len(der) == 44, "public.pem block is not an ed25519 SPKI key")

    # Hardening.
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    expect(psc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True, "runAsNonRoot not set")
    expect(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem not set")
    expect(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation not false")
    expect(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities.drop is not [ALL]")
    seccomp = csc.get("seccompProfile") or psc.get("seccompProfile") or {}
    expect(seccomp.get("type") == "RuntimeDefault", "seccompProfile is not RuntimeDefault")
    expect("resources" in c and c["resources"].get("requests"), "container has no resource requests")

    # Probes on the admin port.
    cports = {p["name"]: p for p in c["ports"]}
    expect(cports.get("admin", {}).get("containerPort") == admin, "admin containerPort != --admin port")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        expect(get.get("path") == path and get.get("port") == "admin", f"{probe} should GET {path} on admin")

    # Drain: the kubelet must not kill the pod before the drain deadline.
    drain = values["drain"]
    budget = drain["preStopSleepSeconds"] + drain["drainDeadlineSeconds"]
    expect(pod["terminationGracePeriodSeconds"] > budget,
           f"terminationGracePeriodSeconds {pod['terminationGracePeriodSeconds']} <= preStop+drain {budget}")
    if drain["preStopSleepSeconds"]:
        sleep = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds")
        expect(sleep == drain["preStopSleepSeconds"], "preStop sleep missing")

    # Volumes: keys, cache (emptyDir), secrets.
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    keys = vols.get(mounts.get("/etc/waygate/keys"), {})
    expect(keys.get("configMap", {}).get("name") == cm["metadata"]["name"], "keys volume is not the ConfigMap")
    cache = vols.get(mounts.get("/var/cache/waygate"), {})
    expect("emptyDir" in cache, "cache dir is not an emptyDir")
    secrets = vols.get(mounts.get("/etc/waygate/secrets"), {})
    mounted = {}
    for src in secrets.get("projected", {}).get("sources", []):
        for item in src["secret"]["items"]:
            mounted[item["path"]] = (src["secret"]["name"], item["key"])

    # Every certificateRef of every Gateway resolves to a mounted <ns>/<name>/tls.crt|key.
    for gw in kinds.get("Gateway", []):
        gw_ns = gw["metadata"].get("namespace", ns)
        for listener in gw["spec"]["listeners"]:
            for ref in listener.get("tls", {}).get("certificateRefs", []):
                ref_ns = ref.get("namespace", gw_ns)
                for f in ("tls.crt", "tls.key"):
                    path = f"{ref_ns}/{ref['name']}/{f}"
                    expect(mounted.get(path, (None, None))[1] == f, f"certificateRef file {path} is not mounted")
    for s in values["tlsSecrets"]:
        path = f"{s.get('namespace') or ns}/{s['name']}/tls.crt"
        want = s.get("secretName") or s["name"]
        expect(mounted.get(path) == (want, "tls.crt"), f"tlsSecrets entry {path} not mounted from Secret {want}")

    # --upstream-ca points at the mounted key of the configured ConfigMap or Secret.
    ca = values.get("upstreamCA", {})
    args = c.get("args", [])
    if ca.get("configMap") or ca.get("secret"):
        expect("--upstream-ca" in args, "upstreamCA set but --upstream-ca not passed")
        path = args[args.index("--upstream-ca") + 1] if "--upstream-ca" in args else ""
        vol = vols.get(mounts.get(path.rsplit("/", 1)[0]), {})
        src = vol.get("configMap") if ca.get("configMap") else vol.get("secret")
        name = (src or {}).get("name") or (src or {}).get("secretName")
        expect(name == (ca.get("configMap") or ca.get("secret")), f"{path} is not mounted from {name}")
        items = {i["path"]: i["key"] for i in (src or {}).get("items", [])}
        expect(items.get(path.rsplit("/", 1)[1]) == ca["key"], f"{path} is not the key {ca['key']}")
    else:
        expect("--upstream-ca" not in args, "--upstream-ca passed without upstreamCA")
    if values.get("workers", 0):
        expect(args[args.index("--workers") + 1] == str(values["workers"]) if "--workers" in args else False,
               "workers set but --workers not passed")

    # Data-plane ports: Gateway listeners (+ extraPorts) = container ports = Service ports.
    listener_ports = {l["port"] for gw in kinds.get("Gateway", []) for l in gw["spec"]["listeners"]}
    listener_ports |= {p["port"] for p in values["service"]["extraPorts"]}
    data_ports = {p["containerPort"] for n, p in cports.items() if n != "admin"}
    expect(data_ports == listener_ports, f"container ports {sorted(data_ports)} != listener ports {sorted(listener_ports)}")
    if data_ports and min(data_ports) < 1024:
        sysctls = {s["name"]: s["value"] for s in pod.get("securityContext", {}).get("sysctls", [])}
        expect(sysctls.get("net.ipv4.ip_unprivileged_port_start") == "0",
               "listener below 1024 without net.ipv4.ip_unprivileged_port_start=0")
    return pod, cports, listener_ports


def check(chart_dir, values_file, rendered, ns):
    with open(f"{chart_dir}/values.yaml", encoding="utf-8") as f:
        defaults = yaml.safe_load(f)
    with open(values_file, encoding="utf-8") as f:
        values = merge(defaults, yaml.safe_load(f))
    docs = load_docs(rendered)
    kinds = by_kind(docs)
    for d in docs:
        if d["kind"] not in ("GatewayClass",):
            expect(d["metadata"].get("namespace"), f"{d['kind']}/{d['metadata']['name']} has no namespace")
        # validate-gwapi does not reject unknown fields; at least the top level must be right.
        top = {"apiVersion", "kind", "metadata", "spec"} | ({"data"} if d["kind"] == "ConfigMap" else set()) \
            | ({"automountServiceAccountToken"} if d["kind"] == "ServiceAccount" else set())
        expect(set(d) <= top, f"{d['kind']}/{d['metadata']['name']} has unexpected top-level fields {sorted(set(d) - top)}")

    dep = one(kinds, "Deployment")
    selector = dep["spec"]["selector"]["matchLabels"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    expect(subset(selector, pod_labels), "Deployment selector does not match its pod labels")
    pod, cports, listener_ports = check_pod(values, dep, kinds, ns)

    sa_name = pod["serviceAccountName"]
    if values["serviceAccount"]["create"]:
        sa = one(kinds, "ServiceAccount")
        expect(sa["metadata"]["name"] == sa_name, "pod serviceAccountName != ServiceAccount")
        expect(subset(values["serviceAccount"]["annotations"], sa["metadata"].get("annotations") or {}),
               "ServiceAccount annotations (IRSA / workload identity) missing")

    services = {s["metadata"]["name"]: s for s in kinds.get("Service", [])}
    for s in services.values():
        expect(subset(s["spec"]["selector"], pod_labels), f"Service {s['metadata']['name']} selects no pod")
        for p in s["spec"]["ports"]:
            expect(p["targetPort"] in cports, f"Service {s['metadata']['name']} targets unknown port {p['targetPort']}")
    svc_ports = {p["port"] for s in services.values() for p in s["spec"]["ports"] if p["name"] != "admin"}
    expect(svc_ports == listener_ports, f"Service ports {sorted(svc_ports)} != listener ports {sorted(listener_ports)}")
    admin_svcs = [s for s in services.values() if any(p["name"] == "admin" for p in s["spec"]["ports"])]
    expect(len(admin_svcs) == 1 and admin_svcs[0]["spec"]["type"] == "ClusterIP",
           "admin port must be on exactly one ClusterIP Service")

    if values["autoscaling"]["enabled"]:
        hpa = one(kinds, "HorizontalPodAutoscaler")
        expect(hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"], "HPA targets another Deployment")
        expect("replicas" not in dep["spec"], "Deployment sets replicas while the HPA owns them")
    else:
        expect("HorizontalPodAutoscaler" not in kinds, "HPA rendered while disabled")
    if values["podDisruptionBudget"]["enabled"]:
        pdb = one(kinds, "PodDisruptionBudget")
        expect(pdb["spec"]["selector"]["matchLabels"] == selector, "PDB selector != Deployment selector")

    if values["serviceMonitor"]["enabled"]:
        sm = one(kinds, "ServiceMonitor")
        targets = [s for s in services.values() if subset(sm["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])]
        expect([s["metadata"]["name"] for s in targets] == [s["metadata"]["name"] for s in admin_svcs],
               "ServiceMonitor must select exactly the admin Service")
        ep = sm["spec"]["endpoints"][0]
        expect(ep["port"] == "admin" and ep["path"] == "/metrics", "ServiceMonitor should scrape admin /metrics")
    else:
        expect("ServiceMonitor" not in kinds, "ServiceMonitor rendered while disabled")

    classes = {c["metadata"]["name"]: c for c in kinds.get("GatewayClass", [])}
    for c in classes.values():
        expect(c["spec"]["controllerName"] == "waygate.dev/gateway-controller", "GatewayClass controllerName")
    gateways = {(g["metadata"]["namespace"], g["metadata"]["name"]): g for g in kinds.get("Gateway", [])}
    for g in gateways.values():
        for listener in g["spec"]["listeners"]:
            want = "HTTPS" if "tls" in listener else "HTTP"
            expect(listener["protocol"] == want, f"listener {listener['name']} protocol {listener['protocol']}, want {want}")
        cls = g["spec"]["gatewayClassName"]
        if values["gatewayClass"]["create"] and cls == values["gatewayClass"]["name"]:
            expect(cls in classes, f"Gateway uses class {cls} that is not rendered")
    grants = kinds.get("ReferenceGrant", [])
    for r in kinds.get("HTTPRoute", []):
        rns = r["metadata"]["namespace"]
        for parent in r["spec"]["parentRefs"]:
            gw = gateways.get((parent.get("namespace", rns), parent["name"]))
            if expect(gw, f"HTTPRoute {r['metadata']['name']} attaches to a Gateway that is not rendered"):
                names = {l["name"] for l in gw["spec"]["listeners"]}
                expect(parent.get("sectionName", next(iter(names))) in names, "HTTPRoute sectionName not a listener")
        for rule in r["spec"]["rules"]:
            for b in rule["backendRefs"]:
                bns = b.get("namespace", rns)
                if bns != rns and values["internalGateway"]["referenceGrants"]:
                    ok = any(g["metadata"]["namespace"] == bns
                             and any(f["kind"] == "HTTPRoute" and f["namespace"] == rns for f in g["spec"]["from"])
                             and any(t["kind"] == "Service" and t.get("name") in (None, b["name"]) for t in g["spec"]["to"])
                             for g in grants)
                    expect(ok, f"HTTPRoute {r['metadata']['name']} -> {bns}/{b['name']} has no ReferenceGrant")
    ig = values["internalGateway"]
    if ig["enabled"]:
        paths = {m["path"]["value"] for r in kinds.get("HTTPRoute", []) for rule in r["spec"]["rules"] for m in rule["matches"]}
        for app in ("grafana", "prometheus"):
            if ig[app]["enabled"]:
                expect(ig[app]["path"] in paths, f"internal {app} path {ig[app]['path']} not routed")


def leaf_keys(node, prefix=""):
    if isinstance(node, dict) and node:
        for k, v in node.items():
            yield from leaf_keys(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix


def readme(chart_dir):
    with open(f"{chart_dir}/values.yaml", encoding="utf-8") as f:
        values = yaml.safe_load(f)
    keys = list(leaf_keys(values))
    with open(f"{chart_dir}/README.md", encoding="utf-8") as f:
        text = f.read()
    # Rows look like: | `key` | `<default as JSON>` | description |
    documented = dict(re.findall(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]*)`\s*\|", text, re.M))
    for k in keys:
        if expect(k in documented, f"values key {k} is missing from README.md's values table"):
            node = values
            for part in k.split("."):
                node = node[part]
            expect(json.loads(documented[k]) == node,
                   f"README.md default of {k} is {documented[k]}, values.yaml has {json.dumps(node)}")
    for k in documented.keys() - set(keys):
        expect(False, f"README.md documents {k}, which is not in values.yaml")
    print(f"{len(keys)} values keys documented")


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "split":
        split(*rest)
    elif cmd == "check":
        with open(f"{rest[0]}/Chart.yaml", encoding="utf-8") as f:
            CHART = yaml.safe_load(f)
        check(*rest)
    elif cmd == "readme":
        readme(*rest)
    else:
        sys.exit(f"unknown command {cmd}")
    for msg in failures:
        print(f"FAIL {msg}")
    sys.exit(1 if failures else 0)
