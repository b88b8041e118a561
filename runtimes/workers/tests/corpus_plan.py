#!/usr/bin/env python3
"""Prepares the corpus parity run: for every case in tests/corpus that compiles, writes its
manifests (included files first), compiles them with the real `waygate compile` (signing key
KEY), and asks `waygate explain --format json` what core decides for each of its requests.
Prints one JSON plan on stdout: [{case, bundle, requests: [{name, gateway, port, method,
url, headers, expect}]}] where `expect` is explain's answer. The workerd driver then serves
each bundle in the Worker and compares what the Worker does with `expect`.

Usage: corpus_plan.py WAYGATE_BIN CORPUS_DIR KEY_PEM OUT_DIR
"""
import json
import os
import subprocess
import sys

import yaml

waygate, corpus, key, out = sys.argv[1:5]
plan = []
cases = []
for root, _dirs, files in os.walk(corpus):
    for f in sorted(files):
        if f.endswith(".yaml") and "/_shared" not in root and root != os.path.join(corpus, "_shared"):
            cases.append(os.path.join(root, f))
for i, path in enumerate(sorted(cases)):
    with open(path, encoding="utf-8") as fh:
        case = yaml.safe_load(fh)
    if case.get("compile_error") or not case.get("requests"):
        continue
    d = os.path.join(out, f"case{i}")
    os.makedirs(d, exist_ok=True)
    parts = []
    for inc in case.get("include", []):
        with open(os.path.join(corpus, inc), encoding="utf-8") as fh:
            parts.append(fh.read())
    parts.append(case["manifests"])
    # One file, documents in order (included first), as the conformance runner compiles them.
    with open(os.path.join(d, "all.yaml"), "w", encoding="utf-8") as fh:
        fh.write("\n---\n".join(parts))
    bundle = os.path.join(d, "bundle")
    cmd = [waygate, "compile", os.path.join(d, "all.yaml"), "--key", key, "--out", bundle,
           "--generation", "1", "--created", "1700000000",
           "--gateway-class", case.get("gateway_class", "waygate")]
    if case.get("kubernetes_origin"):
        cmd += ["--kubernetes-origin", case["kubernetes_origin"]]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        print(f"compile failed for {path}: {r.stderr}", file=sys.stderr)
        sys.exit(1)
    reqs = []
    for q in case["requests"]:
        headers = q.get("headers") or []
        if isinstance(headers, dict):
            headers = sorted(headers.items())
        cmd = [waygate, "explain", "--bundle", bundle, "--format", "json",
               "-X", q.get("method", "GET"), "--url", q["url"]]
        if q.get("gateway"):
            cmd += ["--gateway", q["gateway"]]
        if q.get("port") is not None:
            cmd += ["--port", str(q["port"])]
        for k, v in headers:
            cmd += ["-H", f"{k}: {v}"]
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            print(f"explain failed for {path} / {q['name']}: {r.stderr}", file=sys.stderr)
            sys.exit(1)
        reqs.append({"name": q["name"], "gateway": q.get("gateway"), "port": q.get("port"),
                     "method": q.get("method", "GET"), "url": q["url"],
                     "headers": [list(h) for h in headers], "expect": json.loads(r.stdout)})
    plan.append({"case": os.path.relpath(path, corpus), "bundle": bundle,
                 "kubernetes_origin": case.get("kubernetes_origin"), "requests": reqs})
json.dump(plan, sys.stdout)
