"""The guide's records: pages (Markdown with placeholder links) and the guide that holds them.

A page Claude may write prose for lists its ``inputs`` (the files it rests on, with their content hashes):
their hash is what keeps written prose fresh, and comparing them says how many files changed since.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from onboard.store.guide_pages import WrittenPage

PROMPT_VERSION = "1"  # bump when the prompt changes: every written page then counts as stale
INDEX_ONLY = ("Built from the index alone (no ANTHROPIC_API_KEY): every statement below comes from the code's "
              "structure and its own docstrings. With a key, Claude also writes each page's prose.")


@dataclass
class Page:
    slug: str
    title: str
    kind: str  # "overview" | "section" | "package"
    body: str  # Markdown with placeholder links
    inputs: dict[str, str] = field(default_factory=dict)  # prose pages: path → sha256 of the files it rests on
    package: str | None = None
    written: WrittenPage | None = None  # Claude's prose for this page, if any was written
    changed: list[str] = field(default_factory=list)  # inputs changed since ``written``

    @property
    def writable(self) -> bool:
        return self.kind in ("overview", "package")

    @property
    def input_hash(self) -> str:
        return hashlib.sha256(json.dumps([PROMPT_VERSION, sorted(self.inputs.items())]).encode()).hexdigest()

    @property
    def status(self) -> str:
        """"index only", "not written", "fresh" or "stale"."""
        if not self.writable:
            return "index only"
        if self.written is None:
            return "not written"
        return "fresh" if self.written.input_hash == self.input_hash else "stale"

    def stale_note(self) -> str:
        if self.status != "stale":
            return ""
        n = len(self.changed)
        what = f"{n} file{'s' if n != 1 else ''} changed" if n else "the prompt changed"
        return f"stale: {what} since this page was written"


@dataclass
class Guide:
    name: str
    pages: list[Page]
    diagram_mermaid: str
    diagram_dot: str
    questions: list[str]

    def page(self, slug: str) -> Page:
        return next((p for p in self.pages if p.slug == slug), self.pages[0])

    def search(self, query: str) -> list[tuple[Page, list[str]]]:
        """Pages whose title or text holds every word of ``query``, with the matching lines."""
        words = [w.lower() for w in query.split()]
        hits = []
        for page in self.pages:
            text = page.title + "\n" + page_text(page)
            if all(w in text.lower() for w in words):
                lines = [line for line in text.split("\n") if any(w in line.lower() for w in words)]
                hits.append((page, lines[:3]))
        return hits


def page_text(page: Page) -> str:
    """The page as one Markdown text: Claude's prose (if written) above the facts from the index."""
    if page.written is None:
        return page.body
    return f"{page.written.text}\n\n---\n\n{page.body}"


def package_slug(package: str) -> str:
    return "pkg-" + (re.sub(r"[^A-Za-z0-9._-]+", "-", package).strip("-.") or "root")

