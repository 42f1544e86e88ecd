"""The chroma half of an index: chunk embeddings for semantic search.

Embedded on disk by default (``<home>/<name>/chroma``) or on a chroma server when configured, so a
team can share one. Ids are content addressed (see ``onboard.parse.chunker.chunk_id``): a chunk
that did not change is never embedded again, and readers ignore ids SQLite does not know, which is
what makes an interrupted reindex harmless.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import chromadb
from chromadb.config import Settings as ChromaSettings

from onboard.config import Settings
from onboard.errors import IndexCorrupt, OnboardError
from onboard.models import Chunk
from onboard.store.embedding import OfflineMiniLM

BATCH = 64
Progress = Callable[[str, int, int], None]


def collection_name(name: str) -> str:
    """Chroma names allow [a-zA-Z0-9._-], 3-512 chars, alphanumeric at both ends."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return f"onboard_{safe}".rstrip("._-") or "onboard_index"


def _client(settings: Settings, path: Path):
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        except Exception as err:  # noqa: BLE001 - chroma raises several kinds; the message is what matters
            raise OnboardError(f"Cannot reach the chroma server at {settings.chroma_host}:{settings.chroma_port} "
                               f"({err}). Start it with `chroma run --host {settings.chroma_host} "
                               f"--port {settings.chroma_port} --path DIR` or unset ONBOARD_CHROMA_HOST.") from err
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    def __init__(self, settings: Settings, name: str, path: Path) -> None:
        self.name = name
        try:
            self.client = _client(settings, path)
            self.collection = self.client.get_or_create_collection(
                collection_name(name), embedding_function=OfflineMiniLM(), metadata={"hnsw:space": "cosine"})
        except OnboardError:
            raise
        except Exception as err:  # noqa: BLE001 - a broken store shows up as many exception types
            raise IndexCorrupt(name, f"chroma store: {err}") from err

    def count(self) -> int:
        return self.collection.count()

    def ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def upsert(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> None:
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start:start + BATCH]
            self.collection.upsert(
                ids=[c.id for c in batch],
                documents=[f"{c.path}\n{c.text}" for c in batch],
                metadatas=[{"path": c.path, "start_line": c.start_line, "end_line": c.end_line} for c in batch])
            if progress:
                progress("embedding", min(start + BATCH, len(chunks)), len(chunks))

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 500):
            self.collection.delete(ids=ids[start:start + 500])

    def query(self, text: str, n: int = 50) -> list[tuple[str, float]]:
        """(chunk id, cosine distance) of the ``n`` nearest chunks."""
        if n <= 0 or self.count() == 0:
            return []
        result = self.collection.query(query_texts=[text], n_results=n, include=["distances"])
        return list(zip(result["ids"][0], result["distances"][0]))

    def drop(self) -> None:
        self.client.delete_collection(self.collection.name)
