"""People and history of an index: who changed a path lately, when it last changed, who owns it.

The scan stage reads git and CODEOWNERS (``read_people``, before the indexer's transaction); the
indexer stores what it read inside its transaction (``write_people``), so a reindex reads only the
commits after the one it read last. The readers below back ``api.has_history``, ``api.people``,
``api.ownership`` and ``api.recent_changes``. An index of a folder without git has no history
rows and no ``history_head``: the feature is absent, nothing fails.

"The last 12 months" count back from the newest commit read, not from today, so a quiet repository
still says who worked on it last, and an index answers the same tomorrow as today.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from onboard.models import Change, Ownership, Person
from onboard.scan import redact
from onboard.scan.codeowners import CodeOwners, OwnerRule, read_codeowners
from onboard.scan.history import WINDOW_SECONDS, HistoryRead, read_history
from onboard.store.db import IndexDB
from onboard.store.index import Index
from onboard.store.views import normalise_path

HEAD_KEY, OWNERS_KEY = "history_head", "codeowners"  # manifest: the last commit read; the CODEOWNERS file used
TOP_AUTHORS, MAX_RECENT = 5, 500
HISTORY_TABLES = ("history_changes", "history_files", "history_commits")


@dataclass(frozen=True)
class PeopleRead:
    history: HistoryRead | None  # None: not a git checkout
    codeowners: tuple[str, list[OwnerRule]] | None


def read_people(db: IndexDB, root: Path, paths: set[str]) -> PeopleRead:
    """What is new in git since the last (re)index, and the CODEOWNERS file as it is now."""
    known = {row[0] for row in db.query("SELECT path FROM history_files")}
    return PeopleRead(read_history(root, db.manifest().get(HEAD_KEY), paths, known), read_codeowners(root))


def write_people(db: IndexDB, tx: sqlite3.Connection, read: PeopleRead) -> int | None:
    """Store ``read`` in the indexer's transaction; the number of commits read (None: no git)."""
    tx.execute("DELETE FROM codeowners")
    tx.execute("DELETE FROM manifest WHERE key IN (?, ?)", (OWNERS_KEY, HEAD_KEY))
    if read.codeowners:
        where, rules = read.codeowners
        tx.executemany("INSERT INTO codeowners VALUES (?, ?, ?)",
                       [(rule.line, rule.pattern, "\n".join(rule.owners)) for rule in rules])
        db.put_manifest(tx, {OWNERS_KEY: where})
    history = read.history
    if history is None or history.full:
        for table in HISTORY_TABLES:
            tx.execute(f"DELETE FROM {table}")
    if history is None:
        return None
    for old, new in history.renames if not history.full else ():  # older stored rows follow the file
        tx.execute("UPDATE history_changes SET path = ? WHERE path = ?", (new, old))
        tx.execute("DELETE FROM history_files WHERE path = ?", (old,))
    tx.executemany("INSERT OR IGNORE INTO history_commits VALUES (?, ?, ?, ?, ?)",
                   [(c.sha, c.author, c.email, c.time, redact(c.subject)[0]) for c in history.commits])
    tx.executemany("INSERT INTO history_changes VALUES (?, ?, ?, ?)",
                   [(c.sha, f.path, f.added, f.deleted) for c in history.commits for f in c.changes])
    last = dict(history.last_changes)
    for commit in history.commits:
        for change in commit.changes:
            if change.path not in last or last[change.path][0] < commit.time:
                last[change.path] = (commit.time, commit.sha)
    tx.executemany("INSERT INTO history_files VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET time = excluded.time, "
                   "sha = excluded.sha WHERE excluded.time >= history_files.time",
                   [(path, time, sha) for path, (time, sha) in last.items()])
    newest = tx.execute("SELECT MAX(time) FROM history_commits").fetchone()[0]
    if newest is not None:  # commits that left the window go (their changes cascade)
        tx.execute("DELETE FROM history_commits WHERE time < ?", (newest - WINDOW_SECONDS,))
    db.put_manifest(tx, {HEAD_KEY: history.head})
    return len(history.commits)


# -- reads ---------------------------------------------------------------------------------------


def has_history(index: Index) -> bool:
    """True when the index was built from a git checkout (and has read its history)."""
    return HEAD_KEY in index.db.manifest()


def _prefix(path: str) -> str:
    """A file or folder relative to the repository root; "" for all of it. ``..`` and absolute paths raise."""
    return "" if path.strip() in ("", ".", "./", "/") else normalise_path(path).rstrip("/")


