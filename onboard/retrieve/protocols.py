"""Object protocols: the methods a question's words imply (Python's data model first).

An issue says "after unpickling", "deepcopy", "not hashable" or calls ``Intersection({1}, {x})``; the code that
answers is ``Figure.__getstate__``, ``__deepcopy__``, ``__hash__`` or ``Intersection.__new__``, none of which shares
a word with it. Lexical order puts such a method tens of definitions down its file (``Figure.__getstate__`` 24th of
223 chunks), so a big file's excerpt leaves it out. Here the implied methods of the classes a file's excerpt is
about are moved up to just after the file's best match. Ranking is untouched: only what an excerpt shows first.

The same holds in other languages by other names: a ``HashSet`` of orders finds none because of ``Order.equals`` and
``hashCode``, ``new Cart(...)`` runs ``Cart.constructor``, Go prints a ``Money`` through its ``String`` method.

The table is written here because it is each language's own contract (Python's data model chapter,
``java.lang.Object``, Rust's standard traits), not a rule set any library ships. Operators in a question's code
(``a * b`` → ``__mul__``) are not read: on dev_large they reordered the files of 14 more questions (SymPy's issues are
full of expressions), gained none and cost one its gold file at 27k.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from onboard.models import CONTAINERS, Symbol, by_qualname
from onboard.scan.languages import language_for

# The languages whose objects answer to the same protocols by method name.
_FAMILIES = {"python": "python", "cython": "python", "java": "jvm", "kotlin": "jvm", "scala": "jvm",
             "csharp": "dotnet", "javascript": "js", "typescript": "js", "tsx": "js", "go": "go", "rust": "rust",
             "ruby": "ruby"}
# (words that imply the protocol, case aside; what to call it in a file's "why"; its methods in each family).
# Python's rows were measured on dev_large; the other families' follow their languages' documented contracts
# (Object.equals/hashCode/toString, IDisposable, Go's fmt.Stringer and json.Marshaler, Rust's std traits) and have no
# benchmark here.
_PROTOCOLS: list[tuple[str, str, dict[str, tuple[str, ...]]]] = [
    (r"\b(?:un)?pickl(?:e|es|ed|ing|able|eable|ability)\b|\bcloudpickle\b", "pickling",
     {"python": ("__getstate__", "__setstate__", "__reduce__", "__reduce_ex__", "__getnewargs__",
                 "__getnewargs_ex__")}),
    (r"\bdeep-?cop(?:y|ies|ied|ying)\b|\bcopy\.copy\b|\bshallow cop", "copying",
     {"python": ("__copy__", "__deepcopy__")}),
    (r"\bclon(?:e|es|ed|ing|eable)\b", "cloning",
     {"jvm": ("clone",), "dotnet": ("Clone",), "rust": ("clone",), "ruby": ("initialize_copy",)}),
    (r"\brepr\b", "repr", {"python": ("__repr__",)}),
    (r"\btoString\b|\bto_s\b|\bstring (?:form|representation)\b|\bStringer\b|(?-i:\bDisplay\b)", "string form",
     {"jvm": ("toString",), "js": ("toString",), "dotnet": ("ToString",), "go": ("String",), "rust": ("fmt",),
      "ruby": ("to_s", "inspect")}),
    (r"\b(?:un)?hashable\b|\bhash\(", "hashing", {"python": ("__hash__", "__eq__")}),
    (r"\bhash ?codes?\b|\bGetHashCode\b|\bHash(?:Map|Set)\b|\b(?:un)?hashable\b", "hashing",
     {"jvm": ("hashCode", "equals"), "dotnet": ("GetHashCode", "Equals"), "rust": ("hash", "eq"),
      "ruby": ("hash", "eql?")}),
    # not ``==`` in code: a reproduction's ``assert x == y`` is about x, not equality
    (r"\brich comparisons?\b|\bequality\b|\bcompares? equal", "equality", {"python": ("__eq__", "__ne__")}),
    (r"\bequality\b|\bcompares? equal|\bequals\(|\bPartialEq\b", "equality",
     {"jvm": ("equals", "hashCode"), "dotnet": ("Equals", "GetHashCode"), "rust": ("eq",), "ruby": ("==", "eql?")}),
    (r"\bcompareTo\b|\bComparable\b|\bIComparable\b|\bPartialOrd\b|\bsort order\b", "ordering",
     {"jvm": ("compareTo", "compare"), "dotnet": ("CompareTo",), "go": ("Less",), "rust": ("cmp", "partial_cmp"),
      "ruby": ("<=>",)}),
    (r"\biterat(?:e|es|ed|ing|ion|or|able)\b|\biter\(", "iteration",
     {"python": ("__iter__", "__next__"), "jvm": ("iterator", "hasNext", "next"), "js": ("[Symbol.iterator]", "next"),
      "dotnet": ("GetEnumerator", "MoveNext"), "rust": ("next",), "ruby": ("each",)}),
    (r"\blen\(", "len()", {"python": ("__len__",)}),
    (r"\bcontext managers?\b|\bwith statements?\b", "a with statement", {"python": ("__enter__", "__exit__")}),
    (r"\btry-with-resources\b|\bAutoCloseable\b|\bIDisposable\b|\busing (?:statement|block)s?\b"
     r"|\bdispos(?:e|ed|al)\b|(?-i:\bDrop\b)", "closing",
     {"jvm": ("close",), "dotnet": ("Dispose",), "rust": ("drop",)}),
    (r"\bseriali[sz](?:e|es|ed|ing|ation|able)\b|\bdeseriali[sz]|\bmarshal(?:l?ing|s|l?ed)?\b|\btoJSON\b"
     r"|\bJSON\.stringify\b", "serialization",
     {"jvm": ("readObject", "writeObject", "readResolve", "writeReplace"), "js": ("toJSON",),
      "go": ("MarshalJSON", "UnmarshalJSON", "MarshalText", "UnmarshalText"), "rust": ("serialize", "deserialize")}),
    (r"\bslic(?:e|es|ed|ing)\b|\bsubscript", "indexing", {"python": ("__getitem__", "__setitem__")}),
    (r"\btruth value\b|\bbool\(", "truth value", {"python": ("__bool__",)}),
]
_PATTERNS = [(re.compile(words, re.I), label, methods) for words, label, methods in _PROTOCOLS]
_NAMED_ALSO = ("__call__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__", "__str__", "__format__",
               "__getattr__", "__setattr__")
_NAMEABLE = frozenset(_NAMED_ALSO).union(*(by_family.get("python", ()) for *_, by_family in _PROTOCOLS))
# ``__repr__`` as written, or markdown-escaped (``\_\_repr\_\_``); not ``__init__.py`` or ``pkg.__version__``
_SPECIAL = re.compile(r"(?<![\w.])(?:\\?_){2}([a-z]+)(?:\\?_){2}(?![\w.])")
# ``Intersection({1}, {x})``, ``new Cart(items)``, ``Point::new(1)``: a class called in code is constructed
_CONSTRUCTED = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]*)(?:\(|::new\()")
# A family's constructors; in the JVM's and .NET's a constructor is named after its class (``OWN_NAME``).
OWN_NAME = "<class name>"
CONSTRUCTORS = {"python": ("__init__", "__new__", "__post_init__"), "js": ("constructor",), "ruby": ("initialize",),
                "rust": ("new",), "jvm": (OWN_NAME,), "dotnet": (OWN_NAME,)}
# What ``cues.read_cues`` gives these patterns of a question: its prose and reproduction come first, a pasted log after
# them. Each of the 17 patterns scans what it is given, so a 1.4 MB paste cost 2.3 s; the shared sets' longest
# question is 19k characters.
READ_CHARS = 50_000
LEAD_FILES = 10  # the best files' excerpts: further down a file is an outline or a few lines anyway
CLASSES_FROM = 3  # a file's classes in play: those of its first few touched definitions


def implied_methods(question: str) -> dict[str, dict[str, str]]:
    """Per language family, each method the question implies → the protocol it implements
    (``{"python": {"__getstate__": "pickling"}}``)."""
    implied: dict[str, dict[str, str]] = {}
    for match in _SPECIAL.finditer(question):
        method = f"__{match.group(1)}__"
        if method in _NAMEABLE:
            implied.setdefault("python", {}).setdefault(method, method)
    for pattern, label, by_family in _PATTERNS:
        if pattern.search(question):
            for family, methods in by_family.items():
                for method in methods:
                    implied.setdefault(family, {}).setdefault(method, label)
    return implied


def constructed_classes(code: str) -> list[str]:
    """Capitalised names the question's code calls: classes it constructs (or exceptions, which match nothing)."""
    return list(dict.fromkeys(_CONSTRUCTED.findall(code)))


