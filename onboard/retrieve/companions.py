"""The tests of the file a question is about: ``tests/test_ticker.py`` for ``ticker.py``.

A question about a module's behaviour is often answered by its tests too (what they assert is the
behaviour, and how they call it is the usage), yet a test shares few of the question's words and its
role weighs it down. So the test module named after the best-ranked implementation file is lifted to a
fixed place in the top 10, below the files the signals chose. Found by name (the conventions of
pytest, unittest, Go, JUnit and JavaScript test runners), nearest folder first, in a language that can reach the
file's code: a test calls what it tests, so JupyterLab's browser test ``commands.test.ts`` does not test its
``commands.py``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable

from onboard.scan.languages import CODE_LANGUAGES, call_each_other, language_for

COMPANION_PLACE = 7  # 0-based: the 8th place, below what the signals put first
# Besides the code of languages it calls by name (``call_each_other``), a Python test reaches extension modules
# built from C, C++ or Rust through their binding (astropy's ``convolve.c`` is tested by ``test_convolve.py``) and
# browser scripts through a browser driver (Selenium, Playwright: Django's ``test_nav_sidebar.py`` of
# ``nav_sidebar.js``). Not the other way: a JavaScript test runner loads the module it tests.
_REACHES = {"python": frozenset({"c", "cpp", "rust", "javascript", "typescript", "tsx"})}
_CODE = CODE_LANGUAGES | {"cython"}


def _stem(name: str) -> tuple[str, str]:
    """``(stem, extension)`` of a file name, the stem without leading underscores (``_from_model.py``)."""
    stem, dot, extension = name.partition(".")
    return stem.lstrip("_"), extension if dot else ""


def _can_test(test: str, path: str) -> bool:
    """Whether the test file ``test`` can be a test of ``path`` by their languages: any pair but two kinds of code
    that cannot call each other. A template, stylesheet or schema is tested in whatever language renders or reads
    it, so only the name says whose it is."""
    tester, tested = language_for(test), language_for(path)
    if tester not in _CODE or tested not in _CODE:
        return True
    return call_each_other(tester, tested) or tested in _REACHES.get(tester, ())


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
        candidates = [test for test in self.by_stem.get(_stem(name)[0], []) if _can_test(test, path)]
        if not candidates:
            return None
        return max(candidates, key=lambda test: (len(os.path.commonprefix([folder, test.rpartition("/")[0]])),
                                                 -len(test), test))
