"""The guide's written pages, kept in the index's own SQLite next to the facts they were written from.

A page Claude wrote costs tokens, so it is kept until its inputs change: each row holds the hash of the
inputs (the files the page rests on, with their content hashes) and the inputs themselves, so a reader can
tell how many files changed since the page was written. The table lives in ``index.sqlite3`` because a
rebuild must drop it with everything else, and a copy of the index carries its guide along.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone

from onboard.errors import IndexCorrupt, IndexLocked
from onboard.store.db import IndexDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS guide_pages (
    slug TEXT PRIMARY KEY, input_hash TEXT NOT NULL, inputs TEXT NOT NULL, text TEXT NOT NULL,
    model TEXT NOT NULL, usage TEXT NOT NULL, cost REAL NOT NULL, written_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class WrittenPage:
    slug: str
    input_hash: str
    inputs: dict[str, str]  # path → sha256 of the file when the page was written
    text: str
    model: str
    usage: dict[str, int] = field(default_factory=dict)
    cost: float = 0.0
    written_at: str = ""

    def changed_files(self, current: dict[str, str]) -> list[str]:
        """Files added, removed or edited among the page's inputs since it was written."""
        return sorted(p for p in set(self.inputs) | set(current) if self.inputs.get(p) != current.get(p))


def _execute(db: IndexDB, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
    try:
        with db._lock:  # the connection is shared by the web app's threads (see IndexDB)
            db.conn.execute(SCHEMA)
            rows = db.conn.execute(sql, args).fetchall()
            db.conn.commit()
            return rows
    except sqlite3.OperationalError as err:
        if "locked" in str(err):  # a reindex is writing: its transaction outlasted SQLite's 30 s wait
            raise IndexLocked(db.name) from err
        raise IndexCorrupt(db.name, f"SQLite: {err}") from err
    except sqlite3.DatabaseError as err:
        raise IndexCorrupt(db.name, f"SQLite: {err}") from err


def written_pages(db: IndexDB) -> dict[str, WrittenPage]:
    rows = _execute(db, "SELECT slug, input_hash, inputs, text, model, usage, cost, written_at FROM guide_pages")
    return {slug: WrittenPage(slug, digest, json.loads(inputs), text, model, json.loads(usage), cost, at)
            for slug, digest, inputs, text, model, usage, cost, at in rows}


def put_page(db: IndexDB, page: WrittenPage) -> WrittenPage:
    """Store (or replace) one written page, stamped with the time it was written."""
    stamped = WrittenPage(page.slug, page.input_hash, page.inputs, page.text, page.model, page.usage, page.cost,
                          page.written_at or datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _execute(db, "INSERT OR REPLACE INTO guide_pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             (stamped.slug, stamped.input_hash, json.dumps(stamped.inputs, sort_keys=True), stamped.text,
              stamped.model, json.dumps(stamped.usage), stamped.cost, stamped.written_at))
    return stamped
