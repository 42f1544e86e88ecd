"""Fill a token budget with the context that answers a question, and never go over it.

Order matters twice: for quality (the map and orientation files frame everything else; files
come by rank) and for cost (the stable part comes first so Anthropic's prompt cache can reuse it).
A file too big for what is left goes in as its relevant symbols plus the signatures of the rest.
"""

from __future__ import annotations

import posixpath
import re
import threading
from dataclasses import dataclass, field

from onboard.config import ANSWER_RESERVE, CONTEXT_WINDOW
from onboard.models import Symbol, by_qualname
from onboard.pack.prompt import SYSTEM_PROMPT, document_element, repo_map_element
from onboard.pack.repomap import build_repo_map
from onboard.pack.tokens import CHARS_PER_TOKEN_MAX, count_tokens
from onboard.retrieve import RankedFile
from onboard.retrieve.cues import issue_title
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
# An issue (a question of several lines: a bug report) needs the code it is about more than the README: its
# orientation files get a smaller share (``pack_context``). Measured on dev_large's 112 issue rows (2026-11-27, same
# rankings), shares 10 / 3 / 0 %: gold definitions fully inside at 13k / 27k / 50k 43.0 / 60.2 / 68.8, 45.2 / 62.4 /
# 69.9, 45.2 / 62.4 / 69.9 %; all gold files with code 83.0 / 82.1 / 91.1, 85.7 / 83.9 / 92.0, 85.7 / 84.8 / 92.9 %;
# 200k and dev.jsonl unchanged. 3 % rather than none: a question of several lines is not always a bug report, and
# one about the project keeps the head of its README.
ORIENTATION_SHARE, ISSUE_ORIENTATION_SHARE = 0.10, 0.03
MAX_SYMBOL_LINES = 80
# Lines above a definition searched for its decorators: @property, @staticmethod, a few stacked ones. A longer one
# (a test's multi-line parametrize) is left out whole, never cut. Same rankings, 2026-11-27: 3 lines against none,
# dev_large issue rows' definitions fully inside at 27k 62.4 -> 63.4 %, files with code at 27k / 50k +0.9, at 200k
# 92.5 -> 91.4 %; dev one question fewer at 13k. 30 lines (whole multi-line decorators): 27k definitions 62.4 %, dev
# one fewer at 13k and at 27k.
DECORATOR_SCAN = 3
FILE_SHARE = 0.35  # one file may take at most this share of a budget, so small budgets keep breadth
EXCERPT_SHARE, EXCERPT_MAX = 0.2, 5000  # an excerpt of a big file even less: its best spans come first
EXCERPT_DECAY = 10  # ... and less the lower it ranks: rank r gets EXCERPT_MAX * 10 / (r + 10)
# Large budgets keep this share for turning the best excerpts whole. Measured on dev_large at 200k (2026-11-26):
# 0.5 / 0.4 / 0.3 hold all gold files for 89.4 / 91.9 / 93.2 % and every gold definition for 87.1 / 84.9 / 81.7 %;
# capping a file's share, or shrinking it with rank, lost definitions without gaining files. The strict one wins.
DEPTH_RESERVE, DEPTH_FROM = 0.5, 100_000
# Budgets from TAIL_FROM end with this share as further files' short excerpts or outlines (TAIL_DOC tokens at most).
# Measured on dev_large at 200k (2026-11-26): all gold files 90.6 → 94.8 % (only excerpts with code: 89.4 → 91.3),
# every gold definition 86.0 % either way; median files per pack 46 → 118. Before files whose definitions do not
# fit came as outlines (93.2 % then), 600-token documents gave 92.3 % and a 15 % share 93.9 % (definitions 84.9 %).
# Below 100k too (2026-11-26, same rankings, all gold / with code / definitions): dev_large at 13k 70.3/70.3/45.2
# → 77.4/69.7/43.0 %, 27k 73.2/73.2/59.1 → 81.9/73.9/58.1 %, 50k 81.3/81.3/65.6 → 88.7/81.9/65.6 %; dev.jsonl at
# 27k 75.7/75.7 → 87.4/81.6 %, 50k 94.2 → 98.1 %. An 8 % share kept one more definition at 27k and lost a file at 13k.
# The first few tail documents allowed more, so a file ranked 4th-11th shows its best definition rather than its
# outline (2026-11-27, same rankings, 3 x 1200 / 2 x 1500 / 5 x 1000 tokens): dev_large definitions at 27k unchanged
# (63.4 %), all gold files at 13k 81.3 -> 73.5-75.2 % and at 27k 85.2 -> 77.1-80.3 %, dev at 27k 89.3 -> 82.5 %.
TAIL_SHARE, TAIL_DOC = 0.1, 400
TAIL_FROM = 10_000  # a smaller budget holds a few files at most: all of it goes to them
DEPTH_GROWTH = 3  # an excerpt too big to go whole grows to this many times its size in the depth pass
MIN_USEFUL = 120  # tokens: below this a fragment says too little to be worth its tags
SMALL_FILE_TOKENS, SMALL_SHARE = 800, 0.01  # files this small go in whole wherever they rank
TOP_WHOLE, TOP_WHOLE_MAX = 2, 12_000  # the two best-ranked files go whole up to this size (bigger ones after breadth)
# A question of several lines (an issue: title, reproduction, log) is about one place in the code, and the fix
# needs its definitions whole: its three best files' excerpts may grow to this, from ISSUE_DEPTH_FROM tokens up.
# Measured on dev_large's 112 issue rows (2026-11-26): gold definitions fully inside at 27k / 50k / 200k 50.5 /
# 59.1 / 90.3 -> 59.1 / 65.6 / 92.5 %, all gold files 84.8 / 93.8 / 97.3 -> 84.8 / 92.9 / 97.3 %; 10k and 12k
# lost files at 27k. Not for one-line questions (they span several files: dev lost 2-5 points) nor at 13k
# (issue rows there: all gold 83.0 -> 76.8 %, definitions 46.2 -> 41.9 %). Three files rather than two (on the same
# rankings, with the tail below 100k, 2026-11-26): definitions at 27k / 50k 58.1 / 65.6 -> 60.2 / 68.8 %, files with
# code 73.9 / 81.9 -> 73.2 / 81.6 %, 13k, 200k and dev.jsonl unchanged; four: 59.1 / 69.9 %, code 72.9 / 81.9 %.
ISSUE_TOP, ISSUE_EXCERPT_MAX, ISSUE_DEPTH_FROM = 3, 8000, 20_000
WHOLE_VS_EXCERPT = 0.5  # elsewhere a file goes whole when no bigger than this share of its excerpt allowance
CHARS_PER_TOKEN_MIN = 3  # code rarely packs fewer: an estimate that errs towards fitting, checked by the count
OUTLINE_LINE_TOKENS = 12  # a signature line, roughly, to size an outline before rendering it
_CALLED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
# An excerpt's callees are those of its first few relevant definitions: the callees of the twentieth took room a
# further file could use. Measured on the same rankings (2026-11-27), against the callees of every one: dev_large
# all gold files 81.3 / 85.2 / 90.0 / 96.1 -> 81.9 / 85.5 / 90.0 / 96.1 % at 13k / 27k / 50k / 200k, with code
# 73.9 / 75.8 / 83.2 / 92.9 -> 73.5 / 76.5 / 83.2 / 93.2 %, definitions unchanged; dev.jsonl at 27k 89.3 -> 90.3 %
# (with code 82.5 -> 83.5 %), elsewhere unchanged. No callees at all: definitions at 27k 63.4 -> 62.4 %. Against
# three: two lost a dev_large question at 200k (all gold 96.1 -> 95.8 %, with code 93.2 -> 92.6 %) and gained a dev
# one at 13k; five lost two at 13k (81.9 -> 81.3 %, with code 73.5 -> 73.2 %).
CALLERS_FOLLOWED = 3
# A file whose most relevant definition is too big for its room came as an outline (in the tail) or not at all; as a
# last try it now shows the next relevant definitions that fit, saying so, and in the tail only where they take no
# more room than the outline would. Same rankings (2026-11-28), 13k / 27k / 50k / 200k, files with code (not as an
# outline): dev_large 74.5 / 77.4 / 83.2 / 93.2 -> 79.4 / 81.9 / 86.1 / 94.8 %, hold-out 81.5 / 89.8 / 94.4 / 98.1 ->
# 89.8 / 93.5 / 97.2 / 99.1 %, dev 73.8 / 83.5 -> 75.7 / 85.4 % at 13k / 27k (66 rows up, 2 down); all gold files
# dev_large 82.3 / 85.8 -> 82.6 / 86.5 %, dev 78.6 / 90.3 -> 80.6 / 89.3 %, hold-out 90.7 -> 91.7 % at 13k (8 up,
# 3 down); gold definitions unchanged. With the tail's full 400 tokens instead of the outline's size, files with code
# rose more (dev_large 80.0 / 82.6 / 88.1 / 94.8 %) but fewer files were in the pack at all (dev_large 80.6 / 84.2 /
# 90.0 / 95.5 %): fewer fit the tail.
PARTIAL_NOTE = "excerpt: the relevant definitions that fit; a longer relevant one is left out (read_file shows it)"


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


