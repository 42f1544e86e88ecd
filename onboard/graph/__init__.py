"""graph stage: imports resolved to files, reference edges, the symbol graph, centrality, package roll-up, cycles."""

from onboard.graph.build import (
    COMMON_NAMES,
    build_file_graph,
    contract,
    cycle_breaking_edges,
    find_cycles,
    neighbourhood,
    package_of,
    pagerank,
    reference_edges,
    rollup,
)
from onboard.graph.export import to_dot, to_json, to_mermaid
from onboard.graph.resolve import resolve_imports
from onboard.graph.symbols import symbol_graph, symbol_id, symbol_neighbourhood
from onboard.graph.walk import RestartWalk, personalized_pagerank

__all__ = ["COMMON_NAMES", "RestartWalk", "build_file_graph", "contract", "cycle_breaking_edges", "find_cycles", "neighbourhood",
           "package_of", "pagerank", "personalized_pagerank", "reference_edges", "resolve_imports", "rollup",
           "symbol_graph", "symbol_id", "symbol_neighbourhood", "to_dot", "to_json", "to_mermaid"]
