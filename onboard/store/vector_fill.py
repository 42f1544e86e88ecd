"""Filling an index's vectors: the one embedding pass, run in-process (`--wait`) or by a detached worker.

`onboard index` returns as soon as SQLite holds the lexical index and the graph; a worker process
(``python -m onboard.store.vector_fill NAME``, its own session, so it outlives the command and
Ctrl-C) embeds what chroma lacks while questions are already answered from what is there.

Safety rests on three things:
- one writer of an index's vectors at a time: whoever embeds holds ``.embed.lock`` (the index's
  own ``.lock`` stays free, so reads and incremental reindexes go on). `remove`, `--rebuild` and
  `--wait` stop a worker (SIGTERM) and take that lock over. The worker leaves SIGTERM to the kernel,
  which ends it at once, except around writes a kill could tear (chroma's files, the status file);
- ``vectors_complete`` is set only in a SQLite transaction that checks the manifest's
  ``generation`` (bumped by every reindex that changes chunks) is the one the pass embedded;
- chroma ids are content addressed, so a killed worker loses at most a batch, and the next pass
  (a reindex, the web app opening the index, `onboard wait`) embeds only what is missing.
Workers of one home take turns (``<home>/.embeddings/worker.lock``): two indexes embedding at once
would share the same cores and both finish later. Workers run at low priority, so the questions
asked meanwhile are answered first.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from filelock import FileLock, Timeout

from onboard.config import Settings
from onboard.errors import OnboardError
from onboard.models import Chunk
from onboard.scan.roles import chunk_heads, content_roles
from onboard.store.db import IndexDB
from onboard.store.layout import CACHE_DIR, CHROMA_DIR, DB_NAME, EMBED_LOCK, STATUS_FILE, WORKER_LOG

if TYPE_CHECKING:
    from onboard.store.embedding import Embedder

Progress = Callable[[str, int, int], None]
UPSERT = 64  # chunks per chroma write: a killed worker loses at most this many
WORKER_NICE = 10
STOP_SECONDS = 60.0  # a worker finishes the chroma write in flight before it stops
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_children: list[subprocess.Popen] = []  # workers this process started, reaped as they end
_deferred: list[int] | None = None  # in a worker: the SIGTERMs that came during a write (see `_whole`)


@dataclass(frozen=True)
class VectorProgress:
    """How far an index's vectors are. ``state``: complete, embedding, queued, stopped, failed, or off
    (indexed with ``embed=False``: a choice, not a stall, so nothing resumes it unasked)."""

    done: int
    total: int
    state: str
    error: str = ""

    @property
    def percent(self) -> int:
        """Rounded down, so 100 means complete."""
        return 100 if self.state == "complete" or not self.total else min(99, 100 * self.done // self.total)

    def describe(self, name: str) -> str:
        """One line for `onboard list`, the web app and retrieval-only answers."""
        if self.state == "complete":
            return "vectors 100%"
        head = f"vectors {self.percent}%"
        return {
            "embedding": f"{head}, embedding in the background",
            "queued": f"{head}, queued behind another index's embedding",
            "failed": f"{head}: embedding failed ({self.error}); `onboard wait {name}` retries",
            "off": f"{head} (indexed with --no-embed); `onboard wait {name}` embeds the rest",
        }.get(self.state, f"{head}: not embedding now; `onboard wait {name}` embeds the rest")


def _read_status(directory: Path) -> dict:
    try:
        return json.loads((directory / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_status(directory: Path, **status: object) -> None:
    """Atomic replace, so a reader never sees half a file; skipped once the index is gone."""
    if not (directory / DB_NAME).exists():
        return
    temporary = directory / f".{STATUS_FILE}.{os.getpid()}"
    with _whole():
        temporary.write_text(json.dumps({**status, "pid": os.getpid()}), encoding="utf-8")
        os.replace(temporary, directory / STATUS_FILE)


@contextlib.contextmanager
def _whole() -> Iterator[None]:
    """Around a write that a kill could tear. A worker otherwise leaves SIGTERM to the kernel: Python runs a
    handler only in the main thread, between bytecodes, and the kernel may hand the signal to an embedding
    thread while the main thread waits on the native batch in flight; with the test suite running beside it
    a handled SIGTERM once took 77 s to end a worker (1 stop in 25; `remove` waited all that time, and CI's
    gave up). A SIGTERM that comes during the write ends the worker right after it. Outside a worker
    (`--wait`, the web app) the caller's own signal handling stands."""
    if _deferred is None:
        yield
        return
    signal.signal(signal.SIGTERM, lambda signum, frame: _deferred.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _deferred:
        sys.exit(128 + signal.SIGTERM)  # finally-blocks release the locks


def _lock_is_free(directory: Path) -> bool:
    """Nobody embeds this index right now. A folder this user cannot write to has no worker of ours."""
    lock = FileLock(str(directory / EMBED_LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return False
    except OSError:
        return True
    lock.release()
    return True


def vector_progress(directory: Path, db: IndexDB) -> VectorProgress:
    """Read from the manifest, the worker's status file and its lock: no chroma, so `list` stays quick."""
    total = db.recorded_counts(("chunks",))["chunks"]  # read per question while vectors fill
    manifest = db.manifest()
    if manifest.get("vectors_complete") == "true":
        return VectorProgress(total, total, "complete")
    status = _read_status(directory)
    done = min(int(status.get("done", 0)), total)
    if not _lock_is_free(directory):
        return VectorProgress(done, total, "queued" if status.get("state") == "queued" else "embedding")
    if status.get("state") == "failed":
        return VectorProgress(done, total, "failed", str(status.get("error", "")))
    return VectorProgress(done, total, "off" if manifest.get("embed") == "false" else "stopped")


def fill_vectors(settings: Settings, name: str, progress: Progress | None = None) -> tuple[int, int]:
    """Embed the chunks chroma lacks and drop those SQLite no longer has, until the vectors match
    the chunks of the manifest's current generation; then mark them complete. The caller holds the
    index's embedding lock. Returns how many chunks were written to chroma, and how many of those
    the model computed (the rest came from the embedding cache)."""
    from onboard.store.embedding import embedder, model_key
    from onboard.store.vector_cache import EmbeddingCache
    from onboard.store.vectors import VectorStore, document

    directory = settings.index_dir(name)
    notify = progress or (lambda stage, done, total: None)
    db = IndexDB(directory / DB_NAME, name)
    cache = EmbeddingCache(settings.home, model_key(settings.embedder))
    written = computed = 0
    try:
        while True:
            generation = db.manifest().get("generation", "0")
            chunks = db.chunks()
            with _whole():  # may create the collection
                vectors = VectorStore(settings, name, directory / CHROMA_DIR)
            present = vectors.ids()
            wanted = {c.id for c in chunks}
            with _whole():
                vectors.delete(sorted(present - wanted))
            missing = [c for c in chunks if c.id not in present]
            if missing:  # the model loads only when there is something to embed
                missing = embedding_order(missing, embedder(settings.embedder))
            done = len(wanted) - len(missing)
            _write_status(directory, state="embedding", done=done, total=len(wanted), generation=generation)
            for start in range(0, len(missing), UPSERT):
                batch = missing[start:start + UPSERT]
                embedded, fresh = cache.embed([document(c) for c in batch], embedder(settings.embedder))
                with _whole():
                    vectors.upsert(batch, embedded)
                done, written, computed = done + len(batch), written + len(batch), computed + fresh
                _write_status(directory, state="embedding", done=done, total=len(wanted), generation=generation)
                notify("embedding", start + len(batch), len(missing))
            if db.mark_vectors_complete(generation):
                _write_status(directory, state="complete", done=len(wanted), total=len(wanted), generation=generation)
                return written, computed
    finally:
        cache.close()
        db.close()


# Which vectors come first: those of the code and docs a question is about, tests and copies of other
# people's code last. Retrieval searches the vectors there are, so they help before the pass ends.
ROLE_ORDER = ("source", "docs", "example", "fixture", "test", "generated", "vendored")


def embedding_order(chunks: list[Chunk], embed: Embedder) -> list[Chunk]:
    """``chunks`` by role (``ROLE_ORDER``; generated also by the notice a file's first chunk opens with), then by
    length in wordpieces, so each batch pads little."""
    from onboard.store.vectors import document

    lengths = embed.lengths([document(c) for c in chunks])
    rank = {role: n for n, role in enumerate(ROLE_ORDER)}
    roles = content_roles({c.path for c in chunks}, chunk_heads(chunks))
    order = sorted(range(len(chunks)), key=lambda i: (rank.get(roles[chunks[i].path], len(rank)), lengths[i]))
    return [chunks[i] for i in order]


@contextlib.contextmanager
def embedding_lock(directory: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's embedding lock for the block; Timeout when it is not free within ``wait`` s."""
    lock = FileLock(str(directory / EMBED_LOCK), timeout=wait)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _is_worker(pid: int) -> bool:
    """The pid in a status file still names an onboard process (pids are reused)."""
    try:
        return b"onboard" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@contextlib.contextmanager
def stopped_embedding(directory: Path) -> Iterator[None]:
    """Stop whoever embeds this index (SIGTERM: it ends at once, or after a chroma write in flight)
    and hold the embedding lock for the block, so `remove`, `--rebuild` and `--wait` never write
    vectors at the same time as a worker."""
    lock = FileLock(str(directory / EMBED_LOCK), timeout=0)
    deadline, stopped, pid = time.monotonic() + STOP_SECONDS, set(), 0
    while True:
        try:
            lock.acquire(timeout=0.5)
            break
        except Timeout:
            pid = int(_read_status(directory).get("pid", 0))  # a starting worker names itself a moment later
            if pid and pid not in stopped and pid != os.getpid() and _is_worker(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                stopped.add(pid)
            if time.monotonic() > deadline:
                raise OnboardError(f"The embedding worker of {directory.name!r} (pid {pid}) did not stop within "
                                   f"{STOP_SECONDS:.0f} s; try again, or end it with `kill {pid}`.") from None
    try:
        yield
    finally:
        lock.release()


def start_worker(settings: Settings, name: str) -> int | None:
    """Start a detached worker that fills the vectors of index ``name``, unless one is at it.
    Returns its pid (None when one was already running)."""
    directory = settings.index_dir(name)
    if not _lock_is_free(directory):
        return None  # the running worker re-checks the generation before it exits
    return spawn_detached(settings, "onboard.store.vector_fill", [name], directory / WORKER_LOG).pid


def spawn_detached(settings: Settings, module: str, args: list[str], log_path: Path) -> subprocess.Popen:
    """Run ``python -m module args`` in its own session (it outlives its caller, a web page's rerun
    and Ctrl-C) with this process's settings, printing into ``log_path``."""
    _children[:] = [child for child in _children if child.poll() is None]
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONBOARD_CHROMA_")}
    env.update(ONBOARD_HOME=str(settings.home), ONBOARD_EMBEDDER=settings.embedder,
               PYTHONPATH=os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), env.get("PYTHONPATH")])))
    if settings.chroma_host:
        env.update(ONBOARD_CHROMA_HOST=settings.chroma_host, ONBOARD_CHROMA_PORT=str(settings.chroma_port))
    with open(log_path, "ab") as log:
        child = subprocess.Popen([sys.executable, "-m", module, *args], env=env, cwd=settings.home,
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True, close_fds=True)
    _children.append(child)
    return child


def wait_until_complete(settings: Settings, name: str, progress: Progress | None = None, poll: float = 0.5) -> int:
    """Return once the vectors of ``name`` are complete. Follows a running worker; when none is
    running (never started, killed, failed) embeds the rest in this process. Returns how many
    chunks this process embedded."""
    directory = settings.index_dir(name)
    notify = progress or (lambda stage, done, total: None)
    while True:
        db = IndexDB(directory / DB_NAME, name)
        try:
            state = vector_progress(directory, db)
        finally:
            db.close()
        notify("embedding", state.done, state.total)
        if state.state == "complete":
            return 0
        if state.state in ("stopped", "failed", "off"):
            try:
                with embedding_lock(directory):
                    return fill_vectors(settings, name, progress)[0]
            except Timeout:
                pass  # a worker started meanwhile: follow it
        time.sleep(poll)


@contextlib.contextmanager
def _home_turn(directory: Path) -> Iterator[None]:
    """One worker embeds per home at a time; the others say they are queued."""
    turn = directory.parent / CACHE_DIR / "worker.lock"
    turn.parent.mkdir(exist_ok=True)
    lock = FileLock(str(turn), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        _write_status(directory, **{**_read_status(directory), "state": "queued"})
        lock.acquire(timeout=-1)
    try:
        yield
    finally:
        lock.release()


def _work(settings: Settings, name: str) -> None:
    """The worker: take the index's embedding lock (or leave it to whoever holds it), wait for the
    home's turn, fill, and look once more after letting go, in case a reindex came in between."""
    directory = settings.index_dir(name)
    while (directory / DB_NAME).exists():
        try:
            with embedding_lock(directory, wait=5.0):
                # Name this pid at once: loading a big index's chunks and chroma takes a while, and
                # `remove` or `--rebuild` must be able to stop the worker meanwhile.
                _write_status(directory, **{**_read_status(directory), "state": "starting"})
                with _home_turn(directory):
                    if not (directory / DB_NAME).exists():
                        return  # removed while this worker waited
                    fill_vectors(settings, name)
        except Timeout:
            return  # another worker holds it and will look again before it exits
        db = IndexDB(directory / DB_NAME, name)
        try:
            if db.manifest().get("vectors_complete") == "true":
                return
        finally:
            db.close()


def main(argv: list[str] | None = None) -> int:
    global _deferred  # noqa: PLW0603 - this process is a worker: writes defer a SIGTERM (`_whole`)
    name = (argv or sys.argv[1:])[0]
    settings = Settings.from_env()
    _deferred = []
    # The kernel's: at once, whatever the threads do; the locks (flock) go with the process.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICE)
    try:
        _work(settings, name)
    except Exception as err:  # noqa: BLE001 - recorded for `onboard list`, then re-raised into the log
        _write_status(settings.index_dir(name), **{**_read_status(settings.index_dir(name)), "state": "failed",
                                                  "error": str(err) or type(err).__name__})
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