def _big_class(symbol: Symbol) -> bool:
    """A class too long to be a unit of an excerpt: its methods are."""
    return symbol.kind == "class" and symbol.end_line - symbol.start_line > MAX_SYMBOL_LINES


def _innermost(symbols: list, line: int) -> object | None:
    """The smallest definition around ``line`` that is not a big class (its methods are the unit)."""
    around = [s for s in symbols if s.start_line <= line <= s.end_line and not _big_class(s)]
    return min(around, key=lambda s: s.end_line - s.start_line, default=None)


def _relevant_spans(symbols: list, ranked: RankedFile, lines: list[str]) -> list[tuple[int, int]]:
    """Line spans worth showing, most relevant first, each a whole definition where there is one:
    the symbols the question touched, the definitions around the lines that matched (test code inside the
    file, ``RankedFile.aside``, after the rest), a big class it
    touched, then the definitions of this file that the first few of those call (so a method comes with the
    helpers it needs).
    Measured and not kept (2026-11-27, dev_large, same rankings): the definitions around the hits before the
    touched ones cost a question's definitions at 27k and 50k; a touched definition followed by its twins (a
    qualified name one character apart: ``twinx``/``twiny``, ``XAxis._init``/``YAxis._init``) moved none at 27k."""
    named = by_qualname(symbols)
    touched = [named[q] for q in ranked.symbols if q in named]
    chosen: list = [s for s in touched if not _big_class(s)]
    loose: list[tuple[int, int]] = []  # module-level code between definitions: the lines themselves
    for a, b in ranked.hits:
        around = _innermost(symbols, a) or _innermost(symbols, b)
        if around is not None:
            chosen.append(around)
        else:
            loose.append((a, b))
    by_name: dict[str, list] = {}
    for s in symbols:
        if not _big_class(s):
            by_name.setdefault(s.name, []).append(s)
    # test code inside the file (``ranked.aside``) after the implementation's definitions, whatever matched first
    chosen = sorted(dict.fromkeys(chosen), key=lambda s: s.qualname in ranked.aside)
    spans = [(s.start_line, s.end_line) for s in chosen] + loose
    # A big class the question touched comes whole after them where room is left (its docstring lists the
    # parameters an issue is about), never first: it would crowd out the methods that matched.
    spans += [(s.start_line, s.end_line) for s in touched if _big_class(s)]
    for s in chosen[:CALLERS_FOLLOWED]:
        body = "\n".join(lines[s.start_line - 1:s.end_line])
        for name in dict.fromkeys(_CALLED.findall(body)):
            spans += [(c.start_line, c.end_line) for c in by_name.get(name, []) if c is not s]
    return list(dict.fromkeys((max(1, a), min(len(lines), b)) for a, b in spans if a <= len(lines)))


