"""Markdown that shows user and repository text as written.

The retrieval-only digest echoes the question and quotes each file's docstring; the guide's pages (a later
stage) quote repository text everywhere. Rendered as Markdown, ``__init__`` would turn into a bold "init" and a
docstring's ``[link](url)`` into a link. Written here because no installed library escapes Markdown
(markdown-it-py parses it; it has no inverse).
"""

from __future__ import annotations

import re

# Every character CommonMark lets a backslash escape that could start markup in running text. An underscore
# inside a word (``snake_case``, ``my_module.py:12``) cannot open or close emphasis and stays as it is, so a path
# the text names is still found as a citation.
_SPECIAL = re.compile(r"([\\`*{}\[\]()<>#+!|~$]|(?<![^\W_])_|_(?![^\W_]))")
_LINE_START = re.compile(r"^(\s*)([-=]|\d+\.)", re.M)  # list markers, setext underlines, ordered lists


def escape(text: str) -> str:
    """``text`` shown literally in Markdown, on one line: ``__init__`` stays ``__init__``, ``<b>`` stays text."""
    one_line = " ".join(text.split())
    return _LINE_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", one_line))


def escape_lines(text: str) -> str:
    """``text`` shown literally, each of its lines on a line of its own (a pasted issue keeps its shape)."""
    return "  \n".join(escaped for escaped in map(escape, text.splitlines()) if escaped)
