"""Index handles and the index registry (list, stats, remove, reindex) over ``<home>/<name>/``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from onboard.config import Settings, name_for_folder, validate_index_name
from onboard.errors import IndexCorrupt, IndexIncomplete, IndexNotFound, InvalidIndexName, OnboardError, require_utf8
from onboard.graph import GRAPH_RULES
from onboard.scan import RULES_VERSION, scan_repo
from onboard.scan.roles import content_roles
from onboard.store.db import FileRow, IndexDB, held_root
from onboard.store.layout import CHROMA_DIR, DB_NAME, index_lock, is_our_index, wipe
from onboard.store.vector_fill import (
    Progress,
    VectorProgress,
    start_worker,
    stopped_embedding,
    vector_progress,
    wait_until_complete,
)

# chroma, onnxruntime, tree-sitter and networkx load only where they are used: `onboard list`
# and `onboard --help` import this module and must start in well under a second.
if TYPE_CHECKING:
    import networkx as nx

    from onboard.store.indexer import IndexReport
    from onboard.store.vectors import VectorStore


@dataclass
class Index:
    """An opened index: SQLite for facts, chroma (opened on first use) for semantic search."""

    name: str
    settings: Settings
    db: IndexDB

    @property
    def root(self) -> Path | None:
        """The repository this index was built from; None when the manifest does not say (a first
        index killed early), never the current directory."""
        root = self.db.manifest().get("root")
        return Path(root) if root else None

    @property
    def directory(self) -> Path:
        return self.settings.index_dir(self.name)

    @cached_property
    def vectors(self) -> VectorStore:
        """The chroma collection, opened read-only: a missing or damaged store raises IndexCorrupt."""
        from onboard.store.vectors import VectorStore

        return VectorStore(self.settings, self.name, self.directory / CHROMA_DIR, create=False)

    @cached_property
    def symbol_graph(self) -> nx.DiGraph:
        """Which definition uses which; derived from stored symbols and references on first use."""
        from onboard.graph import symbol_graph

        return symbol_graph(self.db.symbols(), self.db.references(), self.db.edges())

    def vector_progress(self) -> VectorProgress:
        """How far the vectors are (the background worker may still be filling them)."""
        return vector_progress(self.directory, self.db)

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
    vectors_error: str | None = None  # set when the vectors are damaged or unreachable; says how to fix it
    vectors: str = ""  # how far the vectors are: "vectors 40%, embedding in the background"
    vectors_percent: int = 0  # the same as a number, for a table's column
    notice: str | None = None  # usable, but something to do: e.g. text redacted under older rules


def file_roles(index: Index, files: Iterable[FileRow]) -> dict[str, str]:
    """Each file's role (``scan.roles``), read from its path and the comments that open its text."""
    return content_roles((f.path for f in files), index.db.file_heads())


def central_files(files: Iterable[FileRow], limit: int, roles: Mapping[str, str]) -> list[FileRow]:
    """The files with the highest PageRank, the implementation's first: test data or a doc example that many
    files reach is not where a newcomer starts reading (pylint's test packages ranked above its linter), nor
    generated code."""
    return sorted((f for f in files if f.pagerank > 0),
                  key=lambda f: (roles.get(f.path) != "source", -f.pagerank, f.path))[:limit]


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_env()


def open_index(name: str, settings: Settings | None = None) -> Index:
    settings = _settings(settings)
    path = settings.index_dir(name) / DB_NAME
    if not path.exists():
        raise IndexNotFound(name, settings.home)
    index = Index(name, settings, IndexDB(path, name))
    if "updated_at" not in index.db.manifest():  # written last, in the run's one transaction
        index.close()
        raise IndexIncomplete(name)
    return index


def _valid(name: str) -> bool:
    try:
        validate_index_name(name)
        return True
    except InvalidIndexName:
        return False


def index_names(settings: Settings | None = None) -> list[str]:
    home = _settings(settings).home
    if not home.exists():
        return []
    return sorted(p.parent.name for p in home.glob(f"*/{DB_NAME}") if _valid(p.parent.name) and is_our_index(p.parent))


def stale_files(index: Index) -> list[str]:
    """Paths whose content on disk differs from the index (changed, new or deleted).

    Without a recorded root there is nothing to compare with: every indexed file counts as stale
    (the current directory is never scanned in its place).
    """
    root = index.root
    if root is None or not root.is_dir():
        return sorted(index.db.hashes())
    indexed = index.db.hashes()
    # A file whose size and mtime match is not read; one without a trusted stamp is hashed, not decoded; the
    # tree is walked only where a directory or ignore file moved. Only the files count here: the last scan's
    # skipped ones, which an unwalked result would carry, are not read (0.09 s of `onboard list`'s 1.4 s
    # over 48 big indexes, cProfile, 2026-11-27).
    scan = scan_repo(root, known=index.db.stamps(), hashes=indexed, watched=index.db.watched())
    on_disk = {f.path: f.sha256 for f in scan.files} | {path: indexed.get(path) for path in scan.unchanged}
    return sorted(p for p in on_disk.keys() | indexed.keys() if on_disk.get(p) != indexed.get(p))


