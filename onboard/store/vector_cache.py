"""A content-addressed embedding cache shared by every index in a home: same text, same vector.

Chunk ids name a chunk of one index (path, lines, text); the cache is keyed by what is embedded
(the model variant and the document text) instead, so a second index of the same code, or a new
version of a repository, embeds only the chunks whose text is new. SQLite in WAL mode: several
embedding workers read and write it at once, and a crash loses at most the batch in flight.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from onboard.store.layout import CACHE_DIR

CACHE_FILE = "cache.sqlite3"
_LOOKUP = 500  # keys per SELECT, under SQLite's limit on bound parameters


class EmbeddingCache:
    """Vectors by sha256(model key, document); float32, 384 values each."""

    def __init__(self, home: Path, model_key: str) -> None:
        folder = home / CACHE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.model_key = model_key
        self.conn = sqlite3.connect(folder / CACHE_FILE, timeout=60)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        self.conn.commit()

    def _key(self, document: str) -> bytes:
        return hashlib.sha256(f"{self.model_key}\0{document}".encode("utf-8", "surrogatepass")).digest()

    def embed(self, documents: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray]) -> tuple[np.ndarray, int]:
        """Vectors for ``documents``: cached ones read back, the rest computed by ``embed`` and stored.
        Returns the vectors and how many were computed."""
        keys = [self._key(d) for d in documents]
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), _LOOKUP):
            batch = keys[start:start + _LOOKUP]
            found.update(self.conn.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(batch))})", batch).fetchall())
        misses = [i for i, key in enumerate(keys) if key not in found]
        if misses:
            computed = embed([documents[i] for i in misses]).astype(np.float32)
            found.update((keys[i], computed[n].tobytes()) for n, i in enumerate(misses))
            with self.conn:
                self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", [(keys[i], found[keys[i]])
                                                                                      for i in misses])
        if not keys:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.frombuffer(b"".join(found[k] for k in keys), dtype=np.float32).reshape(len(keys), -1), len(misses)

    def close(self) -> None:
        self.conn.close()
