"""The dependency graphs and the measures computed on them.

The file graph is what retrieval walks (personalized PageRank from the hits) and what maps draw
(rolled up to packages). Reference edges add what imports miss: a file that calls a class defined
elsewhere depends on it even when the import is indirect.
"""

from __future__ import annotations

import builtins
import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain

import networkx as nx

from onboard.models import Edge, ParsedFile
from onboard.scan.languages import call_each_other, language_for

# Names too common to say which definition a use means. Python's builtins among them: `super()`, `type(x)`,
# `min(...)` mean the builtin wherever a module imports nothing of that name (an import makes its own edge), so a
# method called `super` (Django's template blocks) or `min` (a transform's) is not what hundreds of files use.
# So are the methods of its built-in types: `", ".join(...)`, `text.split()`, `stack.pop()` are str's and list's
# far more often than the one class in the repository with such a method (Django's `join` was linked from 322
# files, SymPy's `pop` from 180).
_BUILTIN_TYPES = (str, bytes, bytearray, int, float, complex, list, tuple, dict, set, frozenset, object)
COMMON_NAMES = (frozenset({"get", "set", "run", "main", "init", "new", "close", "open", "read", "write", "update",
                           "self", "cls", "name", "value", "String", "Object", "test", "setUp", "tearDown", "load",
                           "dump", "start", "stop", "__call__"})
                | frozenset(dir(builtins)) | frozenset().union(*map(dir, _BUILTIN_TYPES)))
MAX_DEFINERS = 3
def can_name(method: bool, attribute: bool, kind: str) -> bool:
    """Whether a use (``Reference.method``, ``Reference.attribute``) may name a definition of ``kind``: a method
    only if it may name one, a property also if it reads a member (``t.indices``), anything else always."""
    return method or kind not in ("method", "property") or (attribute and kind == "property")


def reference_edges(parsed: Iterable[ParsedFile], imports: Iterable[Edge],
                    stored_uses: Iterable[tuple[str, str, bool, bool, int]] = (),
                    stored_definitions: Iterable[tuple[str, str, bool, str]] = ()) -> list[Edge]:
    """file→file edges where a file uses a name defined in at most ``MAX_DEFINERS`` other files, and not
    in itself: a file calling a name it defines means its own definition (``self.fetch()``), not a
    subclass's override of it elsewhere (on the dev_large sdists 3-5 % of reference edges were such).
    Only between languages that call each other by name (``languages.call_each_other``).

    A Python file uses another's top-level definition only through an import (``imports``: the resolved
    import edges of the using files): of that file, or of a package whose folder holds it. Otherwise the name is
    a local of its own: Django's ``context_processors.py`` defines a function ``request`` and was linked from
    180 files by their ``request`` variables, its 7th most central file; 14 % of Django's Python reference edges
    were such (SymPy 10 %, flask 6 %). Methods are used through objects, with no import, and keep every edge.
    The rule reads only the user's own imports and the paths, so an incremental reindex that recomputes a
    file's reference edges with its imports gets what a full one does.

    A use that cannot name a method (``Reference.method``: a member read but not called, ``self.message``, or a
    bare Python name, ``warn(message)``) links to no file defining the name only as a method: Django's
    ``EmailMessage.message()`` was linked from 82 files by their ``message`` variables and attributes, which made
    ``core/mail/message.py`` its 6th most central file. Such a use still reaches a class or a module's function
    (``models.Model``, ``forms.CharField``), and a member read reaches a property (``can_name``), but only
    through an import of its file, in any language: a data attribute shares its name far more often than not
    (Django's tests read their ``self.client`` in 86 files, and ``WatchmanReloader.client`` is a property;
    eslint's 222 files reading ``.length`` would all use ``CodeUnit``'s getter).

    ``stored_uses`` adds ``(path, name, method, attribute, count)`` rows for files whose references were not
    loaded as objects: an incremental reindex reads unchanged files' uses from SQLite as counts, which is
    several times cheaper than a million ``Reference`` records. ``stored_definitions`` adds
    ``(path, name, top_level, kind)`` definitions the same way (an incremental reindex reads only the
    names its files use).
    """
    parsed = list(parsed)
    definitions = chain(((file.path, symbol.name, symbol.parent is None, symbol.kind)
                         for file in parsed for symbol in file.symbols), stored_definitions)
    definers: dict[str, set[str]] = defaultdict(set)
    top_level: set[tuple[str, str]] = set()
    # (path, name) pairs a use that cannot name a method reaches: as a bare name, as a member read
    bare_reaches: set[tuple[str, str]] = set()
    read_reaches: set[tuple[str, str]] = set()
    for path, name, top, kind in definitions:
        if name not in COMMON_NAMES and len(name) > 2:
            definers[name].add(path)
            if can_name(False, False, kind):
                bare_reaches.add((path, name))
            if can_name(False, True, kind):
                read_reaches.add((path, name))
            if top:
                top_level.add((path, name))
    imported: dict[str, set[str]] = defaultdict(set)
    for edge in imports:
        if edge.kind == "import":
            imported[edge.src].add(edge.dst)
    uses = chain(((ref.path, ref.name, ref.method, ref.attribute, 1) for file in parsed for ref in file.references),
                 stored_uses)
    weights: Counter[tuple[str, str]] = Counter()
    # (user, definer, a property read): asked once, not once per use (Django: 0.15 s)
    reaches: dict[tuple[str, str, bool], bool] = {}
    for path, name, method, attribute, count in uses:
        targets = definers.get(name)
        if targets and len(targets) <= MAX_DEFINERS and path not in targets:
            for target in targets:
                if not method and (target, name) not in (read_reaches if attribute else bare_reaches):
                    continue
                property_read = not method and (target, name) not in bare_reaches
                if property_read or (target, name) in top_level:
                    key = (path, target, property_read)
                    if key not in reaches:
                        reaches[key] = _imported(path, target, imported, every_language=property_read)
                    if not reaches[key]:
                        continue
                weights[(path, target)] += count
    return [Edge(src, dst, "reference", float(n)) for (src, dst), n in sorted(weights.items())
            if call_each_other(language_for(src), language_for(dst))]


