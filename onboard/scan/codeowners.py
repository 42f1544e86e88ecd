"""CODEOWNERS: who a repository itself says owns each path.

The file is looked for where GitHub looks, in its order (``.github/``, the root, ``docs/``); the
first found is the one used. Each line is a gitignore-style pattern and its owners, and for a path
the last matching line wins (a line with no owners leaves the path unowned). Matching is pathspec's
gitignore patterns, the library the scanner uses for .gitignore.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pathspec
from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_BYTES = 3 * 1024 * 1024  # GitHub ignores a CODEOWNERS file over 3 MB
TOKEN = re.compile(r"(?:\\.|\S)+")  # a pattern may escape spaces and '#' with a backslash


@dataclass(frozen=True)
class OwnerRule:
    line: int
    pattern: str
    owners: tuple[str, ...]


def read_codeowners(root: Path) -> tuple[str, list[OwnerRule]] | None:
    """``(where, rules)`` of the repository's CODEOWNERS file, or None when it has none. A link is
    not followed: the file must be a regular file inside the repository."""
    for location in LOCATIONS:
        path = root / location
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        return location, parse_codeowners(text)
    return None


def parse_codeowners(text: str) -> list[OwnerRule]:
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        tokens = TOKEN.findall(line.strip())
        if not tokens or tokens[0].startswith(("#", "[", "^[")):  # comments; GitLab's [Section] headers
            continue
        owners = []
        for token in tokens[1:]:
            if token.startswith("#"):  # a comment to the end of the line
                break
            owners.append(token)
        rules.append(OwnerRule(number, tokens[0], tuple(owners)))
    return rules


class CodeOwners:
    """The owners of paths under a list of rules."""

    def __init__(self, rules: Iterable[OwnerRule]) -> None:
        self.rules, patterns = [], []
        for rule in rules:
            try:
                patterns.append(GitIgnoreBasicPattern(rule.pattern))
            except ValueError:  # GitHub skips a line it cannot read, and so do we
                continue
            self.rules.append(rule)
        self.spec = pathspec.PathSpec(patterns)

    def owners(self, path: str) -> tuple[str, ...]:
        """The owners the last matching rule names (none when no rule matches)."""
        result = self.spec.check_file(path)
        return self.rules[result.index].owners if result.include and result.index is not None else ()

    def owners_of_files(self, paths: Iterable[str]) -> list[str]:
        """Owners of a folder: everyone owning one of its ``paths``, those owning the most files first."""
        counts = Counter(owner for path in paths for owner in self.owners(path))
        return [owner for owner, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