def _under(prefix: str, column: str) -> tuple[str, tuple]:
    """SQL matching ``column`` to the file ``prefix`` or anything in the folder ``prefix``."""
    if not prefix:
        return "1", ()
    return f"({column} = ? OR substr({column}, 1, ?) = ?)", (prefix, len(prefix) + 1, prefix + "/")


def _date(time: int) -> str:
    return datetime.fromtimestamp(time, timezone.utc).date().isoformat()


@dataclass
class _Tally:
    name: str
    email: str
    time: int
    lines: int = 0
    commits: set[str] = field(default_factory=set)


def _changes(db: IndexDB, prefix: str) -> list[tuple[str, str, int, str, int]]:
    """(author, email, time, sha, lines) of every change to ``prefix`` in the last 12 months."""
    where, args = _under(prefix, "ch.path")
    return [tuple(row) for row in db.query(
        "SELECT c.author, c.email, c.time, c.sha, ch.added + ch.deleted FROM history_changes ch "
        f"JOIN history_commits c ON c.sha = ch.sha WHERE c.time >= "
        f"(SELECT MAX(time) FROM history_commits) - ? AND {where}", (WINDOW_SECONDS, *args))]


def _people(rows: list[tuple[str, str, int, str, int]]) -> list[Person]:
    """One Person per email (a .mailmap merges someone's addresses), named as in their newest commit."""
    tallies: dict[str, _Tally] = {}
    for author, email, time, sha, lines in rows:
        tally = tallies.setdefault(email.lower() or author, _Tally(author, email, time))
        if time > tally.time:
            tally.name, tally.email, tally.time = author, email, time
        tally.lines += lines
        tally.commits.add(sha)
    people = [Person(t.name, t.email, t.lines, len(t.commits), _date(t.time)) for t in tallies.values()]
    return sorted(people, key=lambda p: (-p.lines_changed, -p.commits, p.name))


def people(index: Index, path: str = "") -> list[Person]:
    """Everyone who changed the file or folder ``path`` ("" = the repository) in the last 12 months,
    most lines changed first; empty without git history."""
    prefix = _prefix(path)
    return _people(_changes(index.db, prefix)) if has_history(index) else []


def _owners(index: Index, prefix: str) -> tuple[str, ...]:
    if OWNERS_KEY not in index.db.manifest():
        return ()
    owners = CodeOwners(OwnerRule(line, pattern, tuple(o for o in owners.split("\n") if o))
                        for line, pattern, owners in index.db.query("SELECT line, pattern, owners FROM codeowners "
                                                                    "ORDER BY line"))
    files = [f.path for f in index.db.files() if not prefix or f.path == prefix or f.path.startswith(prefix + "/")]
    if files == [prefix] or not files:  # a file, or a path no longer indexed (a deleted file)
        return owners.owners(prefix) if prefix else ()
    return tuple(owners.owners_of_files(files))


def ownership(index: Index, path: str = "") -> Ownership:
    """Who to ask about the file or folder ``path``: CODEOWNERS owners, the top 5 authors of the last
    12 months, the last change, churn (lines added + deleted) and commits in those 12 months."""
    prefix = _prefix(path)
    owners = _owners(index, prefix)
    if not has_history(index):
        return Ownership(prefix, owners)
    rows = _changes(index.db, prefix)
    where, args = _under(prefix, "path")
    last = index.db.query(f"SELECT MAX(time) FROM history_files WHERE time > 0 AND {where}", args)[0][0]
    return Ownership(prefix, owners, tuple(_people(rows)[:TOP_AUTHORS]), _date(last) if last is not None else None,
                     sum(row[4] for row in rows), len({row[3] for row in rows}))


def recent_changes(index: Index, limit: int = 20) -> list[Change]:
    """The newest commits (at most ``limit``, newest first) with the files each touched."""
    if not has_history(index):
        return []
    commits = index.db.query("SELECT sha, time, author, email, subject FROM history_commits "
                             "ORDER BY time DESC, sha LIMIT ?", (max(1, min(limit, MAX_RECENT)),))
    files: dict[str, list[str]] = {}
    if commits:
        shas = [row[0] for row in commits]
        for sha, path in index.db.query(f"SELECT sha, path FROM history_changes WHERE sha IN "
                                        f"({','.join('?' * len(shas))}) ORDER BY path", shas):
            files.setdefault(sha, []).append(path)
    return [Change(sha, _date(time), author, email, subject, tuple(files.get(sha, ())))
            for sha, time, author, email, subject in commits]
