"""Citations in answers become links to the source viewer (``?page=source&...``); unverified ones are marked."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from onboard import api
from onboard.web.text import link

UNVERIFIED = "⚠️"


def source_url(index: str, path: str, start: int, end: int) -> str:
    return "?" + urlencode({"page": "source", "index": index, "path": path, "start": start, "end": end})


def link_citations(text: str, citations: list[api.Citation], index: str) -> str:
    """Each verified citation becomes a markdown link; an unverified one stays code, marked ⚠️, never a link.

    One pass over the text, so a citation is never rewritten inside another one's link.
    """
    by_text = {c.text: c for c in citations}
    if not by_text:
        return text
    alternatives = "|".join(re.escape(t) for t in sorted(by_text, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w/.\[-])`?({alternatives})`?(?![\]\w-])")

    def replace(match: re.Match) -> str:
        citation = by_text[match.group(1)]
        if citation.verified:
            return link(citation.text, source_url(index, citation.path, citation.start, citation.end))
        return f"`{citation.text}` {UNVERIFIED}"
    return pattern.sub(replace, text)
