"""Redact, parse and chunk the files an index run must (re)read: in this process for a small change,
also in worker processes for a big one on a machine with idle cores.

Parsing holds the GIL (tree-sitter is called per file and its queries build Python objects), so
threads do not help; processes do, once the work outweighs starting them. A worker imports
tree-sitter, its grammars and the redaction rules (about half a second of CPU), so workers start
only for changes of at least ``POOL_MIN_BYTES``, never for a one-file reindex, and only for cores
the machine's load leaves idle. Results come back in the order the files were given, equal to the
serial path's (tests/test_prepare.py).

Results travel as plain tuples, rebuilt into records here: pickling a quarter million frozen
dataclasses (a 20 MB tree's references) and unpickling them cost 2.5 s of CPU, tuples 0.3 s.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from operator import attrgetter

from onboard.config import cores
from onboard.models import Chunk, Import, ParsedFile, Reference, SourceFile, Symbol
from onboard.parse.chunker import chunk_file
from onboard.parse.parser import parse_file
from onboard.scan import redact

# Below this, starting workers (~0.5 s CPU each) costs more than they save (about half of ~0.35 s of parse
# CPU per MB on 2 cores); bench/index_bench.py measures the ratio at 2, 8 and 20 MB.
POOL_MIN_BYTES = 4_000_000
MAX_WORKERS = 3  # more would mostly add start-up and this process's unpacking
WORKERS: int | None = None  # a fixed worker count for big changes (benchmarks); None decides by cores and load
BATCH_BYTES = 256_000  # per task: small enough to keep both workers busy to the end, big enough to amortise IPC
log = logging.getLogger("onboard.parse")


@dataclass(frozen=True)
class PreparedFile:
    """One changed file, ready to store: its redacted text, how many secrets that replaced, what the
    parser found and its chunks (cut from the redacted text)."""

    source: SourceFile
    redactions: int
    parsed: ParsedFile
    chunks: list[Chunk]


def prepare_file(source: SourceFile) -> PreparedFile:
    text, count = redact(source.text)
    redacted = replace(source, text=text)
    parsed = parse_file(redacted)
    return PreparedFile(redacted, count, parsed, chunk_file(source.path, text, parsed.symbols))


# -- transport: a file's results as tuples of plain values ---------------------------------------------

Packed = tuple  # (text or None when unchanged, redactions, had_errors, symbols, references, imports, chunks)


def _values(cls: type) -> Callable[[object], tuple]:
    """A record's field values in field order, so that ``cls(*values)`` rebuilds it (attrgetter: in C)."""
    return attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]


_SYMBOL, _IMPORT, _CHUNK = _values(Symbol), _values(Import), _values(Chunk)


def _pack(source: SourceFile) -> Packed:
    done = prepare_file(source)
    parsed = done.parsed
    return (done.source.text if done.redactions else None, done.redactions, parsed.had_errors,
            [_SYMBOL(s) for s in parsed.symbols], [(r.name, r.line, r.method, r.attribute) for r in parsed.references],
            [_IMPORT(i) for i in parsed.imports], [_CHUNK(c) for c in done.chunks])


def pack_batch(sources: list[SourceFile]) -> list[Packed]:
    return [_pack(source) for source in sources]


def _unpack(source: SourceFile, packed: Packed) -> PreparedFile:
    text, redactions, had_errors, symbols, references, imports, chunks = packed
    if text is not None:
        source = replace(source, text=text)
    path = source.path
    parsed = ParsedFile(path, source.language, [Symbol(*s) for s in symbols],
                        [Reference(name, path, line, *flags) for name, line, *flags in references],
                        [Import(*i) for i in imports], had_errors)
    return PreparedFile(source, redactions, parsed, [Chunk(*c) for c in chunks])


def _batches(sources: list[SourceFile]) -> list[list[SourceFile]]:
    batches: list[list[SourceFile]] = []
    size = BATCH_BYTES
    for source in sources:
        if size >= BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(source)
        size += source.size
    return batches


def pool_workers(sources: list[SourceFile]) -> int:
    """How many worker processes these files are worth: none below ``POOL_MIN_BYTES``, else one per
    core the machine's load leaves idle: on a shared machine whose cores are busy, workers only add
    their start-up and the transport (bench/index_bench.py). One per core, not one less: this process
    mostly stores and unpacks, and parses only while it would wait."""
    if sum(s.size for s in sources) < POOL_MIN_BYTES:
        return 0
    if WORKERS is not None:
        return WORKERS
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(0, min(MAX_WORKERS, round(cores() - load)))


