"""The architecture map page: "Start here", then a layered map of at most ~40 nodes that drills down on click.

Where you are is in the URL (``?page=map&index=django&focus=django/db&show=tests``): clicking a node follows
its link (a package opens into its modules and subpackages, a module into its definitions, a definition
opens the source viewer), and the "Open" box does the same without a page load. Views are cached per index
version, focus and filters: building Django's takes about a second, switching back is instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

import streamlit as st

from onboard import api
from onboard.errors import OnboardError
from onboard.web import state
from onboard.web.links import source_url
from onboard.web.state import index_version, open_index, settings
from onboard.web.text import link, md

if TYPE_CHECKING:
    import networkx as nx

ALL = "(all packages)"
SIZES = {"lines": "lines of code", "pagerank": "centrality"}
LEGEND = ("**Legend** · arrows point from importer to imported: entry points on top, the core at the bottom · "
          "folder: a closed package (counts inside; click to open) · box: a package's own modules · "
          "page: a module (click for its definitions) · dashed box: the rest, folded · green: entry point · "
          "amber: core · grey: outside the package you opened · red border: on an import cycle · "
          "red dashed arrow: an import that closes a cycle (listed below the map) · "
          "external packages sit in one dashed cluster.")


def start_here(name: str) -> None:
    """The most central files with what their docstrings say: the first thing to read (the Guide shows it too).
    One line each, so the map below stays within reach."""
    st.subheader("Start here")
    st.caption("The most central files: many others depend on them, directly or not.")
    lines = []
    for row in api.start_here(open_index(name)):
        url = source_url(name, row["path"], 1, min(row["lines"], 40) or 1)
        summary = row["summary"] if len(row["summary"]) <= 110 else row["summary"][:109] + "…"
        symbols = ", ".join(row["top_symbols"][:4])
        lines.append(f"- **{link(row['path'], url)}** · {row['lines']} lines"
                     + (f" — {md(summary)}" if summary else "") + (f" · :gray[{md(symbols)}]" if symbols else ""))
    st.markdown("\n".join(lines))


@st.cache_resource(show_spinner="Drawing the map…", max_entries=64)
def _view(name: str, home: str, version: str, focus: str, show: tuple[str, ...]) -> nx.DiGraph:
    return api.map_graph(open_index(name), "package", focus or None, show=show)


def map_url(name: str, focus: str, show: tuple[str, ...]) -> str:
    params = {"page": "map", "index": name, "focus": focus}
    if show:
        params["show"] = ",".join(show)
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _urls(name: str, graph: nx.DiGraph, show: tuple[str, ...]) -> dict[str, str]:
    """Where a click on each node goes: packages and modules open in the map, definitions in the source viewer."""
    urls = {}
    for node, data in graph.nodes(data=True):
        kind = data.get("kind")
        if kind == "symbol":
            urls[node] = source_url(name, data["path"], data["line"], data["line"] + max(data["lines"], 1) - 1)
        elif kind in ("package", "modules", "file") and node not in ("", "."):
            urls[node] = map_url(name, node, show)
        elif kind == "more" and "/" in node:
            urls[node] = map_url(name, node.rsplit("/", 1)[0], show)
    return urls


def _shown() -> tuple[str, ...]:
    """The categories switched on: the URL's ``show`` when it came from outside, else the toggles."""
    if state.arrived() or "map_filters_set" not in st.session_state:
        shown = state.param("show").split(",")
        for category in api.MAP_CATEGORIES:
            st.session_state[f"map_show_{category}"] = category in shown
        st.session_state["map_filters_set"] = True
    return tuple(c for c in api.MAP_CATEGORIES if st.session_state[f"map_show_{c}"])


def _filters(hidden: dict[str, int]) -> None:
    """One toggle per hideable category, each saying how much it hides."""
    for column, category in zip(st.columns(len(api.MAP_CATEGORIES)), api.MAP_CATEGORIES):
        count = hidden.get(category, 0)
        unit = "external packages" if category == "external" else "files"
        label = api.MAP_LABELS[category].capitalize() + (f" ({count:,})" if count else "")
        column.toggle(label, key=f"map_show_{category}", help=f"{count:,} {unit} hidden" if count else "nothing hidden")


