"""Find `path:start-end` citations in an answer and check each one: a citation is only as good as
the lines behind it.

A citation is verified when the file is indexed, the lines exist, and Claude was shown every one
of those lines (in the packed documents or a tool result) for this answer. Anything else is kept
in the text but marked, with the reason, so a reader never follows a link Claude made up.
Anthropic's document citations would need documents sent as ``document`` blocks, which the cached
prompt layout (``onboard.pack.prompt``) does not use; this check works on any text, ours included.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from onboard.pack import PackedContext
from onboard.store import FileRow

# A path starts where a run of path characters does (the lookbehind): tried from every character of a long run
# (a pasted 20k-character word, a hash), the backtracking was quadratic and held the web server for minutes. Nor
# does it start with ``//``: ``http://127.0.0.1:8501/x`` names a host and port, not lines of a file.
_CITATION = re.compile(r"(?<![\w./\-])(?!//)"
                       r"(?P<path>[\w./\-]+\.[A-Za-z0-9]+|[\w./\-]*(?:Makefile|Dockerfile)):(?P<start>\d+)"
                       r"(?:\s*[-–]\s*(?P<end>\d+))?")
_NUMBERED = re.compile(r"^(\d+)\|", re.MULTILINE)

VERIFIED = "verified"
PROBLEMS = {  # status → what a reader is told
    "not-indexed": "not a file of the index",
    "no-such-lines": "those lines do not exist",
    "not-received": "Claude was not shown these lines",
}


@dataclass(frozen=True)
class Citation:
    path: str
    start: int
    end: int
    text: str  # as written in the answer
    status: str = VERIFIED  # VERIFIED or a key of PROBLEMS

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED

    @property
    def problem(self) -> str:
        return PROBLEMS.get(self.status, "")


class Received:
    """The lines of each file Claude was shown: what a citation may rest on."""

    def __init__(self) -> None:
        self.lines: dict[str, set[int]] = defaultdict(set)

    def add(self, path: str, start: int, end: int) -> None:
        self.lines[path].update(range(start, end + 1))

    def add_packed(self, packed: PackedContext) -> None:
        """Every numbered line of every packed document (an excerpt shows only some of its lines)."""
        for doc in packed.all_documents():
            self.lines[doc.path].update(int(n) for n in _NUMBERED.findall(doc.text))

    def covers(self, path: str, start: int, end: int) -> bool:
        return set(range(start, end + 1)) <= self.lines.get(path, set())


def _resolve(path: str, files: dict[str, FileRow]) -> str:
    """``path`` as indexed: as written, without a leading ``./``, or the one indexed path it ends."""
    path = path[2:] if path.startswith("./") else path
    if path in files:
        return path
    endings = [p for p in files if p.endswith("/" + path)]
    return endings[0] if len(endings) == 1 else path


def find_citations(text: str, files: list[FileRow], received: Received | None = None) -> list[Citation]:
    """Each distinct citation in ``text``, checked against the index (``files``) and, unless
    ``received`` is None (text onboard wrote itself from the index), against what Claude was shown."""
    by_path = {f.path: f for f in files}
    found: dict[tuple[str, int, int], Citation] = {}
    for match in _CITATION.finditer(text):
        path = _resolve(match.group("path"), by_path)
        start = int(match.group("start"))
        end = int(match.group("end") or start)
        start, end = min(start, end), max(start, end)
        if path not in by_path:
            status = "not-indexed"
        elif start < 1 or end > max(by_path[path].lines, 1):
            status = "no-such-lines"
        elif received is not None and not received.covers(path, start, end):
            status = "not-received"
        else:
            status = VERIFIED
        found.setdefault((path, start, end), Citation(path, start, end, match.group(0), status))
    return list(found.values())
