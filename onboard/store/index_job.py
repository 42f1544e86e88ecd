"""Indexing as a background job, for the web app: it goes on when the page is left or reloaded.

A job is a detached process (``python -m onboard.store.index_job NAME ROOT``, its own session, like
the embedding worker) that runs ``build_index`` and writes its progress to ``<index>/index-job.json``;
any page, in any browser session, reads that file to show the stage, how far it is, when it will end,
and to cancel it.

Cancel sends SIGTERM. The job turns it into an exception, so ``build_index`` unwinds: SQLite's
transaction rolls back (the index keeps its last complete state, or stays empty if it never had
one, which the job's record says) and its ``finally`` releases the index lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from filelock import FileLock, Timeout

from onboard.config import Settings, name_for_folder, validate_index_name
from onboard.errors import IndexLocked, OnboardError
from onboard.store.db import IndexDB, held_root, refuse_another_root
from onboard.store.layout import DB_NAME, JOB_FILE, JOB_LOG, LOCK_NAME, claim_home, is_our_index
from onboard.store.vector_fill import spawn_detached

MODULE = "onboard.store.index_job"
CANCEL_SECONDS = 30.0  # a job stops at its next Python instruction; a long C call (one parse) delays it
WRITE_EVERY = 0.5  # seconds between progress writes (a stage change is always written)
START_SECONDS = 30.0  # a job that has not reported by then is judged by its command line alone
log = logging.getLogger("onboard.index_job")


@dataclass(frozen=True)
class IndexJob:
    """A web-started indexing job as its record says. ``state``: running, done, failed or cancelled."""

    name: str
    state: str
    stage: str = "starting"
    done: int = 0
    total: int = 0
    path: str = ""
    rebuild: bool = False
    started: float = 0.0
    stage_started: float = 0.0
    updated: float = 0.0
    message: str = ""
    pid: int = 0

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def eta_seconds(self, now: float | None = None) -> float | None:
        """Seconds left, from the parse rate so far (parsing is most of the work); None while unknown."""
        if not self.running or self.stage != "parse" or not self.done or self.done >= self.total:
            return None
        elapsed = (now or time.time()) - self.stage_started
        return elapsed / self.done * (self.total - self.done)

    def describe(self) -> str:
        """One line for the indexes page: what it does now, or how it ended."""
        if not self.running:
            return self.message
        step = f"{self.stage} {self.done:,}/{self.total:,}" if self.total else f"{self.stage}…"
        eta = self.eta_seconds()
        left = f", about {_duration(eta)} left" if eta is not None else ""
        return f"{step} ({_duration(time.time() - self.started)} so far{left})"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def _record_path(settings: Settings, name: str) -> Path:
    return settings.index_dir(name) / JOB_FILE


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write(path: Path, record: dict) -> None:
    """Atomic replace, so a reader never sees half a record."""
    temporary = path.with_name(f".{JOB_FILE}.{os.getpid()}")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, path)


def _is_job(pid: int, starting: bool = False) -> bool:
    """``pid`` is still a job process: alive, not a finished child nobody reaped yet, and running our
    module (pids are reused). A job just started may not have exec'd yet: its command line is then
    its launcher's, or empty."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, IndexError):
        return False
    return state != "Z" and (starting or MODULE.encode() in command)


def _just_started(job: IndexJob) -> bool:
    """Launched moments ago and not yet reporting: its process may still be on its way to exec. Only
    for seconds, so a stale record never makes a reused pid pass for a job (and get a SIGTERM)."""
    return job.stage == "starting" and time.time() - job.updated < START_SECONDS


def indexing_progress(name: str, settings: Settings | None = None) -> IndexJob | None:
    """The latest web-started job of index ``name``; None when there never was one. A job whose
    process died without saying so (killed, machine restarted) reads as failed."""
    record = _read(_record_path(settings or Settings.from_env(), name))
    if not record:
        return None
    fields = {key: record[key] for key in IndexJob.__dataclass_fields__ if key in record and key != "name"}
    job = IndexJob(name, **fields)
    if job.running and job.pid and not _is_job(job.pid, starting=_just_started(job)):
        return replace(job, state="failed", message="The indexing job stopped unexpectedly; start it again.")
    return job


