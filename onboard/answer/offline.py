"""The answer without Claude: exactly what Claude would have been given, and why.

Without an API key onboard still does its main job, finding the right code; this renders the
packed context as a readable, clearly labelled report with snippets a newcomer can click through.
"""

from __future__ import annotations

from typing import Sequence

from onboard.pack import PackedContext
from onboard.store import Index

LABEL = "**Retrieval-only answer** (no ANTHROPIC_API_KEY set): these are the files, symbols and map " \
        "sections Claude would have received. Set ANTHROPIC_API_KEY for a written answer."
SNIPPET_LINES = 12


def _snippet(index: Index, path: str, start: int, end: int) -> str:
    """A fenced block indented as a whole, so Markdown keeps it inside its numbered item."""
    lines = index.db.file_text(path).split("\n")[start - 1:min(end, start + SNIPPET_LINES - 1)]
    body = [f"{start + i}| {line}" for i, line in enumerate(lines)]
    return "\n".join(f"   {line}" for line in ["```text", *body, "```"])


def retrieval_only_answer(index: Index, packed: PackedContext, notes: Sequence[str] = ()) -> str:
    parts = [LABEL, "", *[line for note in notes for line in (f"**Note:** {note}", "")],
             f"**Question:** {packed.question}", "",
             f"**Context packed:** {len(packed.all_documents())} documents, {packed.tokens_used:,} of "
             f"{packed.budget:,} tokens.", "", "### Files chosen, best first"]
    ranked = {r.path: r for r in packed.ranked}
    for n, doc in enumerate(packed.documents, 1):
        ranking = ranked.get(doc.path)
        view = "whole file" if doc.whole else "excerpt"
        parts.append(f"{n}. `{doc.path}:{doc.start_line}-{doc.end_line}` ({view}, {doc.tokens:,} tokens): {doc.reason}")
        symbols = index.db.symbols(doc.path)
        touched = [s for s in symbols if ranking and s.qualname in ranking.symbols][:4]
        for s in touched:
            parts.append(f"   - `{s.qualname}` `{doc.path}:{s.start_line}-{s.end_line}`: `{s.signature}`")
        if n <= 5 and ranking and ranking.hits:
            start, end = ranking.hits[0]
            parts += ["", _snippet(index, doc.path, start, end)]
    if packed.orientation:
        parts += ["", "### Orientation files", *[f"- `{d.path}:{d.start_line}-{d.end_line}`" for d in packed.orientation]]
    map_head = "\n".join(packed.repo_map.split("\n")[:25])
    parts += ["", "### Repository map (excerpt)", f"```text\n{map_head}\n```"]
    return "\n".join(parts)
