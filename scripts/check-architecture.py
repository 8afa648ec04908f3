#!/usr/bin/env python3
"""Checks the rules of ARCHITECTURE.md that the compiler does not:

1. No import circle between modules, in any crate of the workspace (a module and its own
   submodules may refer to each other: `mod.rs` re-exports what its files define).
2. The server's layers import only downwards: routes → http → domain → store (jobs →
   domain → store); `error` and `state` are shared by all.
3. No SQL outside the server's domain and store layers: `sqlx::` never appears in
   routes/, http/ or jobs/.
4. No file in crates/server/src is over MAX_LINES lines.
5. The server speaks HTTP to others only in `webhook.rs` (the lab's webhooks).

Prints each violation and exits 1 if there is any. Run by `make lint`.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = {
    "seqhealth": "src",
    "seqhealth-api": "crates/api/src",
    "seqhealth-server": "crates/server/src",
    "seqhealth-demo": "crates/demo/src",
    "seqhealth-agent": "crates/agent/src",
    "seqhealth-interop": "crates/interop/src",
    "seqhealth-health": "crates/health/src",
}
# Server layers, outermost first: a module may import from its own layer's files only
# through the same folder, and from any layer after it.
LAYERS = ["routes", "http", "jobs", "domain", "store"]
SHARED = {"error", "state", "lib", "main", "launch", "mail", "webhook"}
MAX_LINES = 420


def module_of(src, path):
    """The module path of a file: src/a/b.rs → ('a', 'b'); src/a/mod.rs → ('a',)."""
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel in (["lib"], ["main"]):
        return ()
    return tuple(rel)


def files_of(src):
    for dirpath, _, names in os.walk(src):
        if os.sep + "bin" in dirpath[len(src):] + os.sep and dirpath != src:
            continue  # each binary is its own crate root
        for n in names:
            if n.endswith(".rs"):
                yield os.path.join(dirpath, n)


def strip_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def references(text, module):
    """Module paths a file refers to through `crate::…` and `super::…`."""
    refs = set()
    for m in re.finditer(r"\bcrate((?:::\w+)+)", text):
        refs.add(tuple(m.group(1).strip(":").split("::")))
    for m in re.finditer(r"\b((?:super::)+)((?:\w+::)*\w+)", text):
        ups = m.group(1).count("super")
        base = module[: len(module) - ups] if ups <= len(module) else ()
        refs.add(base + tuple(m.group(2).split("::")))
    # `use crate::x::{a, b::c}` groups
    for m in re.finditer(r"\bcrate::((?:\w+::)*)\{([^}]*)\}", text):
        base = tuple(p for p in m.group(1).split("::") if p)
        for item in m.group(2).split(","):
            item = item.strip().split(" as ")[0]
            if item and item != "self":
                refs.add(base + tuple(item.split("::")))
    return refs


def resolve(ref, modules):
    """The longest known module that is a prefix of `ref`."""
    for n in range(len(ref), 0, -1):
        if ref[:n] in modules:
            return ref[:n]
    return None


def related(a, b):
    return a[: len(b)] == b or b[: len(a)] == a


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    problems = []
    for crate, rel in CRATES.items():
        src = os.path.join(ROOT, rel)
        if not os.path.isdir(src):
            continue
        texts = {}
        for path in files_of(src):
            with open(path, encoding="utf-8") as f:
                texts[module_of(src, path)] = (path, f.read())
        modules = set(texts)
        graph = {}
        for module, (path, text) in texts.items():
            code = strip_comments(text.split("#[cfg(test)]")[0])
            edges = set()
            for ref in references(code, module):
                target = resolve(ref, modules)
                if target is None or related(module, target):
                    continue
                edges.add(target)
            graph[module] = edges
            if crate == "seqhealth-server":
                layer = module[0] if module else "lib"
                for target in edges:
                    tl = target[0]
                    if layer in LAYERS and tl in LAYERS and LAYERS.index(tl) < LAYERS.index(layer):
                        problems.append(
                            f"{os.path.relpath(path, ROOT)}: {'::'.join(module)} ({layer}) imports "
                            f"{'::'.join(target)} ({tl}), a layer above it"
                        )
                if layer in ("routes", "http", "jobs") and re.search(r"\bsqlx::query", code):
                    problems.append(f"{os.path.relpath(path, ROOT)}: SQL (sqlx) in the {layer} layer")
                # The server's one HTTP client is the webhook module (deny.toml).
                if module != ("webhook",) and re.search(r"\breqwest::", code):
                    problems.append(f"{os.path.relpath(path, ROOT)}: an HTTP client outside webhook.rs")
                lines = text.count("\n")
                if lines > MAX_LINES:
                    problems.append(f"{os.path.relpath(path, ROOT)}: {lines} lines (over {MAX_LINES})")
        for comp in cycles(graph):
            names = sorted("::".join(m) or "crate" for m in comp)
            problems.append(f"{crate}: import circle between {', '.join(names)}")
    for p in problems:
        print(f"architecture: {p}")
    if problems:
        sys.exit(1)
    print(f"architecture: no circles, layers in order, no SQL above domain ({len(CRATES)} crates)")


if __name__ == "__main__":
    main()
