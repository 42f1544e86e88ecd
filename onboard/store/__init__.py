"""store stage: an index on disk (SQLite + chroma), the indexer that builds it, and the worker that
fills its vectors.

The indexer (tree-sitter, networkx) and the vector store (chroma, onnxruntime) load on first use:
`onboard list` and `onboard --help` import this package and must start in well under a second.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from onboard.store.db import FileRow, IndexDB
from onboard.store.index import (
    Index,
    IndexInfo,
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
from onboard.store.vector_fill import VectorProgress

if TYPE_CHECKING:
    from onboard.store.indexer import IndexReport, build_index
    from onboard.store.vectors import VectorStore

_LAZY = {"IndexReport": "onboard.store.indexer", "build_index": "onboard.store.indexer",
         "VectorStore": "onboard.store.vectors"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FileRow", "Index", "IndexDB", "IndexInfo", "IndexReport", "VectorProgress", "VectorStore", "build_index",
           "describe", "index_names", "index_repo", "index_stats", "list_indexes", "open_index", "reindex",
           "reindex_all", "remove_index", "require_index", "resume_embedding", "stale_files",
           "wait_for_vectors"]
