"""Walk a repository and decide, file by file, what is worth indexing and why not.

Every refusal becomes a ``SkippedFile`` with a reason, so `onboard stats` can tell a user exactly
what was left out instead of silently shrinking the index.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from onboard.config import MAX_FILE_BYTES
from onboard.models import SkippedFile, SourceFile
from onboard.scan.languages import language_for, language_of_text
from onboard.scan.secrets import is_secret_file

ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".tox",
                                 ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".DS_Store"})
IGNORE_FILES = (".gitignore", ".onboardignore")
# Written by the store into every index home: a folder holding it is onboard's own data (other indexes' roots,
# logs, chat histories), never a repository's code, wherever it sits (a home inside an indexed tree that no
# .gitignore covers, or someone else's).
HOME_MARKER = ".onboard-home"
MINIFIED_LINE = 5000
MINIFIED_AVERAGE = 500
BUNDLED_LANGUAGES = frozenset({"javascript", "css", "json", "html", "typescript"})
ELIDED_KEEP = 200  # characters kept of a line too long to index in an otherwise normal file
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))
# A file modified this close to the scan may change again within the same mtime tick: its stamp is
# not trusted (the same "racy" rule git's index uses), so the next scan reads it again.
RACY_NS = 2_000_000_000
_SPECIAL = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
            (stat.S_ISBLK, "block device"))


class NotRegularFile(OSError):
    """Raised instead of opening a FIFO, socket or device: reading one can block forever."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"special file ({kind}), never opened")


def _special_kind(mode: int) -> str | None:
    return next((kind for test, kind in _SPECIAL if test(mode)), "not a regular file" if not stat.S_ISREG(mode) else None)


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``limit``; anything else raises NotRegularFile.

    The file is opened non-blocking and checked on the open descriptor, so a FIFO that replaces a
    file between listing and reading cannot hang the scan either.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        kind = _special_kind(os.fstat(fd).st_mode)
        if kind:
            raise NotRegularFile(kind)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read() if limit is None else handle.read(limit)
    finally:
        os.close(fd)


def display_name(name: str) -> str:
    """A file name as text that SQLite and a terminal accept, even when it is not valid UTF-8."""
    return os.fsencode(name).decode("utf-8", errors="replace")


def _valid_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # os.scandir decodes undecodable bytes to surrogates
        return False


Stamp = tuple[int, int]  # (size, mtime_ns): a file with the same stamp as last time has the same bytes


@dataclass
class ScanResult:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # paths whose stamp or bytes matched the last index
    stamps: dict[str, Stamp] = field(default_factory=dict)  # trustworthy stamps of files and unchanged
    # Stamps of what else decides the result: each directory walked ("" the root; its mtime moves when an
    # entry is added, removed or renamed), each ignore file read, each file read and skipped. ``UNTRUSTED``
    # where a stamp cannot vouch for it (too recent, unreadable, a broken symlink whose target may appear).
    watched: dict[str, Stamp] = field(default_factory=dict)


UNTRUSTED: Stamp = (-1, -1)  # matches no real stat: whoever compares must scan
# What a walk finds in an unchanged tree. Bump it when that changes (a language, a skip rule, a limit): watched
# stamps recorded under other rules do not spare the walk, or a file the new rules index would stay unseen.
SCAN_RULES = "3"


@dataclass(frozen=True)
class _Rules:
    """Ignore rules of one directory; gitignore patterns are relative to the file that holds them."""

    base: str  # repo-relative dir, "" for the root
    spec: pathspec.PathSpec

    def ignores(self, rel: str, is_dir: bool) -> bool:
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1:]
        return self.spec.match_file(rel + "/" if is_dir else rel)


