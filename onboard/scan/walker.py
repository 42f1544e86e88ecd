"""Walk a repository and decide, file by file, what is worth indexing and why not.

Every refusal becomes a ``SkippedFile`` with a reason, so `onboard stats` can tell a user exactly
what was left out instead of silently shrinking the index.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from onboard.config import MAX_FILE_BYTES
from onboard.models import SkippedFile, SourceFile
from onboard.scan.languages import language_for
from onboard.scan.secrets import is_secret_file

ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".tox",
                                 ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".DS_Store"})
IGNORE_FILES = (".gitignore", ".onboardignore")
MINIFIED_LINE = 5000
MINIFIED_AVERAGE = 500


@dataclass
class ScanResult:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


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


def _load_rules(directory: Path, base: str) -> list[_Rules]:
    rules = []
    for name in IGNORE_FILES:
        try:
            lines = (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        rules.append(_Rules(base, pathspec.GitIgnoreSpec.from_lines(lines)))
    return rules


def _format_size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def _is_minified(text: str) -> bool:
    lines = text.count("\n") + 1
    if len(text) / lines > MINIFIED_AVERAGE:
        return True
    return any(len(line) > MINIFIED_LINE for line in text.splitlines())


def read_source(path: Path, rel: str, max_bytes: int = MAX_FILE_BYTES) -> SourceFile | SkippedFile:
    """Read one file and turn it into a SourceFile, or say why it cannot be one."""
    language = language_for(rel)
    if is_secret_file(rel):
        return SkippedFile(rel, "secret file (never indexed)")
    if language is None:
        return SkippedFile(rel, "not a source or documentation file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return SkippedFile(rel, f"too large ({_format_size(size)} > {_format_size(max_bytes)})")
        data = path.read_bytes()
    except OSError as err:
        return SkippedFile(rel, f"unreadable ({err.strerror or err})")
    if b"\0" in data[:8192]:
        return SkippedFile(rel, "binary")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return SkippedFile(rel, f"not UTF-8 (bad byte at offset {err.start})")
    if language in {"javascript", "css", "json", "html", "typescript"} and text and _is_minified(text):
        return SkippedFile(rel, "minified")
    return SourceFile(rel, path, language, len(data), hashlib.sha256(data).hexdigest(), text)


def scan_repo(root: Path, max_bytes: int = MAX_FILE_BYTES) -> ScanResult:
    """Every indexable file under ``root``, sorted by path, and every skipped one with its reason.

    Symlinked files are followed only while they stay inside the repository; symlinked directories
    are not followed (their targets are walked under their real paths), and each real directory is
    entered once, so link loops end instead of spinning.
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a directory")
    real_root = root.resolve()
    result = ScanResult()
    seen_dirs: set[Path] = set()

    def inside(real: Path) -> bool:
        return real == real_root or real_root in real.parents

    # An explicit stack rather than recursion: a deeply nested tree must not hit Python's recursion limit.
    pending: list[tuple[Path, str, list[_Rules]]] = [(root, "", [])]
    while pending:
        directory, base, rules = pending.pop()
        real = directory.resolve()
        if real in seen_dirs:
            result.skipped.append(SkippedFile(base, "symlink loop (directory already indexed)"))
            continue
        seen_dirs.add(real)
        rules = rules + _load_rules(directory, base)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as err:
            result.skipped.append(SkippedFile(base or ".", f"unreadable directory ({err.strerror or err})"))
            continue
        for entry in entries:
            rel = f"{base}/{entry.name}" if base else entry.name
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError as err:
                result.skipped.append(SkippedFile(rel, f"unreadable ({err.strerror or err})"))
                continue
            if is_dir and entry.name in ALWAYS_SKIPPED_DIRS:
                continue
            if any(rule.ignores(rel, is_dir) for rule in rules):
                continue
            path = Path(entry.path)
            if is_link:
                target = path.resolve()
                if not target.exists():
                    result.skipped.append(SkippedFile(rel, "broken symlink"))
                    continue
                if not inside(target):
                    result.skipped.append(SkippedFile(rel, "symlink leaves the repository"))
                    continue
                if is_dir:  # its target is indexed under its real path; following it could loop
                    result.skipped.append(SkippedFile(rel, "symlink loop or alias of a directory in the repository"))
                    continue
            if is_dir:
                pending.append((path, rel, rules))
            elif entry.name not in IGNORE_FILES:
                read = read_source(path, rel, max_bytes)
                (result.files if isinstance(read, SourceFile) else result.skipped).append(read)

    result.files.sort(key=lambda f: f.path)
    result.skipped.sort(key=lambda s: s.path)
    return result
