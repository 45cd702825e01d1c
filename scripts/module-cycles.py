#!/usr/bin/env python3
"""Import circles between the modules of a crate (ARCHITECTURE.md: none in web or tube).

A module may use what its ancestors hold (a parent module is the shared kernel of its
children: `super::Chrome`, `crate::AppState`); any other use of a module is an edge. A cycle of
edges is a circle: two rooms that each need the other, which is one room. Prints each circle
found and exits 1 if there is any.

Usage: scripts/module-cycles.py crates/web crates/tube
"""

import re
import sys
from pathlib import Path


def modules(src: Path) -> dict[tuple[str, ...], Path]:
    """Every module of the crate by its path (`()` for the root), from its files."""
    found = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("").parts
        if rel in (("lib",), ("main",)):
            found[()] = f
        elif rel[-1] == "mod":
            found[rel[:-1]] = f
        else:
            found[rel] = f
    return found


def strip(text: str) -> str:
    """The code without comments, strings, and `#[cfg(test)]` modules (tests may use anything)."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    cut = re.search(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)
    return text[: cut.start()] if cut else text


def use_paths(text: str) -> list[list[str]]:
    """Paths of `use` declarations, brace groups expanded (`use a::{b, c::d}` → a::b, a::c::d)."""
    out = []

    def expand(prefix: list[str], body: str):
        body = body.strip()
        if body.startswith("{") and body.endswith("}"):
            depth, start = 0, 1
            for i, ch in enumerate(body):
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                if (ch == "," and depth == 1) or (depth == 0 and i == len(body) - 1):
                    part = body[start:i].strip()
                    if part:
                        expand(prefix, part)
                    start = i + 1
            return
        m = re.match(r"([\w:]*?)(::)?(\{.*\})$", body, re.S)
        if m and m.group(3):
            expand(prefix + [p for p in m.group(1).split("::") if p], m.group(3))
            return
        name = body.split(" as ")[0].strip()
        out.append(prefix + [p for p in name.split("::") if p])

    for m in re.finditer(r"\buse\s+([^;]+);", text):
        expand([], m.group(1))
    return out


def resolve(path: list[str], here: tuple[str, ...], mods) -> tuple[str, ...] | None:
    """The deepest module of ours that `path`, written in module `here`, reaches."""
    if not path:
        return None
    if path[0] == "crate":
        base, rest = (), path[1:]
    elif path[0] in ("super", "self"):
        base = here
        rest = list(path)
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif (*here, path[0]) in mods:
        base, rest = here, path
    else:
        return None
    best = base
    for part in rest:
        if (*best, part) in mods:
            best = (*best, part)
        else:
            break
    return best


def edges(src: Path):
    mods = modules(src)
    out = {m: set() for m in mods}
    for here, f in mods.items():
        text = strip(f.read_text())
        paths = use_paths(text)
        # Names a `use` brought in as modules (`use crate::{videos, accounts}`), then used as
        # `videos::find(…)`, are edges already through the `use`; inline paths are the rest.
        paths += [p.split("::") for p in re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text)]
        for p in paths:
            to = resolve(p, here, mods)
            if to is None or to == here:
                continue
            if here[: len(to)] == to:  # an ancestor: the shared kernel
                continue
            out[here].add(to)
    return out


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []
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
                comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return comps


def main():
    bad = False
    for crate in sys.argv[1:] or ["crates/web", "crates/tube"]:
        graph = edges(Path(crate) / "src")
        for comp in cycles(graph):
            bad = True
            names = sorted("::".join(m) or "(root)" for m in comp)
            print(f"{crate}: import circle between {', '.join(names)}")
            for m in sorted(comp):
                inside = sorted("::".join(t) or "(root)" for t in graph[m] if t in comp)
                print(f"    {'::'.join(m) or '(root)'} uses {', '.join(inside)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