def _load_rules(directory: Path, base: str, watched: dict[str, Stamp], started_ns: int) -> list[_Rules]:
    rules = []
    for name in IGNORE_FILES:
        try:
            watched[f"{base}/{name}" if base else name] = _trusted(os.stat(directory / name), started_ns)
            lines = read_regular(directory / name).decode("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        rules.append(_Rules(base, _ignore_spec(lines)))
    return rules


def _ignore_spec(lines: list[str]) -> pathspec.PathSpec:
    """The patterns of one ignore file. git skips a line it cannot read (`build\\`, a lone `!`, `[z-a]`) and keeps
    the rest, where pathspec refuses the whole file; one such line in any repository would stop its every scan
    (and so `onboard list`). The lines are read one by one only when the whole file does not compile."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        return pathspec.GitIgnoreSpec.from_lines([line for line in lines if _readable_pattern(line)])


def _readable_pattern(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


def _format_size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def _is_minified(text: str, language: str) -> bool:
    """A file that is little more than a few huge lines, in any language; for web assets (where
    bundlers emit them) any huge line or a high average line length is enough. A huge line inside
    an ordinary source file is elided instead (``_elide_long_lines``), so the file's code stays."""
    bundled = language in BUNDLED_LANGUAGES
    # Counting newlines, not splitting: every file of a tree passes here, and almost none is minified.
    if len(text) / (text.count("\n") + 1) > MINIFIED_AVERAGE and (
            bundled or sum(1 for line in text.split("\n") if line.strip()) <= 3):
        return True
    return bundled and len(text) > MINIFIED_LINE and max(map(len, text.split("\n"))) > MINIFIED_LINE


def _elide_long_lines(text: str) -> str:
    """Shorten the rare huge line (a data blob) of an otherwise ordinary file; the line stays, so
    line numbers hold, and says how much was left out."""
    # map/max run in C: this is every file's hot path; a file shorter than one long line has none
    if len(text) <= MINIFIED_LINE or max(map(len, text.split("\n"))) <= MINIFIED_LINE:
        return text
    return "\n".join(line if len(line) <= MINIFIED_LINE else
                     f"{line[:ELIDED_KEEP]} … [{len(line) - ELIDED_KEEP:,} characters not indexed]"
                     for line in text.split("\n"))


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, why not): UTF-8 (with or without BOM), or UTF-16/32 with a BOM."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _lines_apart(data.decode(codec)), None
            except UnicodeDecodeError:
                return None, f"not valid {codec.upper()} (it starts with a {codec.upper()} byte order mark)"
    if b"\0" in data[:8192]:
        return None, "binary"
    try:
        return _lines_apart(data.decode("utf-8-sig")), None
    except UnicodeDecodeError as err:
        return None, f"not UTF-8 (bad byte at offset {err.start})"


def _lines_apart(text: str) -> str:
    """A file whose lines end in a lone CR (classic Mac OS) with its lines ending in LF. Parsers, chunks and line
    numbers count LF only, so such a file read as one line (skipped as minified, every definition on line 1);
    editors and Python show its lines apart. A CR inside an LF or CRLF file is left alone."""
    return text.replace("\r", "\n") if "\r" in text and "\n" not in text else text


def _classify(rel: str) -> str | SkippedFile:
    """The language of ``rel``, or why a file of that name is never read (decided by name alone)."""
    if is_secret_file(rel):
        return SkippedFile(rel, "secret file (never indexed)")
    language = language_for(rel)
    return SkippedFile(rel, "not a source or documentation file") if language is None else language


def read_source(path: Path, rel: str, max_bytes: int = MAX_FILE_BYTES) -> SourceFile | SkippedFile:
    """Read one file and turn it into a SourceFile, or say why it cannot be one."""
    language = _classify(rel)
    return language if isinstance(language, SkippedFile) else _read_source(path, rel, language, max_bytes)


def _read_source(path: Path, rel: str, language: str, max_bytes: int) -> SourceFile | SkippedFile:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return SkippedFile(rel, f"too large ({_format_size(size)} > {_format_size(max_bytes)})")
        data = read_regular(path, max_bytes + 1)
    except NotRegularFile as err:
        return SkippedFile(rel, str(err))
    except OSError as err:
        return SkippedFile(rel, f"unreadable ({err.strerror or err})")
    if len(data) > max_bytes:  # it grew between stat and read
        return SkippedFile(rel, f"too large (> {_format_size(max_bytes)})")
    text, problem = _decode(data)
    if text is None:
        return SkippedFile(rel, problem or "unreadable")
    if text and _is_minified(text, language):
        return SkippedFile(rel, "minified")
    return SourceFile(rel, path, language_of_text(rel, language, text), len(data), hashlib.sha256(data).hexdigest(),
                      _elide_long_lines(text))


def _same_bytes(path: str, sha256: str | None, max_bytes: int) -> bool:
    """Whether the file still holds the bytes the last index hashed to ``sha256``. For a file whose
    stamp was not trusted (a fresh clone or copy leaves most files too young to stamp): hashing skips
    decoding, the minified checks and a Path, which made the first reindex after such an index read
    a 20 MB tree as slowly as a new one (bench/index_bench.py)."""
    if sha256 is None:
        return False
    try:
        data = read_regular(path, max_bytes + 1)
    except OSError:  # read_source says why
        return False
    return len(data) <= max_bytes and hashlib.sha256(data).hexdigest() == sha256


