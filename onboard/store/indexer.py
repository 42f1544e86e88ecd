"""Build or refresh one index: scan → redact → parse → chunk → graph → SQLite → chroma.

Incremental by content hash: only new or changed files are parsed and embedded. Crash-safe by
ordering: SQLite is rewritten in one transaction (all or nothing), and chroma, written after it,
is keyed by content so a half-finished embedding pass is simply resumed by the next run.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from onboard.config import Settings
from onboard.errors import IndexLocked, OnboardError
from onboard.graph import build_file_graph, pagerank, reference_edges, resolve_imports
from onboard.models import ParsedFile, SkippedFile, SourceFile
from onboard.parse import chunk_file, parse_file
from onboard.scan import redact, scan_repo
from onboard.store.db import SCHEMA_VERSION, FileRow, IndexDB
from onboard.store.vectors import VectorStore, drop_vectors

Progress = Callable[[str, int, int], None]
DB_NAME = "index.sqlite3"
CHROMA_DIR = "chroma"
ROOT_COPY = "root.txt"
LOCK_NAME = ".lock"
# What an index directory of ours holds; anything else in it is not ours and is never deleted.
INDEX_ENTRIES = frozenset({DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", CHROMA_DIR, ROOT_COPY,
                           LOCK_NAME})


@dataclass
class IndexReport:
    name: str
    root: str
    indexed: int = 0  # files parsed this run (new or changed)
    unchanged: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    files: int = 0
    symbols: int = 0
    edges: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks embedded this run
    redactions: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def index_lock(directory: Path, name: str) -> FileLock:
    """Hold the index's lock or raise IndexLocked: one writer (index, reindex, remove) at a time."""
    lock = FileLock(str(directory / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout as err:
        raise IndexLocked(name) from err
    return lock


def is_our_index(directory: Path) -> bool:
    """An index directory of ours has our database or the root copy the indexer writes first (or,
    after a run killed at its very start, only our lock file)."""
    if not directory.is_dir():
        return False
    names = {child.name for child in directory.iterdir()}
    return bool({DB_NAME, ROOT_COPY} & names) or names == {LOCK_NAME}


def wipe(directory: Path, keep: frozenset[str] = frozenset({LOCK_NAME})) -> list[str]:
    """Delete the entries of an index directory that are ours (never anything else); return the
    names of entries that were left because they are not ours."""
    foreign = []
    for child in directory.iterdir():
        if child.name in keep:
            continue
        if child.name not in INDEX_ENTRIES or child.is_symlink():
            foreign.append(child.name)
            continue
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    return sorted(foreign)


def _parsed_from_db(db: IndexDB, keep: set[str]) -> list[ParsedFile]:
    """Rebuild parse results of unchanged files from SQLite, one query per table.

    References stay in SQLite: the graph reads them as counts (``IndexDB.reference_counts``).
    """
    files = {f.path: ParsedFile(f.path, f.language, had_errors=f.had_errors) for f in db.files() if f.path in keep}
    for symbol in db.symbols():
        if symbol.path in files:
            files[symbol.path].symbols.append(symbol)
    for imp in db.imports():
        if imp.path in files:
            files[imp.path].imports.append(imp)
    return list(files.values())


def build_index(root: Path | str, name: str, settings: Settings, progress: Progress | None = None,
                rebuild: bool = False, embed: bool = True) -> IndexReport:
    root = Path(root).expanduser()
    if not root.exists():
        raise OnboardError(f"Cannot index {root}: no such directory.")
    if not root.is_dir():
        raise OnboardError(f"Cannot index {root}: it is a file, not a directory.")
    root = root.resolve()
    directory = settings.index_dir(name)
    if directory.is_symlink() or (directory.exists() and any(directory.iterdir()) and not is_our_index(directory)):
        raise OnboardError(f"{directory} exists and is not an onboard index; choose another --name.")
    directory.mkdir(parents=True, exist_ok=True)
    report = IndexReport(name, str(root))
    notify = progress or (lambda stage, done, total: None)
    lock = index_lock(directory, name)
    try:
        if rebuild:  # vectors go through chroma's own client: a running web app keeps a working store
            dropped = drop_vectors(settings, name, directory / CHROMA_DIR)
            wipe(directory, keep=frozenset({LOCK_NAME, CHROMA_DIR}) if dropped else frozenset({LOCK_NAME}))
        (directory / ROOT_COPY).write_text(str(root), encoding="utf-8")
        db = IndexDB(directory / DB_NAME, name, create=True)
        try:
            previous_root = db.manifest().get("root")
            if previous_root and previous_root != str(root):
                raise OnboardError(f"Index {name!r} already holds {previous_root}. Choose another --name, "
                                   f"or `onboard remove {name}` first.")
            _update_sqlite(db, root, name, report, notify)
            if embed:
                _update_vectors(db, VectorStore(settings, name, directory / CHROMA_DIR), report, notify)
        finally:
            db.close()
    finally:
        lock.release()
    return report


def _timed(report: IndexReport, stage: str, started: float) -> float:
    now = time.perf_counter()
    report.seconds[stage] = round(report.seconds.get(stage, 0.0) + now - started, 3)
    return now


def _update_sqlite(db: IndexDB, root: Path, name: str, report: IndexReport, notify: Progress) -> None:
    clock = time.perf_counter()
    scan = scan_repo(root)
    notify("scan", len(scan.files), len(scan.files))
    known = {f.path: f.sha256 for f in db.files()}
    changed = [f for f in scan.files if known.get(f.path) != f.sha256]
    current = {f.path for f in scan.files}
    removed = sorted(set(known) - current)
    report.indexed, report.unchanged, report.removed = len(changed), len(scan.files) - len(changed), len(removed)
    report.skipped = scan.skipped
    clock = _timed(report, "scan", clock)

    redacted: list[tuple[SourceFile, int]] = []
    for source in changed:
        text, count = redact(source.text)
        redacted.append((replace(source, text=text), count))
        report.redactions += count
    parsed = []
    for done, (source, _) in enumerate(redacted, 1):
        parsed.append(parse_file(source))
        if done % 100 == 0 or done == len(redacted):
            notify("parse", done, len(redacted))
    clock = _timed(report, "parse", clock)

    with db.transaction() as tx:
        db.delete_files(tx, removed)
        for (source, count), result in zip(redacted, parsed):
            lines = source.text.count("\n") + (0 if source.text.endswith("\n") or not source.text else 1)
            row = FileRow(source.path, source.language, source.size, lines, source.sha256, result.had_errors, 0.0, count)
            db.put_file(tx, row, source.text, result.symbols, result.references, result.imports,
                        chunk_file(source.path, source.text, result.symbols))
        clock = _timed(report, "store", clock)

        unchanged = current - {s.path for s, _ in redacted}
        all_parsed = parsed + _parsed_from_db(db, unchanged)
        stored_uses = [row for row in db.reference_counts() if row[0] in unchanged] if unchanged else []
        texts = {"go.mod": db.file_text("go.mod")} if "go.mod" in current else {}
        edges = resolve_imports(all_parsed, current, texts) + reference_edges(all_parsed, stored_uses)
        attrs = {p.path: {} for p in all_parsed}
        ranks = pagerank(build_file_graph(attrs, edges))
        db.replace_graph(tx, edges, ranks)
        db.replace_skipped(tx, scan.skipped)
        counts = db.counts()
        db.put_manifest(tx, {
            "schema_version": SCHEMA_VERSION, "name": name, "root": str(root),
            "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "vectors_complete": "false",
        })
        notify("graph", 1, 1)
        _timed(report, "graph", clock)
    report.files, report.symbols, report.edges, report.chunks = (counts["files"], counts["symbols"], counts["edges"],
                                                                 counts["chunks"])


def _update_vectors(db: IndexDB, vectors: VectorStore, report: IndexReport, notify: Progress) -> None:
    """Embed chunks chroma lacks, drop those SQLite no longer has; resumes whatever a crash left."""
    clock = time.perf_counter()
    wanted = db.chunk_ids()
    present = vectors.ids()
    stale = present - wanted
    if stale:
        vectors.delete(sorted(stale))
    missing = [c for c in db.chunks() if c.id not in present]
    vectors.upsert(missing, progress=notify)
    report.embedded = len(missing)
    with db.transaction() as tx:
        db.put_manifest(tx, {"vectors_complete": "true"})
    _timed(report, "embed", clock)