def _decorated_from(lines: list[str], start: int) -> int:
    """The first line of the decorators right above the definition at ``start`` (``@property``,
    ``@staticmethod``): a definition starts at its ``def`` line, and a method shown without its decorator reads
    as something else (a property as a method). Read from the text here rather than stored with the symbol, so
    indexes written before need no rebuild; a blank line, a line of the definition's own indent that is no
    decorator, or DECORATOR_SCAN lines end the search."""
    if not 1 < start <= len(lines):
        return start
    level = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    top = start
    for n in range(start - 1, max(0, start - 1 - DECORATOR_SCAN), -1):
        text = lines[n - 1].strip()
        indent = len(lines[n - 1]) - len(lines[n - 1].lstrip())
        if not text or indent < level:
            break
        if indent == level:
            if text.startswith("@"):
                top = n
            elif text[0] not in ")]}":  # the closing bracket of a decorator's arguments goes on
                break
    return top


def _outline(symbols: list, budget: int) -> set[int]:
    """Signature lines that keep the file's shape visible: all definitions, or only the top-level
    ones when all would take more than a third of the excerpt."""
    for level in (symbols, [s for s in symbols if s.parent is None]):
        if len(level) * OUTLINE_LINE_TOKENS <= budget // 3:
            return {s.start_line for s in level}
    return set()


