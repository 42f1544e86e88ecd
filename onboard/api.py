"""The small public API that the CLI, the web app and scripts use.

Everything a shell needs is here; the stages behind it can change without the shells noticing.
"""

from __future__ import annotations

from onboard.answer import RETRIEVAL_ONLY_LABEL, Answer, Citation, Conversation, ask, retrieve
from onboard.pack import PackedContext, PackedDoc
from onboard.store.views import FORMATS, LEVELS, architecture_map, map_graph, read_source, start_here, symbol_uses
from onboard.store import (
    Index,
    IndexInfo,
    IndexReport,
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
    stale_files,
)

__all__ = ["FORMATS", "LEVELS", "architecture_map", "map_graph", "read_source", "start_here", "symbol_uses", "RETRIEVAL_ONLY_LABEL", "Answer", "Citation", "Conversation", "PackedContext", "PackedDoc", "ask",
           "retrieve", "Index", "IndexInfo", "IndexReport", "describe", "index_names", "index_repo", "index_stats", "list_indexes", "open_index",
           "reindex", "reindex_all", "remove_index", "require_index", "stale_files"]
