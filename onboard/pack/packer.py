"""Fill a token budget with the context that answers a question, and never go over it.

Order matters twice: for quality (the map and orientation files frame everything else; files
come by rank) and for cost (the stable part comes first so Anthropic's prompt cache can reuse it).
A file too big for what is left goes in as its relevant symbols plus the signatures of the rest.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from onboard.config import ANSWER_RESERVE, CONTEXT_WINDOW
from onboard.pack.prompt import SYSTEM_PROMPT, document_element, repo_map_element
from onboard.pack.repomap import build_repo_map
from onboard.pack.tokens import count_tokens
from onboard.retrieve import RankedFile
from onboard.store import Index

# Orientation files by priority: manifests are small and say what the project is built with, the
# README says what it is for, architecture and contributing docs how it fits together.
ORIENTATION = (
    re.compile(r"^(pyproject\.toml|setup\.cfg|package\.json|go\.mod|cargo\.toml|pom\.xml|build\.gradle|gemfile|"
               r"composer\.json)$", re.I),
    re.compile(r"^readme(\.[a-z]+)?$", re.I),
    re.compile(r"^(architecture|design|overview)(\.[a-z]+)?$", re.I),
    re.compile(r"^(contributing|setup\.py)(\.[a-z]+)?$", re.I),
)
MAP_SHARE, MAP_MIN, MAP_MAX = 0.05, 300, 6000
MAP_TAGS = 40  # tokens for the tags that wrap the repo map
ORIENTATION_SHARE = 0.10
MAX_SYMBOL_LINES = 80
FILE_SHARE = 0.35  # one file may take at most this share of a budget, so small budgets keep breadth
EXCERPT_SHARE = 0.2  # an excerpt of a big file even less: its best spans come first, the tail is marginal
MIN_USEFUL = 120  # tokens: below this a fragment says too little to be worth its tags


@dataclass
class PackedDoc:
    path: str
    start_line: int
    end_line: int
    text: str  # the document element as sent, line-numbered and neutralised (see prompt.document_element)
    tokens: int
    reason: str
    whole: bool
    kind: str = "ranked"  # "orientation" | "ranked"


@dataclass
class PackedContext:
    question: str
    budget: int
    repo_map: str
    map_tokens: int
    orientation: list[PackedDoc] = field(default_factory=list)
    documents: list[PackedDoc] = field(default_factory=list)
    ranked: list[RankedFile] = field(default_factory=list)
    index_name: str = ""

    @property
    def tokens_used(self) -> int:
        return self.map_tokens + sum(d.tokens for d in self.orientation + self.documents)

    def all_documents(self) -> list[PackedDoc]:
        return self.orientation + self.documents

    def paths(self) -> list[str]:
        return [d.path for d in self.all_documents()]

    def stable_text(self) -> str:
        """Repo map and orientation files: the same for every question on this index version."""
        parts = [repo_map_element(self.index_name, self.repo_map)] if self.repo_map else []
        parts += [d.text for d in self.orientation]
        return "\n\n".join(parts)

    def documents_text(self) -> str:
        return "\n\n".join(d.text for d in self.documents)


def default_budget(question: str) -> int:
    return CONTEXT_WINDOW - count_tokens(SYSTEM_PROMPT) - count_tokens(question) - ANSWER_RESERVE


def _numbered(lines: list[str], start: int) -> str:
    return "\n".join(f"{start + i}|{line}" for i, line in enumerate(lines))


def whole_document(path: str, lines: list[str], reason: str, kind: str) -> PackedDoc:
    text = document_element(path, 1, len(lines), _numbered(lines, 1))
    return PackedDoc(path, 1, len(lines), text, count_tokens(text), reason, True, kind)


def _head(path: str, lines: list[str], budget: int, reason: str, kind: str) -> PackedDoc | None:
    """The first lines of a file that fit ``budget`` (binary search on the line count)."""
    low, high, best = 1, len(lines), None
    while low <= high:
        mid = (low + high) // 2
        text = document_element(path, 1, mid, _numbered(lines[:mid], 1), note="truncated")
        tokens = count_tokens(text)
        if tokens <= budget:
            best, low = PackedDoc(path, 1, mid, text, tokens, reason + " (first lines)", False, kind), mid + 1
        else:
            high = mid - 1
    return best


def _lines(index: Index, path: str) -> list[str]:
    lines = index.db.file_text(path).split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _focused(index: Index, ranked: RankedFile, lines: list[str], budget: int, reason: str) -> PackedDoc | None:
    """A big file as the question's symbols and hit lines in full, other symbols as signatures."""
    symbols = index.db.symbols(ranked.path)
    # Whole classes would swallow the budget; their methods that matched come in on their own.
    # Most relevant first (the symbols the question touched, then hits in retrieval order), so
    # trimming to the budget drops the least relevant spans, not the ones further down the file.
    order = {name: n for n, name in enumerate(ranked.symbols)}
    touched = sorted((s for s in symbols if s.qualname in order and s.end_line - s.start_line <= MAX_SYMBOL_LINES),
                     key=lambda s: order[s.qualname])
    candidates = [(s.start_line, s.end_line) for s in touched] + ranked.hits
    spans = list(dict.fromkeys((max(1, a), min(len(lines), b)) for a, b in candidates if a <= len(lines)))

    def render(spans: list[tuple[int, int]], outline: bool) -> str:
        keep: set[int] = set()
        for a, b in spans:
            keep.update(range(a, b + 1))
        if outline:  # signatures of everything else keep the file's shape visible
            keep.update(s.start_line for s in symbols)
        out, previous = [], 0
        for n in sorted(keep):
            if n - previous > 1:
                out.append("…")
            out.append(f"{n}|{lines[n - 1]}")
            previous = n
        body = "\n".join(out)
        note = "excerpt: relevant symbols in full, others as signatures" if outline else "excerpt: relevant lines"
        return document_element(ranked.path, 1, len(lines), body, note=note)

    # When not even one span fits beside the outline, the outline goes: the lines that answer matter more.
    for outline in (True, False):
        kept = spans
        while kept:
            text = render(kept, outline)
            tokens = count_tokens(text)
            if tokens <= budget:
                return PackedDoc(ranked.path, 1, len(lines), text, tokens, reason + " (excerpt)", False)
            kept = kept[: len(kept) // 2] if len(kept) > 1 else []
    return None


def _orientation_files(files: list) -> list:
    """Top-level (or one folder down) orientation files, most useful first."""
    ranked = []
    for f in files:
        if f.path.count("/") > 1:
            continue
        name = posixpath.basename(f.path)
        priority = next((n for n, pattern in enumerate(ORIENTATION) if pattern.match(name)), None)
        if priority is not None:
            ranked.append((priority, f.path.count("/"), f.path, f))
    return [f for *_, f in sorted(ranked, key=lambda item: item[:3])]


def pack_context(index: Index, ranked: list[RankedFile], question: str, budget: int | None = None) -> PackedContext:
    budget = default_budget(question) if budget is None else budget
    files = index.db.files()
    map_budget = int(min(MAP_MAX, max(MAP_MIN, budget * MAP_SHARE), budget - MAP_TAGS))
    repo_map = build_repo_map(files, index.db.symbols(), map_budget) if map_budget > 0 else ""
    packed = PackedContext(question, budget, repo_map, 0, ranked=ranked, index_name=index.name)
    packed.map_tokens = count_tokens(packed.stable_text()) if repo_map else 0
    if packed.map_tokens > budget:  # budgets this small hold no map at all
        packed.repo_map, packed.map_tokens = "", 0
    remaining = budget - packed.map_tokens

    orientation_left = min(remaining, int(budget * ORIENTATION_SHARE))
    for f in _orientation_files(files):
        if orientation_left < MIN_USEFUL:
            break
        lines = _lines(index, f.path)
        doc = whole_document(f.path, lines, "orientation: project overview or manifest", "orientation")
        if doc.tokens > orientation_left:
            doc = _head(f.path, lines, orientation_left, "orientation: project overview or manifest", "orientation")
        if doc is not None:
            packed.orientation.append(doc)
            orientation_left -= doc.tokens
            remaining -= doc.tokens

    included = set(packed.paths())
    for item in ranked:
        if remaining < MIN_USEFUL:
            break
        if item.path in included:
            continue
        reason = "; ".join(dict.fromkeys(item.reasons)) or "ranked by the dependency graph"
        lines = _lines(index, item.path)
        doc = whole_document(item.path, lines, reason, "ranked")
        cap = min(remaining, max(int(budget * FILE_SHARE), 4 * MIN_USEFUL))
        if doc.tokens > cap:  # an excerpt keeps to its smaller share unless its best span alone needs more
            doc = (_focused(index, item, lines, min(cap, max(int(budget * EXCERPT_SHARE), 4 * MIN_USEFUL)), reason)
                   or _focused(index, item, lines, cap, reason))
        if doc is not None and doc.tokens <= remaining:
            packed.documents.append(doc)
            included.add(item.path)
            remaining -= doc.tokens
    return packed
