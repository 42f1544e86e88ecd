"""Architecture maps as Mermaid, Graphviz DOT and JSON.

Maps are drawn top to bottom in layers (importers above what they import), node size follows lines of code
(or centrality), node shape and colour follow the node's kind (package, its modules, file, folded rest,
entry point, core), cycles are drawn red, and external packages sit together in one cluster.
"""

from __future__ import annotations

import json
import math
import re

import networkx as nx

from onboard.graph.build import cycle_breaking_edges, find_cycles

SIZE_ATTRS = ("lines", "pagerank")


def _cycles(graph: nx.DiGraph) -> tuple[set[str], set[tuple[str, str]]]:
    """The nodes on import cycles, and the edges that close them (``cycle_breaking_edges``)."""
    cycles = graph.graph.get("cycles")
    cycles = find_cycles(graph) if cycles is None else cycles
    back = graph.graph.get("back_edges")  # a view says which it set aside before leaving edges out
    back = cycle_breaking_edges(graph, cycles) if back is None else back
    return {n for group in cycles for n in group}, {(s, d) for s, d, _ in back}


def _scale(graph: nx.DiGraph, size_by: str) -> dict[str, float]:
    values = {n: float(d.get(size_by, 0) or 0) for n, d in graph.nodes(data=True) if not d.get("external")}
    top = max(values.values(), default=0) or 1.0
    return {n: v / top for n, v in values.items()}


def _label(graph: nx.DiGraph, node: str) -> str:
    return graph.nodes[node].get("label") or node.removeprefix("ext:")


# Shape and colour per node kind (see ``onboard.graph.packages``); the web app's legend names the same ones.
STYLES = {
    "package": 'shape=folder, fillcolor="#eef3fb"',
    "modules": 'shape=box, fillcolor="#eef3fb"',
    "file": 'shape=note, fillcolor="#ffffff"',
    "symbol": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
    "more": 'shape=box, style="dashed,filled", fillcolor="#f7f7f7", color="#999999"',
}
ENTRY_FILL, CORE_FILL, OUTSIDE_FILL, CYCLE_COLOUR = "#e3f4e1", "#fdf0d5", "#f0f0f0", "#c0392b"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_line(graph: nx.DiGraph, node: str, size: float, cyclic: bool, url: str | None) -> str:
    data = graph.nodes[node]
    attrs = [f"label={_quote(_label(graph, node))}", STYLES.get(data.get("kind", ""), ""), f"fontsize={size:.1f}"]
    if data.get("outside"):
        attrs.append(f'fillcolor="{OUTSIDE_FILL}", fontcolor="#555555"')
    elif data.get("entry"):
        attrs.append(f'fillcolor="{ENTRY_FILL}"')
    elif data.get("core"):
        attrs.append(f'fillcolor="{CORE_FILL}"')
    if cyclic:
        attrs.append(f'color="{CYCLE_COLOUR}", penwidth=2')
    if url:
        attrs.append(f'URL={_quote(url)}, target="_self"')
    attrs.append(f"tooltip={_quote(node.removeprefix('ext:') + (' (click to open)' if url else ''))}")
    return f"  {_quote(node)} [{', '.join(a for a in attrs if a)}];"


def _rows(graph: nx.DiGraph, internal: list[str]) -> list[str]:
    """Rows for nodes that carry a ``layer`` (see ``onboard.graph.packages``): each row is ``rank=same`` with
    an invisible anchor, and the anchors are chained, so the order holds even where edges were left out."""
    rows: dict[int, list[str]] = {}
    for node in internal:
        if "layer" in graph.nodes[node]:
            rows.setdefault(graph.nodes[node]["layer"], []).append(node)
    if len(rows) < 2:
        return []
    anchors = [f'"row {r}"' for r in sorted(rows)]
    lines = [f"  {a} [style=invis, shape=point, width=0, height=0, label=\"\"];" for a in anchors]
    lines.append("  " + " -> ".join(anchors) + " [style=invis];")
    lines += ["  { rank=same; " + anchor + " " + " ".join(_quote(n) for n in rows[r]) + " }"
              for anchor, r in zip(anchors, sorted(rows))]
    return lines


