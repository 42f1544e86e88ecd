"""graph stage: imports resolved to files, reference edges, the symbol graph, centrality, package roll-up, cycles."""

from onboard.graph.build import (
    build_file_graph,
    find_cycles,
    neighbourhood,
    package_of,
    pagerank,
    personalized_pagerank,
    reference_edges,
    rollup,
)
from onboard.graph.export import to_dot, to_json, to_mermaid
from onboard.graph.resolve import resolve_imports
from onboard.graph.symbols import symbol_graph, symbol_id, symbol_neighbourhood

__all__ = ["build_file_graph", "find_cycles", "neighbourhood", "package_of", "pagerank", "personalized_pagerank",
           "reference_edges", "resolve_imports", "rollup", "symbol_graph", "symbol_id", "symbol_neighbourhood",
           "to_dot", "to_json", "to_mermaid"]