def _cycles(graph: nx.DiGraph) -> None:
    cycles, back = graph.graph.get("cycles", []), graph.graph.get("back_edges", [])
    if not cycles:
        return
    members = sum(len(c) for c in cycles)
    st.warning(f"{len(cycles)} import cycle(s) through {members} of these nodes (red borders). "
               f"The {len(back)} import(s) below close them; the heaviest are drawn as red dashed arrows.")
    with st.expander("Cycle edges: cut these and the map is layered"):
        for group in cycles[:10]:
            st.caption("Cycle: " + " ↔ ".join(map(md, group[:12])) + (" …" if len(group) > 12 else ""))
        st.dataframe([{"from": s, "to": d, "imports": int(w)} for s, d, w in back], hide_index=True,
                     width="stretch")


def _sources(name: str, graph: nx.DiGraph, focus: str) -> None:
    """An explicit list of links to the source viewer for the modules (or definitions) in view."""
    data = graph.nodes
    if graph.graph.get("base") == focus and focus and any(d.get("kind") == "symbol" for _, d in data(data=True)):
        st.markdown(f"Open {link(focus, source_url(name, focus, 1, 1))} in the source viewer.")
        return
    files = sorted(n for n, d in data(data=True) if d.get("kind") == "file" and not d.get("outside"))
    if files:
        with st.expander(f"The {len(files)} module(s) in view, in the source viewer"):
            st.markdown("\n".join(f"- {link(path, source_url(name, path, 1, 1))}" for path in files))


def _breadcrumb(name: str, focus: str, show: tuple[str, ...]) -> None:
    if not focus:
        return
    parts = focus.split("/")
    crumbs = [link(ALL, map_url(name, "", show))]
    crumbs += [link(part, map_url(name, "/".join(parts[:i + 1]), show)) for i, part in enumerate(parts[:-1])]
    st.markdown(" › ".join(crumbs + [f"**{md(parts[-1])}**"]))


def page(name: str) -> None:
    st.header(f"Architecture of {md(name)}")
    start_here(name)
    st.subheader("Map")
    home, version = str(settings().home), index_version(name)
    focus, show = state.param("focus"), _shown()
    try:
        graph = _view(name, home, version, focus, show)
    except OnboardError as err:  # a stale link or a package the filters hide: say so, show the whole map
        st.warning(f"{md(err)} Showing the whole map.")
        focus = ""
        graph = _view(name, home, version, focus, show)
    _filters(graph.graph.get("hidden", {}))

    options = [ALL] + graph.graph.get("openable", [])
    if focus and focus not in options:
        options.append(focus)
    if state.arrived() or st.session_state.get("map_focus") not in options:
        st.session_state["map_focus"] = focus or ALL
    left, right = st.columns([3, 1])
    chosen = left.selectbox("Open a package or module", options, key="map_focus",
                            help="Or click a node: packages open into their modules, modules into their definitions.")
    size_by = right.radio("Node size by", list(SIZES), horizontal=True, key="map_size", format_func=SIZES.get)
    if (chosen if chosen != ALL else "") != focus:
        focus = "" if chosen == ALL else chosen
        graph = _view(name, home, version, focus, show)
    state.set_params(focus=focus, show=",".join(show))
    _breadcrumb(name, focus, show)

    title = f"{name}: {focus or 'packages'}"
    st.graphviz_chart(api.render_map(graph, "dot", size_by, title, _urls(name, graph, show)), width="stretch")
    st.caption(_summary(graph, size_by))
    st.markdown(LEGEND)
    _cycles(graph)
    _sources(name, graph, focus)
    exports = st.columns(3)
    exports[0].download_button("Mermaid", api.render_map(graph, "mermaid", size_by), f"{name}-map.mmd", "text/plain")
    exports[1].download_button("DOT", api.render_map(graph, "dot", size_by, title), f"{name}-map.dot",
                               "text/vnd.graphviz")
    exports[2].download_button("JSON", api.render_map(graph, "json"), f"{name}-map.json", "application/json")


def _summary(graph: nx.DiGraph, size_by: str) -> str:
    view = graph.graph
    parts = [f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges drawn"]
    if view.get("files"):
        parts.append(f"{view['files']:,} files in view")
    if view.get("folded"):
        parts.append(f"{view['folded']} closed package(s) or folded groups (click to open)")
    if view.get("thinned"):
        parts.append(f"{view['thinned']} implied or weaker edge(s) left out of the drawing (the JSON has them all)")
    if view.get("dropped"):
        parts.append(f"{view['dropped']} less connected definition(s) left out")
    return " · ".join(parts) + f". Boxes are sized by {SIZES[size_by]}."
