"""Words for lexical search, from code and from questions alike.

Code says ``getEncodingsFromContent`` where a question says "encodings from content", so an
identifier is indexed whole *and* split on underscores, camelCase and digits; both sides go
through the same function so they meet in the middle.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

STOPWORDS = frozenset("""
a an and are as at be been but by can do does did for from has have how if in into is it its of on or
that the their then there these this those to was were what when where which while who why will with
would should could may might must shall than so such not no yes via about after before between during
each other same some any all both more most also only own just over under up down out very s t
self cls def return import none true false null var let const function class new public private
static void int str bool this get set use used using make makes made way ways happen happens
""".split())


def _stem(word: str) -> str:
    """Just enough stemming for code words: plurals and -ing/-ed, to the end (encodings → encoding →
    encod), so that a question's "setting" meets the code's ``settings``.

    Written here, not taken from a library: the Snowball English stemmer (PyStemmer) conflates more
    (``generate`` with ``generation``, ``axes`` → ``axe``) and ranked worse at the top on both dev sets
    (bench/HISTORY.md), so it is not worth a dependency."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return _stem(word[: -len(suffix)])
    return word


def split_identifier(identifier: str) -> list[str]:
    parts = [p for chunk in identifier.split("_") for p in _CAMEL.findall(chunk)]
    return [p.lower() for p in parts if p]


@lru_cache(maxsize=1 << 17)
def _word_terms(word: str) -> tuple[str, ...]:
    """The terms of one word. Cached: code repeats its words, and building a big index's search
    tables (Django: 50k chunks, 3 million words, 86k distinct) was most of its first answer."""
    lower = word.lower()
    parts = split_identifier(word)
    whole = (lower,) if len(parts) > 1 and lower not in STOPWORDS else ()
    return whole + tuple(_stem(p) for p in parts if p not in STOPWORDS and len(p) > 1)


def terms(text: str) -> list[str]:
    """Search terms of ``text``: whole identifiers (lowercased) plus their stemmed parts, no stopwords."""
    return list(chain.from_iterable(map(_word_terms, _WORD.findall(text))))
