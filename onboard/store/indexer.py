"""Build or refresh one index: scan → redact → parse → chunk → graph → SQLite, then chroma.

Incremental by content hash: only new or changed files are parsed and embedded. Crash-safe by
ordering: SQLite is rewritten in one transaction (all or nothing), and chroma, written after it,
is keyed by content so a half-finished embedding pass is simply resumed by the next run. The
embedding pass runs here (``background=False``) or in a detached worker (``onboard.store.vector_fill``)
so the index answers questions before its vectors are complete.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from onboard.config import Settings
from onboard.errors import OnboardError
from onboard.graph import (GRAPH_RULES, config_file, import_probes, needs_reparse, ranks_of, reference_edges,
                           reparse_languages, resolve_imports)
from onboard.models import Edge, ParsedFile, SkippedFile
from onboard.parse import PreparedFile, pool_workers, prepare_files
from onboard.scan import RULES_VERSION, SCAN_RULES, scan_repo
from onboard.store.db import RECORDED, SCHEMA_VERSION, FileRow, IndexDB, StoredFile, refuse_another_root
from onboard.store.history import read_people, write_people
from onboard.store.layout import (CHROMA_DIR, DB_NAME, LOCKS, PRESERVED, ROOT_COPY, claim_home, index_lock,
                                  is_our_index, wipe)
from onboard.store.vector_fill import fill_vectors, start_worker, stopped_embedding

Progress = Callable[[str, int, int], None]
# More paths added or deleted than this (a branch switch) rebuild every edge: each costs one or two
# passes over the imports table (17 ms on a 20 MB tree, whose full rebuild takes 2 s).
MAX_PATHS_CHANGED = 50
# A file's stored PageRank is rewritten when it moved by more than this share: rewriting a row rewrites
# its text, and one file added to 4,000 moves every rank by about 1/4,000. So a stored rank is always
# within 0.1% of the exact one for the current graph, without a quarter second of writes per reindex.
RANK_TOLERANCE = 1e-3


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
    embedded: int = 0  # chunks whose vectors were written this run
    computed: int = 0  # of those, how many the model embedded (the rest came from the embedding cache)
    vectors_complete: bool = False
    worker: int | None = None  # pid of the background worker started to embed the rest
    redactions: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    history: int | None = None  # commits read from git this run (only the new ones); None: not a git checkout
    graph: str = ""  # "rebuilt" (every edge), "updated" (the edges whose inputs changed), "kept"; "": no change


def _parsed_from_db(db: IndexDB, keep: set[str]) -> list[ParsedFile]:
    """Rebuild parse results of unchanged files from SQLite, one query per table.

    References stay in SQLite: the graph reads them as counts (``IndexDB.reference_counts``).
    """
    if not keep:
        return []
    files = {f.path: ParsedFile(f.path, f.language, had_errors=f.had_errors) for f in db.files() if f.path in keep}
    for symbol in db.symbols():
        if symbol.path in files:
            files[symbol.path].symbols.append(symbol)
    for imp in db.imports():
        if imp.path in files:
            files[imp.path].imports.append(imp)
    return list(files.values())


def build_index(root: Path | str, name: str, settings: Settings, progress: Progress | None = None,
                rebuild: bool = False, embed: bool = True, background: bool = False) -> IndexReport:
    """Index ``root`` as ``name``. With ``embed``, the vectors are filled here (``background=False``:
    the call returns with them complete) or by a detached worker started on return."""
    root = Path(root).expanduser()
    if not root.exists():
        raise OnboardError(f"Cannot index {root}: no such directory.")
    if not root.is_dir():
        raise OnboardError(f"Cannot index {root}: it is a file, not a directory.")
    root = root.resolve()
    claim_home(settings.home, root)
    directory = settings.index_dir(name)
    if directory.is_symlink() or (directory.exists() and any(directory.iterdir()) and not is_our_index(directory)):
        raise OnboardError(f"{directory} exists and is not an onboard index; choose another --name.")
    directory.mkdir(parents=True, exist_ok=True)
    report = IndexReport(name, str(root))
    notify = progress or (lambda stage, done, total: None)
    lock = index_lock(directory, name)
    try:
        # Before anything is written: a refused run used to leave its root in root.txt, after which every
        # reindex was refused and a rebuild quietly indexed the other repository under this name.
        refuse_another_root(directory, name, root)
        if rebuild:  # vectors go through chroma's own client: a running web app keeps a working store
            from onboard.store.vectors import drop_vectors  # chroma loads only when vectors are touched

            with stopped_embedding(directory):
                dropped = drop_vectors(settings, name, directory / CHROMA_DIR)
                wipe(directory, keep=LOCKS | PRESERVED | ({CHROMA_DIR} if dropped else frozenset()))
        (directory / ROOT_COPY).write_text(str(root), encoding="utf-8")
        db = IndexDB(directory / DB_NAME, name, create=True)
        try:
            with _collector_paused():
                _update_sqlite(db, root, name, report, notify, embed)
            report.vectors_complete = db.manifest().get("vectors_complete") == "true"
        finally:
            db.close()
        if embed and not background:
            clock = time.perf_counter()
            with stopped_embedding(directory):
                report.embedded, report.computed = fill_vectors(settings, name, notify)
            report.vectors_complete = True
            _timed(report, "embed", clock)
    finally:
        lock.release()
    if embed and background and not report.vectors_complete:
        report.worker = start_worker(settings, name)
    return report


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while an index run builds its records: a full index of a
    20 MB tree keeps a quarter million of them alive, and every full collection walked them all (7 of
    them, 0.8 s of a 10.3 s serial index, cProfile-free, 2026-11-27). The records hold no cycles; the
    few that other code makes meanwhile are collected once the run ends. The switch is the whole
    process's, so runs in several threads at once (a program calling ``api.index_repo`` from two
    threads; the web app and ``reindex_all`` index in processes of their own) count themselves in: the
    last one out turns the collector back on, if it was on when the first came in."""
    global _pausing, _was_enabled
    with _PAUSE_LOCK:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()


