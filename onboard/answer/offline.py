"""The answer without Claude: a digest of what matters for the question, not a wall of snippets.

Without an API key onboard still does its main job, finding the right code. The digest names the
3-5 files that matter most, each with one line on why and its key symbols (linked as citations),
suggests an order to read them in (the best match, then what it uses), and collapses the
rest of the packed context into one line; the full list with reasons stays in "Context sent"
(web) and ``--show-context`` (CLI).
"""

from __future__ import annotations

import posixpath
import re
from typing import Sequence

import networkx as nx

from onboard.answer.escape import escape, escape_lines
from onboard.models import Symbol, by_qualname
from onboard.pack import PackedContext
from onboard.parse.module_doc import module_doc
from onboard.retrieve import RankedFile, retriever_for, terms
from onboard.scan.languages import language_for
from onboard.scan.roles import file_role
from onboard.store import Index
from onboard.store.history import ownership

LABEL = "**Retrieval-only answer** (no ANTHROPIC_API_KEY set): the files that matter most for this question, " \
        "found by onboard's own search. Set ANTHROPIC_API_KEY for a written answer."
TOP_FILES, MIN_TOP_FILES, KEY_SYMBOLS, NAMED_REST = 5, 3, 3, 12
SUMMARY_CHARS = 100  # a longer first sentence is cut at a word, with an ellipsis
# A sentence ends at a full stop and a space before a capital, a digit or an opening mark, not after "e.g."
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bcf)(?<!\bvs)\.\s+(?=[A-Z0-9`(\"'\[])")
# Languages whose files of one directory (a package) use each other's names without importing them.
SHARED_NAMESPACE = frozenset({"go", "java", "kotlin", "scala", "csharp"})
INDIRECT = ("linked in the dependency graph", "central in the dependency graph", "role:")
ASKS_WHO = re.compile(r"\bwho(m| do| should)? (i )?(owns|knows|maintains|wrote|writes|ask|is responsible|works on|"
                      r"worked on|changed|reviews)\b"
                      r"|\b(owns|owners?|ownership|maintainers?|experts?|codeowners|blame)\b",
                      re.IGNORECASE)  # "who calls X?" is about code, not people


def _top_files(packed: PackedContext) -> list[RankedFile]:
    """Packed files a signal reached directly, best first (up to 5), topped up by rank to at least 3."""
    packed_paths = set(packed.paths())
    ranked = [r for r in packed.ranked if r.path in packed_paths]
    direct = [r for r in ranked if any(not reason.startswith(INDIRECT) for reason in r.reasons)][:TOP_FILES]
    return direct + [r for r in ranked if r not in direct][:max(0, MIN_TOP_FILES - len(direct))]


def _summary(text: str) -> str:
    """What the file says it is: its docstring's or leading comment's first sentence (licence headers skipped)."""
    doc = module_doc(text)
    if not doc:
        return ""
    end = _SENTENCE_END.search(doc.text)
    sentence = (doc.text[:end.start()] if end else doc.text).rstrip(".:")  # "implements these classes:" ends at a list
    return sentence if len(sentence) <= SUMMARY_CHARS else sentence[:SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"


def key_symbols(index: Index, ranked: RankedFile, asked: set[str]) -> list[Symbol]:
    """Definitions the search touched or the question names, else the file's first top-level ones.

    Ties go to the order the search touched them in (its best matches first), then to the file's order: for
    dev_large's gold files in the top 5 (bench/retrieval_bench.py, 2026-11-26), a gold definition was among the
    three key symbols 61.3 % of the time this way, 56.6 % by the file's order alone, 11.3 % for the file's first
    three top-level definitions (dev.jsonl: 12, 13 and 2 of 16).
    Test code inside the file (``ranked.aside``: Rust's unit tests, unless the question asks about tests) comes
    after the implementation's definitions: its long names (``..._invalidates_cache``) match the most words."""
    symbols = sorted(by_qualname(index.db.symbols(ranked.path)).values(), key=lambda s: s.start_line)
    found: dict[str, int] = {}
    for n, qualname in enumerate(ranked.symbols):
        found.setdefault(qualname, n)
    score = {s: 3 * (s.qualname in found) + 2 * len(asked & set(terms(s.name))) for s in symbols}
    chosen = sorted((s for s in symbols if score[s]),
                    key=lambda s: (s.qualname in ranked.aside, -score[s], found.get(s.qualname, len(found)),
                                   s.start_line))
    first = sorted((s for s in symbols if s.parent is None), key=lambda s: s.qualname in ranked.aside)
    return (chosen or first)[:KEY_SYMBOLS]


def _why(ranked: RankedFile, summary: str) -> str:
    unique = list(dict.fromkeys(ranked.reasons))
    reasons = [r for r in unique if not r.startswith("role:")][:2]
    reasons += [r for r in unique if r.startswith("role:")]  # a test or vendored copy says so
    why = escape("; ".join(reasons)) or "ranked by the dependency graph"  # reasons quote the question's strings
    where = f" (best match `{ranked.path}:{ranked.hits[0][0]}-{ranked.hits[0][1]}`)" if ranked.hits else ""
    ending = " " if summary.endswith("…") else ". "  # a cut sentence ends with its ellipsis, not "…."
    return (f"{escape(summary)}{ending}" if summary else "") + f"Found because: {why}{where}."


def _imports(graph: nx.DiGraph, path: str) -> set[str]:
    return {other for other in graph.successors(path) if "import" in graph.edges[path, other].get("kinds", ())}


def _uses(graph: nx.DiGraph, path: str, other: str) -> bool:
    """Whether ``path`` surely depends on ``other``: it imports it, directly or through a module that imports it
    (the package re-exporting it), or uses its names from the same package of a language whose files share one
    without imports. A reference edge alone may be two unrelated definitions of one name (Django's QuerySet
    module and the admin's list filters both define `queryset`): true enough to rank by, not to tell a newcomer."""
    if not graph.has_edge(path, other):
        return False
    first = _imports(graph, path)
    if other in first or any(other in _imports(graph, module) for module in first):
        return True
    return (language_for(path) in SHARED_NAMESPACE and language_for(other) == language_for(path)
            and posixpath.dirname(path) == posixpath.dirname(other))


def _reading_order(graph: nx.DiGraph, top: list[str]) -> list[str]:
    """Overviews first, then the best match and what it uses, breadth first, each file's by rank; then the best
    of the rest and what that uses. A file that only uses the others (the admin's filters using the QuerySet)
    comes after what the question is about, not before it."""
    order, left, placed = [], list(top), []
    uses = {path: [other for other in top if other != path and _uses(graph, path, other)] for path in top}
    for path in [p for p in top if file_role(p) == "docs"]:
        order.append(f"`{path}`: the overview")
        left.remove(path)
    while left:
        path = next((other for done in placed for other in uses[done] if other in left), left[0])
        users = [f"`{other}`" for other in top if path in uses[other]]
        used = [f"`{other}`" for other in uses[path]]
        what = ([f"uses {', '.join(used)}"] if used else []) + ([f"used by {', '.join(users)}"] if users else [])
        order.append(f"`{path}`: " + ("; ".join(what) if what else "stands apart from the others"))
        left.remove(path)
        placed.append(path)
    return [f"{n}. {line}" for n, line in enumerate(order, 1)]


def _who_to_ask(index: Index, question: str, top: list[RankedFile]) -> list[str]:
    """For "who owns/knows ...?" questions: one line on the best file's folder from git and CODEOWNERS."""
    if not top or not ASKS_WHO.search(question):
        return []
    folder = posixpath.dirname(top[0].path)
    line = ownership(index, folder).line()
    shown = f"`{folder}/`" if folder else "the repository"
    # A code span shows names and <emails> literally (Markdown would read <x@y> as a link or HTML).
    return [f"**Who to ask** about {shown}: `{line.replace('`', chr(39))}`", ""] if line else []


def retrieval_only_answer(index: Index, packed: PackedContext, notes: Sequence[str] = ()) -> str:
    top = _top_files(packed)
    asked = set(terms(packed.question))
    parts = [LABEL, "", *[line for note in notes for line in (f"**Note:** {note}", "")],
             f"**Question:** {escape_lines(packed.question)}", "", *_who_to_ask(index, packed.question, top),
             "### The files that matter most"]
    for n, ranked in enumerate(top, 1):
        parts.append(f"{n}. **`{ranked.path}`**: {_why(ranked, _summary(index.db.file_text(ranked.path)))}")
        symbols = key_symbols(index, ranked, asked)
        if symbols:
            parts.append("   - key symbols: " + ", ".join(f"`{s.qualname}` (`{s.path}:{s.start_line}-{s.end_line}`)"
                                                       for s in symbols))
    if top:
        parts += ["", "### Suggested reading order",
                  *_reading_order(retriever_for(index).graph, [r.path for r in top])]
    else:
        parts += ["", "No file matched the question; the repository map is in the context sent."]
    rest = [d.path for d in packed.all_documents() if d.path not in {r.path for r in top}]
    if rest:
        more = f" and {len(rest) - NAMED_REST} more" if len(rest) > NAMED_REST else ""
        parts += ["", f"**Also in the context ({len(rest)} files):** "
                  + " · ".join(f"`{path}`" for path in rest[:NAMED_REST]) + more]
    parts += ["", f"_Context: {len(packed.all_documents())} documents, {packed.tokens_used:,} of {packed.budget:,} "
                  "tokens; every file with why it was chosen is under Context sent (web) or `--show-context` (CLI)._"]
    return "\n".join(parts)
