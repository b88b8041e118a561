"""Offline checks `terraform validate` would partly make if providers could be installed,
plus README upkeep.

usage:
  docs_check.py MODULE_DIR...          fail unless README.md has the exact table row of every
                                       variable and output (name, type, default, description),
                                       every variable is used, and every local module call
                                       passes only declared inputs and all required ones
  docs_check.py --wiring MODULE_DIR... only the wiring checks (for modules without a README)
  docs_check.py --print MODULE_DIR     print the Inputs/Outputs tables to paste into README.md
"""

import os
import re
import sys

META_ARGS = {"source", "version", "count", "for_each", "providers", "depends_on"}


def esc(text):
    return text.replace("|", "\\|")


def blocks(path, kind):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for m in re.finditer(r'^%s "([^"]+)" \{\n(.*?)^\}' % kind, text, re.M | re.S):
        name, body = m.group(1), m.group(2)
        desc = re.search(r'^\s*description\s*=\s*"((?:[^"\\]|\\.)*)"', body, re.M)
        typ = re.search(r"^\s*type\s*=\s*(.+)$", body, re.M)
        default = re.search(r"^\s*default\s*=\s*(.+)$", body, re.M)
        out.append((
            name,
            desc.group(1).replace('\\"', '"') if desc else "",
            typ.group(1).strip() if typ else "",
            default.group(1).strip() if default else None,
        ))
    return out


def rows(module):
    inputs, outputs = [], []
    for name, desc, typ, default in blocks(f"{module}/variables.tf", "variable"):
        shown = f"`{default}`" if default is not None else "—"
        required = "no" if default is not None else "yes"
        if not desc:
            inputs.append(None)
        inputs.append(f"| `{name}` | `{typ}` | {shown} | {required} | {esc(desc)} |")
    for name, desc, _, _ in blocks(f"{module}/outputs.tf", "output"):
        if not desc:
            outputs.append(None)
        outputs.append(f"| `{name}` | {esc(desc)} |")
    return inputs, outputs


def tables(module):
    inputs, outputs = rows(module)
    return "\n".join(
        ["## Inputs", "", "| Name | Type | Default | Required | Description |", "|---|---|---|---|---|"]
        + [r for r in inputs if r]
        + ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
        + [r for r in outputs if r]
    ) + "\n"


def tf_text(module):
    text = ""
    for name in sorted(os.listdir(module)):
        if name.endswith(".tf"):
            with open(os.path.join(module, name), encoding="utf-8") as f:
                text += f.read()
    return text


def wiring(module):
    """Local module calls pass declared inputs only and every required one; no unused variables."""
    failures = []
    text = tf_text(module)
    for name, *_ in blocks(f"{module}/variables.tf", "variable"):
        if not re.search(r"\bvar\.%s\b" % re.escape(name), text):
            failures.append(f"{module}: variable {name} is never used")
    for m in re.finditer(r'^(\s*)module "([^"]+)" \{\n(.*?)^\1\}', text, re.M | re.S):
        call, body = m.group(2), m.group(3)
        source = re.search(r'^\s*source\s*=\s*"([^"]+)"', body, re.M).group(1)
        if not source.startswith("."):
            continue
        child = os.path.normpath(os.path.join(module, source))
        declared = {n: d for n, _, _, d in blocks(f"{child}/variables.tf", "variable")}
        # Top-level arguments only: the call's own indentation plus two spaces.
        indent = m.group(1) + "  "
        passed = set(re.findall(r"^%s([a-z_][a-z0-9_]*)\s*=" % re.escape(indent), body, re.M)) - META_ARGS
        for arg in sorted(passed - declared.keys()):
            failures.append(f"{module}: module {call} passes {arg}, which {child} does not declare")
        for req in sorted(n for n, d in declared.items() if d is None and n not in passed):
            failures.append(f"{module}: module {call} misses required input {req} of {child}")
        children_outputs = {n for n, *_ in blocks(f"{child}/outputs.tf", "output")}
        for used in sorted(set(re.findall(r"\bmodule\.%s\.([a-z_][a-z0-9_]*)" % re.escape(call), text))):
            if used not in children_outputs:
                failures.append(f"{module}: module.{call}.{used} is not an output of {child}")
    return failures


def check(module):
    inputs, outputs = rows(module)
    with open(f"{module}/README.md", encoding="utf-8") as f:
        readme = f.read().splitlines()
    failures = []
    for kind, want in (("variable", inputs), ("output", outputs)):
        if None in want:
            failures.append(f"{module}: a {kind} has no description")
        for row in filter(None, want):
            if row not in readme:
                failures.append(f"{module}/README.md lacks or misstates {kind} row: {row}")
    documented = {m.group(1) for line in readme if (m := re.match(r"^\| `([^`]+)` \|", line))}
    declared = {r.split("`")[1] for r in filter(None, inputs + outputs)}
    for extra in sorted(documented - declared):
        failures.append(f"{module}/README.md documents {extra}, which the module does not declare")
    print(f"{module}: {len(declared)} variables/outputs documented")
    return failures


if __name__ == "__main__":
    if sys.argv[1] == "--print":
        print(tables(sys.argv[2]), end="")
        sys.exit(0)
    if sys.argv[1] == "--wiring":
        problems = [p for m in sys.argv[2:] for p in wiring(m)]
    else:
        problems = [p for m in sys.argv[1:] for p in check(m) + wiring(m)]
    for p in problems:
        print(f"FAIL {p}")
    sys.exit(1 if problems else 0)
