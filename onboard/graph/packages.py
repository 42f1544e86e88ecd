"""Architecture maps a person can read: code packages, role filters, and views of at most ~40 nodes.

Drawing every directory as a package made Django's map 696 nodes and 3,164 edges (one per
``conf/locale/xx`` folder), which froze the browser for minutes while Graphviz laid it out. A view here is a
cut through the package tree instead: the tree holds only the files a reader asked to see (tests, examples,
docs, locale data, vendored code and external packages are hidden unless switched on), folders that merely
pass through to one child (``src/`` above ``src/flask``) are skipped, and packages are opened largest first
while the view stays within ``max_nodes``; whatever stays closed is one node with its counts. Clicking a
package opens it (its modules and subpackages), clicking a module opens its definitions.

A package is a folder that holds code modules: a Python package (``__init__.py``) or namespace of modules,
a Go or Java package, a JavaScript module folder. A folder with no code of its own that holds several
packages is drawn as their parent.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from onboard.graph.build import contract, cycle_breaking_edges, find_cycles, neighbourhood
from onboard.scan import CODE_LANGUAGES
from onboard.scan.roles import file_role

MAX_NODES = 40
EDGES_PER_NODE = 2  # more edges than this per node are a hairball: the weakest are left out (``_thin``)
MAX_EXTERNAL = 10  # external packages drawn one by one; the rest are one "more" node in their cluster
# What can be hidden, in the order the toggles show it. "data" is locale and data folders (translations,
# per-language format modules): code by language, but never architecture.
CATEGORIES = ("tests", "examples", "docs", "data", "vendored", "external")
CATEGORY_LABELS = {"tests": "tests", "examples": "examples", "docs": "docs", "data": "locale/data",
                   "vendored": "vendored", "external": "externals"}
_ROLE_CATEGORY = {"test": "tests", "fixture": "tests", "example": "examples", "docs": "docs",
                  "vendored": "vendored", "generated": "vendored"}
_DATA_DIRS = frozenset({"locale", "locales", "l10n", "translations", "data", "datasets"})
_ENTRY_NAMES = frozenset({"__main__.py", "manage.py", "cli.py", "main.py", "main.go", "wsgi.py", "asgi.py",
                          "server.js", "server.ts", "cli.js", "cli.ts", "Main.java", "main.rs"})
ROOT = "."  # the node of the modules at the top of the repository
MORE = "…"  # unit ids of collapsed leftovers end with this segment: "django/contrib/…"


def category(path: str, role: str | None = None) -> str:
    """``"source"`` or the category (one of ``CATEGORIES``) that hides ``path`` from a map by default; ``role``
    where more than the path tells it (a file's own text may say a tool generated it: ``scan.roles``)."""
    role = role or file_role(path)
    if role in _ROLE_CATEGORY:
        return _ROLE_CATEGORY[role]
    if any(part.lower() in _DATA_DIRS for part in path.split("/")[:-1]):
        return "data"
    return "source"


IMPORT_KINDS = ("import", "external")


def import_graph(file_graph: nx.DiGraph) -> nx.DiGraph:
    """The file graph as maps draw it, changed in place: code files and their imports.

    Docs and data files have no dependencies to draw, the standard library is one box rather than forty,
    and reference edges (name matches) serve retrieval, not design: read only ``IMPORT_KINDS`` edges
    from the store, which is most of the time a map takes on a large repository.
    """
    graph = file_graph
    graph.remove_nodes_from([n for n, d in list(graph.nodes(data=True))
                             if not d.get("external") and d.get("language") not in CODE_LANGUAGES])
    graph.remove_edges_from([(s, d) for s, d, kinds in list(graph.edges(data="kinds"))
                             if not set(IMPORT_KINDS) & set(kinds)])
    stdlib = [n for n in graph if n.startswith("ext:stdlib:")]
    if stdlib:
        graph.add_node("ext:stdlib", external=True)
        graph.add_edges_from((s, "ext:stdlib", {"weight": 1.0, "kinds": ["external"]})
                             for s, _ in graph.in_edges(stdlib))
        graph.remove_nodes_from(stdlib)
    return graph


def split_visible(graph: nx.DiGraph, show: frozenset[str] | set[str] = frozenset()) -> tuple[nx.DiGraph, Counter]:
    """The part of ``graph`` a map shows with the categories in ``show`` switched on, and what it hides.

    The counter says how many files each hidden category holds ("external": how many packages).
    """
    hidden: Counter[str] = Counter()
    keep = []
    for node, data in graph.nodes(data=True):
        kind = "external" if data.get("external") else category(node, data.get("role"))
        if kind == "source" or kind in show:
            keep.append(node)
        else:
            hidden[kind] += 1
    return graph.subgraph(keep).copy(), hidden


@dataclass
class _Tree:
    """Folders that hold visible code: their code modules, their subfolders, and totals below them."""

    files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    dirs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    total: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, paths: list[str]) -> _Tree:
        tree = cls()
        for path in paths:
            folder = posixpath.dirname(path)
            tree.files[folder].append(path)
            while True:
                tree.total[folder] += 1
                if not folder:
                    break
                parent = posixpath.dirname(folder)
                tree.dirs[parent].add(folder)
                folder = parent
        return tree

    def descend(self, folder: str) -> str:
        """Skip folders with no modules of their own and a single subfolder (``src/`` → ``src/flask``)."""
        while not self.files.get(folder) and len(self.dirs.get(folder, ())) == 1:
            folder = next(iter(self.dirs[folder]))
        return folder

    def children(self, folder: str) -> list[str]:
        return sorted((self.descend(d) for d in self.dirs.get(folder, ())), key=lambda d: (-self.total[d], d))


