"""Read-only views of an index for people: architecture maps, "start here", and source files.

``read_source`` is the only way the UI gets file text, and it serves the stored (redacted) text of
indexed files only, so no path a user types can reach anything outside the indexed repository.
"""

from __future__ import annotations

import posixpath

import networkx as nx

from onboard.errors import PathOutsideRepo
from onboard.graph import neighbourhood, package_of, rollup, symbol_id, symbol_neighbourhood, to_dot, to_json, to_mermaid
from onboard.scan import CODE_LANGUAGES
from onboard.store.index import Index

FORMATS = ("mermaid", "dot", "json")
LEVELS = ("package", "file", "symbol")


def map_graph(index: Index, level: str = "package", focus: str | None = None,
              include_external: bool = True) -> nx.DiGraph:
    """The dependency graph at ``level``; ``focus`` narrows a file-level map to one package and its neighbours.

    At the "symbol" level, ``focus`` is a file: its definitions, what they use and what uses them.
    """
    if level == "symbol":
        if not focus:
            return index.symbol_graph.copy()
        path = normalise_path(focus)
        index.db.file_text(path)  # raises PathOutsideRepo for anything not indexed
        return symbol_neighbourhood(index.symbol_graph, path)
    graph = index.db.file_graph()
    # Maps show code: docs and data files have no dependencies to draw, and the standard library
    # is one box rather than forty.
    graph.remove_nodes_from([n for n, d in list(graph.nodes(data=True))
                             if not d.get("external") and d.get("language") not in CODE_LANGUAGES])
    graph = nx.relabel_nodes(graph, {n: "ext:stdlib" for n in graph if n.startswith("ext:stdlib:")})
    # A dependency map draws imports; reference edges (name matches) serve retrieval, not design.
    graph.remove_edges_from([(s, d) for s, d, kinds in list(graph.edges(data="kinds"))
                             if not {"import", "external"} & set(kinds)])
    if focus:
        members = {n for n in graph if not graph.nodes[n].get("external") and package_of(n) == focus}
        graph = neighbourhood(graph, members)
        level = "file"
    graph = rollup(graph, level)
    if not include_external:
        graph.remove_nodes_from([n for n, ext in list(graph.nodes(data="external")) if ext])
    return graph


def architecture_map(index: Index, level: str = "package", fmt: str = "json", focus: str | None = None,
                     size_by: str = "lines", include_external: bool = True) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    graph = map_graph(index, level, focus, include_external)
    if fmt == "json":
        return to_json(graph)
    if fmt == "dot":
        return to_dot(graph, size_by=size_by, title=f"{index.name}: {focus or level} dependencies")
    return to_mermaid(graph, size_by=size_by)


def symbol_uses(index: Index, path: str) -> list[dict]:
    """For each definition in ``path``: the definitions it uses and those that use it, as locations."""
    graph = index.symbol_graph

    def where(node: str) -> dict:
        data = graph.nodes[node]
        return {"id": node, "path": data["path"], "line": data["line"], "lines": data["lines"]}

    rows = []
    for symbol in index.db.symbols(normalise_path(path)):
        node = symbol_id(symbol)
        if node in graph and graph.degree(node):
            rows.append({"symbol": symbol.qualname, "line": symbol.start_line,
                         "uses": [where(n) for n in sorted(graph.successors(node))],
                         "used_by": [where(n) for n in sorted(graph.predecessors(node))]})
    return rows


def start_here(index: Index, limit: int = 8) -> list[dict]:
    """The most central code files, each with the summary its own docstrings give."""
    rows = []
    for f in sorted(index.db.files(), key=lambda f: -f.pagerank):
        if f.pagerank <= 0 or len(rows) >= limit:
            continue
        symbols = index.db.symbols(f.path)
        summary = next((s.docstring.split("\n\n")[0].replace("\n", " ") for s in symbols if s.docstring), "")
        rows.append({"path": f.path, "pagerank": f.pagerank, "lines": f.lines, "symbols": len(symbols),
                     "summary": summary[:240], "top_symbols": [s.qualname for s in symbols if s.parent is None][:6]})
    return rows


def normalise_path(path: str) -> str:
    """Reject absolute paths and any `..` before looking anything up."""
    cleaned = path.replace("\\", "/").strip()
    if not cleaned or cleaned.startswith("/") or posixpath.isabs(cleaned) or ":" in cleaned.split("/")[0]:
        raise PathOutsideRepo(path)
    normal = posixpath.normpath(cleaned)
    if normal.startswith("..") or "/../" in f"/{normal}/":
        raise PathOutsideRepo(path)
    return normal


def read_source(index: Index, path: str) -> str:
    """The stored text of an indexed file; anything else raises PathOutsideRepo."""
    return index.db.file_text(normalise_path(path))
