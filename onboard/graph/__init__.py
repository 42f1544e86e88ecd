"""graph stage: imports resolved to files, reference edges, the symbol graph, centrality, package roll-up, cycles.

Names load with the submodule that defines them, on first use: the personalised walk needs scipy's
sparse matrices (half a second to import), which `onboard reindex` never touches (PageRank runs on
numpy: ``ranks_of``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onboard.lazy import lazy_exports

# Bumped when the rules that turn names into edges change: an index built under others rebuilds its edges on its
# next (re)index, from the parse results it stored, and `onboard list` says so until then. Here, not in build.py,
# so reading it loads no networkx. 2: builtins make no reference edge (``build.COMMON_NAMES``); 3: a standard-
# library module name resolves to a repository file only in the importer's own source root (``resolve._python``);
# 4: the methods of built-in types make no reference edge; 5: nor a name the using file defines itself;
# 6: nor one across languages that cannot call each other by name (``scan.languages.call_each_other``); 7: nor a Python
# use of a top-level Python definition its file does not import (``build.reference_edges``); 8: nor a use that cannot
# name a method (``x.message``, a bare Python name) of a method (``Reference.method``, which an older index re-parses);
# 9: but a member read (``t.indices``) names a property (``Reference.attribute``, kind "property": re-parsed too);
# 10: a JS/TS import names a workspace package or a tsconfig/jsconfig path alias of the repository (``js_modules``),
# a Go import the longest module path of the repository's go.mod files, a Rust path a workspace crate by its name,
# a PHP `use` the file composer's PSR-4 autoload maps it to, a JVM wildcard import its package's files;
# 11: JS/TS functions bound to names, Rust impls by base type, C++ out-of-line methods and C++ `.h` headers define
# what they did not (re-parsed too), and a Rust ``crate::`` path starts at the root folder of the importing file's
# own crate, not at the top-level ``src``; a Rust ``#[cfg(test)] mod`` is kind ``models.TEST_MODULE`` (rules 11
# were not released before it, and their re-parse of Rust covers it).
GRAPH_RULES = "11"
# The first graph rules that read more of a use than the references stored before them held (8: ``Reference.method``,
# 9: ``Reference.attribute`` and properties): an index made under older rules parses its files again, rather than
# rebuilding its edges from what it stored.
REPARSE_BELOW = 9


# Rules that parse some languages differently (10: Java's wildcard imports, Kotlin's and Scala's, which were not
# read, PHP's aliases and groups; 11: the definitions and doc comments of JavaScript, TypeScript, Rust, Go and C++,
# and a `.h` header that is C++, stored as C): an index made under older rules parses those languages' files again,
# not all.
REPARSE_LANGUAGES = {10: frozenset({"java", "kotlin", "scala", "php"}),
                     11: frozenset({"javascript", "typescript", "tsx", "rust", "go", "c", "cpp"})}


def _number(graph_rules: str | None) -> int | None:
    """The rules an index's manifest names, as a number; None when it names none it could have written."""
    return int(graph_rules) if (graph_rules or "").isdigit() else None


def needs_reparse(graph_rules: str | None) -> bool:
    """Whether an index whose edges were made under ``graph_rules`` must parse its files again for the current ones."""
    number = _number(graph_rules)
    return number is None or number < REPARSE_BELOW


def reparse_languages(graph_rules: str | None) -> frozenset[str]:
    """The languages whose files an index made under ``graph_rules`` must parse again (``needs_reparse``: all)."""
    number = _number(graph_rules)
    if number is None:
        return frozenset()
    return frozenset().union(*(languages for rules, languages in REPARSE_LANGUAGES.items() if number < rules))

if TYPE_CHECKING:
    from onboard.graph.build import (
        COMMON_NAMES,
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
    from onboard.graph.resolve import config_file, import_probes, probe_names, resolve_imports
    from onboard.graph.symbols import symbol_graph, symbol_id, symbol_neighbourhood
    from onboard.graph.walk import RestartWalk, personalized_pagerank

_MODULES = {
    "onboard.graph.build": ["COMMON_NAMES", "build_file_graph", "contract", "cycle_breaking_edges", "find_cycles",
                            "neighbourhood", "package_of", "pagerank", "ranks_of", "reference_edges", "rollup"],
    "onboard.graph.export": ["to_dot", "to_json", "to_mermaid"],
    "onboard.graph.resolve": ["config_file", "import_probes", "probe_names", "resolve_imports"],
    "onboard.graph.symbols": ["symbol_graph", "symbol_id", "symbol_neighbourhood"],
    "onboard.graph.walk": ["RestartWalk", "personalized_pagerank"],
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _MODULES)