@dataclass
class _Unit:
    kind: str  # "package" (closed: everything below), "modules" (its own modules only), "file", "more"
    members: int = 0  # files it stands for
    packages: int = 0  # packages folded into it


class _Cut:
    """The nodes of one view: folders opened largest first while the count stays within the budget."""

    def __init__(self, tree: _Tree, budget: int) -> None:
        self.tree, self.budget = tree, max(budget, 2)
        self.units: dict[str, _Unit] = {}
        self.redirect: dict[str, str] = {}  # a file or folder folded into a "more" node → that node

    def closed(self, folder: str) -> _Unit:
        below = [d for d in self.tree.total if d.startswith(folder + "/") or (not folder and d)]
        return _Unit("package", self.tree.total[folder], sum(1 for d in below if self.tree.files.get(d)))

    def open_packages(self, folder: str) -> None:
        """Replace a closed package by its own modules (one node) and its subpackages (closed)."""
        children = self.tree.children(folder)
        own = self.tree.files.get(folder, [])
        self.units.pop(folder, None)
        if own:
            self.units[folder] = _Unit("modules", len(own))
        room = self.budget - len(self.units)
        if len(children) <= room:
            shown, folded = children, []
        else:  # more subpackages than fit: the largest are drawn, the rest become one node
            shown, folded = children[:max(room - 1, 1)], children[max(room - 1, 1):]
        for child in shown:
            self.units[child] = self.closed(child)
        self.fold(folder, folded, "packages")

    def open_modules(self, folder: str) -> None:
        """Replace a package's own-modules node by one node per module (the largest, if not all fit)."""
        own = sorted(self.tree.files.get(folder, []))
        self.units.pop(folder, None)
        room = self.budget - len(self.units)
        shown, folded = (own, []) if len(own) <= room else (own[:max(room - 1, 1)], own[max(room - 1, 1):])
        for path in shown:
            self.units[path] = _Unit("file", 1)
        self.fold(folder, folded, "modules")

    def fold(self, folder: str, members: list[str], what: str) -> None:
        if not members:
            return
        more = posixpath.join(folder, f"{MORE} {what}")
        files = sum(self.tree.total[m] if m in self.tree.total else 1 for m in members)
        self.units[more] = _Unit("more", files, len(members) if what == "packages" else 0)
        self.redirect.update((m, more) for m in members)

    def grow(self) -> None:
        """Open the largest closed package whose contents still fit, until none does."""
        while True:
            fits = [(self.tree.total[f], f) for f, u in self.units.items() if u.kind == "package"
                    and self.tree.dirs.get(f)
                    and len(self.units) - 1 + len(self.tree.children(f)) + bool(self.tree.files.get(f)) <= self.budget]
            if not fits:
                return
            self.open_packages(max(fits)[1])

    def owner(self, path: str) -> str | None:
        """The unit a visible file is drawn in."""
        if path in self.units:
            return path
        if path in self.redirect:
            return self.redirect[path]
        folder = posixpath.dirname(path)
        while True:
            if folder in self.units and self.units[folder].kind in ("package", "modules"):
                return folder
            if folder in self.redirect:
                return self.redirect[folder]
            if not folder:
                return None
            folder = posixpath.dirname(folder)


