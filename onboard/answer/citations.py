"""Find `path:start-end` citations in an answer and check them against what was sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from onboard.pack import PackedContext

_CITATION = re.compile(r"(?P<path>[\w./\-]+\.[A-Za-z0-9]+|[\w./\-]*(?:Makefile|Dockerfile)):(?P<start>\d+)"
                       r"(?:\s*[-–]\s*(?P<end>\d+))?")


@dataclass(frozen=True)
class Citation:
    path: str
    start: int
    end: int
    text: str  # as written in the answer
    known: bool  # the path was among the documents sent (or in the index)


def find_citations(text: str, packed: PackedContext, known_paths: set[str] | None = None) -> list[Citation]:
    sent = set(packed.paths()) | (known_paths or set())
    found: dict[tuple[str, int, int], Citation] = {}
    for match in _CITATION.finditer(text):
        path = match.group("path").lstrip("./") if match.group("path").startswith("./") else match.group("path")
        start = int(match.group("start"))
        end = int(match.group("end") or start)
        if end < start:
            start, end = end, start
        found.setdefault((path, start, end), Citation(path, start, end, match.group(0), path in sent))
    return list(found.values())
