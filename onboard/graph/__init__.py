"""graph stage: imports resolved to files, reference edges, the symbol graph, centrality, package roll-up, cycles.

Names load with the submodule that defines them, on first use: the personalised walk needs scipy's
sparse matrices (half a second to import), which `onboard reindex` never touches (PageRank runs on
numpy: ``ranks_of``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onboard.lazy import lazy_exports

if TYPE_CHECKING:
    from onboard.graph.build import (
        COMMON_NAMES,
        GRAPH_RULES,
        build_file_graph,
        contract,
        cycle_breaking_edges,
        find_cycles,
        neighbourhood,
        package_of,
        pagerank,
        ranks_of,
        reference_edges,
        rollup,
    )
    from onboard.graph.export import to_dot, to_json, to_mermaid
    from onboard.graph.resolve import probe_names, resolve_imports
    from onboard.graph.symbols import symbol_graph, symbol_id, symbol_neighbourhood
    from onboard.graph.walk import RestartWalk, personalized_pagerank

_MODULES = {
    "onboard.graph.build": ["COMMON_NAMES", "GRAPH_RULES", "build_file_graph", "contract", "cycle_breaking_edges", "find_cycles",
                            "neighbourhood", "package_of", "pagerank", "ranks_of", "reference_edges", "rollup"],
    "onboard.graph.export": ["to_dot", "to_json", "to_mermaid"],
    "onboard.graph.resolve": ["probe_names", "resolve_imports"],
    "onboard.graph.symbols": ["symbol_graph", "symbol_id", "symbol_neighbourhood"],
    "onboard.graph.walk": ["RestartWalk", "personalized_pagerank"],
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _MODULES)
