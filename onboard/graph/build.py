"""The dependency graphs and the measures computed on them.

The file graph is what retrieval walks (personalized PageRank from the hits) and what maps draw
(rolled up to packages). Reference edges add what imports miss: a file that calls a class defined
elsewhere depends on it even when the import is indirect.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain

import networkx as nx

from onboard.models import Edge, ParsedFile

COMMON_NAMES = frozenset({"get", "set", "run", "main", "init", "new", "close", "open", "read", "write", "update",
                          "__init__", "__call__", "__repr__", "__str__", "__eq__", "__hash__", "append", "items",
                          "keys", "values", "len", "str", "int", "dict", "list", "self", "cls", "name", "value",
                          "String", "Object", "test", "setUp", "tearDown", "load", "dump", "start", "stop"})
MAX_DEFINERS = 3


def reference_edges(parsed: Iterable[ParsedFile], stored_uses: Iterable[tuple[str, str, int]] = (),
                    stored_definitions: Iterable[tuple[str, str]] = ()) -> list[Edge]:
    """file→file edges where a file uses a name defined in at most ``MAX_DEFINERS`` other files.

    ``stored_uses`` adds ``(path, name, count)`` rows for files whose references were not loaded as
    objects: an incremental reindex reads unchanged files' uses from SQLite as counts, which is
    several times cheaper than a million ``Reference`` records. ``stored_definitions`` adds
    ``(path, name)`` definitions the same way (an incremental reindex reads only the names its
    files use).
    """
    parsed = list(parsed)
    definitions = chain(((file.path, symbol.name) for file in parsed for symbol in file.symbols), stored_definitions)
    definers: dict[str, set[str]] = defaultdict(set)
    for path, name in definitions:
        if name not in COMMON_NAMES and len(name) > 2:
            definers[name].add(path)
    uses = chain(((ref.path, ref.name, 1) for file in parsed for ref in file.references), stored_uses)
    weights: Counter[tuple[str, str]] = Counter()
    for path, name, count in uses:
        targets = definers.get(name)
        if targets and len(targets) <= MAX_DEFINERS:
            for target in targets:
                if target != path:
                    weights[(path, target)] += count
    return [Edge(src, dst, "reference", float(n)) for (src, dst), n in sorted(weights.items())]


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
    if internal.number_of_nodes() == 0:
        return {}
    return nx.pagerank(internal, weight="weight")


def personalized_pagerank(graph: nx.DiGraph, seeds: dict[str, float], alpha: float = 0.85) -> dict[str, float]:
    """PageRank restarted at ``seeds``: mass flows from the hits to what they depend on.

    The walk runs on the graph with both directions (dependencies weighted higher) so that a hit's
    callers, such as its tests, get some mass too.
    """
    internal = _internal(graph)
    seeds = {n: w for n, w in seeds.items() if n in internal and w > 0}
    if not seeds:
        return {}
    walk = nx.DiGraph()
    walk.add_nodes_from(internal.nodes)
    for src, dst, weight in internal.edges(data="weight"):
        walk.add_edge(src, dst, weight=weight)
        back = 0.3 * weight
        if walk.has_edge(dst, src):
            walk.edges[dst, src]["weight"] += back
        else:
            walk.add_edge(dst, src, weight=back)
    return nx.pagerank(walk, alpha=alpha, personalization=seeds, weight="weight", tol=1e-5, max_iter=60)


def neighbourhood(graph: nx.DiGraph, members: set[str]) -> nx.DiGraph:
    """``members`` with everything they point to and everything that points to them."""
    keep = set(members)
    for node in members:
        keep.update(graph.successors(node))
        keep.update(graph.predecessors(node))
    return graph.subgraph(keep).copy()


def package_of(path: str) -> str:
    return posixpath.dirname(path) or "."


def rollup(graph: nx.DiGraph, level: str = "package") -> nx.DiGraph:
    """The graph at ``level``: "file" as is, "package" merged by directory with summed weights.

    External nodes stay as they are; package nodes carry files, lines and size totals.
    """
    if level == "file":
        return graph.copy()
    if level != "package":
        raise ValueError(f"level must be 'package' or 'file', not {level!r}")
    rolled = nx.DiGraph()
    owner: dict[str, str] = {}
    for node, data in graph.nodes(data=True):
        if data.get("external"):
            owner[node] = node
            rolled.add_node(node, external=True)
            continue
        package = package_of(node)
        owner[node] = package
        if package not in rolled:
            rolled.add_node(package, external=False, files=0, lines=0, size=0, pagerank=0.0)
        attrs = rolled.nodes[package]
        attrs["files"] += 1
        attrs["lines"] += data.get("lines", 0) or 0
        attrs["size"] += data.get("size", 0) or 0
        attrs["pagerank"] += data.get("pagerank", 0.0) or 0.0
    for src, dst, data in graph.edges(data=True):
        a, b = owner[src], owner[dst]
        if a == b:
            continue
        kinds = set(data.get("kinds", ["import"]))
        if rolled.has_edge(a, b):
            rolled.edges[a, b]["weight"] += data.get("weight", 1.0)
            rolled.edges[a, b]["kinds"] = sorted(set(rolled.edges[a, b]["kinds"]) | kinds)
        else:
            rolled.add_edge(a, b, weight=data.get("weight", 1.0), kinds=sorted(kinds))
    return rolled


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
