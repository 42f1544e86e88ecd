"""Markdown for guide pages: repository text escaped, links to source lines written once and resolved per shell.

A page is built once with placeholder links, ``[label](src:PATH#L3-L9)`` for source lines and
``[label](guide:SLUG)`` for another page of the guide, and each shell resolves them its own way: the web app
to its source viewer (``?page=source&...``), the Markdown export to paths relative to the exported file
(``../src/app.py#L3-L9``, the form GitHub and most editors follow). Repository text goes through the answer
stage's ``escape`` (shared with the retrieval-only digest).
"""

from __future__ import annotations

import re
from typing import Callable
from urllib.parse import quote, unquote

from onboard.answer.escape import escape

_LINK = re.compile(r"\]\((src|guide):([^)\s]+)\)")

SourceLink = Callable[[str, int, int], str]  # (path, start, end) → URL
PageLink = Callable[[str], str]  # slug → URL


def code(text: str, limit: int = 200) -> str:
    """``text`` as an inline code span (shown literally), on one line and at most ``limit`` characters."""
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def src(path: str, start: int = 1, end: int | None = None) -> str:
    """The placeholder target of a link to lines of an indexed file."""
    end = max(start, end or start)
    return f"src:{quote(path, safe='/')}#L{start}-L{end}"


def source_link(label: str, path: str, start: int = 1, end: int | None = None) -> str:
    """A link to source lines whose label is repository text (escaped)."""
    return f"[{escape(label)}]({src(path, start, end)})"


def where(path: str, start: int = 1, end: int | None = None) -> str:
    """``path:start-end`` as a link to those lines: the way every statement of the guide shows its source."""
    end = max(start, end or start)
    label = f"{path}:{start}" + (f"-{end}" if end != start else "")
    return source_link(label, path, start, end)


def page_link(label: str, slug: str) -> str:
    return f"[{escape(label)}](guide:{slug})"


def sources_in(markdown: str) -> list[tuple[str, int, int]]:
    """Every source location a page links to, as (path, start, end)."""
    found = []
    for kind, target in _LINK.findall(markdown):
        if kind == "src":
            path, _, lines = target.partition("#L")
            start, _, end = lines.partition("-L")
            found.append((unquote(path), int(start), int(end or start)))
    return found


def resolve(markdown: str, source: SourceLink, page: PageLink) -> str:
    """``markdown`` with its placeholder links turned into the shell's URLs."""
    def replace(match: re.Match) -> str:
        kind, target = match.groups()
        if kind == "guide":
            return f"]({page(target)})"
        path, _, lines = target.partition("#L")
        start, _, end = lines.partition("-L")
        return f"]({source(unquote(path), int(start), int(end or start))})"
    return _LINK.sub(replace, markdown)