def indexing_jobs(settings: Settings | None = None) -> list[IndexJob]:
    """The latest job of every index folder that has one."""
    settings = settings or Settings.from_env()
    home = settings.home
    if not home.is_dir():
        return []
    jobs = []
    for record in sorted(home.glob(f"*/{JOB_FILE}")):
        with contextlib.suppress(OnboardError):
            job = indexing_progress(validate_index_name(record.parent.name), settings)
            if job:
                jobs.append(job)
    return jobs


def repository_root(path: str, settings: Settings) -> Path:
    """A folder a person typed, checked: it exists, is a directory, and is not inside the index home
    (indexing onboard's own files would index chat histories and vectors)."""
    text = (path or "").strip()
    if not text:
        raise OnboardError("Type the path of a repository folder on this machine, like /home/me/src/flask.")
    root = Path(text).expanduser()
    if not root.is_absolute():
        raise OnboardError(f"{text!r} is not an absolute path: type the full path, like /home/me/src/flask "
                           "or ~/src/flask.")
    if not root.exists():
        raise OnboardError(f"There is no folder {root}: check the path.")
    if not root.is_dir():
        raise OnboardError(f"{root} is a file: type the folder of the repository instead.")
    root = root.resolve()
    claim_home(settings.home, root)
    return root


def start_indexing(path: str | None = None, name: str | None = None, settings: Settings | None = None,
                   rebuild: bool = False) -> IndexJob:
    """Start indexing ``path`` as ``name`` (default: the folder's name) in the background, or, with no
    path, reindex ``name`` from the folder it was built from. Returns once the job runs."""
    settings = settings or Settings.from_env()
    if path is not None:
        root = repository_root(path, settings)
        name = validate_index_name(name) if name else name_for_folder(root)
    else:
        name = validate_index_name(name or "")
        recorded = held_root(settings.index_dir(name), name)
        if recorded is None:
            raise OnboardError(f"Index {name!r} does not record which repository it came from; index it again "
                               "by its path.")
        if not Path(recorded).is_dir():  # the user typed no path: "check the path" would be no help
            raise OnboardError(f"The repository of index {name!r} is no longer at {recorded}: if it moved, index "
                               f"its new path with the name {name}.")
        root = repository_root(recorded, settings)
    directory = settings.index_dir(name)
    if directory.is_symlink() or (directory.exists() and any(directory.iterdir()) and not is_our_index(directory)):
        raise OnboardError(f"{directory} exists and is not an onboard index; choose another name.")
    refuse_another_root(directory, name, root)
    current = indexing_progress(name, settings)
    if current and current.running:
        raise OnboardError(f"{name} is being indexed already ({current.describe()}); wait for it or cancel it.")
    directory.mkdir(parents=True, exist_ok=True)
    if not _lock_free(directory):
        raise IndexLocked(name)
    now = time.time()
    record = {"state": "running", "stage": "starting", "path": str(root), "rebuild": rebuild, "started": now,
              "stage_started": now, "updated": now}
    _write(directory / JOB_FILE, record)
    child = spawn_detached(settings, MODULE, [name, str(root), *(["--rebuild"] if rebuild else [])],
                           directory / JOB_LOG)
    _write(directory / JOB_FILE, {**record, "pid": child.pid})
    return indexing_progress(name, settings)