def _side(path: str, focus: str) -> str:
    """For a file outside ``focus``: the folder (or file) just below the deepest folder both share."""
    common = posixpath.commonpath([path, focus]) if focus else ""
    rest = path[len(common):].lstrip("/").split("/")
    return posixpath.join(common, rest[0]) if common else rest[0]


def package_view(graph: nx.DiGraph, focus: str | None = None, show: frozenset[str] | set[str] = frozenset(),
                 max_nodes: int = MAX_NODES) -> nx.DiGraph:
    """The map of ``graph`` (an ``import_graph``) with at most about ``max_nodes`` nodes.

    Without ``focus``: the packages, opened largest first, and every module when all of them fit. With a
    package as ``focus``: its modules and subpackages, plus the packages outside it that it uses or that use
    it. Node attributes: ``kind`` (package, modules, file, more, external), ``label``, ``files``, ``packages``,
    ``lines``, ``pagerank``, ``outside`` (a neighbour of the focus), ``entry`` and ``core`` (top and bottom
    layer). ``graph.graph`` says what was hidden (``hidden``: category → files), the ``focus`` and ``base``,
    how many ``files`` are in view, how many nodes are ``folded`` packages, the edges ``thinned`` out of the
    drawing, the ``cycles`` and the ``back_edges`` that close them, and every package and module a reader
    could open (``openable``).
    """
    visible, hidden = split_visible(graph, set(show))
    internal = sorted(n for n, ext in visible.nodes(data="external") if not ext)
    tree = _Tree.of(internal)
    focus = "" if focus in (None, ROOT) else focus.strip("/")
    base = tree.descend(focus)
    if focus and base not in tree.total:
        raise KeyError(focus)
    inside = [p for p in internal if not base or p.startswith(base + "/")]
    inside_set = set(inside)
    externals = _ranked_externals(visible, inside_set)
    outside = _ranked_outside(visible, inside_set, base) if focus else []
    room_outside = min(len(outside), max_nodes // 4)
    room_external = min(len(externals), MAX_EXTERNAL)
    cut = _Cut(tree, max_nodes - room_outside - room_external)
    cut.units[base] = cut.closed(base)
    cut.open_packages(base)
    if focus:
        cut.open_modules(base)
    cut.grow()
    leaves = [f for f, u in cut.units.items() if u.kind == "modules" or (u.kind == "package" and not tree.dirs.get(f))]
    if not focus and leaves and len(cut.units) - len(leaves) + sum(len(tree.files[f]) for f in leaves) <= cut.budget:
        for folder in leaves:  # every module fits: a map of modules says more than one of packages
            cut.open_modules(folder)

    owner: dict[str, str] = {p: cut.owner(p) or base for p in inside}
    inside_units = set(owner.values())
    shown_outside = outside[:room_outside]
    for path in internal:
        if path not in inside_set:
            side = _side(path, base)
            if side in shown_outside:
                owner[path] = side
    # The most used external packages are drawn, the rest are one node in their cluster.
    drawn = set(externals if len(externals) <= MAX_EXTERNAL else externals[:MAX_EXTERNAL - 1])
    owner.update((node, node if node in drawn else "ext:" + MORE) for node in externals)
    view = contract(visible.subgraph(owner), owner)
    # Around a focus, only its own relations are drawn: not how its neighbours relate to each other.
    view.remove_edges_from([(a, b) for a, b in list(view.edges) if a not in inside_units and b not in inside_units])
    for unit, data in view.nodes(data=True):
        _describe(unit, data, cut, tree, base, shown_outside, externals)
    if "" in view:  # the repository's top-level modules
        nx.relabel_nodes(view, {"": ROOT}, copy=False)
    view.graph["cycles"] = find_cycles(view)
    _layer(view)
    view.graph["thinned"] = _thin(view, EDGES_PER_NODE * view.number_of_nodes())
    view.graph.update(hidden=dict(hidden), focus=focus or "", base=base, files=len(inside),
                      folded=sum(1 for u in cut.units.values() if u.kind in ("package", "more")),
                      openable=sorted([d for d in tree.total if d] + internal))
    return view


def _ranked_externals(graph: nx.DiGraph, inside: set[str]) -> list[str]:
    uses: Counter[str] = Counter()
    for src, dst, weight in graph.edges(data="weight", default=1.0):
        if src in inside and graph.nodes[dst].get("external"):
            uses[dst] += weight
    return [n for n, _ in sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))]


