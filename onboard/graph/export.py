"""Architecture maps as Mermaid, Graphviz DOT and JSON.

Node size follows lines of code (or centrality), cycles are drawn red, and external packages sit
together in one cluster so the repo's own structure stays readable.
"""

from __future__ import annotations

import json
import re

import networkx as nx

from onboard.graph.build import find_cycles

SIZE_ATTRS = ("lines", "pagerank")


def _cycle_edges(graph: nx.DiGraph) -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for group in find_cycles(graph):
        members = set(group)
        edges.update((a, b) for a, b in graph.edges if a in members and b in members)
    return edges


def _scale(graph: nx.DiGraph, size_by: str) -> dict[str, float]:
    values = {n: float(d.get(size_by, 0) or 0) for n, d in graph.nodes(data=True) if not d.get("external")}
    top = max(values.values(), default=0) or 1.0
    return {n: v / top for n, v in values.items()}


def _label(node: str) -> str:
    return node.removeprefix("ext:")


def to_dot(graph: nx.DiGraph, size_by: str = "lines", highlight_cycles: bool = True, title: str = "") -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    scale = _scale(graph, size_by)
    cycles = _cycle_edges(graph) if highlight_cycles else set()
    cyclic_nodes = {n for edge in cycles for n in edge}
    lines = ["digraph onboard {", '  rankdir="LR";', '  node [shape=box, style="rounded,filled", fontname="Helvetica", '
             'fillcolor="#eef3fb", color="#4a6fa5"];', '  edge [color="#8899aa"];']
    if title:
        lines.append(f"  label={quote(title)}; labelloc=t;")
    externals = [n for n, d in graph.nodes(data=True) if d.get("external")]
    for node, data in graph.nodes(data=True):
        if data.get("external"):
            continue
        size = 10 + 14 * scale.get(node, 0)
        color = ', color="#c0392b", penwidth=2' if node in cyclic_nodes else ""
        lines.append(f"  {quote(node)} [label={quote(_label(node))}, fontsize={size:.1f}{color}];")
    if externals:
        lines.append('  subgraph cluster_external {\n    label="external packages"; style="dashed"; color="#999999";')
        lines += [f'    {quote(n)} [label={quote(_label(n))}, fillcolor="#f4f4f4", fontsize=9];' for n in sorted(externals)]
        lines.append("  }")
    for src, dst, data in graph.edges(data=True):
        weight = data.get("weight", 1)
        style = ', color="#c0392b", penwidth=2' if (src, dst) in cycles else ""
        lines.append(f"  {quote(src)} -> {quote(dst)} [weight={max(1, int(weight))}{style}];")
    lines.append("}")
    return "\n".join(lines)


def to_mermaid(graph: nx.DiGraph, size_by: str = "lines") -> str:
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}

    def text(node: str) -> str:
        return re.sub(r'["\[\]{}()<>|]', "_", _label(node))

    cycles = _cycle_edges(graph)
    lines = ["flowchart LR"]
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
    cycles = find_cycles(graph)
    data = {
        "nodes": [{"id": n, **{k: v for k, v in d.items() if isinstance(v, (str, int, float, bool))}}
                  for n, d in sorted(graph.nodes(data=True))],
        "edges": [{"source": s, "target": t, "weight": d.get("weight", 1), "kinds": d.get("kinds", [])}
                  for s, t, d in graph.edges(data=True)],
        "cycles": cycles,
    }
    return json.dumps(data, indent=2)
