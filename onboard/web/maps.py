"""The architecture map page: packages and their dependencies, drill-down to files, exports."""

from __future__ import annotations

import streamlit as st

from onboard import api
from onboard.graph import find_cycles, to_dot, to_json, to_mermaid
from onboard.web.links import source_url
from onboard.web.state import open_index


def page(name: str) -> None:
    index = open_index(name)
    st.header(f"Architecture of {name}")
    left, middle, right = st.columns(3)
    packages = sorted({n for n, ext in api.map_graph(index, "package").nodes(data="external") if not ext})
    focus = left.selectbox("Drill into a package", ["(all packages)"] + packages, key="map_focus")
    size_by = middle.radio("Node size by", ["lines", "pagerank"], horizontal=True, key="map_size",
                           format_func=lambda v: "lines of code" if v == "lines" else "centrality")
    external = right.toggle("Show external packages", value=True, key="map_external")
    focus_package = None if focus.startswith("(") else focus
    graph = api.map_graph(index, "package", focus_package, include_external=external)
    title = f"{name}: {focus_package + ' files' if focus_package else 'packages'}"
    st.graphviz_chart(to_dot(graph, size_by=size_by, title=title), width="stretch")
    cycles = find_cycles(graph)
    if cycles:
        st.warning("Import cycles (red): " + "; ".join(" ↔ ".join(c[:4]) + (" …" if len(c) > 4 else "") for c in cycles[:5]))
    st.caption(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges. "
               "Boxes are sized by " + ("lines of code" if size_by == "lines" else "PageRank centrality") + ".")
    exports = st.columns(3)
    exports[0].download_button("Mermaid", to_mermaid(graph, size_by=size_by), f"{name}-map.mmd", "text/plain")
    exports[1].download_button("DOT", to_dot(graph, size_by=size_by, title=title), f"{name}-map.dot", "text/vnd.graphviz")
    exports[2].download_button("JSON", to_json(graph), f"{name}-map.json", "application/json")

    st.subheader("Start here")
    st.caption("The most central files: many others depend on them, directly or not.")
    for row in api.start_here(index):
        link = source_url(name, row["path"], 1, min(row["lines"], 40) or 1)
        summary = f" — {row['summary']}" if row["summary"] else ""
        st.markdown(f"**[{row['path']}]({link})** · {row['lines']} lines · {row['symbols']} symbols{summary}")
        if row["top_symbols"]:
            st.caption(", ".join(row["top_symbols"]))