def _focused(index: Index, ranked: RankedFile, lines: list[str], budget: int, reason: str,
             alone: bool = False, symbols: list | None = None, last_resort: bool = False,
             partial: bool = False) -> PackedDoc | None:
    """A big file as the definitions that matter in full (never cut in half), others as signatures.

    Spans are added most relevant first while they fit, so a tight budget drops the least relevant
    definitions, wherever they sit in the file; the most relevant one must fit, or the caller tries a bigger
    budget. With ``partial`` (the caller's last try), a file whose most relevant definition is too big comes as
    the next relevant ones that fit instead. With ``alone``, a file nothing matched inside comes as its
    outline rather than not at all; with ``last_resort``, so does one none of whose relevant definitions fit.
    """
    symbols = index.db.symbols(ranked.path) if symbols is None else symbols
    spans = _relevant_spans(symbols, ranked, lines)

    def render(keep: set[int], outline: bool, note: str = "") -> str:
        out, previous = [], 0
        for n in sorted(keep):
            if n - previous > 1:
                out.append("…")
            out.append(f"{n}|{lines[n - 1]}")
            previous = n
        note = note or ("excerpt: relevant definitions in full, others as signatures" if outline
                        else "excerpt: relevant lines")
        return document_element(ranked.path, 1, len(lines), "\n".join(out), note=note)

    def outline_only(keep: set[int], note: str) -> PackedDoc | None:
        """The outline in ``keep`` or, when its lines render too long for the estimate, the top-level
        signatures alone: where the classes and functions are beats nothing (dev_large at 200k: two more
        questions with every gold file in the pack, 94.8 → 95.5 %)."""
        top_level = keep & {s.start_line for s in symbols if s.parent is None}
        for shape in [keep] + ([top_level] if top_level and top_level != keep else []):
            text = render(shape, True, note)
            tokens = count_tokens(text)
            if tokens <= budget:
                return PackedDoc(ranked.path, 1, len(lines), text, tokens, reason + " (outline)", False)
        return None

    outline = _outline(symbols, budget)

    def excerpt(limit: int, strict: bool) -> PackedDoc | None:
        """The relevant definitions, most relevant first, that fit ``limit``, with the outline if it fits too;
        ``strict``: none at all unless the most relevant one fits (else the note says what was left out)."""
        for use_outline in ((True, False) if outline else (False,)):
            keep = set(outline) if use_outline else set()
            note = "" if strict else PARTIAL_NOTE
            total, added = count_tokens(render(keep, use_outline, note)), []
            for a, b in spans:
                span = set(range(_decorated_from(lines, a), b + 1)) - keep  # a definition shows with its decorators
                cost = sum(len(lines[n - 1]) + 6 for n in span) // CHARS_PER_TOKEN_MIN + 2 if span else 0
                if span and total + cost <= limit:
                    keep |= span
                    total += cost
                    added.append(span)
                elif not added and strict:  # the most relevant first: try without the outline, or a bigger budget
                    break
            while added:  # the estimate adds spans one by one; the exact count decides
                text = render(keep, use_outline, note)
                tokens = count_tokens(text)
                if tokens <= limit:
                    return PackedDoc(ranked.path, 1, len(lines), text, tokens, reason + " (excerpt)", False)
                keep -= added.pop()
        return None

    if not spans and outline and alone:  # nothing matched inside (found by the graph or by name): its shape, not nothing
        return outline_only(outline, "outline: signatures only, nothing inside matched")
    doc = excerpt(budget, strict=True) or (excerpt(budget, strict=False) if partial and not last_resort else None)
    if doc is not None or not last_resort:
        return doc
    # the signatures may fill the whole document; too many of them: those of its relevant definitions
    definitions = set(spans)
    relevant = {s.start_line for s in symbols if (s.start_line, s.end_line) in definitions}
    shape = _outline(symbols, 3 * budget) or relevant
    shaped = outline_only(shape, "outline: signatures only, its relevant definitions did not fit") if shape else None
    if partial and shaped is not None:  # relevant code where it takes no more room than the outline would
        return excerpt(shaped.tokens, strict=False) or shaped
    return shaped


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