class _Workers:
    """``python -m onboard.parse.worker`` processes, each fed one batch at a time by a thread here.

    Written here rather than with ``multiprocessing``/``ProcessPoolExecutor``: their spawn and
    forkserver start methods re-run the caller's ``__main__`` script in every worker (a script that
    indexes without an ``if __name__ == "__main__"`` guard would index again, recursively), and fork
    is unsafe in a process with threads, as the web app's are. A worker that dies, or cannot start,
    leaves its batches to this process (``outcome`` settles them as None).
    """

    def __init__(self, count: int, batches: list[list[SourceFile]]) -> None:
        self.batches = batches
        self.next = 0  # batches are handed out in order, to the workers and to this process alike
        self.results: dict[int, list[Packed] | None] = {}
        self.done = threading.Condition()
        self.stopping = False
        # The worker imports what this process would, in the same order (a script may have put a checkout first).
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}
        self.processes: list[subprocess.Popen] = []
        self.threads: list[threading.Thread] = []
        for _ in range(count):
            try:
                process = subprocess.Popen([sys.executable, "-m", "onboard.parse.worker"], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, env=env)
            except OSError as err:
                log.warning("parsing in this process: cannot start a worker (%s)", err)
                break
            self.processes.append(process)
            thread = threading.Thread(target=self._feed, args=(process,), daemon=True, name="onboard-parse-feed")
            thread.start()
            self.threads.append(thread)

    def claim(self) -> int | None:
        """The next batch no one has taken, now taken (by a worker's feeder or by this process); None if
        none is left."""
        with self.done:
            if self.stopping or self.next == len(self.batches):
                return None
            self.next += 1
            return self.next - 1

    def _feed(self, process: subprocess.Popen) -> None:
        try:
            pickle.load(process.stdout)  # ready: a starting worker takes no batch this process could do meanwhile
        except Exception as err:  # noqa: BLE001 - no worker: this process prepares everything
            log.warning("parsing in this process: a worker did not start (%s)", err)
            return
        while (index := self.claim()) is not None:
            try:
                pickle.dump(self.batches[index], process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                process.stdin.flush()
                packed = pickle.load(process.stdout)
            except Exception as err:  # noqa: BLE001 - a dead worker's batch is parsed here; any cause
                if not self.stopping:
                    log.warning("parsing in this process: a worker stopped (%s)", err)
                packed = None
            with self.done:
                self.results[index] = packed
                self.done.notify_all()
            if packed is None:
                return

    def outcome(self, index: int, block: bool) -> tuple[bool, list[Packed] | None]:
        """``(True, packed)`` once batch ``index`` is settled: the packed results a worker sent, or None
        when this process must prepare it (no worker had taken it, and now this process has; or none
        will). ``(False, None)`` while a worker has it and, not ``block``, it is not back yet."""
        with self.done:
            while index not in self.results:
                if self.next == index:
                    self.next += 1
                    return True, None
                if not any(thread.is_alive() for thread in self.threads):
                    return True, None
                if not block:
                    return False, None
                self.done.wait(0.1)
            return True, self.results.pop(index)

    def close(self) -> None:
        self.stopping = True
        for process in self.processes:
            with contextlib.suppress(OSError):
                process.stdin.close()  # a worker ends at the end of its input
        for process in self.processes:
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:  # interrupted mid-batch: do not wait for it
                process.kill()
                process.wait()
        for thread in self.threads:
            thread.join()


def prepare_files(sources: list[SourceFile], workers: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> Iterator[list[PreparedFile]]:
    """``sources`` prepared, in order, a batch at a time (the caller stores each while the workers go
    on). ``workers`` 0 prepares them here; otherwise that many worker processes do, and what they
    could not (a worker died, or could not start) is prepared here."""
    notify = progress or (lambda done, total: None)
    batches = _batches(sources)
    pool = _Workers(workers, batches) if workers and batches else None
    ahead: dict[int, list[PreparedFile]] = {}  # batches this process prepared while waiting for a worker's
    files = 0
    try:
        for index, batch in enumerate(batches):
            prepared = ahead.pop(index, None)
            if prepared is None:
                settled, packed = pool.outcome(index, block=False) if pool else (True, None)
                while not settled and pool and (spare := pool.claim()) is not None:
                    ahead[spare] = [prepare_file(source) for source in batches[spare]]
                    settled, packed = pool.outcome(index, block=False)
                if not settled and pool:
                    settled, packed = pool.outcome(index, block=True)
                prepared = ([prepare_file(source) for source in batch] if packed is None else
                            [_unpack(source, result) for source, result in zip(batch, packed)])
            yield prepared
            files += len(batch)
            notify(files, len(sources))
    finally:
        if pool:
            pool.close()
