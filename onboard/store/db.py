"""The SQLite half of an index: the source of truth for files, symbols, edges and chunks.

SQLite because an index must survive crashes (one transaction per (re)index), be inspectable with
any SQLite tool, and never need pickle. File text is stored (already redacted) so answers and the
source viewer read exactly what was indexed, never the live filesystem.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from onboard.errors import IndexCorrupt, OnboardError, PathOutsideRepo
from onboard.models import Chunk, Edge, Import, Reference, SkippedFile, Symbol
from onboard.scan import SCAN_RULES
from onboard.store.layout import DB_NAME, ROOT_COPY

if TYPE_CHECKING:  # networkx loads in a quarter second; `onboard list` never needs it
    import networkx as nx

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, language TEXT NOT NULL, size INTEGER NOT NULL, lines INTEGER NOT NULL,
    sha256 TEXT NOT NULL, had_errors INTEGER NOT NULL DEFAULT 0, pagerank REAL NOT NULL DEFAULT 0,
    redactions INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS symbols (
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE, name TEXT NOT NULL, qualname TEXT NOT NULL,
    kind TEXT NOT NULL, start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, signature TEXT NOT NULL,
    docstring TEXT NOT NULL, parent TEXT);
CREATE TABLE IF NOT EXISTS refs (
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE, name TEXT NOT NULL, line INTEGER NOT NULL,
    method INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS imports (
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE, module TEXT NOT NULL, line INTEGER NOT NULL,
    names TEXT NOT NULL, level INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS edges (src TEXT NOT NULL, dst TEXT NOT NULL, kind TEXT NOT NULL, weight REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
    start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, symbol TEXT, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS symbols_name ON symbols(name);
CREATE INDEX IF NOT EXISTS symbols_path ON symbols(path);
CREATE INDEX IF NOT EXISTS refs_path ON refs(path);
CREATE INDEX IF NOT EXISTS imports_path ON imports(path);
CREATE INDEX IF NOT EXISTS edges_src ON edges(src);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE INDEX IF NOT EXISTS files_sha256 ON files(path, sha256);
CREATE TABLE IF NOT EXISTS stamps (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS watched (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history_commits (
    sha TEXT PRIMARY KEY, author TEXT NOT NULL, email TEXT NOT NULL, time INTEGER NOT NULL, subject TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history_changes (
    sha TEXT NOT NULL REFERENCES history_commits(sha) ON DELETE CASCADE, path TEXT NOT NULL,
    added INTEGER NOT NULL, deleted INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history_files (path TEXT PRIMARY KEY, time INTEGER NOT NULL, sha TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codeowners (line INTEGER PRIMARY KEY, pattern TEXT NOT NULL, owners TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_changes_path ON history_changes(path);
CREATE INDEX IF NOT EXISTS history_changes_sha ON history_changes(sha);
"""
# History and CODEOWNERS tables (onboard.store.history) came after schema 1: an index built before them
# gains them on its next reindex (CREATE ... IF NOT EXISTS) and reads as having no history until then,
# so they are not in TABLES, whose absence marks an index as damaged.
# The same holds for stamps (size, mtime) of indexed files, which let a scan skip reading unchanged files,
# and for the watched stamps (directories, ignore files, skipped files) that let `list` skip the scan,
# and for refs' ``method`` column (``Reference.method``): until its next index run adds it (``add_columns``), an
# older index reads every use as it did before, as one that may name a method. The column holds 1 for a use that
# may name a method, 2 for a member read (``Reference.attribute``), 0 for neither (``_use_code``).
TABLES = ("manifest", "files", "skipped", "symbols", "refs", "imports", "edges", "chunks")
# Pages of 16 KiB, not SQLite's 4 KiB: most files' text (5 KB on average) then fits its row's page instead of a
# chain of overflow pages, and a first index writes a quarter of the pages (put_files and commit of a 20 MB tree,
# 3 interleaved runs, 2026-11-27: 1.57 -> 1.28 s; 32 and 64 KiB measured the same within the noise, with bigger files).
PAGE_SIZE = 16384
# The secondary indexes of the tables an index run fills in bulk: a first run builds them after its inserts.
BULK_INDEXES = ("symbols_name", "symbols_path", "refs_path", "imports_path", "edges_src", "edges_dst", "chunks_path",
                "files_sha256")
