"""The chroma half of an index: chunk embeddings for semantic search.

Embedded on disk by default (``<home>/<name>/chroma``) or on a chroma server when configured, so a
team can share one. Ids are content addressed (see ``onboard.parse.chunker.chunk_id``): a chunk
that did not change is never embedded again, and readers ignore ids SQLite does not know, which is
what makes an interrupted reindex harmless.
"""

from __future__ import annotations

import shutil
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
    if not (path / "chroma.sqlite3").is_file():  # deleted under this process: its cached system writes nowhere
        release_local(path)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path.resolve()), settings=chroma_settings)


def release_local(path: Path) -> None:
    """Stop and forget this process's embedded chroma system for ``path``.

    chroma keeps one system per directory for the life of the process (a class-level cache), so a
    folder deleted under it leaves a client that writes nowhere ("readonly database"). Before an
    embedded store's folder is deleted, its system must go too; chroma has no public call for
    one directory, only for all of them (``clear_system_cache``), which would break other indexes
    this process holds open.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = str(path.resolve())
    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        try:
            system.stop()
        except Exception:  # noqa: BLE001 - a damaged store may fail to stop; it is forgotten either way
            pass


def drop_vectors(settings: Settings, name: str, path: Path) -> bool:
    """Delete an index's vectors through the client this process already holds, so a rebuild in a
    running web app keeps a working store. Returns False when the embedded store was unreadable
    and its folder was deleted instead. A chroma server that cannot be reached raises OnboardError.
    """
    if settings.chroma_host:
        VectorStore(settings, name, path).drop()
        return True
    if not path.exists():
        return True
    try:
        VectorStore(settings, name, path).drop()
        return True
    except Exception:  # noqa: BLE001 - a damaged store is removed whole instead
        release_local(path)
        shutil.rmtree(path, ignore_errors=True)
        return False


class VectorStore:
    """One index's chroma collection. Writers create it; readers (``create=False``) never do, so a
    deleted store is reported as damaged instead of silently answering from an empty one."""

    def __init__(self, settings: Settings, name: str, path: Path, create: bool = True) -> None:
        self.name = name
        if not create and not settings.chroma_host and not (path / "chroma.sqlite3").is_file():
            raise IndexCorrupt(name, "vectors damaged: the chroma folder is missing")
        try:
            self.client = _client(settings, path)
            if create:
                self.collection = self.client.get_or_create_collection(
                    collection_name(name), embedding_function=OfflineMiniLM(), metadata={"hnsw:space": "cosine"})
            else:
                self.collection = self.client.get_collection(collection_name(name), embedding_function=OfflineMiniLM())
        except OnboardError:
            raise
        except Exception as err:  # noqa: BLE001 - a broken store shows up as many exception types
            raise IndexCorrupt(name, f"vectors damaged: {err}") from err

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
        try:
            self.client.delete_collection(self.collection.name)
        except Exception as err:  # noqa: BLE001 - chroma raises several kinds; the message is what matters
            raise OnboardError(f"Could not delete the vectors of {self.name!r} ({err}).") from err
