"""The small public API that the CLI, the web app and scripts use.

Everything a shell needs is here; the stages behind it can change without the shells noticing.
Each name loads its module on first use (PEP 562), so `onboard --help` and `onboard list` do not
pay for the anthropic SDK, chroma or onnxruntime they never call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onboard.lazy import lazy_exports

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
    from onboard.store.views import (
        FORMATS,
        LEVELS,
        MAP_CATEGORIES,
        MAP_LABELS,
        architecture_map,
        map_graph,
        read_source,
        render_map,
        start_here,
        symbol_uses,
    )
    from onboard.answer.saved import SavedAnswer, chat_history, clear_history, save_answer
    from onboard.answer.escape import inert_images
    from onboard.store.browse import Folder, file_paths, find_symbols, folder_of, list_folder
    from onboard.store.index_job import (
        IndexJob,
        cancel_indexing,
        indexing_jobs,
        indexing_progress,
        repository_root,
        start_indexing,
    )
    from onboard.models import Change, Ownership, Person
    from onboard.store.history import has_history, ownership, people, recent_changes
    from onboard.guide import (Guide, GuidePage, WriteReport, export_guide, guide_for, guide_markdown, rewrite_stale,
                               write_guide)

_MODULES = {
    "onboard.answer": ["RETRIEVAL_ONLY_LABEL", "Answer", "Citation", "Conversation", "Limits", "Step", "ask",
                       "retrieve"],
    "onboard.pack": ["PackedContext", "PackedDoc"],
    "onboard.store": ["Index", "IndexInfo", "IndexReport", "VectorProgress", "describe", "index_names", "index_repo",
                      "index_stats", "list_indexes", "open_index", "reindex", "reindex_all", "remove_index",
                      "require_index", "resume_embedding", "stale_files", "wait_for_vectors"],
    "onboard.store.views": ["FORMATS", "LEVELS", "MAP_CATEGORIES", "MAP_LABELS", "architecture_map", "map_graph",
                            "read_source", "render_map", "start_here", "symbol_uses"],
    "onboard.models": ["Change", "Ownership", "Person"],
    "onboard.store.history": ["has_history", "ownership", "people", "recent_changes"],
}
_MODULES["onboard.answer.saved"] = ["SavedAnswer", "chat_history", "clear_history", "save_answer"]
_MODULES["onboard.answer.escape"] = ["inert_images"]
_MODULES["onboard.store.browse"] = ["Folder", "file_paths", "find_symbols", "folder_of", "list_folder"]
_MODULES["onboard.store.index_job"] = ["IndexJob", "cancel_indexing", "indexing_jobs", "indexing_progress",
                                       "repository_root", "start_indexing"]
_MODULES["onboard.guide"] = ["Guide", "GuidePage", "WriteReport", "export_guide", "guide_for", "guide_markdown",
                              "rewrite_stale", "write_guide"]
__getattr__, __dir__, __all__ = lazy_exports(__name__, _MODULES)
