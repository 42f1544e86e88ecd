"""The chroma half of an index: chunk embeddings for semantic search.

Embedded on disk by default (``<home>/<name>/chroma``) or on a chroma server when configured, so a
team can share one. Ids are content addressed (see ``onboard.parse.chunker.chunk_id``): a chunk
that did not change is never embedded again, and readers ignore ids SQLite does not know, which is
what makes an interrupted reindex harmless.

Vectors are computed by onboard (``onboard.store.embedding``) and handed to chroma, for documents
and questions alike. An embedded store written by another process (the background embedding
worker) is not seen by a process that already loaded it: chroma keeps the nearest-neighbour index
in memory. Readers therefore reload a store whose row count changed since they loaded it.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import register_embedding_function

from onboard.config import Settings
from onboard.errors import IndexCorrupt, OnboardError
from onboard.models import Chunk
from onboard.store.embedding import embedder
from onboard.store.freed_memory import fill_handed_out_memory

fill_handed_out_memory()  # before chroma allocates anything: see store/freed_memory.py

T = TypeVar("T")
# Candidates chroma's HNSW search keeps (chroma's default: 100). Retrieval asks for 120 hits, more than 100, and a
# store under 1,000 vectors is rebuilt from chroma's log by each process that opens it, its graph a little different
# each time: with 100 the same question's hits differed between processes from the 60th on (requests 2.32.5, 869
# vectors: 117 of 120 shared), and dev.jsonl's top-10 with vectors read 84.5-86.4 % in three runs. With 512 a store of
# up to 512 vectors is searched whole, and the hits of bigger ones come nearer the exact ones.
SEARCH_EF = 512


@register_embedding_function
class OfflineMiniLM(EmbeddingFunction[Documents]):
    """What chroma calls if it ever embeds by itself (onboard always passes vectors). Registered on
    each collection so reopening one never falls back to chroma's downloading default; the name is
    the one earlier onboard versions stored, so their collections open unchanged. Registered with
    chroma too: changing a collection's configuration (``SEARCH_EF``) rebuilds its embedding function."""

    def __init__(self, variant: str = "int8") -> None:
        self.variant = variant

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - chroma's parameter name
        return list(embedder(self.variant)(list(input)))

    @staticmethod
    def name() -> str:
        return "onboard_offline_minilm"

    def get_config(self) -> dict[str, Any]:
        return {"variant": self.variant}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OfflineMiniLM":
        return OfflineMiniLM(config.get("variant", "int8"))

    def default_space(self) -> str:
        return "cosine"


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
    VectorStore._loaded.pop(identifier, None)
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

    # Per embedded store folder: the row count this process's chroma system reflects (see the
    # module docstring). Comparing it with the count on disk costs one SQLite query.
    _loaded: dict[str, int] = {}
    _reload_lock = threading.Lock()

    def __init__(self, settings: Settings, name: str, path: Path, create: bool = True) -> None:
        self.name = name
        self.settings = settings
        self.path = path
        self.local = not settings.chroma_host
        if not create and self.local and not (path / "chroma.sqlite3").is_file():
            raise IndexCorrupt(name, "vectors damaged: the chroma folder is missing")
        self._open(create)
        if self.local and not create:
            self._reload_if_changed()

    def _open(self, create: bool) -> None:
        try:
            self.client = _client(self.settings, self.path)
            function = OfflineMiniLM(self.settings.embedder)
            if create:
                self.collection = self.client.get_or_create_collection(
                    collection_name(self.name), embedding_function=function, metadata={"hnsw:space": "cosine"})
            else:
                self.collection = self.client.get_collection(collection_name(self.name), embedding_function=function)
            self._search_wide()
        except OnboardError:
            raise
        except Exception as err:  # noqa: BLE001 - a broken store shows up as many exception types
            raise IndexCorrupt(self.name, f"vectors damaged: {err}") from err

    def _search_wide(self) -> None:
        """Widen a store made with chroma's default search (older onboard versions) to ``SEARCH_EF``. A store this
        process may not change (a read-only index home) keeps searching as it did: narrower, still answering."""
        hnsw = (self.collection.configuration_json or {}).get("hnsw") or {}
        if hnsw.get("ef_search", 0) >= SEARCH_EF:
            return
        try:
            self.collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
        except Exception as err:  # noqa: BLE001 - chroma raises several kinds; searching narrower is no damage
            logging.getLogger(__name__).info("kept chroma's search of %s at %s candidates: %s", self.name,
                                             hnsw.get("ef_search"), err)

    def _key(self) -> str:
        return str(self.path.resolve())

    def _reload_if_changed(self) -> None:
        """Reload an embedded store another process wrote to since this process loaded it."""
        key = self._key()
        with self._reload_lock:
            count = self._call(lambda c: c.count())
            if key in self._loaded and self._loaded[key] != count:
                release_local(self.path)
                self._open(create=False)
            self._loaded[key] = count

    def _call(self, action: Callable[[Any], T]) -> T:
        """Run ``action(collection)``. If another VectorStore of this process reloaded the store
        under this one, or another process recreated the collection (a rebuild), reopen once."""
        try:
            return action(self.collection)
        except Exception:  # noqa: BLE001 - a stopped or outdated chroma system fails in several ways
            if not self.local:
                raise
            release_local(self.path)
            self._open(create=False)
            return action(self.collection)

    def _wrote(self) -> None:
        """This process's chroma system holds its own writes: no reload needed for them."""
        if self.local:
            self._loaded[self._key()] = self.collection.count()

    def count(self) -> int:
        return self._call(lambda c: c.count())

    def ids(self) -> set[str]:
        return set(self._call(lambda c: c.get(include=[]))["ids"])

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store ``chunks`` with their ``vectors`` (one row each, as computed by ``embedding``)."""
        self._call(lambda c: c.upsert(
            ids=[ch.id for ch in chunks], embeddings=vectors, documents=[document(ch) for ch in chunks],
            metadatas=[{"path": ch.path, "start_line": ch.start_line, "end_line": ch.end_line} for ch in chunks]))
        self._wrote()

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 500):
            self._call(lambda c, batch=ids[start:start + 500]: c.delete(ids=batch))
        self._wrote()

    def query(self, text: str, n: int = 50) -> list[tuple[str, float]]:
        """(chunk id, cosine distance) of the ``n`` nearest chunks."""
        if self.local:
            self._reload_if_changed()
        if n <= 0 or self.count() == 0:
            return []
        vector = embedder(self.settings.embedder)([text])
        result = self._call(lambda c: c.query(query_embeddings=vector, n_results=n, include=["distances"]))
        return list(zip(result["ids"][0], result["distances"][0]))

    def drop(self) -> None:
        try:
            self.client.delete_collection(self.collection.name)
        except Exception as err:  # noqa: BLE001 - chroma raises several kinds; the message is what matters
            raise OnboardError(f"Could not delete the vectors of {self.name!r} ({err}).") from err


def document(chunk: Chunk) -> str:
    """What is embedded for a chunk: its path (a strong hint of what it is about), then its text."""
    return f"{chunk.path}\n{chunk.text}"