def _settled(info: os.stat_result, started_ns: int) -> Stamp | None:
    """(size, mtime_ns), or None when it was modified too close to the scan to trust."""
    return (info.st_size, info.st_mtime_ns) if info.st_mtime_ns < started_ns - RACY_NS else None


def _stamp(entry: os.DirEntry, started_ns: int) -> Stamp | None:
    try:
        return _settled(entry.stat(), started_ns)
    except OSError:
        return None


def _trusted(info: os.stat_result, started_ns: int) -> Stamp:
    """A watched entry's stamp, ``UNTRUSTED`` when it was modified too close to the scan to vouch for it."""
    return _settled(info, started_ns) or UNTRUSTED


def _moved(root: str, known: Mapping[str, Stamp], watched: Mapping[str, Stamp],
           files: Iterable[str]) -> list[str] | None:
    """Which of ``files`` may have changed since the scan that recorded these stamps, told by one stat per
    entry instead of a walk; None when only a walk can tell.

    A file is listed when its (size, mtime_ns) moved or it had no trusted stamp. None when a watched entry
    moved (an entry added, removed or renamed moves its directory's mtime; an ignore file or a skipped file
    edited in place moves its own), when there are no watched stamps (an index made before them), or when
    a stat fails. Sound, not complete: None may also come from a directory something wrote ``__pycache__``
    into.
    """
    if not watched:
        return None
    try:
        for rel, stamp in watched.items():  # a string join, not a Path per entry: one stat per file of the tree
            info = os.stat(f"{root}/{rel}" if rel else root)
            if (info.st_size, info.st_mtime_ns) != stamp:
                return None
        moved = []
        for rel in files:
            info = os.stat(f"{root}/{rel}")
            if known.get(rel) != (info.st_size, info.st_mtime_ns):
                moved.append(rel)
        return moved
    except OSError:
        return None


def _take(result: ScanResult, full: str, rel: str, language: str, stamp: Stamp | None, known: Mapping[str, Stamp],
          hashes: Mapping[str, str], max_bytes: int) -> None:
    """File ``rel`` (at ``full``, of ``language``, with this stamp) into ``result``: unchanged when its stamp
    or bytes are as last indexed, else read."""
    if (stamp is not None and known.get(rel) == stamp) or _same_bytes(full, hashes.get(rel), max_bytes):
        result.unchanged.append(rel)
        if stamp is not None:
            result.stamps[rel] = stamp
        return
    # A Path only for a file that is read: an unchanged file of a big tree costs one stat.
    read = _read_source(Path(full), rel, language, max_bytes)
    if isinstance(read, SourceFile):
        result.files.append(read)
        if stamp is not None:
            result.stamps[rel] = stamp
    else:  # too large, binary, minified, unreadable: an edit in place may change that
        result.skipped.append(read)
        result.watched[rel] = stamp or UNTRUSTED


def _sorted(result: ScanResult) -> ScanResult:
    result.files.sort(key=lambda f: f.path)
    result.skipped.sort(key=lambda s: s.path)
    result.unchanged.sort()
    return result


def _rescan(root: Path, moved: list[str], max_bytes: int, known: Mapping[str, Stamp], hashes: Mapping[str, str],
            watched: Mapping[str, Stamp], skipped: Iterable[SkippedFile]) -> ScanResult:
    """The scan's result when no watched entry moved: the same entries as last time, only ``moved`` read."""
    result = ScanResult(skipped=list(skipped), watched=dict(watched))
    started_ns = time.time_ns()
    again = set(moved)
    for rel in hashes:
        if rel not in again:
            result.unchanged.append(rel)
            result.stamps[rel] = known[rel]
    for rel in moved:
        full = f"{root}/{rel}"
        language = _classify(rel)
        if isinstance(language, SkippedFile):
            result.skipped.append(language)
            continue
        try:
            stamp = _settled(os.stat(full), started_ns)
        except OSError:
            stamp = None  # _read_source says why
        _take(result, full, rel, language, stamp, known, hashes, max_bytes)
    return _sorted(result)


