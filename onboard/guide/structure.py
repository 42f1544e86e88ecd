"""What the index says about a repository's structure, computed once per guide: code packages and their
members, import edges between packages and the layers they form, symbol centrality, import lines as evidence.

Packages are the architecture map's code packages (``store.views.map_graph``), every one opened; a file
belongs to the deepest one holding it, and files the map hides (tests, examples, docs, locale data,
vendored code) belong to none. Layers need an order, so the weakest import of each cycle is dropped for
layering only (the cycles are still reported).
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

import networkx as nx

from onboard.answer.escape import escape
from onboard.graph import pagerank
from onboard.graph.packages import category
from onboard.guide import facts as F
from onboard.guide.markdown import code, where
from onboard.guide.model import package_slug
from onboard.models import Symbol
from onboard.scan import CODE_LANGUAGES
from onboard.scan.roles import content_roles
from onboard.store import Index
from onboard.store.db import FileRow
from onboard.store.views import map_graph

CORE_KINDS = frozenset({"class", "function", "interface", "struct", "trait", "enum", "type"})


class Structure:
    """The index read once for a guide; ``packages()`` then ``centrality()`` fill in the rest."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.db = index.db
        self.files: dict[str, FileRow] = {f.path: f for f in self.db.files()}
        self.texts = self.db.texts()
        self.roles = content_roles(self.files, self.texts)  # generated code is no package's substance
        self.code = {p for p, f in self.files.items() if f.language in CODE_LANGUAGES}
        self.symbols: dict[str, list[Symbol]] = defaultdict(list)
        for symbol in self.db.symbols():
            self.symbols[symbol.path].append(symbol)
        self.edges = [e for e in self.db.edges() if e.kind in ("import", "external")]
        self.importers: dict[str, set[str]] = defaultdict(set)
        self.init_importers: dict[str, set[str]] = defaultdict(set)  # folder → files importing its __init__/index
        for edge in self.edges:
            self.importers[edge.dst].add(edge.src)
            if posixpath.basename(edge.dst).startswith(("__init__.", "index.")):
                self.init_importers[posixpath.dirname(edge.dst)].add(edge.src)
        self._users: dict[str, tuple[int, set[str]]] = {}
        self.skipped: dict[str, list] = defaultdict(list)  # folder → files the scan skipped there
        for skipped in self.db.skipped():
            self.skipped[posixpath.dirname(skipped.path) or "."].append(skipped)
        # file → import edges from test files into it (a name match alone says too little about a test)
        self.tested_by: dict[str, list] = defaultdict(list)
        for edge in self.edges:
            if edge.kind == "import" and self.roles[edge.src] == "test":
                self.tested_by[edge.dst].append(edge)
        self._imports: dict[str, list] = {}

    # -- structure -------------------------------------------------------------------------------------
    def packages(self) -> None:
        """Code packages (those of the map holding source files), their members, dependencies and layers."""
        # The map's code packages, every one opened (a file node stands for its folder's own modules).
        view = map_graph(self.index, "package", max_nodes=len(self.files) + 1, roles=self.roles)
        nodes = sorted({(posixpath.dirname(n) or ".") if kind == "file" else n
                        for n, kind in view.nodes(data="kind") if not view.nodes[n].get("external")},
                       key=lambda n: (-n.count("/"), n))
        self.owner: dict[str, str] = {}
        # what the map hides belongs to no package
        for path in (p for p in self.code if category(p, self.roles[p]) == "source"):
            folder = posixpath.dirname(path) or "."
            owner = next((n for n in nodes if n == folder or (n != "." and folder.startswith(n + "/"))), None)
            if owner is not None:
                self.owner[path] = owner
        members: dict[str, list[str]] = defaultdict(list)
        for path, owner in self.owner.items():
            members[owner].append(path)
        self.members = {p: sorted(m, key=lambda f: -self.files[f].pagerank) for p, m in members.items()
                        if any(self.roles[f] == "source" for f in m)}
        self.slugs: dict[str, str] = {}  # package → page slug, unique even where two names slug alike
        for package in sorted(self.members):
            slug, n = package_slug(package), 2
            while slug in self.slugs.values():
                slug, n = f"{package_slug(package)}-{n}", n + 1
            self.slugs[package] = slug
        self.graph = nx.DiGraph()
        for package, files in self.members.items():
            self.graph.add_node(package, external=False, files=len(files),
                                lines=sum(self.files[f].lines for f in files),
                                pagerank=sum(self.files[f].pagerank for f in files))
        self.file_deps: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        self.externals: dict[str, dict[str, str]] = defaultdict(dict)  # package → ext name → first importing file
        for edge in self.edges:
            a = self.owner.get(edge.src)
            if a not in self.members:
                continue
            if edge.kind == "external":
                if not edge.dst.startswith("ext:stdlib"):
                    self.externals[a].setdefault(edge.dst.removeprefix("ext:"), edge.src)
                continue
            b = self.owner.get(edge.dst)
            if b in self.members and a != b:
                self.file_deps[(a, b)].append((edge.src, edge.dst))
                self.graph.add_edge(a, b, weight=len(self.file_deps[(a, b)]), kinds=["import"])
        self.cycles = [sorted(c) for c in nx.strongly_connected_components(self.graph) if len(c) > 1]
        acyclic = self.graph.copy()
        while True:  # layers need an order: drop the weakest import of each cycle (a lazy import, usually)
            try:
                cycle = nx.find_cycle(acyclic)
            except nx.NetworkXNoCycle:
                break
            acyclic.remove_edge(*min(cycle, key=lambda e: (acyclic.edges[e[0], e[1]]["weight"], e)))
        self.layer = {}
        for package in reversed(list(nx.topological_sort(acyclic))):
            self.layer[package] = 1 + max((self.layer[d] for d in acyclic.successors(package)), default=-1)

    def import_line(self, src: str, dst: str) -> int:
        """The line of ``src`` that imports ``dst`` (best guess by module name), else 1."""
        if src not in self._imports:
            self._imports[src] = self.db.imports(src)
        stem = dst.removeprefix("ext:") if dst.startswith("ext:") else posixpath.splitext(posixpath.basename(dst))[0]
        if stem in ("__init__", "index", "mod", "lib"):
            stem = posixpath.basename(posixpath.dirname(dst))
        for imp in self._imports[src]:
            if stem in re.split(r"[./:\\-]+", imp.module) or stem in imp.names:
                return imp.line
        return min((imp.line for imp in self._imports[src]), default=1)

    @staticmethod
    def label(package: str) -> str:
        """A package as readers see it: the repository's top-level modules are "(top level)", as on the map."""
        return "(top level)" if package == "." else package

    def main_file(self, package: str) -> str:
        """The file a package is best pointed at: its non-empty ``__init__``/index file, else its most central."""
        files = [f for f in self.members[package] if self.files[f].lines > 0] or self.members[package]
        init = [f for f in files if posixpath.basename(f).split(".")[0] in ("__init__", "index", "mod", "lib")]
        return (init or files)[0]

    def doc(self, path: str) -> F.Fact | None:
        return F.module_doc(path, self.texts.get(path, ""))

    # -- centrality ------------------------------------------------------------------------------------
    def centrality(self) -> None:
        graph = self.index.symbol_graph
        self.symbol_graph = graph
        self.symbol_rank = pagerank(graph) if graph.number_of_nodes() else {}

    def users(self, symbol: Symbol) -> tuple[int, set[str]]:
        """Definitions using ``symbol`` whose file is its own or imports it (directly or through its package's
        ``__init__``): a use by name alone may be another definition of the same name."""
        node = f"{symbol.path}::{symbol.qualname}"
        if node not in self._users:
            allowed = {symbol.path} | self.importers.get(symbol.path, set()) | \
                self.init_importers.get(posixpath.dirname(symbol.path), set())
            users = [u for u in (self.symbol_graph.predecessors(node) if node in self.symbol_graph else ())
                     if self.symbol_graph.nodes[u].get("path", u) in allowed]
            self._users[node] = (len(users), {self.symbol_graph.nodes[u].get("path", u) for u in users})
        return self._users[node]

    def top_symbols(self, paths: list[str], limit: int) -> list[Symbol]:
        """Public top-level definitions of ``paths`` by centrality, among those another file really uses."""
        candidates = [s for p in paths for s in self.symbols.get(p, []) if s.kind in CORE_KINDS and s.parent is None
                      and not s.name.startswith("_") and self.roles[p] == "source"]
        def score(symbol: Symbol) -> float:
            """Centrality, scaled by the share of its users that import it: a common name used everywhere
            by other definitions of the same name ranks for nothing."""
            node = f"{symbol.path}::{symbol.qualname}"
            everyone = self.symbol_graph.in_degree(node) if node in self.symbol_graph else 0
            confirmed, files = self.users(symbol)
            if not everyone or not files - {symbol.path}:
                return 0.0
            return self.symbol_rank.get(node, 0.0) * confirmed / everyone

        scores = {s: score(s) for s in candidates}
        return sorted(candidates, key=lambda s: (-scores[s], s.path, s.start_line))[:limit]

    def symbol_line(self, symbol: Symbol, detailed: bool = True) -> str:
        used, files = self.users(symbol)
        line = f"- **{code(symbol.qualname)}** ({escape(symbol.kind)}, {where(symbol.path, symbol.start_line, symbol.end_line)})"
        if used:
            line += f": used by {used} definition{'s' if used != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''}"
        if detailed and symbol.signature:
            line += f"  \n  {code(symbol.signature)}"
        doc = symbol.docstring.strip().split("\n\n")[0]
        if doc:
            line += f"  \n  {escape(doc[:300])}"
        return line

