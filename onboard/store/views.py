"""Read-only views of an index for people: architecture maps, "start here", and source files.

``read_source`` is the only way the UI gets file text, and it serves the stored (redacted) text of
indexed files only, so no path a user types can reach anything outside the indexed repository.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping

import networkx as nx

from onboard.errors import OnboardError, PathOutsideRepo, require_utf8
from onboard.graph import find_cycles, symbol_graph, symbol_id, to_dot, to_json, to_mermaid
from onboard.graph.packages import CATEGORIES as MAP_CATEGORIES
from onboard.graph.packages import CATEGORY_LABELS as MAP_LABELS
from onboard.graph.packages import IMPORT_KINDS, MAX_NODES, category, file_view, import_graph, package_view, symbol_view
from onboard.store.index import Index, central_files, file_roles

FORMATS = ("mermaid", "dot", "json")
LEVELS = ("package", "file", "symbol")


def map_graph(index: Index, level: str = "package", focus: str | None = None, include_external: bool = False,
              show: Iterable[str] = (), max_nodes: int = MAX_NODES,
              roles: Mapping[str, str] | None = None) -> nx.DiGraph:
    """The dependency map at ``level`` with the categories in ``show`` (``MAP_CATEGORIES``) switched on.

    "package": code packages folded to about ``max_nodes`` nodes (``onboard.graph.packages``); ``focus`` a
    package shows its modules and subpackages, ``focus`` a file its definitions. "file": every shown file,
    or those under ``focus`` and their neighbours, unfolded (for exports). "symbol": the definitions of the
    file ``focus``. ``graph.graph`` says what is hidden and lists the import ``cycles``. ``roles``: each file's role
    where the caller has them already (``file_roles``; the guide reads them from the texts it holds).
    """
    show = set(show) | ({"external"} if include_external else set())
    unknown = show - set(MAP_CATEGORIES)
    if unknown:
        raise OnboardError(f"Unknown map filter {', '.join(sorted(unknown))}: use {', '.join(MAP_CATEGORIES)}.")
    graph = import_graph(index.db.file_graph(IMPORT_KINDS))
    roles = file_roles(index, index.db.files()) if roles is None else roles
    for path, role in roles.items():  # generated code hides with vendored code
        if path in graph:
            graph.nodes[path]["role"] = role
    if focus and level != "file":
        focus = focus.strip().strip("/")
        if focus in graph or level == "symbol":
            path = normalise_path(focus)
            index.db.file_text(path)  # raises PathOutsideRepo for anything not indexed
            return symbol_view(_symbols_around(index, path), path, show, max_nodes)
    if level == "symbol":
        return index.symbol_graph.copy()
    if level == "file":
        view = file_view(graph, focus, show)
    else:
        try:
            view = package_view(graph, focus, show, max_nodes)
        except KeyError:
            hidden = category(focus + "/x.py")
            switch = f" Switch on {MAP_LABELS[hidden]} to see it." if hidden != "source" else ""
            raise OnboardError(f"`{focus}` is not a package of {index.name}'s map.{switch}"
                               f"{_meant(graph, focus)}") from None
    view.graph.setdefault("cycles", find_cycles(view))
    return view


def _meant(graph: nx.DiGraph, focus: str) -> str:
    """The folders a mistyped focus may mean: those whose path ends with it. A map labels a package by its last
    folders (`jpype/html/` for `native/java/org/jpype/html`), and the label is what people type."""
    tail = f"/{focus}/"
    folders = sorted({rooted[1:rooted.index(tail) + len(tail) - 1] for rooted in ("/" + path for path in graph)
                      if tail in rooted} - {focus})
    return f" Give its whole path: {', '.join(f'`{folder}`' for folder in folders[:3])}." if folders else ""


def _symbols_around(index: Index, path: str) -> nx.DiGraph:
    """The symbol graph as far as it touches ``path``'s definitions, from the rows that can.

    ``Index.symbol_graph`` builds Django's whole graph (41,000 definitions, 500,000 uses) in tens of seconds; one
    module's map needs its definitions and uses, every file defining a name it uses or defines (all of them, so
    a name defined too often is dropped here as it is there), the uses of its names and the definitions around
    those uses, and the imports of the files involved.
    """
    db = index.db
    defined = {s.name for s in db.symbols(path)}
    uses = db.references(path) + [r for r in db.references_to(defined) if r.path != path]
    users = {r.path for r in uses}
    paths = users | {p for p, *_ in db.definitions(defined | {r.name for r in uses if r.path == path})}
    near = db.edges_from(users)
    edges = near + db.edges_from({e.dst for e in near if e.kind == "import"})
    return symbol_graph(db.symbols_of(paths), uses, edges)


def render_map(graph: nx.DiGraph, fmt: str, size_by: str = "lines", title: str = "",
               urls: dict[str, str] | None = None) -> str:
    """A map as Mermaid, DOT (nodes linked to ``urls``) or JSON."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "json":
        return to_json(graph)
    if fmt == "dot":
        return to_dot(graph, size_by=size_by, title=title, urls=urls)
    return to_mermaid(graph, size_by=size_by)


def architecture_map(index: Index, level: str = "package", fmt: str = "json", focus: str | None = None,
                     size_by: str = "lines", include_external: bool = False, show: Iterable[str] = (),
                     max_nodes: int = MAX_NODES) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    graph = map_graph(index, level, focus, include_external, show, max_nodes)
    return render_map(graph, fmt, size_by, title=f"{index.name}: {focus or level} dependencies")


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
    """The most central code files (``central_files``), each with the summary its own docstrings give."""
    rows = []
    files = index.db.files()
    for f in central_files(files, limit, file_roles(index, files)):
        symbols = index.db.symbols(f.path)
        summary = next((s.docstring.split("\n\n")[0].replace("\n", " ") for s in symbols if s.docstring), "")
        rows.append({"path": f.path, "pagerank": f.pagerank, "lines": f.lines, "symbols": len(symbols),
                     "summary": summary[:240], "top_symbols": [s.qualname for s in symbols if s.parent is None][:6]})
    return rows


_DRIVE = re.compile(r"[A-Za-z]:(?:/|$)")


def normalise_path(path: str) -> str:
    """Reject absolute paths (a Windows drive too), any `..` and bytes that are not UTF-8 (no indexed path has them)
    before looking anything up. A colon elsewhere is part of a name (``ratio:1.py``, ``tools:v2/``)."""
    require_utf8(path, "onboard skips files whose names are not UTF-8 (`onboard stats NAME --skipped` lists them); "
                       "rename the file and reindex.")
    cleaned = path.replace("\\", "/").strip()
    if not cleaned or cleaned.startswith("/") or posixpath.isabs(cleaned) or _DRIVE.match(cleaned):
        raise PathOutsideRepo(path)
    normal = posixpath.normpath(cleaned)
    if normal.startswith("..") or "/../" in f"/{normal}/":
        raise PathOutsideRepo(path)
    return normal


def read_source(index: Index, path: str) -> str:
    """The stored text of an indexed file; anything else raises PathOutsideRepo."""
    return index.db.file_text(normalise_path(path))