def scan_repo(root: Path, max_bytes: int = MAX_FILE_BYTES, known: Mapping[str, Stamp] | None = None,
              hashes: Mapping[str, str] | None = None, watched: Mapping[str, Stamp] | None = None,
              skipped: Iterable[SkippedFile] = ()) -> ScanResult:
    """Every indexable file under ``root``, sorted by path, and every skipped one with its reason.

    A file whose (size, mtime_ns) equals its stamp in ``known`` (what the last index recorded) is not
    read: it lands in ``unchanged``. Reading and hashing every file is what made `onboard list`'s
    stale check and a one-file reindex of a big tree take seconds. A file without a trusted stamp
    whose bytes still hash to its sha256 in ``hashes`` is ``unchanged`` too, without being decoded.

    Given the last scan's ``watched`` stamps and ``skipped`` files too (``hashes`` then holds every file
    it found), the tree is not walked while no watched entry moved: one stat per entry says which files
    to look at (`onboard list` over many indexes, a reindex after a few edits). Such a result's skipped files
    are ``skipped`` and those it read again: a caller that needs only the files may leave ``skipped`` out.

    Symlinked files are followed only while they stay inside the repository; symlinked directories
    are not followed (their targets are walked under their real paths), and each real directory is
    entered once, so link loops end instead of spinning.
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a directory")
    known, hashes = known or {}, hashes or {}
    if hashes and (moved := _moved(str(root), known, watched or {}, hashes)) is not None:
        return _rescan(root, moved, max_bytes, known, hashes, watched or {}, skipped)
    real_root = root.resolve()
    result = ScanResult()
    started_ns = time.time_ns()
    seen_dirs: set[tuple[int, int]] = set()  # (device, inode): cheaper than resolving every directory

    def inside(real: Path) -> bool:
        return real == real_root or real_root in real.parents

    # An explicit stack rather than recursion: a deeply nested tree must not hit Python's recursion limit.
    pending: list[tuple[Path, str, list[_Rules]]] = [(root, "", [])]
    while pending:
        directory, base, rules = pending.pop()
        try:
            info = os.stat(directory)
            real = (info.st_dev, info.st_ino)
            result.watched[base] = _trusted(info, started_ns)
        except OSError:
            real = (-1, len(seen_dirs))  # scandir below says why it is unreadable
            result.watched[base] = UNTRUSTED
        if real in seen_dirs:
            result.skipped.append(SkippedFile(base, "symlink loop (directory already indexed)"))
            continue
        seen_dirs.add(real)
        rules = rules + _load_rules(directory, base, result.watched, started_ns)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as err:
            result.skipped.append(SkippedFile(base or ".", f"unreadable directory ({err.strerror or err})"))
            continue
        if base and any(entry.name == HOME_MARKER for entry in entries):
            result.skipped.append(SkippedFile(base, "onboard's index home (its own data, not code)"))
            continue
        for entry in entries:
            rel = f"{base}/{entry.name}" if base else entry.name
            if not _valid_utf8(entry.name):
                result.skipped.append(SkippedFile(display_name(rel), "file name is not valid UTF-8 (rename it to "
                                                                     "index it)"))
                continue
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
                special = None if is_dir or entry.is_file() else _special_kind(entry.stat().st_mode)
            except OSError as err:
                result.skipped.append(SkippedFile(rel, "broken symlink" if entry.is_symlink() else
                                                  f"unreadable ({err.strerror or err})"))
                result.watched[rel] = UNTRUSTED
                continue
            if is_dir and entry.name in ALWAYS_SKIPPED_DIRS:
                continue
            if any(rule.ignores(rel, is_dir) for rule in rules):
                continue
            if is_link:
                target = Path(entry.path).resolve()
                if not target.exists():
                    result.skipped.append(SkippedFile(rel, "broken symlink"))
                    result.watched[rel] = UNTRUSTED  # its target may appear without this directory changing
                    continue
                if not inside(target):
                    result.skipped.append(SkippedFile(rel, "symlink leaves the repository"))
                    continue
                if is_dir:  # its target is indexed under its real path; following it could loop
                    result.skipped.append(SkippedFile(rel, "symlink loop or alias of a directory in the repository"))
                    continue
            if is_dir:
                pending.append((Path(entry.path), rel, rules))
            elif special:
                result.skipped.append(SkippedFile(rel, f"special file ({special}), never opened"))
            elif entry.name not in IGNORE_FILES:
                language = _classify(rel)  # before any stat: a file refused by name costs no system call
                if isinstance(language, SkippedFile):
                    result.skipped.append(language)
                    continue
                _take(result, entry.path, rel, language, _stamp(entry, started_ns), known, hashes, max_bytes)
    return _sorted(result)
