"""Offline checks of runtimes/spin/spin.toml against the code: the component variables are
exactly the settings settings.rs reads, and allowed_outbound_hosts holds no wildcard, only
application-variable templates whose documented examples are valid Spin host patterns."""
import re
import tomllib


def spin_host_pattern(entry):
    """Spin's allowed-host grammar (spin crates/factor-outbound-networking/src/config.rs:
    scheme://host[:port], host a name, *.domain or CIDR, port a number, a..b or *, no path),
    minus the any-host forms this manifest must not resolve to."""
    m = re.fullmatch(r"([a-z]+)://([^/:*]+|\*\.[^/:*]+|[0-9.]+/[0-9]+)(?::(\d+|\d+\.\.\d+|\*))?/?", entry)
    return bool(m) and (m.group(3) is not None or m.group(1) in ("http", "https"))


def checks(spin_toml, settings_rs):
    """Returns [(name, ok, detail)]."""
    manifest = tomllib.load(open(spin_toml, "rb"))
    app_vars = set(manifest["variables"])
    component = manifest["component"]["waygate"]
    names = {n.lower() for n in re.findall(r'"((?:WAYGATE|AWS)_[A-Z0-9_]+)"', open(settings_rs).read())}
    declared = set(component["variables"])
    out = [
        ("spin.toml passes every setting the component reads as a variable",
         names == declared and names <= app_vars, sorted(names ^ declared)),
        ("spin.toml declares the component source", component["source"].endswith("waygate_spin.wasm"),
         component["source"]),
    ]
    # Every entry a template of one declared variable; every application variable used (by
    # the component or the allow-list).
    allowed = component.get("allowed_outbound_hosts", [])
    templated = [re.fullmatch(r"\{\{ *([a-z][a-z0-9_]*) *\}\}", h) for h in allowed]
    allow_vars = {m.group(1) for m in templated if m}
    used = allow_vars | {re.sub(r"[{} ]", "", v) for v in component["variables"].values()}
    out.append(("spin.toml allowed_outbound_hosts: only declared variables (store, upstreams), no wildcard",
                bool(allowed) and all(templated) and allow_vars <= app_vars
                and {"waygate_outbound_store", "waygate_outbound_upstreams"} <= allow_vars
                and used == app_vars, (allowed, sorted(app_vars - used))))
    examples = {v: re.findall(r"[a-z]+://\S+", line.partition("#")[2])
                for line in open(spin_toml) for v in allow_vars if line.startswith(f"{v} ")}
    out.append(("spin.toml allow-list examples are valid Spin host patterns; a wildcard would not pass",
                len(examples) == len(allow_vars) and all(examples.values())
                and all(spin_host_pattern(e) for es in examples.values() for e in es)
                and not spin_host_pattern("https://*:*") and not spin_host_pattern("http://*")
                and spin_host_pattern("http://127.0.0.1:8000..9000"), examples))
    return out