_PAUSE_LOCK = threading.Lock()
_pausing = 0  # index runs of this process inside _collector_paused
_was_enabled = True


def _timed(report: IndexReport, stage: str, started: float) -> float:
    now = time.perf_counter()
    report.seconds[stage] = round(report.seconds.get(stage, 0.0) + now - started, 3)
    return now


def _update_sqlite(db: IndexDB, root: Path, name: str, report: IndexReport, notify: Progress, embed: bool) -> None:
    clock = time.perf_counter()
    before = {f.path: f for f in db.files()}
    stored = db.manifest()
    # Text stored under older redaction rules may hold what the current rules redact: read every file again.
    rules_changed = stored.get("redaction_rules") != RULES_VERSION
    # References stored under older graph rules lack what the current ones read: parse every file again.
    reparse = bool(before) and needs_reparse(stored.get("graph_rules"))
    again = reparse_languages(stored.get("graph_rules"))  # or those of some languages only
    trusted = ({} if rules_changed or reparse
               else {path: row for path, row in before.items() if row.language not in again})
    # The watched stamps spare the walk only when every stored file is trusted: a walk spared lists the files
    # ``hashes`` names, and a file left out of them to be read again would read as removed.
    watched = db.watched() if trusted.keys() == before.keys() else {}
    scan = scan_repo(root, known={path: stamp for path, stamp in db.stamps().items() if path in trusted},
                     hashes={path: row.sha256 for path, row in trusted.items()}, watched=watched,
                     skipped=db.skipped())
    current = {f.path for f in scan.files} | set(scan.unchanged)
    notify("scan", len(current), len(current))
    changed = [f for f in scan.files if f.path not in trusted or trusted[f.path].sha256 != f.sha256]
    removed = sorted(set(before) - current)
    report.indexed, report.unchanged, report.removed = len(changed), len(current) - len(changed), len(removed)
    report.skipped = scan.skipped
    clock = _timed(report, "scan", clock)

    people = read_people(db, root, current)  # git history since the last commit read, and CODEOWNERS
    clock = _timed(report, "history", clock)

    regraph = stored.get("graph_rules") != GRAPH_RULES  # edges made under older rules: make them again
    with db.bulk_insert(first="updated_at" not in stored), db.transaction() as tx:  # a database never written
        db.add_columns(tx)
        old_definitions = db.definitions_of([source.path for source in changed] + removed) if before else {}
        db.delete_files(tx, removed)
        # Each batch is stored as it comes: with worker processes, this process writes while they parse.
        parsed: list[ParsedFile] = []
        storing = 0.0
        for batch in prepare_files(changed, pool_workers(changed), lambda done, total: notify("parse", done, total)):
            started = time.perf_counter()
            db.put_files(tx, [_stored(prepared, before.get(prepared.source.path)) for prepared in batch])
            storing += time.perf_counter() - started
            parsed += [prepared.parsed for prepared in batch]
            report.redactions += sum(prepared.redactions for prepared in batch)
        clock = _timed(report, "parse", clock)
        report.seconds["parse"] = round(report.seconds["parse"] - storing, 3)
        report.seconds["store"] = round(storing, 3)

        if changed or removed or regraph:
            report.graph = _update_graph(db, tx, parsed, current, before, old_definitions, rebuild=regraph,
                                         meanwhile=lambda: db.build_indexes(tx, skip=frozenset({"edges"})))
        db.build_indexes(tx)  # where the graph did not make them meanwhile
        db.replace_skipped(tx, scan.skipped)
        db.replace_stamps(tx, scan.stamps, scan.watched)
        report.history = write_people(db, tx, people)
        manifest = db.manifest()
        same = not (changed or removed or regraph)
        counts = db.recorded_counts() if same else db.counts(RECORDED)  # the recorded ones, or counted if none are
        db.put_manifest(tx, {
            "schema_version": SCHEMA_VERSION, "name": name, "root": str(root), "counts": json.dumps(counts),
            "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "embed": "true" if embed else "false",  # `--no-embed` is a choice: nothing resumes it unasked
            "redaction_rules": RULES_VERSION, "graph_rules": GRAPH_RULES, "scan_rules": SCAN_RULES,
        })
        if changed or removed or "generation" not in manifest:  # the chunks changed: vectors must follow
            db.put_manifest(tx, {"generation": int(manifest.get("generation", "0")) + 1, "vectors_complete": "false"})
        notify("graph", 1, 1)
        _timed(report, "graph", clock)
    report.files, report.symbols, report.edges, report.chunks = (counts["files"], counts["symbols"], counts["edges"],
                                                                 counts["chunks"])


