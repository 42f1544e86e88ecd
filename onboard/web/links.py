"""Citations in answers become links to the source viewer (``?page=source&...``)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from onboard.answer import Citation


def source_url(index: str, path: str, start: int, end: int) -> str:
    return "?" + urlencode({"page": "source", "index": index, "path": path, "start": start, "end": end})


def link_citations(text: str, citations: list[Citation], index: str) -> str:
    """Wrap each citation of an indexed file in a markdown link; code spans around it are kept readable."""
    for citation in sorted(citations, key=lambda c: -len(c.text)):
        if not citation.known:
            continue
        url = source_url(index, citation.path, citation.start, citation.end)
        pattern = re.compile(r"`?" + re.escape(citation.text) + r"`?(?!\]|[\w-])")
        text = pattern.sub(lambda m: f"[{citation.text}]({url})", text)
    return text
