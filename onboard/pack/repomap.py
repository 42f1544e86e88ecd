"""A compact map of the repository: its directory tree and the signatures of its central symbols.

It goes first in every prompt, so Claude knows where things live even for files it was not given,
and it is identical from question to question, which makes it a good prompt-cache prefix.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable

from onboard.models import Symbol
from onboard.pack.prompt import one_line
from onboard.pack.tokens import CHARS_PER_TOKEN_MAX, count_tokens
from onboard.store import FileRow

MAP_BATCH = 32  # central files whose symbols are read at a time
SIGNATURE_KINDS = frozenset({"class", "function", "method", "property", "interface", "struct", "enum", "trait", "type",
                             "module"})


def directory_tree(files: list[FileRow], max_files_per_dir: int = 12) -> list[str]:
    """One line per folder; a newline in a file name must not start a line of its own."""
    by_dir: dict[str, list[str]] = defaultdict(list)
    for f in files:
        by_dir[one_line(posixpath.dirname(f.path))].append(one_line(posixpath.basename(f.path)))
    lines = []
    for directory in sorted(by_dir):
        names = sorted(by_dir[directory])
        shown = ", ".join(names[:max_files_per_dir])
        more = f", … (+{len(names) - max_files_per_dir})" if len(names) > max_files_per_dir else ""
        lines.append(f"{directory or '.'}/: {shown}{more}")
    return lines


def build_repo_map(files: list[FileRow], read_symbols: Callable[[list[str]], Iterable[Symbol]], budget: int) -> str:
    """Tree first, then central files' signatures, cut to ``budget`` tokens at a line boundary.

    ``read_symbols(paths)`` gives the definitions of a few files: they are read a batch of central files at a
    time, and only until the lines hold more characters than ``budget`` tokens can (``CHARS_PER_TOKEN_MAX``), so
    a large repository's map reads the symbols of the few dozen files it shows, not its whole symbol table
    (Django: 0.3 s of a new process's first answer)."""
    lines = ["## Directory tree", *directory_tree(files), "", "## Central files and their symbols (by PageRank)"]
    size, most = sum(len(line) + 1 for line in lines), budget * CHARS_PER_TOKEN_MAX
    central = [f.path for f in sorted(files, key=lambda f: -f.pagerank)]
    for start in range(0, len(central), MAP_BATCH):
        if size > most:
            break
        batch = central[start:start + MAP_BATCH]
        by_path: dict[str, list[Symbol]] = defaultdict(list)
        for s in read_symbols(batch):
            if s.kind in SIGNATURE_KINDS and not s.name.startswith("_") or s.name == "__init__":
                by_path[s.path].append(s)
        for path in batch:
            if not by_path.get(path):
                continue
            shown = [f"{one_line(path)}:"] + [f"{'  ' * (s.qualname.count('.') + 1)}{s.start_line}: {s.signature}"
                                              for s in by_path[path][:25]]
            lines += shown
            size += sum(len(line) + 1 for line in shown)
    return _fit(lines, budget)


def _fit(lines: list[str], budget: int) -> str:
    """The longest prefix of ``lines`` whose text fits ``budget`` (binary search on the line count)."""
    if count_tokens("\n".join(lines)) <= budget:
        return "\n".join(lines)
    low, high = 0, len(lines)
    while low < high:
        mid = (low + high + 1) // 2
        if count_tokens("\n".join(lines[:mid] + ["… (map truncated)"])) <= budget:
            low = mid
        else:
            high = mid - 1
    return "\n".join(lines[:low] + ["… (map truncated)"]) if low else ""