def _stored(prepared: PreparedFile, previous: FileRow | None) -> StoredFile:
    """A changed file's rows; it keeps its PageRank until the graph says otherwise."""
    source, result = prepared.source, prepared.parsed
    lines = source.text.count("\n") + (0 if source.text.endswith("\n") or not source.text else 1)
    row = FileRow(source.path, source.language, source.size, lines, source.sha256, result.had_errors,
                  previous.pagerank if previous else 0.0, prepared.redactions)
    return StoredFile(row, source.text, result.symbols, result.references, result.imports, prepared.chunks)


def _update_graph(db: IndexDB, tx: sqlite3.Connection, parsed: list[ParsedFile], current: set[str],
                  before: dict[str, FileRow], old_definitions: dict[str, set[tuple[str, str, bool]]],
                  rebuild: bool = False, meanwhile: Callable[[], None] = lambda: None) -> str:
    """Bring edges and PageRank up to date with the changed files in ``parsed``.

    Only the edges whose inputs changed are recomputed: those of the changed and removed files, the
    reference edges of files using a name that gained or lost a definer or whose definition changed kind or
    level (a method that became a property or a module's function: ``old_definitions``), and the import edges of the
    files whose imports may resolve differently now that paths came or went (``import_probes``; none
    after edits only). Where that set cannot be told (an ``__init__.py`` added or removed, a ``config_file``
    such as go.mod or a tsconfig.json changed, C# namespaces, many files at once, a first index, ``rebuild``:
    edges made under older ``GRAPH_RULES``) every edge is rebuilt, unchanged files' parse results coming back
    from SQLite. PageRank is then recomputed from all edges, unless nothing changed. Returns which of these it did
    (``IndexReport.graph``).

    Rebuilding, it calls ``meanwhile`` (SQLite work, such as a first index's ``build_indexes``) while
    another thread works out the edges: SQLite runs without the GIL, so on two cores the 0.3-0.5 s of index
    building and the 0.5 s of edges of a 20 MB tree's first index overlap instead of adding up.
    """
    changed = {p.path for p in parsed}
    appeared, gone = current - set(before), set(before) - current
    texts = db.texts_of(path for path in current if config_file(path))
    probes = import_probes(appeared | gone, texts) if len(appeared | gone) <= MAX_PATHS_CHANGED else [None]
    if (rebuild or not before or None in probes or any(config_file(path) for path in changed | gone)
            or any(p.language == "csharp" for p in parsed)):
        unchanged = current - changed
        all_parsed = parsed + _parsed_from_db(db, unchanged)
        stored_uses = [row for row in db.reference_counts() if row[0] in unchanged] if unchanged else []

        def all_edges() -> list[Edge]:
            imports = resolve_imports(all_parsed, current, texts)
            return imports + reference_edges(all_parsed, imports, stored_uses)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="onboard-edges") as side:
            working = side.submit(all_edges)
            meanwhile()
            edges = working.result()
        db.replace_edges(tx, edges)
        links, done = [(e.src, e.dst, e.weight) for e in edges], "rebuilt"
    else:
        importers = db.importers_of(set().union(*probes)) - changed
        importing = {path: ParsedFile(path, before[path].language) for path in importers}
        for imp in db.imports_of(importers):
            importing[imp.path].imports.append(imp)
        new_definitions = {p.path: {(s.name, s.kind, s.parent is None) for s in p.symbols} for p in parsed}
        moved = {name for path in changed | gone
                 for name, _, _ in old_definitions.get(path, set()) ^ new_definitions.get(path, set())}
        # A file whose imports may resolve elsewhere now may reach other top-level names: its uses are recounted too.
        users = (db.users_of(moved) | importers) - changed - gone
        uses = db.reference_counts(users)
        used = {name for _, name, *_ in uses} | {ref.name for p in parsed for ref in p.references}
        imports = resolve_imports(parsed + list(importing.values()), current, texts)  # of changed | importers
        imports_known = imports + [e for e in db.edges_from(users - importers) if e.kind == "import"]
        edges = imports + reference_edges(parsed, imports_known, uses, db.definitions(used))
        previous = [e for e in db.edges_from(changed | users | importers) if e.src in changed
                    or (e.src in users if e.kind == "reference" else e.src in importers)]
        if not appeared and not gone and set(edges) == set(previous):
            return "kept"  # same graph: PageRank stands
        db.replace_edges_of(tx, changed | gone, users, edges, importers)
        links, done = db.links(), "updated"
    stored = {path: row.pagerank for path, row in before.items()}
    db.set_pageranks(tx, {path: rank for path, rank in ranks_of(current, links).items()
                          if abs(rank - stored.get(path, 0.0)) > RANK_TOLERANCE * rank})
    return done
