"""The small public API that the CLI, the web app and scripts use.

Everything a shell needs is here; the stages behind it can change without the shells noticing.
Each name loads its module on first use (PEP 562), so `onboard --help` and `onboard list` do not
pay for the anthropic SDK, chroma or onnxruntime they never call.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onboard.answer import RETRIEVAL_ONLY_LABEL, Answer, Citation, Conversation, Limits, Step, ask, retrieve
    from onboard.pack import PackedContext, PackedDoc
    from onboard.store import (
        Index,
        IndexInfo,
        IndexReport,
        VectorProgress,
        describe,
        index_names,
        index_repo,
        index_stats,
        list_indexes,
        open_index,
        reindex,
        reindex_all,
        remove_index,
        require_index,
        resume_embedding,
        stale_files,
        wait_for_vectors,
    )
    from onboard.store.views import FORMATS, LEVELS, architecture_map, map_graph, read_source, start_here, symbol_uses

_MODULES = {
    "onboard.answer": ["RETRIEVAL_ONLY_LABEL", "Answer", "Citation", "Conversation", "Limits", "Step", "ask",
                       "retrieve"],
    "onboard.pack": ["PackedContext", "PackedDoc"],
    "onboard.store": ["Index", "IndexInfo", "IndexReport", "VectorProgress", "describe", "index_names", "index_repo",
                      "index_stats", "list_indexes", "open_index", "reindex", "reindex_all", "remove_index",
                      "require_index", "resume_embedding", "stale_files", "wait_for_vectors"],
    "onboard.store.views": ["FORMATS", "LEVELS", "architecture_map", "map_graph", "read_source", "start_here",
                            "symbol_uses"],
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