def _owner(symbol: Symbol) -> str | None:
    """The qualified name of the class (struct, impl) a method belongs to: Go's methods have no parent symbol,
    their qualified name says it (``Money.String``)."""
    if symbol.parent is not None:
        return symbol.parent
    return symbol.qualname.rsplit(".", 1)[0] if "." in symbol.qualname else None


def lead_with_special_methods(ranked: Iterable, symbols_by_path: Mapping[str, list[Symbol]],
                              implied: Mapping[str, Mapping[str, str]], constructed: Iterable[str],
                              question_words: set[str]) -> None:
    """Move the methods the question implies up to second place in each file's touched symbols
    (``RankedFile.symbols``, the order its excerpt shows them in), where their class is in play: constructed in
    the question's code (its constructors), named in its words, or holding one of the file's first touched
    definitions. Second, not first: the file's best match still leads its excerpt."""
    constructed = set(constructed)
    if not implied and not constructed:
        return
    for item in ranked:
        family = _FAMILIES.get(language_for(item.path) or "")
        methods, constructors = implied.get(family or "", {}), CONSTRUCTORS.get(family or "", ())
        if not methods and not (constructed and constructors):
            continue
        symbols = symbols_by_path.get(item.path, [])
        by_name = by_qualname(symbols)
        in_play = {q if by_name[q].kind in CONTAINERS else _owner(by_name[q])
                   for q in item.symbols[:CLASSES_FROM] if q in by_name}
        lead: dict[str, str] = {}
        for s in symbols:
            owned_by = _owner(s)
            if owned_by is None:
                continue
            owner = owned_by.rsplit(".", 1)[-1]
            if owner in constructed and (s.name in constructors or (OWN_NAME in constructors and s.name == owner)):
                lead.setdefault(s.qualname, f"{owner}(...) in the question's code")
            elif s.name in methods and (owned_by in in_play or owner.lower() in question_words):
                lead.setdefault(s.qualname, methods[s.name])
        lead = {q: why for q, why in lead.items() if q not in item.symbols[:1]}
        if lead:
            rest = [q for q in item.symbols if q not in lead]
            item.symbols = rest[:1] + list(lead) + rest[1:]
            item.reasons.append("implements what the question implies: " +
                                ", ".join(f"{q} ({why})" for q, why in list(lead.items())[:3]))