def _ranked_outside(graph: nx.DiGraph, inside: set[str], base: str) -> list[str]:
    """Folders (or files) outside the focus that it uses or that use it, most connected first."""
    weights: Counter[str] = Counter()
    for src, dst, weight in graph.edges(data="weight", default=1.0):
        for here, there in ((src, dst), (dst, src)):
            if here in inside and there not in inside and not graph.nodes[there].get("external"):
                weights[_side(there, base)] += weight
    return [n for n, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _short(path: str) -> str:
    """The last two segments of a path: boxes as wide as ``django/contrib/admin/migrations`` made a forty-node
    map several screens wide (the full path is the node's tooltip)."""
    return "/".join(path.split("/")[-2:])


def _describe(unit: str, data: dict, cut: _Cut, tree: _Tree, base: str, outside: list[str],
              externals: list[str]) -> None:
    """Kind, label and counts of one node of a view."""
    if unit.startswith("ext:"):
        more = len(externals) - MAX_EXTERNAL + 1
        data.update(kind="external", external=True, label=f"{more} more" if unit.endswith(MORE) else unit[4:])
        return
    relative = _short(unit[len(base):].lstrip("/") if base and unit.startswith(base + "/") else unit)
    if unit in outside:
        data.update(kind="file" if unit not in tree.total else "package", outside=True, label=unit)
        return
    found = cut.units.get(unit)
    kind = found.kind if found else "package"
    data.update(kind=kind, outside=False, packages=found.packages if found else 0)
    if kind == "file":
        data["label"] = relative
    elif kind == "more":
        what = _count(found.packages, "more package") if found.packages else _count(found.members, "more module")
        data["label"] = f"{what}\n({_count(found.members, 'file')})"
    elif kind == "modules":
        data["label"] = f"{relative or unit or '(top level)'}\n{_count(found.members, 'module')}"
    else:
        inner = _count(found.packages, "package") + ", " if found and found.packages > 1 else ""
        data["label"] = f"{relative or unit}/\n{inner}{_count(data.get('files', 0), 'file')}"
    data["entry_file"] = any(posixpath.basename(p) in _ENTRY_NAMES for p in tree.files.get(unit, [unit]))


def _thin(view: nx.DiGraph, limit: int) -> int:
    """Leave out the edges a reader can infer, and then the weakest beyond ``limit``; returns how many went.

    Forty packages of a large project import each other hundreds of times, and a drawing with every edge is
    a hairball several screens wide (each long edge takes room on every row it crosses). An edge ``a → c``
    is implied when ``a → b → c`` is drawn (transitive reduction, once the imports that close cycles are set
    aside: the heaviest of those stay, drawn red). The JSON export and the cycle list keep every edge.
    """
    back = {(s, d) for s, d, _ in view.graph["back_edges"]}
    layered = nx.DiGraph(e for e in view.edges if e not in back)
    keep = back | set(nx.transitive_reduction(layered).edges)
    # The layering's own edges first, then the heaviest of those closing a cycle (all are listed beside the map).
    kept = sorted(keep, key=lambda e: (e in back, -view.edges[e].get("weight", 1.0), e))[:limit]
    dropped = set(view.edges) - set(kept)
    view.remove_edges_from(dropped)
    return len(dropped)


def _layer(view: nx.DiGraph) -> None:
    """Rows for the drawing (node attribute ``layer``, 0 on top): each node below everything that imports it,
    once the imports that close cycles are set aside; a node nothing imports (but a ``__main__``-like module)
    sits just above what it uses rather than in one top row forty boxes wide. ``entry``: nodes nothing drawn
    imports that use something, or that hold a ``__main__``-like module; ``core``: bottom-row nodes others use.

    Computed before ``_thin``, so leaving out an implied edge never moves a node.
    """
    drawn = [n for n, ext in view.nodes(data="external") if not ext]
    # Every kind of edge counts here (a definitions map has only references, and a cycle of calls is a cycle too).
    loops = [sorted(c) for c in nx.strongly_connected_components(view.subgraph(drawn)) if len(c) > 1]
    view.graph["back_edges"] = cycle_breaking_edges(view, loops)
    back = {(s, d) for s, d, _ in view.graph["back_edges"]}
    dag = nx.DiGraph()
    dag.add_nodes_from(drawn)
    dag.add_edges_from(e for e in view.subgraph(drawn).edges if e not in back)
    layer: dict[str, int] = {}
    for node in nx.topological_sort(dag):
        layer[node] = max((layer[p] + 1 for p in dag.predecessors(node)), default=0)
    for node in drawn:  # ``__main__``-like modules stay on top
        if dag.in_degree(node) == 0 and dag.out_degree(node) and not view.nodes[node].get("entry_file"):
            layer[node] = min(layer[s] for s in dag.successors(node)) - 1
    bottom = max(layer.values(), default=0)
    for node in drawn:
        data = view.nodes[node]
        data["layer"] = layer[node]
        imported = any(not view.nodes[p].get("outside") for p in view.predecessors(node))
        data["entry"] = bool(data.pop("entry_file", False)) or (not imported and dag.out_degree(node) > 0)
        data["core"] = layer[node] == bottom > 0 and dag.in_degree(node) > 0
    for _, data in view.nodes(data=True):
        data.pop("entry_file", None)


def file_view(graph: nx.DiGraph, focus: str | None = None,
              show: frozenset[str] | set[str] = frozenset()) -> nx.DiGraph:
    """Every visible file (no folding), or the files under ``focus`` and their neighbours: for exports."""
    visible, hidden = split_visible(graph, set(show))
    if focus:
        members = {n for n in visible if not visible.nodes[n].get("external")
                   and (n == focus or n.startswith(focus.rstrip("/") + "/"))}
        visible = neighbourhood(visible, members)
    for node, data in visible.nodes(data=True):
        data.update(kind="external" if data.get("external") else "file", label=node.removeprefix("ext:"))
    visible.graph.update(hidden=dict(hidden), focus=focus or "", base=focus or "")
    return visible


def symbol_view(graph: nx.DiGraph, path: str, show: frozenset[str] | set[str] = frozenset(),
                max_nodes: int = MAX_NODES) -> nx.DiGraph:
    """One file's definitions with what they use and what uses them (``symbol_neighbourhood``), in layers;
    definitions in hidden categories (tests, vendored code ...) are left out, and the most connected come
    first when there are more than ``max_nodes``."""
    own = [n for n, p in graph.nodes(data="path") if p == path]
    around = neighbourhood(graph, set(own))
    around.remove_nodes_from([n for n, p in list(around.nodes(data="path"))
                              if p != path and category(p) not in show and category(p) != "source"])
    dropped = 0
    if around.number_of_nodes() > max_nodes:
        ranked = sorted(own, key=lambda n: (-around.degree(n, weight="weight"), n))[:max_nodes // 2]
        others = sorted((n for n in around if n not in own), key=lambda n: (-around.degree(n, weight="weight"), n))
        keep = ranked + others[:max_nodes - len(ranked)]
        dropped = around.number_of_nodes() - len(keep)
        around = around.subgraph(keep).copy()
    for node, data in around.nodes(data=True):
        name = node.split("::", 1)[-1]
        elsewhere = data.get("path") != path
        data.update(label=f"{_short(data.get('path', ''))}\n{name}" if elsewhere else name, outside=elsewhere,
                    kind="symbol" if data.get("kind") != "file" else "file")
    around.graph.update(focus=path, base=path, hidden={}, dropped=dropped, cycles=find_cycles(around))
    _layer(around)
    around.graph["thinned"] = _thin(around, EDGES_PER_NODE * around.number_of_nodes())
    return around
