"""The symbol reference graph: which definition uses which.

Tree-sitter gives names, not types, so a use of ``route`` is resolved the way a reader would:
a definition of that name in the same file first, then in the files this file imports, and only
then anywhere in the repo, provided the name is rare enough (``MAX_DEFINERS``) to mean something.
A use that cannot name a method (``Reference.method``: ``self.message``, a bare Python name) links to none, and
only a member read (``Reference.attribute``) to a property (``build.can_name``), in its file or the files it
imports (as ``build.reference_edges``: data attributes share properties' names).
A use outside every definition belongs to the file's module-level code (node id = the path).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable

import networkx as nx

from onboard.graph.build import COMMON_NAMES, MAX_DEFINERS, can_name, neighbourhood
from onboard.models import Edge, Reference, Symbol


def symbol_id(symbol: Symbol) -> str:
    """``path::qualname``: unique within an index, readable in exports."""
    return f"{symbol.path}::{symbol.qualname}"


class _Enclosing:
    """Finds the innermost definition around a line of one file."""

    def __init__(self, symbols: list[Symbol]) -> None:
        self.symbols = sorted(symbols, key=lambda s: (s.start_line, -s.end_line))
        self.starts = [s.start_line for s in self.symbols]

    def at(self, line: int) -> Symbol | None:
        # Nested definitions start after their parents, so walking back from the last start at or
        # before ``line`` meets the innermost one that still spans it first.
        for i in range(bisect_right(self.starts, line) - 1, -1, -1):
            if self.symbols[i].end_line >= line:
                return self.symbols[i]
        return None


def symbol_graph(symbols: Iterable[Symbol], references: Iterable[Reference], file_edges: Iterable[Edge]) -> nx.DiGraph:
    """Nodes are definitions (and files, for module-level code); an edge ``a → b`` means a uses b.

    Edge weight counts the uses. ``file_edges`` (the file graph's import edges) rank candidate
    definitions so that a common method name resolves to the class the file actually imports.
    """
    graph = nx.DiGraph()
    by_file: dict[str, list[Symbol]] = defaultdict(list)
    definers: dict[str, list[Symbol]] = defaultdict(list)
    ids: dict[int, str] = {}  # id(symbol) → its node id, formatted once rather than per use
    for symbol in symbols:
        ids[id(symbol)] = symbol_id(symbol)
        graph.add_node(ids[id(symbol)], kind=symbol.kind, path=symbol.path, line=symbol.start_line,
                       lines=symbol.end_line - symbol.start_line + 1, signature=symbol.signature, external=False)
        by_file[symbol.path].append(symbol)
        if symbol.name not in COMMON_NAMES and len(symbol.name) > 2:
            definers[symbol.name].append(symbol)
    imported: dict[str, set[str]] = defaultdict(set)
    for edge in file_edges:
        if edge.kind == "import":
            imported[edge.src].add(edge.dst)
    enclosing = {path: _Enclosing(found) for path, found in by_file.items()}
    scopes: dict[str, tuple[set[str], ...]] = {}  # per file: itself, its imports, theirs
    weights: Counter[tuple[str, str]] = Counter()
    for ref in references:
        candidates = definers.get(ref.name)
        if not candidates:
            continue
        if ref.path not in scopes:
            direct = imported[ref.path]
            scopes[ref.path] = ({ref.path}, direct, set().union(*(imported[d] for d in direct)))
        finder = enclosing.get(ref.path)
        user = finder.at(ref.line) if finder else None
        candidates = [s for s in candidates if s is not user and not (s.path == ref.path and s.start_line == ref.line)
                      and can_name(ref.method, ref.attribute, s.kind)
                      and (ref.method or s.kind != "property" or any(s.path in scope for scope in scopes[ref.path]))]
        source = ids[id(user)] if user else ref.path
        for target in _resolve(candidates, scopes[ref.path]):
            weights[(source, ids[id(target)])] += 1
    # dict, not set: file nodes come in the order of their first use, as before, and exports list them so
    for src in dict.fromkeys(src for src, _ in weights if src not in graph):
        graph.add_node(src, kind="file", path=src, line=1, lines=1, signature="", external=False)
    graph.add_edges_from((src, dst, {"weight": float(n), "kinds": ["reference"]}) for (src, dst), n in weights.items())
    return graph


def _resolve(candidates: list[Symbol], scopes: tuple[set[str], ...]) -> list[Symbol]:
    """The definitions a use most plausibly means, nearest first (see the module docstring): in its file, in
    the files it imports, in the files those import (packages re-export names from their ``__init__`` or
    index file), then anywhere while the name is rare enough."""
    for scope in scopes:
        found = [s for s in candidates if s.path in scope]
        if found:
            return found
    return candidates if len({s.path for s in candidates}) <= MAX_DEFINERS else []


def symbol_neighbourhood(graph: nx.DiGraph, path: str) -> nx.DiGraph:
    """The definitions of one file (and its module-level code) with what they use and what uses them."""
    return neighbourhood(graph, {n for n, p in graph.nodes(data="path") if p == path})