def _imported(path: str, target: str, imported: dict[str, set[str]], every_language: bool = False) -> bool:
    """Whether ``path`` can reach ``target``'s top-level names: always, unless both are Python (or
    ``every_language``, for a property's read), where it imports ``target`` or a package (``__init__.py``) whose
    folder holds it (``from django import forms``, then ``forms.CharField`` from ``django/forms/fields.py``)."""
    if not every_language and (language_for(path) != "python" or language_for(target) != "python"):
        return True
    return any(module == target or (posixpath.basename(module) == "__init__.py"
                                    and target.startswith(posixpath.dirname(module) + "/"))
               for module in imported.get(path, ()))


def build_file_graph(files: dict[str, dict], edges: list[Edge]) -> nx.DiGraph:
    """Repo files (with their attributes) plus ``ext:*`` nodes; parallel edges merge their weights."""
    graph = nx.DiGraph()
    for path, attrs in files.items():
        graph.add_node(path, external=False, **attrs)
    for edge in edges:
        if edge.src not in graph or (edge.dst not in graph and not edge.dst.startswith("ext:")):
            continue
        if edge.dst not in graph:
            graph.add_node(edge.dst, external=True)
        if graph.has_edge(edge.src, edge.dst):
            data = graph.edges[edge.src, edge.dst]
            data["weight"] += edge.weight
            data["kinds"] = sorted(set(data["kinds"]) | {edge.kind})
        else:
            graph.add_edge(edge.src, edge.dst, weight=edge.weight, kinds=[edge.kind])
    return graph


def _internal(graph: nx.DiGraph) -> nx.DiGraph:
    return graph.subgraph([n for n, ext in graph.nodes(data="external") if not ext])


def pagerank(graph: nx.DiGraph) -> dict[str, float]:
    """Centrality of repo files: a file many others (transitively) depend on ranks high."""
    internal = _internal(graph)
    return ranks_of(internal.nodes, internal.edges(data="weight", default=1.0))


def ranks_of(nodes: Iterable[str], links: Iterable[tuple[str, str, float]], alpha: float = 0.85,
             tolerance: float = 1e-10) -> dict[str, float]:
    """``networkx.pagerank`` of ``nodes`` and the weighted ``links`` between them (parallel links add up,
    a node without out-links spreads its rank evenly), iterated until the ranks move less than
    ``tolerance`` in all: each is then within about 1e-9 of the exact value, so a reindex and a full
    index of the same tree agree (networkx stops at ``1e-6 x nodes``, a few percent on 4,000 files).

    Written here on numpy because networkx's builds a graph and a scipy matrix: 0.75 s on a 20 MB tree,
    plus half a second to import scipy, where a reindex after adding one file should take 0.5 s in
    all. ``np.bincount`` over the links is the sparse product (30 ms there).
    """
    import numpy as np  # here: a reindex whose edges stay the same needs no ranks

    names = sorted(nodes)
    if not names:
        return {}
    index = {name: i for i, name in enumerate(names)}
    pairs = [(index[src], index[dst], weight) for src, dst, weight in links if src in index and dst in index]
    src, dst = (np.array([pair[k] for pair in pairs], dtype=np.intp) for k in (0, 1))
    weight = np.array([pair[2] for pair in pairs], dtype=float)
    size = len(names)
    out = np.bincount(src, weights=weight, minlength=size)
    share = weight / out[src]
    dangling = out == 0
    rank = np.full(size, 1.0 / size)
    for _ in range(1000):  # the error shrinks by ``alpha`` per step: about 150 steps
        last = rank
        spread = np.bincount(dst, weights=last[src] * share, minlength=size)
        rank = alpha * (spread + last[dangling].sum() / size) + (1 - alpha) / size
        if np.abs(rank - last).sum() < tolerance:
            break
    return dict(zip(names, rank.tolist()))


