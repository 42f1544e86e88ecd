"""store stage: an index on disk (SQLite + chroma) and the indexer that builds it."""

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
    stale_files,
)
from onboard.store.indexer import IndexReport, build_index
from onboard.store.vectors import VectorStore

__all__ = ["FileRow", "Index", "IndexDB", "IndexInfo", "IndexReport", "VectorStore", "build_index", "describe", "index_names",
           "index_repo", "index_stats", "list_indexes", "open_index", "reindex", "reindex_all", "remove_index", "require_index",
           "stale_files"]
