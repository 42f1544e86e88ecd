"""Python's data model: the special methods a question's words imply.

An issue says "after unpickling", "deepcopy", "not hashable" or calls ``Intersection({1}, {x})``; the code that
answers is ``Figure.__getstate__``, ``__deepcopy__``, ``__hash__`` or ``Intersection.__new__``, none of which shares
a word with it. Lexical order puts such a method tens of definitions down its file (``Figure.__getstate__`` 24th of
223 chunks), so a big file's excerpt leaves it out. Here the implied methods of the classes a file's excerpt is
about are moved up to just after the file's best match. Ranking is untouched: only what an excerpt shows first.

The table is written here because it is the language's own mapping (the data model chapter of the Python reference),
not a rule set any library ships. Operators in a question's code (``a * b`` → ``__mul__``) are not read: measured on
dev_large they matched expressions in every SymPy issue and lost three questions' definitions at 13k-50k for none won.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# (words that imply the protocol, what to call it in a file's "why", its special methods)
_PROTOCOLS: list[tuple[str, str, tuple[str, ...]]] = [
    (r"\b(?:un)?pickl(?:e|es|ed|ing|able|eable|ability)\b|\bcloudpickle\b", "pickling",
     ("__getstate__", "__setstate__", "__reduce__", "__reduce_ex__", "__getnewargs__", "__getnewargs_ex__")),
    (r"\bdeep-?cop(?:y|ies|ied|ying)\b|\bcopy\.copy\b|\bshallow cop", "copying", ("__copy__", "__deepcopy__")),
    (r"\brepr\b", "repr", ("__repr__",)),
    (r"\b(?:un)?hashable\b|\bhash\(", "hashing", ("__hash__", "__eq__")),
    # not ``==`` in code: a reproduction's ``assert x == y`` is about x, not equality
    (r"\brich comparisons?\b|\bequality\b|\bcompares? equal", "equality", ("__eq__", "__ne__")),
    (r"\biterat(?:e|es|ed|ing|ion|or|able)\b|\biter\(", "iteration", ("__iter__", "__next__")),
    (r"\blen\(", "len()", ("__len__",)),
    (r"\bcontext managers?\b|\bwith statements?\b", "a with statement", ("__enter__", "__exit__")),
    (r"\bslic(?:e|es|ed|ing)\b|\bsubscript", "indexing", ("__getitem__", "__setitem__")),
    (r"\btruth value\b|\bbool\(", "truth value", ("__bool__",)),
]
_PATTERNS = [(re.compile(words, re.I), label, methods) for words, label, methods in _PROTOCOLS]
_NAMED_ALSO = ("__call__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__", "__str__", "__format__",
               "__getattr__", "__setattr__")
_NAMEABLE = frozenset(m for *_, methods in _PROTOCOLS for m in methods) | frozenset(_NAMED_ALSO)
# ``__repr__`` as written, or markdown-escaped (``\_\_repr\_\_``); not ``__init__.py`` or ``pkg.__version__``
_SPECIAL = re.compile(r"(?<![\w.])(?:\\?_){2}([a-z]+)(?:\\?_){2}(?![\w.])")
# ``Intersection({1}, {x})``: a class called in code is constructed
_CONSTRUCTED = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]*)\(")
CONSTRUCTORS = ("__init__", "__new__", "__post_init__")
LEAD_FILES = 10  # the best files' excerpts: further down a file is an outline or a few lines anyway
CLASSES_FROM = 3  # a file's classes in play: those of its first few touched definitions


def implied_methods(question: str) -> dict[str, str]:
    """Special method → the protocol the question's words name (``__getstate__`` → "pickling")."""
    implied: dict[str, str] = {}
    for match in _SPECIAL.finditer(question):
        method = f"__{match.group(1)}__"
        if method in _NAMEABLE:
            implied.setdefault(method, method)
    for pattern, label, methods in _PATTERNS:
        if pattern.search(question):
            for method in methods:
                implied.setdefault(method, label)
    return implied


def constructed_classes(code: str) -> list[str]:
    """Capitalised names the question's code calls: classes it constructs (or exceptions, which match nothing)."""
    return list(dict.fromkeys(_CONSTRUCTED.findall(code)))


def lead_with_special_methods(ranked: Iterable, symbols_by_path: Mapping[str, list], implied: Mapping[str, str],
                              constructed: Iterable[str], question_words: set[str]) -> None:
    """Move the special methods the question implies up to second place in each file's touched symbols
    (``RankedFile.symbols``, the order its excerpt shows them in), where their class is in play: constructed in
    the question's code (its constructors), named in its words, or holding one of the file's first touched
    definitions. Second, not first: the file's best match still leads its excerpt."""
    constructed = set(constructed)
    if not implied and not constructed:
        return
    for item in ranked:
        symbols = symbols_by_path.get(item.path, [])
        by_name = {s.qualname: s for s in symbols}
        in_play = {q if by_name[q].kind == "class" else by_name[q].parent
                   for q in item.symbols[:CLASSES_FROM] if q in by_name}
        lead: dict[str, str] = {}
        for s in symbols:
            if s.parent is None or not s.name.startswith("__"):
                continue
            owner = s.parent.rsplit(".", 1)[-1]
            if s.name in CONSTRUCTORS and owner in constructed:
                lead.setdefault(s.qualname, f"{owner}(...) in the question's code")
            elif s.name in implied and (s.parent in in_play or owner.lower() in question_words):
                lead.setdefault(s.qualname, implied[s.name])
        lead = {q: why for q, why in lead.items() if q not in item.symbols[:1]}
        if lead:
            rest = [q for q in item.symbols if q not in lead]
            item.symbols = rest[:1] + list(lead) + rest[1:]
            item.reasons.append("implements what the question implies: " +
                                ", ".join(f"{q} ({why})" for q, why in list(lead.items())[:3]))
