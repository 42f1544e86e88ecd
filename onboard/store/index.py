"""Index handles and the index registry (list, stats, remove, reindex) over ``<home>/<name>/``."""

from __future__ import annotations

import shutil
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx

from onboard.config import Settings
from onboard.errors import IndexNotFound, OnboardError
from onboard.graph import symbol_graph
from onboard.scan import scan_repo
from onboard.store.db import IndexDB
from onboard.store.indexer import DB_NAME, IndexReport, Progress, build_index
from onboard.store.vectors import VectorStore


@dataclass
class Index:
    """An opened index: SQLite for facts, chroma (opened on first use) for semantic search."""

    name: str
    settings: Settings
    db: IndexDB

    @property
    def root(self) -> Path:
        return Path(self.db.manifest().get("root", ""))

    @property
    def directory(self) -> Path:
        return self.settings.index_dir(self.name)

    @cached_property
    def vectors(self) -> VectorStore:
        return VectorStore(self.settings, self.name, self.directory / "chroma")

    @cached_property
    def symbol_graph(self) -> nx.DiGraph:
        """Which definition uses which; derived from stored symbols and references on first use."""
        return symbol_graph(self.db.symbols(), self.db.references(), self.db.edges())

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True)
class IndexInfo:
    name: str
    root: str = ""
    files: int = 0
    symbols: int = 0
    chunks: int = 0
    updated_at: str = ""
    stale: int | None = None  # files changed, added or removed on disk since the last index
    vectors_complete: bool = False
    error: str | None = None  # set when the index cannot be read; says how to fix it


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_env()


def open_index(name: str, settings: Settings | None = None) -> Index:
    settings = _settings(settings)
    path = settings.index_dir(name) / DB_NAME
    if not path.exists():
        raise IndexNotFound(name)
    return Index(name, settings, IndexDB(path, name))


def index_names(settings: Settings | None = None) -> list[str]:
    home = _settings(settings).home
    return sorted(p.parent.name for p in home.glob(f"*/{DB_NAME}")) if home.exists() else []


def stale_files(index: Index) -> list[str]:
    """Paths whose content on disk differs from the index (changed, new or deleted)."""
    root = index.root
    if not root.is_dir():
        return sorted(f.path for f in index.db.files())
    on_disk = {f.path: f.sha256 for f in scan_repo(root).files}
    indexed = {f.path: f.sha256 for f in index.db.files()}
    return sorted(p for p in on_disk.keys() | indexed.keys() if on_disk.get(p) != indexed.get(p))


def describe(name: str, settings: Settings | None = None, check_stale: bool = True) -> IndexInfo:
    try:
        index = open_index(name, settings)
    except OnboardError as err:
        return IndexInfo(name, error=str(err))
    try:
        manifest = index.db.manifest()
        counts = index.db.counts()
        return IndexInfo(name, manifest.get("root", ""), counts["files"], counts["symbols"], counts["chunks"],
                         manifest.get("updated_at", ""), len(stale_files(index)) if check_stale else None,
                         manifest.get("vectors_complete") == "true")
    except OnboardError as err:
        return IndexInfo(name, error=str(err))
    finally:
        index.close()


def list_indexes(settings: Settings | None = None, check_stale: bool = True) -> list[IndexInfo]:
    return [describe(name, settings, check_stale) for name in index_names(settings)]


def index_stats(name: str, settings: Settings | None = None) -> dict:
    """What a newcomer asks first: how big, which languages, which files matter, what was left out."""
    index = open_index(name, settings)
    try:
        files = index.db.files()
        error = index.db.integrity_error()
        return {
            "name": name,
            "root": str(index.root),
            "updated_at": index.db.manifest().get("updated_at", ""),
            "counts": index.db.counts(),
            "languages": dict(Counter(f.language for f in files).most_common()),
            "central": [(f.path, round(f.pagerank, 4)) for f in sorted(files, key=lambda f: -f.pagerank)[:10]],
            "parse_errors": [f.path for f in files if f.had_errors],
            "redactions": sum(f.redactions for f in files),
            "skipped": Counter(s.reason.split(" (")[0] for s in index.db.skipped()),
            "integrity": error or "ok",
        }
    finally:
        index.close()


def remove_index(name: str, settings: Settings | None = None) -> None:
    settings = _settings(settings)
    directory = settings.index_dir(name)
    if not (directory / DB_NAME).exists() and not directory.exists():
        raise IndexNotFound(name)
    if settings.chroma_host:
        VectorStore(settings, name, directory / "chroma").drop()
    shutil.rmtree(directory)


def index_repo(path: Path | str, name: str | None = None, settings: Settings | None = None,
               progress: Progress | None = None, rebuild: bool = False, embed: bool = True) -> IndexReport:
    path = Path(path).expanduser()
    name = name or path.resolve().name
    return build_index(path, name, _settings(settings), progress, rebuild=rebuild, embed=embed)


def reindex(name: str, settings: Settings | None = None, progress: Progress | None = None,
            rebuild: bool = False, embed: bool = True) -> IndexReport:
    """Refresh an index from the root it was built from (read even when the index is damaged)."""
    settings = _settings(settings)
    directory = settings.index_dir(name)
    if not directory.exists():
        raise IndexNotFound(name)
    root = _recorded_root(directory, name)
    return build_index(root, name, settings, progress, rebuild=rebuild, embed=embed)


def _recorded_root(directory: Path, name: str) -> str:
    """The repo root from the manifest; a damaged database keeps a copy in ``root.txt``."""
    copy = directory / "root.txt"
    if copy.exists():
        return copy.read_text(encoding="utf-8").strip()
    db = IndexDB(directory / DB_NAME, name)
    try:
        root = db.manifest().get("root")
    finally:
        db.close()
    if not root:
        raise OnboardError(f"Index {name!r} does not record which repository it came from; "
                           f"run `onboard index PATH --name {name}`.")
    return root


def _reindex_one(args: tuple[str, Settings, bool]) -> IndexReport | str:
    name, settings, rebuild = args
    try:
        return reindex(name, settings, rebuild=rebuild)
    except OnboardError as err:
        return str(err)


def reindex_all(settings: Settings | None = None, workers: int = 2,
                rebuild: bool = False) -> dict[str, IndexReport | str]:
    """Every index, ``workers`` at a time in separate processes; a failure is reported, not fatal."""
    settings = _settings(settings)
    names = index_names(settings)
    if workers <= 1 or len(names) <= 1:
        return {name: _reindex_one((name, settings, rebuild)) for name in names}
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return dict(zip(names, pool.map(_reindex_one, [(n, settings, rebuild) for n in names])))