def vectors_error(index: Index, deep: bool = False) -> str | None:
    """Why the vectors of a fully embedded index cannot be used, with the fix; None when they can.

    The quick check (for `list`) looks for the embedded store's database or reaches the server; the
    deep one (for `stats`) also counts the vectors against the chunks they should cover.
    """
    if index.db.manifest().get("vectors_complete") != "true":
        return None
    fix = f"run `onboard reindex --rebuild {index.name}`"
    chroma = index.directory / CHROMA_DIR
    try:
        if not deep and not index.settings.chroma_host:
            return None if (chroma / "chroma.sqlite3").is_file() else f"vectors damaged (chroma folder missing): {fix}"
        have, expected = index.vectors.count(), index.db.counts(("chunks",))["chunks"]
    except IndexCorrupt:
        return f"vectors damaged: {fix}"
    except OnboardError as err:
        return str(err)
    return None if have >= expected else f"vectors damaged ({have:,} of {expected:,} chunks): {fix}"


def describe(name: str, settings: Settings | None = None, check_stale: bool = True) -> IndexInfo:
    try:
        index = open_index(name, settings)
    except OnboardError as err:
        return IndexInfo(name, error=str(err))
    try:
        manifest = index.db.manifest()
        counts = index.db.recorded_counts(("files", "symbols", "chunks"))
        damaged = vectors_error(index)
        progress = index.vector_progress()
        return IndexInfo(name, manifest.get("root", ""), counts["files"], counts["symbols"], counts["chunks"],
                         manifest.get("updated_at", ""), len(stale_files(index)) if check_stale else None,
                         manifest.get("vectors_complete") == "true" and damaged is None, vectors_error=damaged,
                         vectors=progress.describe(name), vectors_percent=progress.percent,
                         notice=_notice(name, manifest))
    except OnboardError as err:
        return IndexInfo(name, error=str(err))
    finally:
        index.close()


def _notice(name: str, manifest: dict[str, str]) -> str | None:
    """What to do about a usable index: text under older redaction rules may hold what the current ones redact
    (this first: it is about secrets), a repository that is no longer where it was indexed, edges under older
    graph rules that link files that do not use each other. (An index never written does not open:
    ``IndexIncomplete``.)"""
    if (root := manifest.get("root")) and not Path(root).is_dir():
        return _gone(name, root)
    if manifest.get("redaction_rules") != RULES_VERSION:
        return f"redacted under older rules: run `onboard reindex {name}`"
    if manifest.get("graph_rules") != GRAPH_RULES:
        return f"dependency graph made under older rules: run `onboard reindex {name}`"
    return None


def list_indexes(settings: Settings | None = None, check_stale: bool = True) -> list[IndexInfo]:
    return [describe(name, settings, check_stale) for name in index_names(settings)]


def index_stats(name: str, settings: Settings | None = None) -> dict:
    """What a newcomer asks first: how big, which languages, which files matter, what was left out."""
    index = open_index(name, settings)
    try:
        files = index.db.files()
        roles = file_roles(index, files)
        error = index.db.integrity_error()
        skipped = index.db.skipped()
        return {
            "name": name,
            "root": str(index.root or "(not recorded)"),
            "updated_at": index.db.manifest().get("updated_at", ""),
            "counts": index.db.counts(),
            "languages": dict(Counter(f.language for f in files).most_common()),
            "roles": dict(Counter(roles.values()).most_common()),
            "central": [(f.path, round(f.pagerank, 4)) for f in central_files(files, 10, roles)],
            "parse_errors": [f.path for f in files if f.had_errors],
            "redactions": sum(f.redactions for f in files),
            "skipped": Counter(s.reason.split(" (")[0] for s in skipped),
            "skipped_files": [(s.path, s.reason) for s in skipped],
            "integrity": error or "ok",
            "vectors": vectors_error(index, deep=True) or (
                "ok" if index.db.manifest().get("vectors_complete") == "true"
                else index.vector_progress().describe(name)),
        }
    finally:
        index.close()


def require_index(name: str, settings: Settings | None = None) -> Path:
    """The directory of an existing index of ours (damaged or not); raises a message with the fix."""
    settings = _settings(settings)
    directory = settings.index_dir(name)
    if not directory.is_dir() or directory.is_symlink():
        raise IndexNotFound(name, settings.home)
    if not is_our_index(directory):
        raise OnboardError(f"{directory} is not an onboard index; onboard leaves it alone.")
    return directory