_MAPS: dict[tuple[str, str, int], str] = {}
_MAPS_LOCK = threading.Lock()
MAPS_KEPT = 64


def _repo_map(index: Index, files: list, budget: int) -> str:
    """The repo map for this index version and budget, built once per process."""
    key = (str(index.directory), index.db.manifest().get("updated_at", ""), budget)
    with _MAPS_LOCK:
        if key in _MAPS:
            return _MAPS[key]
    text = build_repo_map(files, index.db.symbols_of, budget)
    with _MAPS_LOCK:
        if len(_MAPS) >= MAPS_KEPT:
            _MAPS.pop(next(iter(_MAPS)))
        _MAPS[key] = text
    return text


def pack_context(index: Index, ranked: list[RankedFile], question: str, budget: int | None = None) -> PackedContext:
    budget = default_budget(question) if budget is None else budget
    files = index.db.files()
    map_budget = int(min(MAP_MAX, max(MAP_MIN, budget * MAP_SHARE), budget - MAP_TAGS))
    repo_map = _repo_map(index, files, map_budget) if map_budget > 0 else ""
    packed = PackedContext(question, budget, repo_map, 0, ranked=ranked, index_name=index.name)
    packed.map_tokens = count_tokens(packed.stable_text()) if repo_map else 0
    if packed.map_tokens > budget:  # budgets this small hold no map at all
        packed.repo_map, packed.map_tokens = "", 0
    remaining = budget - packed.map_tokens

    issue = issue_title(question) is not None  # a question of several lines: packed for depth, not orientation
    orientation_left = min(remaining, int(budget * (ISSUE_ORIENTATION_SHARE if issue else ORIENTATION_SHARE)))
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

    _pack_ranked(index, ranked, packed, remaining, issue)
    return packed


