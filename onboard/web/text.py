"""Repository and user text shown literally in Streamlit's Markdown (`__init__` stays `__init__`).

Every Streamlit text element but ``st.text``/``st.code`` reads Markdown, so a file called
``__init__.py`` shows as a bold "init", ``[x](y)`` becomes a link and ``:red[...]`` a colour. CommonMark
lets a backslash escape any ASCII punctuation character, so escaping them is always correct; those
that never start or end Markdown syntax (``/ , ; ' " = ? %``) are left as they are, for readable
sources. No installed library does only this (Markdown renderers escape HTML, not Markdown).
"""

from __future__ import annotations

import re

_SYNTAX = re.compile(r"([!#$&()*+\-.:<>@\[\\\]^_`{|}~])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


# Unicode's bidirectional controls reorder what follows them on screen, so a name or a line of code can read as
# something other than what it is ("Trojan Source", CVE-2021-42574); they are shown as their escapes, as in the CLI.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def reveal(text: str) -> str:
    """``text`` with each bidirectional control written as its escape (``\\u202e``)."""
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def has_bidi(text: str) -> bool:
    return _BIDI.search(text) is not None


def md(text: object) -> str:
    """``text`` as Markdown that renders exactly as ``text`` (line breaks kept as breaks; bidi controls revealed)."""
    return _SYNTAX.sub(r"\\\1", reveal(str(text))).replace("\n", "  \n")


def message(text: object) -> str:
    """An error message's Markdown: its `commands` as code, everything else literally. A message can quote a name
    from a link someone sent (``?index=[log in](https://...)``); outside a code span that would be a link or an
    image, inside one it is text, so only the spans are left as they are."""
    return "".join(part if _CODE_SPAN.fullmatch(part) else md(part) for part in _CODE_SPAN.split(str(text)))


def link(label: object, url: str) -> str:
    """A Markdown link whose label shows literally; ``url`` must already be URL-encoded."""
    return f"[{md(label)}]({url})"
