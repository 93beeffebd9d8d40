#!/usr/bin/env python3
"""Writes the long benchmark chains under schemas/bench/ (run it again after changing it):

- chain_added, chain_rename, chain_widen, chain_computed: 11 versions each, so that a record stored
  at v1 is 10 steps behind; every step of a folder is of one kind (an appended field, a rename in
  place, a numeric widening, a computed field filled by a hook). uplift-bench's chain_depth
  scenario reads them at depth 0, 1, 3 and 10.
- compile_1, compile_8, compile_32: one chain whose steps cycle through the four kinds, cut at 1, 8
  and 32 versions. uplift-bench-compile times a translation unit that uses each.

The files are checked in; the build does not run this script.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))

# Fields every chain version starts with (the same logical data as a medium record).
BASE = [
    ("id", "ulong", ""),
    ("created_at", "long", ""),
    ("name", "string", ""),
    ("email", "string", ""),
    ("tags", "[string]", ""),
    ("values", "[int]", ""),
]

KIND_TEXT = {
    "added": "appends a field (wire-compatible)",
    "rename": "renames a field in place (wire-compatible)",
    "widen": "widens a number (transforming)",
    "computed": "adds a field a hook computes (transforming)",
}


def write(folder, n, ns, table, fields, what):
    """Writes folder/v{n}.fbs with `fields`: (name, type, attribute text)."""
    attrs = sorted({a.strip("()").split(":")[0].strip() for _, _, a in fields if a})
    lines = [f"// {what}", "// Written by schemas/bench/generate.py; edit that script, not this file.",
             f"namespace {ns}.v{n};", ""]
    for a in attrs:
        lines.append(f'attribute "{a}";')
    if attrs:
        lines.append("")
    lines.append(f"table {table} {{")
    for name, type_, attr in fields:
        lines.append(f"  {name}:{type_}{(' ' + attr) if attr else ''};")
    lines += ["}", "", f"root_type {table};", ""]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"v{n}.fbs"), "w") as f:
        f.write("\n".join(lines))


def plain(fields):
    """The fields as a later version declares them: annotations belong to the version that adds them."""
    return [(n, t, "") for n, t, _ in fields]


def chain_family(kind, versions=11):
    folder = os.path.join(HERE, f"chain_{kind}")
    ns = f"bench.{kind}"
    if kind == "added":
        fields = list(BASE)
    elif kind == "rename":
        fields = BASE + [(f"n{k}", "int", "") for k in range(1, versions)]
    elif kind == "widen":
        fields = BASE + [(f"w{k}", "int" if k % 2 else "float", "") for k in range(1, versions)]
    else:
        fields = list(BASE)
    for v in range(1, versions + 1):
        if v == 1:
            what = f"Benchmark chain `{kind}`, version 1 of {versions}: every step {KIND_TEXT[kind]}."
        else:
            k = v - 1  # the step v-1 -> v
            fields = plain(fields)
            if kind == "added":
                fields.append((f"a{k}", "long", ""))
                what = f"Benchmark chain `{kind}`, version {v}: a{k} appended."
            elif kind == "rename":
                i = [f[0] for f in fields].index(f"n{k}")
                fields[i] = (f"m{k}", "int", f'(renamed_from: "n{k}")')
                what = f"Benchmark chain `{kind}`, version {v}: n{k} renamed in place to m{k}."
            elif kind == "widen":
                i = [f[0] for f in fields].index(f"w{k}")
                fields[i] = (f"w{k}", "long" if k % 2 else "double", "")
                what = f"Benchmark chain `{kind}`, version {v}: w{k} widened to {fields[i][1]}."
            else:
                fields.append((f"c{k}", "long", "(computed)"))
                what = f"Benchmark chain `{kind}`, version {v}: c{k} appended, computed by a hook."
        write(folder, v, ns, "Chain", fields, what)


def compile_family(count):
    """The mixed chain cut at `count` versions: step k is added, rename, widen, computed for
    k % 4 == 1, 2, 3, 0."""
    folder = os.path.join(HERE, f"compile_{count}")
    ns = f"bench.compile{count}"
    fields = [("id", "ulong", ""), ("created_at", "long", ""), ("name", "string", ""),
              ("email", "string", ""), ("label", "string", "")] + \
             [(f"w{j}", "int", "") for j in range(1, 9)]
    label = "label"
    widened = 0
    for v in range(1, count + 1):
        if v == 1:
            what = (f"Compile-time benchmark chain, version 1 of {count}: its steps cycle through "
                    "an appended field, a rename, a widening and a computed field.")
        else:
            k = v - 1
            fields = plain(fields)
            if k % 4 == 1:
                fields.append((f"x{k}", "long", ""))
                what = f"Compile-time benchmark chain, version {v}: x{k} appended."
            elif k % 4 == 2:
                i = [f[0] for f in fields].index(label)
                fields[i] = (f"label_{k}", "string", f'(renamed_from: "{label}")')
                what = f"Compile-time benchmark chain, version {v}: {label} renamed to label_{k}."
                label = f"label_{k}"
            elif k % 4 == 3:
                widened += 1
                i = [f[0] for f in fields].index(f"w{widened}")
                fields[i] = (f"w{widened}", "long", "")
                what = f"Compile-time benchmark chain, version {v}: w{widened} widened to long."
            else:
                fields.append((f"c{k}", "long", "(computed)"))
                what = f"Compile-time benchmark chain, version {v}: c{k} appended, computed by a hook."
        write(folder, v, ns, "Rec", fields, what)


if __name__ == "__main__":
    for kind in ("added", "rename", "widen", "computed"):
        chain_family(kind)
    for count in (1, 8, 32):
        compile_family(count)
