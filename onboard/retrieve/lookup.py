"""Resolve a question's cues (see ``cues.py``) against one index: paths, strings and messages.

Built once per index version beside the BM25 tables. Three small maps:
- path suffixes (``utils/validation.py``, ``validation.py``) → indexed files, so a traceback from
  someone's ``site-packages`` or a dotted module name finds the file;
- name-like string literals and module-level constants (``'autodoc_typehints'``, ``"--collect-only"``,
  ``DEFAULT_TIMEOUT = ...``) → the files that define them;
- word trigrams of message literals (``'no number is assigned for %s'``) → the files that emit them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable, Mapping

from onboard.models import Chunk
from onboard.retrieve.cues import Cues, phrase_words

SUFFIX_DEPTH = 4  # path components kept per suffix key
MAX_BARE_MATCHES = 3  # a bare file name (``base.py``) counts only when few files carry it
MAX_LITERAL_FILES = 8  # a string used in more files than this names nothing in particular...
MAX_KEYED_FILES = 3  # ... unless as few files hold it as a key (``"axes.grid": validate_bool``): they define it
_LITERAL = re.compile(r"""(?:'([^'\\\n]{3,160})'|"([^"\\\n]{3,160})")""")
_NAME_LIKE = re.compile(r"--?[A-Za-z][\w-]*|[A-Za-z_][\w.:-]{2,80}")
# A literal that defines what it names: a dict key (``"axes.grid": validate_bool``) or the name of a (name, settings)
# pair (``("max-line-length", {"default": 100, ...})``: pylint's and optparse-style option tables).
_DEFINED_AFTER = re.compile(r"[ \t]*:(?!:)|\s*,\s*\{")
_CONSTANT = re.compile(r"^\s*([A-Z][A-Z0-9_]{2,})\s*(?::[^=\n]*)?=", re.M)
_SOURCE_EXTENSIONS = (".py", "/__init__.py", ".pyx", ".js", ".ts", "/index.js", "/index.ts", ".go", ".rs", ".rb")


def _trigrams(words: list[str]) -> Iterable[str]:
    return (" ".join(words[i:i + 3]) for i in range(len(words) - 2))


# name-like literals and constants, those of them that are keys, message trigrams: each → the files holding it
LiteralMaps = tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]


def literal_maps(chunks: Iterable[Chunk]) -> LiteralMaps:
    """What ``CueIndex`` looks strings up in, read from every chunk's text (kept by ``retrieve.tables``)."""
    literals: dict[str, set[str]] = defaultdict(set)
    keyed: dict[str, set[str]] = defaultdict(set)  # literals that define their name (_DEFINED_AFTER)
    messages: dict[str, set[str]] = defaultdict(set)
    for chunk in chunks:
        for match in _LITERAL.finditer(chunk.text):
            literal = (match.group(1) or match.group(2)).strip()
            if _NAME_LIKE.fullmatch(literal):
                literals[literal.lower()].add(chunk.path)
                if _DEFINED_AFTER.match(chunk.text, match.end()):
                    keyed[literal.lower()].add(chunk.path)
                continue
            words = phrase_words(literal)
            if len(words) >= 3:
                for trigram in _trigrams(words):
                    messages[trigram].add(chunk.path)
        for constant in _CONSTANT.findall(chunk.text):
            literals[constant.lower()].add(chunk.path)
    return literals, keyed, messages


class CueIndex:
    def __init__(self, paths: Iterable[str], maps: LiteralMaps, roles: Mapping[str, str]) -> None:
        """``maps``: ``literal_maps`` of the index's chunks; ``roles``: each file's role as ranking sees it (by
        path and by a generator's notice)."""
        self.roles = roles
        self.suffixes: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            parts = path.split("/")
            for n in range(1, min(SUFFIX_DEPTH, len(parts)) + 1):
                self.suffixes["/".join(parts[-n:])].append(path)
        self.literals, self.keyed, self.messages = maps

    def files_for_path(self, cue: str) -> list[str]:
        """Indexed files a mentioned path or module path means; the longest matching suffix wins."""
        parts = [p for p in cue.strip("./").split("/") if p and p != ".."]
        for n in range(min(SUFFIX_DEPTH, len(parts)), 0, -1):
            tail = "/".join(parts[-n:])
            candidates = [tail] if "." in parts[-1] else [tail + ext for ext in _SOURCE_EXTENSIONS]
            found = [p for c in candidates for p in self.suffixes.get(c, [])]
            if found and (n > 1 or len(found) <= MAX_BARE_MATCHES):
                return list(dict.fromkeys(found))
        return []

    def files_for_literal(self, literal: str) -> list[str]:
        keys = {literal.lower(), literal.lower().lstrip("-").replace("-", "_")}
        found = {p for key in keys for p in self.literals.get(key, ())}
        if len(found) <= MAX_LITERAL_FILES:
            return sorted(found)
        keyed = {p for key in keys for p in self.keyed.get(key, ())}
        # Tests and examples set a setting in dicts of their own (``rc_context({"axes.grid": True})``);
        # the implementation's dict is where it is defined.
        keyed = {p for p in keyed if self.roles.get(p) == "source"} or keyed
        return sorted(keyed) if len(keyed) <= MAX_KEYED_FILES else []

    def files_for_messages(self, cues: Cues) -> list[tuple[str, int]]:
        """Files whose message literals share at least two word trigrams with the question, most first."""
        counts: Counter[str] = Counter()
        for trigram in set(_trigrams(cues.text_words.split())):
            holders = self.messages.get(trigram, ())
            if 0 < len(holders) <= MAX_LITERAL_FILES:
                counts.update(holders)
        return sorted(((path, n) for path, n in counts.items() if n >= 2), key=lambda item: (-item[1], item[0]))
