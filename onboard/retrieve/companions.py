"""The tests of the file a question is about: ``tests/test_ticker.py`` for ``ticker.py``.

A question about a module's behaviour is often answered by its tests too (what they assert is the
behaviour, and how they call it is the usage), yet a test shares few of the question's words and its
role weighs it down. So the test module named after the best-ranked implementation file is lifted to a
fixed place in the top 10, below the files the signals chose. Found by name (the conventions of
pytest, unittest, Go, JUnit and JavaScript test runners), nearest folder first.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable

COMPANION_PLACE = 7  # 0-based: the 8th place, below what the signals put first


def _stem(name: str) -> tuple[str, str]:
    """``(stem, extension)`` of a file name, the stem without leading underscores (``_from_model.py``)."""
    stem, dot, extension = name.partition(".")
    return stem.lstrip("_"), extension if dot else ""


def _tested_stems(name: str) -> list[str]:
    """The implementation stems a test file's name says it tests (none when it is not named as a test)."""
    stem, extension = _stem(name)
    found = []
    if stem.startswith("test_"):
        found.append(stem[5:])
    for suffix in ("_test", "_tests", "Test", "Tests"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            found.append(stem[: -len(suffix)])
    if extension.split(".")[0] in ("test", "spec"):  # foo.test.ts, foo.spec.js
        found.append(stem)
    return [s.lstrip("_") for s in found if s]


class Companions:
    """Test files by the stem they test, built once per index."""

    def __init__(self, test_paths: Iterable[str]) -> None:
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        for path in test_paths:
            for stem in _tested_stems(path.rsplit("/", 1)[-1]):
                self.by_stem[stem].append(path)

    def of(self, path: str) -> str | None:
        """The test file of ``path`` whose folder shares the longest prefix with its own; None if none."""
        folder, _, name = path.rpartition("/")
        candidates = self.by_stem.get(_stem(name)[0], [])
        if not candidates:
            return None
        return max(candidates, key=lambda test: (len(os.path.commonprefix([folder, test.rpartition("/")[0]])),
                                                 -len(test), test))