def neighbourhood(graph: nx.DiGraph, members: set[str]) -> nx.DiGraph:
    """``members`` with everything they point to and everything that points to them."""
    keep = set(members)
    for node in members:
        keep.update(graph.successors(node))
        keep.update(graph.predecessors(node))
    return graph.subgraph(keep).copy()


def package_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def contract(graph: nx.DiGraph, owner: dict[str, str]) -> nx.DiGraph:
    """``graph`` with each node merged into ``owner[node]``: weights summed, edge kinds united, and the
    merged files' ``files``, ``lines``, ``size`` and ``pagerank`` totalled; edges inside one owner vanish.

    External nodes keep ``external=True``.
    """
    merged = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        unit = owner[node]
        if unit not in merged:
            merged.add_node(unit, external=bool(data.get("external")), files=0, lines=0, size=0, pagerank=0.0)
        if data.get("external"):
            continue
        attrs = merged.nodes[unit]
        attrs["files"] += 1
        for key in ("lines", "size", "pagerank"):
            attrs[key] += data.get(key, 0) or 0
    for src, dst, data in graph.edges(data=True):
        a, b = owner[src], owner[dst]
        if a == b:
            continue
        kinds = set(data.get("kinds", ["import"]))
        if merged.has_edge(a, b):
            merged.edges[a, b]["weight"] += data.get("weight", 1.0)
            merged.edges[a, b]["kinds"] = sorted(set(merged.edges[a, b]["kinds"]) | kinds)
        else:
            merged.add_edge(a, b, weight=data.get("weight", 1.0), kinds=sorted(kinds))
    return merged


def rollup(graph: nx.DiGraph, level: str = "package") -> nx.DiGraph:
    """The graph at ``level``: "file" as is, "package" merged by directory (every directory: see
    ``onboard.graph.packages`` for the views maps draw)."""
    if level == "file":
        return graph.copy()
    if level != "package":
        raise ValueError(f"level must be 'package' or 'file', not {level!r}")
    return contract(graph, {n: n if ext else package_of(n) for n, ext in graph.nodes(data="external")})


def find_cycles(graph: nx.DiGraph, limit: int = 50) -> list[list[str]]:
    """Groups of nodes that import each other (strongly connected, more than one node).

    Only import edges count: reference edges go both ways too often to mean a design problem.
    """
    imports = nx.DiGraph()
    imports.add_nodes_from(_internal(graph).nodes)
    imports.add_edges_from((s, d) for s, d, kinds in graph.edges(data="kinds", default=["import"])
                           if "import" in kinds and s in imports and d in imports)
    components = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    return sorted(components, key=len, reverse=True)[:limit]


def cycle_breaking_edges(graph: nx.DiGraph, cycles: list[list[str]] | None = None) -> list[tuple[str, str, float]]:
    """The imports that close the cycles: cut them and the graph is layered. ``(src, dst, weight)``, lightest
    first (the easiest to cut).

    Within each cycle the nodes are ordered by how much more they are used than they use (Eades, Lin and
    Smyth's heuristic for a small feedback arc set); the edges that point up that order are the answer.
    """
    found: list[tuple[str, str, float]] = []
    for group in find_cycles(graph) if cycles is None else cycles:
        members = set(group)
        inner = [(s, d, w) for s, d, w in graph.edges(group, data="weight", default=1.0) if d in members]
        balance: Counter[str] = Counter()
        for src, dst, weight in inner:
            balance[src] += weight
            balance[dst] -= weight
        order = {node: i for i, node in enumerate(sorted(group, key=lambda n: (-balance[n], n)))}
        found += [(s, d, w) for s, d, w in inner if order[s] > order[d]]
    return sorted(found, key=lambda e: (e[2], e[0], e[1]))
