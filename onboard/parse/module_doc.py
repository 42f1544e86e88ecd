"""What a file says it is: the first paragraph of its module docstring or leading comment.

The guide shows it beside each module and the retrieval-only answer beside each file it names. A licence
or copyright header is not what a file is about: it is skipped, and the docstring under it (pylint,
Apache and GPL projects put one under every header) is read instead. Text-based rather than a
tree-sitter query, so it works the same for any language that writes comments with ``#``, ``//``,
``/* */`` or ``--``, and on files the grammar could not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby

_PREAMBLE = ("#!", "# -*-", "package ", "// +build", "//go:")
_COMMENTS = ("//", "#", "/*", "*", "--")
# A licence or copyright notice, not a description (a module about licences may still say "licence").
_LEGAL = re.compile(r"^\W*(copyright|licen[cs]ed?\b|spdx)|\bcopyright\b|\(c\)\s*(\d|http)|all rights reserved|"
                    r"licensed under", re.IGNORECASE)
_DOCSTRING_QUOTES = ('"""', "'''", 'r"""')
_NOT_PROSE = ("eslint", "noqa", "type:", "pylint:", "flake8", "mypy:", "fmt:")
# reStructuredText's heading adornment (``Tick locating\n=============``): markup, not words
_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+:_.])\1{2,}$")
# A Sphinx role (``:mod:`a.b```, ``:py:class:`~a.B```, ``:func:`title <a.f>```) reads as what Sphinx shows: the
# title, or the target (its last part after ``~``). A regex, not docutils: one first paragraph, no document.
_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`(~?)([^`<]+?)\s*(?:<[^`>]*>)?`")


def _shown(role: re.Match) -> str:
    text = role[2].rsplit(".", 1)[-1] if role[1] else role[2]
    return f"`{text}`"


@dataclass(frozen=True)
class ModuleDoc:
    text: str  # the paragraph, its lines joined by spaces
    line: int  # 1-based, first and last line of the paragraph
    end: int


def _docstring(lines: list[str], number: int, quote: str) -> tuple[list[str], int]:
    """The first paragraph of the docstring opening on line ``number`` (0-based) and the line it starts on."""
    text = "\n".join(lines[number:])
    opened = text.index(quote) + len(quote)
    closed = text.find(quote.lstrip("r"), opened)
    body = text[opened:closed if closed >= 0 else None]
    number += body[:len(body) - len(body.lstrip())].count("\n")  # a docstring may open on its own line
    return body.strip().split("\n\n")[0].split("\n"), number


def _comment_paragraphs(lines: list[str], number: int) -> tuple[list[tuple[int, list[str]]], int]:
    """The paragraphs (first line, lines) of the comment block starting on line ``number``, and the line after it."""
    block = []
    while number < len(lines) and lines[number].strip().startswith(_COMMENTS):
        block.append((number, lines[number].strip().lstrip("/#*-! ").rstrip("*/ ")))
        number += 1
    paragraphs = [list(group) for filled, group in groupby(block, key=lambda line: bool(line[1])) if filled]
    return [(para[0][0], [piece for _, piece in para]) for para in paragraphs], number


def _summary(start: int, para: list[str]) -> ModuleDoc | None:
    text = _ROLE.sub(_shown, " ".join(p.strip() for p in para if p.strip() and not _ADORNMENT.match(p.strip())))
    if not text or _LEGAL.search(text) or text.lower().startswith(_NOT_PROSE):
        return None
    return ModuleDoc(text[:400], start + 1, start + max(1, len(para)))


def module_doc(text: str) -> ModuleDoc | None:
    """The file's first paragraph of prose about itself, past shebangs, encodings and licence headers."""
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        first = lines[number].strip()
        if not first or lines[number].startswith(_PREAMBLE):
            number += 1
            continue
        quote = next((q for q in _DOCSTRING_QUOTES if first.startswith(q)), None)
        if quote:
            para, start = _docstring(lines, number, quote)
            return _summary(start, para)
        if not first.startswith(_COMMENTS):
            return None
        paragraphs, number = _comment_paragraphs(lines, number)
        after = next((line.strip() for line in lines[number:] if line.strip()), "")
        if after.startswith(_DOCSTRING_QUOTES):
            continue  # a docstring under the comment says what the file is; the comment is a header or a note
        for start, para in paragraphs:
            if not _LEGAL.search(" ".join(para)):
                return _summary(start, para)  # else a header: read on, to the docstring under it
    return None