_INDEX_STATEMENTS = {statement.strip(): statement.split(" ON ")[1].split("(")[0]  # each with its table
                     for statement in SCHEMA.split(";") if "CREATE INDEX" in statement}
# Tables whose row counts each index run records; not ``skipped``, which changes while no file is indexed.
RECORDED = ("files", "symbols", "edges", "chunks")


def _use_code(ref: Reference) -> int:
    """refs' ``method`` column for a use: 1 may name a method, 2 a member read, 0 neither (see TABLES)."""
    return 1 if ref.method else 2 if ref.attribute else 0


@dataclass(frozen=True)
class FileRow:
    path: str
    language: str
    size: int
    lines: int
    sha256: str
    had_errors: bool
    pagerank: float
    redactions: int = 0


@dataclass(frozen=True)
class StoredFile:
    """Everything the indexer stores for one file."""

    row: FileRow
    text: str
    symbols: list[Symbol]
    refs: list[Reference]
    imports: list[Import]
    chunks: list[Chunk]


class IndexDB:
    """One index's SQLite database. Readers get records; the indexer writes inside ``transaction``."""

    def __init__(self, path: Path, name: str = "", create: bool = False) -> None:
        self.path = Path(path)
        self.name = name or self.path.parent.name
        self._lock = threading.Lock()  # one connection serves the web app's and load test's threads
        if not create and not self.path.exists():
            raise IndexCorrupt(self.name, f"{self.path.name} is missing")
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")
            if create:  # takes effect only in a database not yet written: a new index
                self.conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            if create:
                self.conn.executescript(SCHEMA)
            self._check()
            self._method = "method" if self._has_column("refs", "method") else "1"  # see add_columns
        except sqlite3.DatabaseError as err:
            raise IndexCorrupt(self.name, f"SQLite: {err}") from err

    def _check(self) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in TABLES if t not in tables]
        if missing:
            raise IndexCorrupt(self.name, f"missing tables: {', '.join(missing)}")
        version = self.manifest().get("schema_version")
        if version not in (None, SCHEMA_VERSION):
            raise IndexCorrupt(self.name, f"schema version {version}, this onboard reads {SCHEMA_VERSION}")

    def _has_column(self, table: str, column: str) -> bool:
        return any(row[1] == column for row in self.conn.execute(f"PRAGMA table_info({table})"))

    def add_columns(self, tx: sqlite3.Connection) -> None:
        """Give an index made before them the columns added to schema 1 since, in an index run's transaction:
        readers never write, so an older index is read as it was until it is indexed again."""
        if self._method != "method":
            tx.execute("ALTER TABLE refs ADD COLUMN method INTEGER NOT NULL DEFAULT 1")
            self._method = "method"

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def bulk_insert(self, first: bool) -> Iterator[None]:
        """Around the transaction of an index's ``first`` run: no foreign key checks, and no secondary
        indexes until ``build_indexes``. Each row goes in with its file's, so there is nothing to check, and
        no old row to cascade from; checking a quarter million references against their files is a good
        share of a big first index's inserts, and so is updating eight indexes row by row rather than
        building each once, sorted (put_files and commit of a 20 MB tree, median of 4 interleaved runs on
        2026-11-27: 1.84 -> 1.73 s, the build included; the indexer overlaps the build with its edges). A reindex
        keeps both: replacing a file's row must cascade to its symbols, references and chunks, and find
        them by path."""
        if not first:
            yield
            return
        # Outside a transaction, or SQLite ignores the pragma. The drops commit at once, on a database
        # with no rows; should the run die before its commit, the next one's ``SCHEMA`` makes them again.
        self.conn.execute("PRAGMA foreign_keys = OFF")
        for index in BULK_INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {index}")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")

    def build_indexes(self, tx: sqlite3.Connection, skip: frozenset[str] = frozenset()) -> None:
        """Make the indexes a first run's ``bulk_insert`` left out, but those of the tables in ``skip``,
        inside its transaction once their rows are in (``IF NOT EXISTS``: a no-op for a reindex)."""
        for statement, table in _INDEX_STATEMENTS.items():
            if table not in skip:
                tx.execute(statement)

    def transaction(self) -> sqlite3.Connection:
        """``with db.transaction() as tx:`` commits all or nothing: an interrupted reindex changes nothing."""
        return self.conn

    def integrity_error(self) -> str | None:
        """None when SQLite's quick check passes, else its complaint."""
        try:
            result = self.conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as err:
            return str(err)
        return None if result == "ok" else result

    # -- reads ---------------------------------------------------------------------------------

    def _rows(self, sql: str, args: Iterable[object] = ()) -> list[sqlite3.Row]:
        try:
            with self._lock:
                return self.conn.execute(sql, tuple(args)).fetchall()
        except sqlite3.DatabaseError as err:
            raise IndexCorrupt(self.name, f"SQLite: {err}") from err

    def manifest(self) -> dict[str, str]:
        return {k: v for k, v in self._rows("SELECT key, value FROM manifest")}

    def files(self) -> list[FileRow]:
        rows = self._rows("SELECT path, language, size, lines, sha256, had_errors, pagerank, redactions "
                          "FROM files ORDER BY path")
        return [FileRow(p, lang, size, lines, sha, bool(err), pr, red) for p, lang, size, lines, sha, err, pr, red in rows]

    def file_heads(self) -> dict[str, str]:
        """``scan.roles.chunk_heads`` of the stored chunks, read in SQL: the chunks are a fraction of the files'
        text, and SQLite reads a whole value to cut its start."""
        return dict(self._rows("SELECT path, text FROM chunks WHERE start_line = 1"))

    def texts_of(self, paths: Iterable[str]) -> dict[str, str]:
        """The stored texts of several files in one query (a monorepo's manifests on every reindex)."""
        return {path: text for path, text in self._rows_in("SELECT path, text FROM files WHERE path IN ({})", paths)}

    def file_text(self, path: str) -> str:
        rows = self._rows("SELECT text FROM files WHERE path = ?", (path,))
        if not rows:
            skipped = self._rows("SELECT reason FROM skipped WHERE path = ?", (path,))
            raise PathOutsideRepo(path, skipped[0][0] if skipped else None)
        return rows[0][0]

    def symbols(self, path: str | None = None) -> list[Symbol]:
        sql = "SELECT name, qualname, kind, path, start_line, end_line, signature, docstring, parent FROM symbols"
        rows = self._rows(sql + " WHERE path = ? ORDER BY start_line" if path else sql + " ORDER BY path, start_line",
                          (path,) if path else ())
        return [Symbol(*row) for row in rows]

    def symbols_of(self, paths: Iterable[str]) -> list[Symbol]:
        """The definitions of several files in one query (a module's map reads those of hundreds)."""
        return [Symbol(*row) for row in self._rows_in(
            "SELECT name, qualname, kind, path, start_line, end_line, signature, docstring, parent FROM symbols "
            "WHERE path IN ({}) ORDER BY path, start_line", paths)]

    def find_symbols(self, query: str, limit: int = 50) -> list[Symbol]:
        """Definitions whose name or qualified name contains ``query`` (any case): exact names first,
        then names starting with it, then the rest; shorter names before longer."""
        needle = query.strip()
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._rows(  # SQLite's LIKE ignores ASCII case
            "SELECT name, qualname, kind, path, start_line, end_line, signature, docstring, parent FROM symbols "
            "WHERE name LIKE ? ESCAPE '\\' OR qualname LIKE ? ESCAPE '\\' "
            "ORDER BY name = ? COLLATE NOCASE DESC, name LIKE ? ESCAPE '\\' DESC, length(name), qualname, path "
            "LIMIT ?", (like, like, needle, like[1:], limit))
        return [Symbol(*row) for row in rows]

    def references(self, path: str | None = None) -> list[Reference]:
        sql = f"SELECT name, path, line, {self._method} FROM refs"
        rows = self._rows(sql + " WHERE path = ?" if path else sql, (path,) if path else ())
        return [Reference(name, p, line, code == 1, code == 2) for name, p, line, code in rows]

    def references_to(self, names: Iterable[str]) -> list[Reference]:
        """Every use of one of ``names``, in any file."""
        return [Reference(name, path, line, code == 1, code == 2) for name, path, line, code in self._rows_in(
            f"SELECT name, path, line, {self._method} FROM refs WHERE name IN ({{}})", names)]

    def _rows_in(self, sql: str, values: Iterable[str]) -> list[sqlite3.Row]:
        """Rows of ``sql`` (holding one ``IN ({})``) for ``values``, in batches under SQLite's limit
        on bound parameters."""
        values, rows = sorted(values), []
        for start in range(0, len(values), 500):
            batch = values[start:start + 500]
            rows += self._rows(sql.format(",".join("?" * len(batch))), batch)
        return rows

    def reference_counts(self, paths: Iterable[str] | None = None) -> list[tuple[str, str, bool, bool, int]]:
        """``(path, name, method, attribute, uses)`` for every file (or those in ``paths``): what the file graph
        needs, without a record per use."""
        sql = f"SELECT path, name, {self._method} AS code, COUNT(*) FROM refs{{}} GROUP BY path, name, code"
        if paths is None:
            rows = self._rows(sql.format(""))
        else:
            rows = self._rows_in(sql.format(" WHERE path IN ({})"), paths)
        return [(path, name, code == 1, code == 2, n) for path, name, code, n in rows]

    def definitions(self, names: Iterable[str]) -> list[tuple[str, str, bool, str]]:
        """``(path, name, top_level, kind)`` of every file defining one of ``names``, once per kind."""
        rows = self._rows_in("SELECT path, name, MAX(parent IS NULL), kind FROM symbols "
                             "WHERE name IN ({}) GROUP BY path, name, kind", names)
        return [(path, name, bool(top), kind) for path, name, top, kind in rows]

    def definitions_of(self, paths: Iterable[str]) -> dict[str, set[tuple[str, str, bool]]]:
        """``(name, kind, top_level)`` of what each of ``paths`` defines: a definition whose kind or level changes
        under the same name changes which uses reach it (``graph.reference_edges``), as one added or removed does."""
        found: dict[str, set[tuple[str, str, bool]]] = {}
        for path, name, kind, top in self._rows_in(
                "SELECT path, name, kind, parent IS NULL FROM symbols WHERE path IN ({})", paths):
            found.setdefault(path, set()).add((name, kind, bool(top)))
        return found

    def users_of(self, names: Iterable[str]) -> set[str]:
        """Files that use (reference) any of ``names``."""
        return {row[0] for row in self._rows_in("SELECT DISTINCT path FROM refs WHERE name IN ({})", names)}

    def importers_of(self, needles: Iterable[str]) -> set[str]:
        """Files with an import whose module, names or own path contains one of ``needles`` (a superset
        of the files whose imports may resolve differently once a path appears or goes:
        ``onboard.graph.resolve.probe_names``)."""
        found: set[str] = set()
        for needle in needles:
            found |= {row[0] for row in self._rows("SELECT DISTINCT path FROM imports WHERE instr(module, ?) > 0 "
                                                   "OR instr(names, ?) > 0 OR instr(path, ?) > 0", (needle,) * 3)}
        return found

    def imports_of(self, paths: Iterable[str]) -> list[Import]:
        """The imports of several files in one query."""
        return [Import(m, p, line, tuple(json.loads(names)), level) for m, p, line, names, level in self._rows_in(
            "SELECT module, path, line, names, level FROM imports WHERE path IN ({})", paths)]

    def links(self) -> list[tuple[str, str, float]]:
        """``(src, dst, weight)`` of every file→file edge: what PageRank reads, as plain rows (a
        third the time of ``Edge`` records on a large tree)."""
        return [tuple(row) for row in self._rows("SELECT src, dst, weight FROM edges WHERE kind != 'external'")]

    def edges_from(self, sources: Iterable[str]) -> list[Edge]:
        return [Edge(*row) for row in self._rows_in("SELECT src, dst, kind, weight FROM edges WHERE src IN ({})",
                                                    sources)]

    def imports(self, path: str | None = None) -> list[Import]:
        sql = "SELECT module, path, line, names, level FROM imports"
        rows = self._rows(sql + " WHERE path = ?" if path else sql, (path,) if path else ())
        return [Import(m, p, line, tuple(json.loads(names)), level) for m, p, line, names, level in rows]

    def edges(self, kinds: tuple[str, ...] | None = None) -> list[Edge]:
        """All edges, or those of ``kinds`` (maps read only imports: a third of Django's 34,000 edges)."""
        if kinds:
            return [Edge(*row) for row in self._rows_in("SELECT src, dst, kind, weight FROM edges WHERE kind IN ({})",
                                                        kinds)]
        return [Edge(*row) for row in self._rows("SELECT src, dst, kind, weight FROM edges")]

    def chunks(self, path: str | None = None) -> list[Chunk]:
        sql = "SELECT id, path, start_line, end_line, text, symbol FROM chunks"
        rows = self._rows(sql + " WHERE path = ? ORDER BY start_line" if path else sql + " ORDER BY path, start_line",
                          (path,) if path else ())
        return [Chunk(*row) for row in rows]

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self._rows("SELECT id FROM chunks")}

    def skipped(self) -> list[SkippedFile]:
        return [SkippedFile(*row) for row in self._rows("SELECT path, reason FROM skipped ORDER BY path")]

    def counts(self, tables: tuple[str, ...] = (*RECORDED, "skipped")) -> dict[str, int]:
        """Rows per table; callers on a hot path ask only for the tables they need."""
        return {table: self._rows(f"SELECT COUNT(*) FROM {table}")[0][0] for table in tables}

    def recorded_counts(self, tables: tuple[str, ...] = RECORDED) -> dict[str, int]:
        """Rows per table as the last index run recorded them in the manifest, counted where it recorded none
        (an index made before). COUNT(*) reads a whole index of the table: over 48 big indexes whose pages were
        not cached, `onboard list` spent 3 s counting."""
        recorded = json.loads(self.manifest().get("counts", "{}"))
        return {t: recorded[t] for t in tables} if all(t in recorded for t in tables) else self.counts(tables)

    def file_graph(self, kinds: tuple[str, ...] | None = None) -> nx.DiGraph:
        from onboard.graph import build_file_graph

        attrs = {f.path: {"language": f.language, "size": f.size, "lines": f.lines, "pagerank": f.pagerank}
                 for f in self.files()}
        return build_file_graph(attrs, self.edges(kinds))

    # -- writes (inside one transaction, by the indexer) ---------------------------------------

    def mark_vectors_complete(self, generation: str) -> bool:
        """Record that the vectors cover the chunks of ``generation``, in one write transaction that
        first checks no reindex has changed the chunks since (it bumps ``generation``). False when
        one has, or is writing right now: the caller embeds the new chunks and tries again."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # a reindex holds the write lock: its chunks are changing
                return False
            try:
                current = self.conn.execute("SELECT value FROM manifest WHERE key = 'generation'").fetchone()
                if (current[0] if current else "0") != generation:
                    return False
                self.conn.execute("INSERT OR REPLACE INTO manifest(key, value) VALUES ('vectors_complete', 'true')")
                return True
            finally:
                self.conn.commit()

    def put_manifest(self, tx: sqlite3.Connection, values: dict[str, object]) -> None:
        tx.executemany("INSERT OR REPLACE INTO manifest(key, value) VALUES (?, ?)",
                       [(k, str(v)) for k, v in values.items()])

    def delete_files(self, tx: sqlite3.Connection, paths: Iterable[str]) -> None:
        tx.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    def put_files(self, tx: sqlite3.Connection, files: Iterable[StoredFile]) -> None:
        """Replace the rows of these files: one statement per table for all of them, which is what
        makes a full index of thousands of files quick."""
        files = list(files)
        tx.executemany("DELETE FROM files WHERE path = ?", [(f.row.path,) for f in files])
        tx.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(f.row.path, f.row.language, f.row.size, f.row.lines, f.row.sha256, int(f.row.had_errors),
                         f.row.pagerank, f.row.redactions, f.text) for f in files])
        tx.executemany("INSERT INTO symbols VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(s.path, s.name, s.qualname, s.kind, s.start_line, s.end_line, s.signature, s.docstring,
                         s.parent) for f in files for s in f.symbols])
        tx.executemany("INSERT INTO refs VALUES (?, ?, ?, ?)",
                       [(r.path, r.name, r.line, _use_code(r)) for f in files for r in f.refs])
        tx.executemany("INSERT INTO imports VALUES (?, ?, ?, ?, ?)", [
            (i.path, i.module, i.line, json.dumps(list(i.names)), i.level) for f in files for i in f.imports])
        tx.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                       [(c.id, c.path, c.start_line, c.end_line, c.symbol, c.text) for f in files for c in f.chunks])

    def replace_skipped(self, tx: sqlite3.Connection, skipped: list[SkippedFile]) -> None:
        tx.execute("DELETE FROM skipped")
        tx.executemany("INSERT OR REPLACE INTO skipped VALUES (?, ?)", [(s.path, s.reason) for s in skipped])

    def replace_edges(self, tx: sqlite3.Connection, edges: Iterable[Edge]) -> None:
        tx.execute("DELETE FROM edges")
        self._insert_edges(tx, edges)

    def replace_edges_of(self, tx: sqlite3.Connection, files: Iterable[str], users: Iterable[str],
                         edges: Iterable[Edge], importers: Iterable[str] = ()) -> None:
        """Replace every edge leaving ``files``, the reference edges leaving ``users`` and the import
        (and external) edges leaving ``importers`` with ``edges``."""
        tx.executemany("DELETE FROM edges WHERE src = ?", [(path,) for path in files])
        tx.executemany("DELETE FROM edges WHERE src = ? AND kind = 'reference'", [(path,) for path in users])
        tx.executemany("DELETE FROM edges WHERE src = ? AND kind != 'reference'", [(path,) for path in importers])
        self._insert_edges(tx, edges)

    def _insert_edges(self, tx: sqlite3.Connection, edges: Iterable[Edge]) -> None:
        tx.executemany("INSERT INTO edges VALUES (?, ?, ?, ?)", [(e.src, e.dst, e.kind, e.weight) for e in edges])

    def set_pageranks(self, tx: sqlite3.Connection, ranks: dict[str, float]) -> None:
        """Store the ranks of the files in ``ranks``; the others keep theirs. An update rewrites the
        whole row, text included: writing every rank of a 20 MB tree took a quarter second."""
        tx.executemany("UPDATE files SET pagerank = ? WHERE path = ?", [(r, p) for p, r in ranks.items()])

    def has_table(self, table: str) -> bool:
        return bool(self._rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)))

    def query(self, sql: str, args: Iterable[object] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only ``sql`` for the store's own views (history), under the connection lock."""
        return self._rows(sql, args)

    def stamps(self) -> dict[str, tuple[int, int]]:
        """(size, mtime_ns) of each indexed file when last read; empty for an index built before stamps."""
        if not self.has_table("stamps"):
            return {}
        return {path: (size, mtime) for path, size, mtime in self._rows("SELECT path, size, mtime_ns FROM stamps")}

    def replace_stamps(self, tx: sqlite3.Connection, stamps: dict[str, tuple[int, int]],
                       watched: dict[str, tuple[int, int]]) -> None:
        """The stamps of the indexed files and of the other entries a scan's result hangs on
        (``ScanResult.watched``), both from the scan this index run made."""
        for table, rows in (("stamps", stamps), ("watched", watched)):
            tx.execute(f"DELETE FROM {table}")
            tx.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)",
                           [(p, size, mtime) for p, (size, mtime) in rows.items()])

    def watched(self) -> dict[str, tuple[int, int]]:
        """Stamps of the directories, ignore files and skipped files the last scan saw; empty for an
        index made before them or under other ``SCAN_RULES`` (then only a walk tells what changed)."""
        if not self.has_table("watched") or self.manifest().get("scan_rules") != SCAN_RULES:
            return {}
        return {path: (size, mtime) for path, size, mtime in self._rows("SELECT path, size, mtime_ns FROM watched")}

    def hashes(self) -> dict[str, str]:
        """The sha256 of each file, read from the ``files_sha256`` index rather than the table (whose pages
        hold the text), once a reindex has made that index."""
        return dict(self._rows("SELECT path, sha256 FROM files"))

    def texts(self) -> dict[str, str]:
        return dict(self._rows("SELECT path, text FROM files"))


def held_root(directory: Path, name: str) -> str | None:
    """The repository an index directory already holds: its manifest's root, or, where the database cannot be
    read (the damage a rebuild mends), the copy beside it."""
    if (directory / DB_NAME).exists():
        try:
            db = IndexDB(directory / DB_NAME, name)
            try:
                root = db.manifest().get("root")
            finally:
                db.close()
        except OnboardError:
            root = None
        if root:
            return root
    try:
        return (directory / ROOT_COPY).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def refuse_another_root(directory: Path, name: str, root: Path) -> None:
    """Raise unless index ``name`` is free for ``root``: new, already holding it, or holding a folder that is gone
    (the repository moved; its files keep their relative paths, so what did not change is kept by its hash)."""
    held = held_root(directory, name)
    if held and held != str(root) and Path(held).exists():
        raise OnboardError(f"Index {name!r} already holds {held}. Choose another name, or remove index {name!r} "
                           f"first (`onboard remove {name}`).")