def to_dot(graph: nx.DiGraph, size_by: str = "lines", highlight_cycles: bool = True, title: str = "",
           urls: dict[str, str] | None = None) -> str:
    """Graphviz DOT laid out in layers (dot ranks): importers above what they import, so entry points end up
    on top and the core at the bottom. The imports that close a cycle are red and do not decide the layers.
    ``urls`` makes nodes links (drill-down, source viewer)."""
    scale = _scale(graph, size_by)
    cyclic_nodes, back_edges = _cycles(graph) if highlight_cycles else (set(), set())
    urls = urls or {}
    lines = ["digraph onboard {", '  rankdir="TB"; nodesep=0.25; ranksep=0.45;',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="#eef3fb", color="#4a6fa5"];',
             '  edge [color="#8899aa", arrowsize=0.7];']
    if title:
        lines.append(f"  label={_quote(title)}; labelloc=t; fontname=\"Helvetica\";")
    externals = sorted(n for n, d in graph.nodes(data=True) if d.get("external"))
    internal = [n for n, d in graph.nodes(data=True) if not d.get("external")]
    for node in internal:
        lines.append(_node_line(graph, node, 12 + 10 * scale.get(node, 0), node in cyclic_nodes, urls.get(node)))
    if externals:
        lines.append('  subgraph cluster_external {\n    label="external packages"; style="dashed"; color="#999999";')
        lines += [f'    {_quote(n)} [label={_quote(_label(graph, n))}, fillcolor="#f4f4f4", fontsize=11];'
                  for n in externals]
        lines.append("  }")
    lines += _rows(graph, internal)
    for src, dst, data in graph.edges(data=True):
        weight = data.get("weight", 1)
        attrs = [f"weight={min(max(1, int(weight)), 10)}"]
        if (src, dst) in back_edges:
            attrs.append(f'color="{CYCLE_COLOUR}", style=dashed, constraint=false')
        elif weight > 1:
            attrs.append(f"penwidth={min(1 + math.log2(weight) / 3, 3):.1f}")
        attrs.append(f"tooltip={_quote(f'{src} → {dst}: {weight:g} imports')}")
        lines.append(f"  {_quote(src)} -> {_quote(dst)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines)


def to_mermaid(graph: nx.DiGraph, size_by: str = "lines") -> str:
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}

    def text(node: str) -> str:
        return re.sub(r'["\[\]{}()<>|]', "_", _label(graph, node).replace("\n", " · "))

    cycles = _cycles(graph)[1]
    lines = ["flowchart TD"]
    internal = [n for n, d in graph.nodes(data=True) if not d.get("external")]
    externals = [n for n, d in graph.nodes(data=True) if d.get("external")]
    lines += [f'  {ids[n]}["{text(n)}"]' for n in sorted(internal)]
    if externals:
        lines.append('  subgraph external["external packages"]')
        lines += [f'    {ids[n]}(["{text(n)}"])' for n in sorted(externals)]
        lines.append("  end")
    lines += [f"  {ids[src]} --> {ids[dst]}" for src, dst in graph.edges]
    red = [i for i, edge in enumerate(graph.edges) if edge in cycles]
    if red:
        lines.append(f"  linkStyle {','.join(map(str, red))} stroke:#c0392b,stroke-width:2px")
    return "\n".join(lines)


def to_json(graph: nx.DiGraph) -> str:
    cycles = graph.graph.get("cycles", None) or find_cycles(graph)
    data = {
        "view": {k: v for k, v in graph.graph.items() if k not in ("cycles", "back_edges")
                 and isinstance(v, (str, int, float, bool, dict))},
        "nodes": [{"id": n, **{k: v for k, v in d.items() if isinstance(v, (str, int, float, bool))}}
                  for n, d in sorted(graph.nodes(data=True))],
        "edges": [{"source": s, "target": t, "weight": d.get("weight", 1), "kinds": d.get("kinds", [])}
                  for s, t, d in graph.edges(data=True)],
        "cycles": cycles,
    }
    return json.dumps(data, indent=2)