def _pack_ranked(index: Index, ranked: list[RankedFile], packed: PackedContext, remaining: int,
                 issue: bool) -> None:
    """Breadth, then depth, then more breadth, then a long tail.

    Breadth: down the ranking, each file whole when small (or among the very best and within its
    share), else as an excerpt of its relevant definitions capped at a few thousand tokens, until
    only the depth reserve and the tail's share are left. Depth: the reserve turns the best-ranked
    excerpts whole (the code around what matched is often what is needed). Whatever is still left
    goes to more files; the tail's share to many more, each as a short excerpt or its outline, so
    Claude sees where the rest of the relevant code lives and can ask for it (``read_file``).
    """
    budget = packed.budget
    issue_depth = issue and budget >= ISSUE_DEPTH_FROM  # its best files' excerpts may grow
    included = set(packed.paths())
    small = max(SMALL_FILE_TOKENS, int(budget * SMALL_SHARE))
    reserve = int(budget * DEPTH_RESERVE) if budget >= DEPTH_FROM else 0
    # Outlines of files nothing matched inside only where there is room: in a mid-sized budget that room is
    # worth more as the next file's excerpt (dev.jsonl at 50k: 94.2 % of questions with all gold files
    # without them, 93.2 % with).
    outlines = budget >= DEPTH_FROM
    excerpts: list[tuple[int, RankedFile, list[str], str]] = []  # (position in documents, ...)
    rank = 0
    texts: dict[str, list[str]] = {}  # a file may be visited four times: by breadth, depth, the tail and after
    definitions: dict[str, list] = {}

    def focus(item: RankedFile, lines: list[str], limit: int, reason: str, alone: bool = False,
              last_resort: bool = False, partial: bool = False) -> PackedDoc | None:
        if item.path not in definitions:
            definitions[item.path] = index.db.symbols(item.path)
        return _focused(index, item, lines, limit, reason, alone, definitions[item.path], last_resort, partial)

    def breadth(floor: int, doc_cap: int = 0) -> None:
        nonlocal rank, remaining
        while rank < len(ranked) and remaining - floor >= MIN_USEFUL:
            item, position = ranked[rank], rank
            rank += 1
            if item.path in included:
                continue
            left = remaining - floor
            reason = "; ".join(dict.fromkeys(item.reasons)) or "ranked by the dependency graph"
            if item.path not in texts:
                texts[item.path] = _lines(index, item.path)
            lines = texts[item.path]
            cap = min(left, max(int(budget * FILE_SHARE), 4 * MIN_USEFUL))
            excerpt_cap = max(4 * MIN_USEFUL, min(int(budget * EXCERPT_SHARE),
                                                  EXCERPT_MAX * EXCERPT_DECAY // (position + EXCERPT_DECAY)))
            whole_limit = (min(cap, TOP_WHOLE_MAX) if position < TOP_WHOLE
                           else min(cap, max(small, int(WHOLE_VS_EXCERPT * excerpt_cap))))
            if position < ISSUE_TOP and issue_depth:
                excerpt_cap = max(excerpt_cap, min(cap, ISSUE_EXCERPT_MAX))
            if doc_cap:
                cap = excerpt_cap = whole_limit = min(left, doc_cap)
            doc = _whole_within(item.path, lines, whole_limit, reason)
            if doc is None:
                doc = (focus(item, lines, min(cap, excerpt_cap), reason, outlines, last_resort=bool(doc_cap),
                             partial=bool(doc_cap))
                       or (focus(item, lines, cap, reason) if cap > excerpt_cap else None)  # its best definition needs more
                       or (focus(item, lines, left, reason) if position < TOP_WHOLE else None)
                       or (focus(item, lines, min(cap, excerpt_cap), reason, partial=True) if not doc_cap else None))
                if doc is None:
                    continue
                excerpts.append((len(packed.documents), item, lines, reason))
            packed.documents.append(doc)
            included.add(item.path)
            remaining -= doc.tokens

    tail = int(budget * TAIL_SHARE) if budget >= TAIL_FROM else 0
    breadth(reserve + tail)
    for position, item, lines, reason in excerpts:  # depth, best-ranked first
        if remaining - tail < MIN_USEFUL:
            break
        held = packed.documents[position].tokens
        limit = remaining - tail + held  # a reserve is shared; a leftover is not
        if reserve:
            limit = min(limit, int(budget * FILE_SHARE))
        deeper = _whole_within(item.path, lines, limit, reason)
        if deeper is None:  # too big to go whole: more of its relevant definitions instead
            deeper = focus(item, lines, min(limit, held * DEPTH_GROWTH), reason)
        if deeper is not None and deeper.tokens > held:
            packed.documents[position] = deeper
            remaining -= deeper.tokens - held
    breadth(tail)
    if tail:  # from the top again: files passed over for want of room may fit as short excerpts
        rank = 0
        breadth(0, TAIL_DOC)
        if remaining >= TAIL_DOC:  # what short excerpts could not use goes to longer ones
            rank = 0
            breadth(0)


def _whole_within(path: str, lines: list[str], limit: int, reason: str) -> PackedDoc | None:
    """The whole file if it takes at most ``limit`` tokens (a character count rules most out before counting)."""
    if sum(map(len, lines)) > limit * CHARS_PER_TOKEN_MAX:  # map: this runs for most files of a big pack
        return None
    doc = whole_document(path, lines, reason, "ranked")
    return doc if doc.tokens <= limit else None
