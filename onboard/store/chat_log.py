"""The web chat's history of one index, so a reload (or tomorrow) shows the conversation again.

Its own SQLite file in the index folder (``chat.sqlite3``), not a table of ``index.sqlite3``: a
reindex's long write transaction never makes a chat wait, and a rebuild, which starts the index
database afresh, keeps the history. Turns are stored as JSON records the answer stage writes and
reads (``onboard.answer.saved``); this module knows nothing of their fields.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from onboard.errors import OnboardError
from onboard.store.layout import CHAT_DB

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at TEXT NOT NULL, question TEXT NOT NULL, record TEXT NOT NULL);
"""


class ChatLog:
    """The turns of one index's chat, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / CHAT_DB
        self._lock = threading.Lock()
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as err:
            raise OnboardError(f"The chat history in {self.path} cannot be read ({err}); delete that file to "
                               "start a new one.") from err

    def append(self, question: str, record: dict) -> int:
        with self._lock, self.conn:
            cursor = self.conn.execute(
                "INSERT INTO turns(asked_at, question, record) VALUES (?, ?, ?)",
                (datetime.now(timezone.utc).isoformat(timespec="seconds"), question, json.dumps(record)))
        return int(cursor.lastrowid)

    def turns(self) -> list[dict]:
        """Each turn's record, with ``id``, ``asked_at`` and ``question`` added."""
        with self._lock:
            rows = self.conn.execute("SELECT id, asked_at, question, record FROM turns ORDER BY id").fetchall()
        return [{**json.loads(record), "id": turn, "asked_at": asked, "question": question}
                for turn, asked, question, record in rows]

    def clear(self) -> int:
        """Forget every turn; returns how many there were."""
        with self._lock, self.conn:
            return self.conn.execute("DELETE FROM turns").rowcount

    def close(self) -> None:
        self.conn.close()
