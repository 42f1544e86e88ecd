"""The files of one index directory (``<home>/<name>/``), its writer lock, and what may be deleted.

Only the entries named here are ever deleted by onboard; anything else in an index directory is
someone else's and stays.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from filelock import FileLock, Timeout

from onboard.errors import IndexLocked, OnboardError
from onboard.scan import HOME_MARKER

DB_NAME = "index.sqlite3"
CHROMA_DIR = "chroma"
ROOT_COPY = "root.txt"
LOCK_NAME = ".lock"  # held by index, reindex and remove: one writer of SQLite at a time
EMBED_LOCK = ".embed.lock"  # held by whoever writes the vectors (the background worker, or `--wait`)
STATUS_FILE = "vectors.json"  # the embedding worker's progress, for `onboard list` and answers
WORKER_LOG = "embedding.log"  # what the detached worker printed (errors, mostly)
CHAT_DB = "chat.sqlite3"  # the web chat's history of this index
JOB_FILE = "index-job.json"  # progress of an indexing job started from the web app
JOB_LOG = "index-job.log"  # what that job printed
SEARCH_TABLES = "search-tables.npz"  # the retriever's lexical tables, so a new process need not build them
# A rebuild keeps these: they are the people's (chat) or belong to the job doing the rebuild.
PRESERVED = frozenset({CHAT_DB, f"{CHAT_DB}-wal", f"{CHAT_DB}-shm", f"{CHAT_DB}-journal", JOB_FILE, JOB_LOG})
INDEX_ENTRIES = frozenset({DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", CHROMA_DIR, ROOT_COPY,
                           LOCK_NAME, EMBED_LOCK, STATUS_FILE, WORKER_LOG, SEARCH_TABLES}) | PRESERVED
LOCKS = frozenset({LOCK_NAME, EMBED_LOCK})
CACHE_DIR = ".embeddings"  # in the home: the shared embedding cache; no index can be named so


def is_entry(name: str) -> bool:
    """One of ours: a listed entry, or a temporary twin a crash may leave behind."""
    return name in INDEX_ENTRIES or name.startswith((f".{STATUS_FILE}.", f".{JOB_FILE}.", f".{SEARCH_TABLES}."))


def index_lock(directory: Path, name: str) -> FileLock:
    """Hold the index's lock or raise IndexLocked: one writer (index, reindex, remove) at a time."""
    lock = FileLock(str(directory / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout as err:
        raise IndexLocked(name) from err
    return lock


def claim_home(home: Path, root: Path) -> None:
    """Refuse a repository inside the index home (it would index onboard's own data) and the file system's root
    (a slip of the finger that reads every disk for an hour), and mark the home so that a scan of a tree holding
    it leaves it out (``scan.HOME_MARKER``)."""
    if root == Path(root.anchor):
        raise OnboardError(f"{root} is the root of the file system, not a repository: give the repository's folder.")
    home = home.expanduser().resolve()
    if root == home or home in root.parents:
        raise OnboardError(f"{root} is inside the index home ({home}), where onboard keeps its own data: "
                           "choose a repository folder instead.")
    home.mkdir(parents=True, exist_ok=True)
    (home / HOME_MARKER).touch(exist_ok=True)


def is_our_index(directory: Path) -> bool:
    """An index directory of ours has the root copy the indexer writes first, our lock file (which every
    index, reindex and remove leaves), or an SQLite database under our name; after a run killed at its very
    start, only our lock file and a web job's progress. A file that merely has our database's name is not
    enough: `remove` deletes what is ours, and someone's folder may hold an ``index.sqlite3`` of another kind."""
    if not directory.is_dir():
        return False
    names = {child.name for child in directory.iterdir()}
    if ROOT_COPY in names or names & LOCKS or _is_sqlite(directory / DB_NAME):
        return True
    return bool(names) and names <= PRESERVED


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def wipe(directory: Path, keep: frozenset[str] = LOCKS) -> list[str]:
    """Delete the entries of an index directory that are ours (never anything else); return the
    names of entries that were left because they are not ours."""
    foreign = []
    for child in directory.iterdir():
        if child.name in keep:
            continue
        if not is_entry(child.name) or child.is_symlink():
            foreign.append(child.name)
            continue
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    return sorted(foreign)