def _lock_free(directory: Path) -> bool:
    lock = FileLock(str(directory / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return False
    lock.release()
    return True


def cancel_indexing(name: str, settings: Settings | None = None, wait: float = CANCEL_SECONDS) -> IndexJob:
    """Stop the running job of ``name`` and return once it has let go of the index (its record
    then says cancelled, or done when the cancel came after the index was written)."""
    settings = settings or Settings.from_env()
    job = indexing_progress(name, settings)
    if job is None or not job.running:
        raise OnboardError(f"No indexing job of {name} is running.")
    if job.pid and _is_job(job.pid, starting=_just_started(job)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(job.pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        ended = indexing_progress(name, settings)
        if not ended.running and _lock_free(settings.index_dir(name)):
            if ended.state == "failed" and ended.stage == "starting":  # stopped before it could say so
                path = _record_path(settings, name)
                _write(path, {**_read(path), "state": "cancelled", "updated": time.time(),
                              "message": f"Indexing {name} was cancelled before it began; the index is as it was."})
                ended = indexing_progress(name, settings)
            return ended
        time.sleep(0.1)
    raise OnboardError(f"The indexing job of {name} (pid {job.pid}) did not stop within {wait:.0f} s; try again, "
                       f"or end it with `kill {job.pid}`.")


class Cancelled(BaseException):
    """SIGTERM: unwinds like Ctrl-C does, through every ``finally`` (locks, transactions)."""


def _completed_at(directory: Path) -> str:
    """When the index was last completely written ("" if never)."""
    try:
        db = IndexDB(directory / DB_NAME, directory.name)
    except OnboardError:
        return ""
    try:
        return db.manifest().get("updated_at", "")
    except OnboardError:
        return ""
    finally:
        db.close()


def run(settings: Settings, name: str, root: str, rebuild: bool) -> IndexJob:
    """The job itself (in the detached process): index, recording progress and how it ended."""
    from onboard.store.indexer import build_index

    path = _record_path(settings, name)
    record = {**_read(path), "state": "running", "pid": os.getpid(), "path": root, "rebuild": rebuild}
    record.setdefault("started", time.time())
    before = _completed_at(settings.index_dir(name))

    last_call = [time.time()]

    def progress(stage: str, done: int, total: int) -> None:
        now, previous = time.time(), last_call[0]
        last_call[0] = now
        if stage != record.get("stage"):
            record["stage_started"] = previous  # a stage reports first when it has done some work
        elif now - record.get("updated", 0) < WRITE_EVERY and done < total:
            return
        record.update(stage=stage, done=done, total=total, updated=now)
        _write(path, record)

    signal.signal(signal.SIGTERM, _cancel)
    try:
        report = build_index(root, name, settings, progress, rebuild=rebuild, background=True)
        record.update(state="done", message=f"Indexed {name}: {report.files:,} files ({report.indexed:,} parsed, "
                                            f"{report.unchanged:,} unchanged, {report.removed:,} removed), "
                                            f"{report.symbols:,} symbols; vectors fill in the background.")
    except Cancelled:
        after = _completed_at(settings.index_dir(name))
        if after and after != before:
            record.update(state="done", message=f"Indexed {name}: the cancel came after the index was written.")
        else:
            keeps = (f"the index keeps its state of {before}" if before and not rebuild else
                     "the index is empty until it is indexed again")
            record.update(state="cancelled", message=f"Indexing {name} was cancelled: {keeps}.")
    except OnboardError as err:
        record.update(state="failed", message=str(err))
    except Exception as err:  # noqa: BLE001 - recorded for the page in one sentence; the traceback goes to the log
        log.exception("indexing job failed")
        record.update(state="failed", message=f"Indexing {name} failed ({type(err).__name__}: {err}); "
                                              f"see {settings.index_dir(name) / JOB_LOG}.")
    record["updated"] = time.time()
    _write(path, record)
    return indexing_progress(name, settings)


def _cancel(signum: int, frame: object) -> None:
    raise Cancelled()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    rebuild = "--rebuild" in args
    name, root = [a for a in args if a != "--rebuild"][:2]
    logging.basicConfig(level=logging.INFO)
    job = run(Settings.from_env(), name, root, rebuild)
    return 0 if job and job.state in ("done", "cancelled") else 1


if __name__ == "__main__":
    sys.exit(main())