def remove_index(name: str, settings: Settings | None = None) -> list[str]:
    """Delete index ``name``: only the entries onboard wrote, only while no index run holds its lock.

    Returns warnings (vectors left on an unreachable chroma server, foreign files left in place).
    """
    settings = _settings(settings)
    directory = require_index(name, settings)
    from onboard.store.vectors import drop_vectors, release_local

    warnings = []
    lock = index_lock(directory, name)
    try:
        with stopped_embedding(directory):
            try:
                drop_vectors(settings, name, directory / CHROMA_DIR)
            except OnboardError as err:
                warnings.append(f"the vectors on the chroma server were not deleted ({err}); the index is removed "
                                "anyway.")
            release_local(directory / CHROMA_DIR)
            foreign = wipe(directory)
    finally:
        lock.release()
    if foreign:
        warnings.append(f"left {', '.join(foreign)} in {directory}: onboard did not create them.")
    else:
        wipe(directory, keep=frozenset())
        directory.rmdir()
    return warnings


def index_repo(path: Path | str, name: str | None = None, settings: Settings | None = None,
               progress: Progress | None = None, rebuild: bool = False, embed: bool = True,
               background: bool = False) -> IndexReport:
    """Index a repository. ``background=True`` returns once lexical search and the graph are ready,
    with a detached worker filling the vectors (``wait_for_vectors`` waits for it)."""
    from onboard.store.indexer import build_index

    path = Path(require_utf8(str(path), "rename the folder (or a copy of it) to a UTF-8 name and index that."))
    path = path.expanduser()
    name = validate_index_name(name) if name is not None else name_for_folder(path.resolve())
    return build_index(path, name, _settings(settings), progress, rebuild=rebuild, embed=embed, background=background)


def reindex(name: str, settings: Settings | None = None, progress: Progress | None = None,
            rebuild: bool = False, embed: bool = True, background: bool = False) -> IndexReport:
    """Refresh an index from the root it was built from (read even when the index is damaged)."""
    from onboard.store.indexer import build_index

    settings = _settings(settings)
    directory = settings.index_dir(name)
    if not directory.exists():
        raise IndexNotFound(name, settings.home)
    root = _recorded_root(directory, name)
    if not Path(root).is_dir():
        raise OnboardError(_gone(name, root))
    return build_index(root, name, settings, progress, rebuild=rebuild, embed=embed, background=background)


def _gone(name: str, root: str) -> str:
    return (f"The repository of index {name!r} is no longer at {root}: if it moved, run "
            f"`onboard index NEW_PATH --name {name}`; otherwise `onboard remove {name}`.")


def wait_for_vectors(name: str, settings: Settings | None = None, progress: Progress | None = None) -> int:
    """Return once the vectors of ``name`` are complete (embedding the rest here if no worker is at
    it); returns how many chunks this process embedded."""
    settings = _settings(settings)
    open_index(name, settings).close()  # a clear IndexNotFound / IndexCorrupt first
    return wait_until_complete(settings, name, progress)


def resume_embedding(name: str, settings: Settings | None = None) -> int | None:
    """Start a worker for an index whose vectors are incomplete and that nobody is filling (after a
    crash or a restart), unless it was indexed with ``embed=False``. Returns its pid, or None when
    there is nothing to do."""
    settings = _settings(settings)
    index = open_index(name, settings)
    try:
        wanted = index.db.manifest().get("embed") != "false"
        state = index.vector_progress().state
    finally:
        index.close()
    return start_worker(settings, name) if wanted and state in ("stopped", "failed") else None


def _recorded_root(directory: Path, name: str) -> str:
    """The repo root from the manifest, or from the copy ``root.txt`` where the database is damaged. Only an
    absolute path counts: a relative one would be read against wherever the command happens to run."""
    root = held_root(directory, name)
    if not root or not Path(root).is_absolute():
        raise OnboardError(f"Index {name!r} does not record which repository it came from; "
                           f"run `onboard index PATH --name {name}`.")
    return root


def _reindex_one(args: tuple[str, Settings, bool, bool, bool]) -> IndexReport | str:
    name, settings, rebuild, embed, background = args
    try:
        return reindex(name, settings, rebuild=rebuild, embed=embed, background=background)
    except OnboardError as err:
        return str(err)


def reindex_all(settings: Settings | None = None, workers: int = 2, rebuild: bool = False,
                embed: bool = True, background: bool = False) -> dict[str, IndexReport | str]:
    """Every index, ``workers`` at a time in separate processes; a failure is reported, not fatal."""
    settings = _settings(settings)
    names = index_names(settings)
    jobs = [(name, settings, rebuild, embed, background) for name in names]
    if workers <= 1 or len(names) <= 1:
        return {name: _reindex_one(job) for name, job in zip(names, jobs)}
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return dict(zip(names, pool.map(_reindex_one, jobs)))
