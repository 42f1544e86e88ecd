"""Sibling families in a ranking: many files of one folder named alike (``dialect_tsql.py``,
``dialect_postgres.py``, …; ``backend_agg.py``, ``backend_pdf.py``; ``tests/test_*.py``; ``LT01.py``…``LT12.py``).

They are parallel implementations of one idea, so they share their vocabulary, and a question that
matches one matches all: on a large repository twenty dialects filled the top 10 above the grammar
module the question was about. The first members of a family keep their score; each further one
scores a little less than the one before, so the ranking shows the family and then the files around it.
Also here, stubs: a type stub next to its implementation (``ticker.pyi`` beside ``ticker.py``)
repeats its signatures without the code, and is what a question about the code least needs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

FAMILY_FREE = 3  # members of a family that keep their score
FAMILY_DECAY = 0.7  # each further member's score is scaled once more by this (the 4th by 0.7, the 5th by 0.49, ...)
_TRAILING_DIGITS = re.compile(r"\d+$")
# A declaration file and the implementation files it describes, by suffix (TypeScript declares ES modules and
# CommonJS ones in ``.d.mts`` and ``.d.cts``).
_STUB_SUFFIXES = {".pyi": (".py",), ".d.ts": (".js", ".mjs", ".cjs", ".ts"), ".d.mts": (".mjs", ".mts"),
                  ".d.cts": (".cjs", ".cts")}


class Ranked(Protocol):
    path: str
    score: float


R = TypeVar("R", bound=Ranked)


def family(path: str) -> tuple[str, str]:
    """``(folder, name prefix)``: the prefix is a file name's first word (``dialect`` of
    ``dialect_ansi.py``) or, for a one-word name, the name without trailing digits (``LT`` of ``LT09.py``)."""
    folder, _, name = path.rpartition("/")
    stem = name.split(".")[0]
    words = stem.strip("_")
    return folder, words.split("_")[0] if "_" in words else _TRAILING_DIGITS.sub("", stem)


def spread(ranked: Sequence[R], free: int = FAMILY_FREE, decay: float = FAMILY_DECAY) -> list[R]:
    """``ranked`` (best first) with the score of each family member after the first ``free`` scaled by
    ``decay`` once per member before it beyond those, and sorted again. Scores, not places: a family
    member only gives way to files that scored nearly as well, never to one far below (a vendored copy)."""
    seen: Counter[tuple[str, str]] = Counter()
    for item in ranked:
        key = family(item.path)
        item.score *= decay ** max(0, seen[key] - free + 1)
        seen[key] += 1
    return sorted(ranked, key=lambda item: (-item.score, item.path))


def shadowing_stubs(paths: Iterable[str]) -> set[str]:
    """The declaration files among ``paths`` whose implementation is among them too."""
    present = set(paths)
    stubs = set()
    for path in present:
        for suffix, implementations in _STUB_SUFFIXES.items():
            if path.endswith(suffix):
                base = path[: -len(suffix)]
                if any(base + ending in present for ending in implementations):
                    stubs.add(path)
    return stubs
