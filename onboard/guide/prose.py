"""Claude's prose for guide pages: written from each page's packed context, kept until its inputs change.

A package page is written from that package's files, packed by the pack stage exactly as an answer's context
is (repo map and orientation files first, then the package's files by centrality) and sent through the answer
stage's tool loop with tools off. The overview is written from the README, the manifests and the most central
source files. Each written page is stored with the hash of its inputs (``onboard.store.guide_pages``); a later run
writes only pages whose inputs changed (or were never written) and leaves the rest as they are, fresh.
Citations in the prose are checked like an answer's; verified ones become links, the rest are marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from onboard.answer.citations import Received, find_citations
from onboard.answer.claude import client_for
from onboard.answer.cost import Usage, estimate_cost, usage_line
from onboard.answer.escape import escape
from onboard.answer.loop import Limits, ToolLoop
from onboard.config import Settings
from onboard.guide.markdown import src
from onboard.guide.model import Guide, Page
from onboard.pack import pack_context
from onboard.retrieve import RankedFile
from onboard.store import Index
from onboard.store.guide_pages import WrittenPage, put_page, written_pages

PAGE_BUDGET = 16_000  # tokens of packed context per page: enough for a package's central files, cheap to write
UNVERIFIED = "⚠️"

Progress = Callable[[str, int, int], None]


@dataclass
class WriteReport:
    """What one run of ``write_guide`` did, and what it cost."""

    written: list[str] = field(default_factory=list)  # slugs
    fresh: list[str] = field(default_factory=list)  # slugs left as they were
    errors: dict[str, str] = field(default_factory=dict)  # slug → one sentence
    usage: Usage = field(default_factory=Usage)
    model: str = ""

    @property
    def cost(self) -> float:
        return estimate_cost(self.model, self.usage) if self.model else 0.0

    def line(self) -> str:
        head = f"wrote {len(self.written)} page(s), {len(self.fresh)} already fresh"
        failed = f", {len(self.errors)} failed" if self.errors else ""
        return head + failed + (f"; {usage_line(self.model, self.usage)}" if self.written or self.errors else "")


def attach_written(index: Index, guide: Guide) -> Guide:
    """Give each page the prose stored for it, and how many of its files changed since it was written."""
    stored = written_pages(index.db)
    for page in guide.pages:
        page.written = stored.get(page.slug) if page.writable else None
        page.changed = page.written.changed_files(page.inputs) if page.written else []
    return guide


def _instruction(page: Page) -> str:
    if page.kind == "overview":
        return ("Write the overview page of an architecture guide for an engineer on their first day: what this "
                "project is for, what it is built with, how its main parts fit together and where to start "
                "reading. 2-4 short paragraphs.")
    return (f"Write the guide page for the package `{page.package}` for an engineer on their first day: what it "
            "is for, how its key files and definitions work together, what it depends on and what uses it, and "
            "what to read first. 2-4 short paragraphs.")


def _ranked(index: Index, page: Page) -> list[RankedFile]:
    """The page's input files, most central first (README and manifests go in as orientation anyway)."""
    files = {f.path: f for f in index.db.files()}
    paths = sorted(page.inputs, key=lambda p: -files[p].pagerank if p in files else 0)
    return [RankedFile(p, files[p].pagerank if p in files else 0.0,
                       [f"file of package {page.package}" if page.package else "central in the dependency graph"])
            for p in paths if p in files]


def link_prose(text: str, citations: list) -> str:
    """Verified ``path:start-end`` citations become links to those lines; the rest stay code, marked."""
    by_text = {c.text: c for c in citations}
    if not by_text:
        return text
    pattern = re.compile(r"(?<![\w/.\[-])`?(" + "|".join(re.escape(t) for t in sorted(by_text, key=len, reverse=True))
                         + r")`?(?![\]\w-])")

    def replace(match: re.Match) -> str:
        c = by_text[match.group(1)]
        if c.verified:
            return f"[{escape(c.text)}]({src(c.path, c.start, c.end)})"
        return f"`{c.text}` {UNVERIFIED}"
    return pattern.sub(replace, text)


def write_page(index: Index, page: Page, settings: Settings) -> tuple[WrittenPage | None, Usage, str | None]:
    """Ask Claude for one page's prose; returns (stored page or None, usage, error sentence or None)."""
    packed = pack_context(index, _ranked(index, page), _instruction(page), PAGE_BUDGET)
    reply = ToolLoop(client_for(settings), settings, packed, [], packed.question, None, Limits(rounds=0)).run()
    if reply.error or not reply.text.strip():
        return None, reply.usage, reply.error or "Claude returned no text."
    received = Received()
    received.add_packed(packed)
    citations = find_citations(reply.text, index.db.files(), received)
    verified = sum(c.verified for c in citations)
    note = (f"\n\n_Written by Claude ({settings.model}) from {len(packed.all_documents())} files; "
            f"{verified} of {len(citations)} citations verified; {usage_line(settings.model, reply.usage)}._")
    usage = reply.usage
    written = WrittenPage(page.slug, page.input_hash, dict(page.inputs), link_prose(reply.text, citations) + note,
                          settings.model, {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                                           "cache_read_input_tokens": usage.cache_read_input_tokens,
                                           "cache_creation_input_tokens": usage.cache_creation_input_tokens},
                          estimate_cost(settings.model, usage))
    return put_page(index.db, written), usage, None


def write_guide(index: Index, guide: Guide, settings: Settings, slugs: list[str] | None = None,
                progress: Progress | None = None) -> WriteReport:
    """Write the prose of every page that needs it (never written, or its files changed): the rest stay fresh.

    ``slugs`` limits the run to those pages. Needs ``settings.api_key``; a failure on one page is reported and
    the others are still written. The stored prose is read again here, since ``guide`` may be older than it.
    """
    attach_written(index, guide)
    return write_pages(index, [p for p in guide.pages if p.writable and (slugs is None or p.slug in slugs)],
                       settings, progress)


def write_pages(index: Index, pages: list[Page], settings: Settings, progress: Progress | None = None) -> WriteReport:
    """``write_guide`` for pages that already carry their stored prose (``attach_written``), so a caller that
    has just read it does not read it twice."""
    report = WriteReport(model=settings.model)
    for done, page in enumerate(pages):
        if progress:
            progress("guide", done, len(pages))
        if page.status == "fresh":
            report.fresh.append(page.slug)
            continue
        written, usage, error = write_page(index, page, settings)
        report.usage.add(usage)
        if error:
            report.errors[page.slug] = error
            continue
        page.written, page.changed = written, []
        report.written.append(page.slug)
    if progress:
        progress("guide", len(pages), len(pages))
    return report
