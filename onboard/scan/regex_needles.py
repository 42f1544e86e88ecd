"""Literal strings that every match of a regular expression must contain, so a cheap ``in`` test can
prove that the expression cannot match a text without running it.

Why hand-written: Python has no literal extraction for its own ``re`` (RE2 and Hyperscan do it for
theirs), and no installed package does it. It reads the parse tree of ``re``'s own parser, so it sees
exactly what the engine will run (verbose whitespace removed, flags applied); anything it does not
know it treats as "no requirement", which can only make a filter run a pattern more often, never less.

Why the result is exact (never a missed match):

* a run of consecutive literal characters in a sequence is matched as one piece, so every match
  contains it;
* an element that must occur at least once (a group, a repeat with a minimum of one or more, an
  atomic group) contains, in every match, whatever its own body requires;
* an alternation requires "one of" the needles of its alternatives, and only when every alternative
  requires something (an empty alternative requires nothing);
* every requirement of a sequence holds at once, so the caller may demand them all (``needles``
  returns a conjunction of "one of these" sets);
* lookarounds, character classes, anchors and scoped flags add nothing: their text is either not part
  of the match or not one fixed string.

Case: the parser keeps literals as written; under IGNORECASE an ASCII literal matches an ASCII
character exactly when their ``str.lower()`` agree, but may also match non-ASCII ones that
``str.lower()`` leaves alone (LATIN SMALL LETTER LONG S matches ``s``). So needles of such a pattern
come lowercased, are looked for in ``fold(text)`` (the text lowered, with those characters made the
letter they match), and a pattern whose needle is not ASCII gets none.

``min_run`` reads the same tree for a second promise: every match holds a run of at least that many
consecutive characters, each from a given ASCII set or non-ASCII. It is exact for the same reasons: a
sequence of items that each match only such characters (a repeat counting its minimum, a group or an
alternation its shortest branch, a lookaround or an anchor nothing, since they consume nothing) is one
unbroken run of their minimum widths summed; an item that may match another character ends the run
(only the runs its own body surely holds count), and an item it does not know is taken as such a
breaker. Any non-ASCII character counts as a run character, because under IGNORECASE ``[a-z]`` matches
some (LONG S, KELVIN SIGN), and the caller counts UTF-8 bytes, where such a character spans two or three.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parser's own opcodes (Python >= 3.11, which pyproject requires)
import re._parser as sre_parse
from dataclasses import dataclass

AnyOf = frozenset[str]  # a match holds at least one of these strings
MAX_ANY_OF = 16  # more alternatives than this make a set too weak to be worth testing
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
# The non-ASCII characters IGNORECASE matches to an ASCII letter (sre's simple case mapping and its table
# of equivalences): tests/test_secret_needles.py asks ``re`` itself about every code point.
ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


def fold(text: str) -> str:
    """``text`` as a folded pattern's needles are looked for in it: lowercased, and each character that
    IGNORECASE matches to an ASCII letter made that letter, so every match holds its needles here."""
    if not text.isascii():
        for char, letter in ASCII_FOLDS.items():
            if char in text:
                text = text.replace(char, letter)
    return text.lower()


@dataclass(frozen=True)
class Needles:
    """Every match of the pattern these come from holds a string of each set in ``all_of`` (lowercased, and
    to be found in ``fold(text)``, when ``folded``: the pattern ignores case)."""

    all_of: tuple[AnyOf, ...]
    folded: bool

    def may_match(self, text: str, lowered: str | None) -> bool:
        """False only when the pattern surely has no match in ``text`` (``lowered``: ``fold(text)``, or None
        when not at hand: a folded pattern may then match)."""
        if self.folded:
            if lowered is None:
                return True
            text = lowered
        for any_of in self.all_of:  # loops, not all(any(...)): this runs for every candidate line
            for needle in any_of:
                if needle in text:
                    break
            else:
                return False
        return True


def needles(pattern: re.Pattern[str], strongest: int = 3) -> Needles:
    """What every match of ``pattern`` contains: the ``strongest`` sets (longest shortest needle first)."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    folded = bool(parsed.state.flags & re.IGNORECASE)
    sets = _sequence(list(parsed))
    if folded:
        if not all(needle.isascii() for any_of in sets for needle in any_of):
            return Needles((), folded)
        sets = [frozenset(needle.lower() for needle in any_of) for any_of in sets]
    sets.sort(key=_strength, reverse=True)
    return Needles(tuple(sets[:strongest]), folded)


def _strength(any_of: AnyOf) -> tuple[int, int]:
    return min(map(len, any_of)), -len(any_of)


def _sequence(items: list[tuple[object, object]]) -> list[AnyOf]:
    """Every "one of" set that a match of this sequence of parsed items must satisfy."""
    found: list[AnyOf] = []
    run: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        if run:
            found.append(frozenset(["".join(run)]))
            run = []
        found.extend(_element(op, av))
    if run:
        found.append(frozenset(["".join(run)]))
    return found


def _element(op: object, av: object) -> list[AnyOf]:
    """The sets one non-literal item requires (none for those it cannot be sure of)."""
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av  # type: ignore[misc]
        return [] if add_flags or del_flags else _sequence(list(body))
    if op in _REPEATS:
        low, _high, body = av  # type: ignore[misc]
        return _sequence(list(body)) if low >= 1 else []
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av))  # type: ignore[arg-type]
    if op is sre.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:  # type: ignore[index]
            sets = _sequence(list(alternative))
            if not sets:
                return []
            union |= max(sets, key=_strength)
        return [frozenset(union)] if len(union) <= MAX_ANY_OF else []
    return []


# -- runs of characters -------------------------------------------------------------------------

_ASCII = frozenset(map(chr, range(128)))
_DIGITS = frozenset("0123456789")
_WORD = frozenset(c for c in _ASCII if c.isalnum() or c == "_")
_SPACE = frozenset(" \t\n\r\f\v\x1c\x1d\x1e\x1f")
_CATEGORIES = {
    sre.CATEGORY_DIGIT: _DIGITS, sre.CATEGORY_WORD: _WORD, sre.CATEGORY_SPACE: _SPACE,
    sre.CATEGORY_NOT_DIGIT: _ASCII - _DIGITS, sre.CATEGORY_NOT_WORD: _ASCII - _WORD,
    sre.CATEGORY_NOT_SPACE: _ASCII - _SPACE,
}


@dataclass(frozen=True)
class _Run:
    """What one parsed item guarantees: ``whole`` when it matches run characters only (then each match
    is one run of at least ``head``); else the run every match starts with (``head``), ends with
    (``tail``) and holds somewhere (``inside``)."""

    whole: bool
    head: int
    tail: int
    inside: int


_BREAK = _Run(False, 0, 0, 0)


def _whole(width: int) -> _Run:
    return _Run(True, width, width, width)


def min_run(pattern: re.Pattern[str], run_chars: str) -> int:
    """The length of the run of characters from ``run_chars`` (ASCII) or non-ASCII that every match
    of ``pattern`` holds (the module docstring says why no match holds less)."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    folded = bool(parsed.state.flags & re.IGNORECASE)
    return _run_of_sequence(list(parsed), frozenset(run_chars), folded).inside


def _run_of_sequence(items: list[tuple[object, object]], chars: frozenset[str], folded: bool) -> _Run:
    runs = [_run_of(op, av, chars, folded) for op, av in items]
    breakers = [i for i, run in enumerate(runs) if not run.whole]
    if not breakers:
        return _whole(sum(run.head for run in runs))
    head = sum(run.head for run in runs[:breakers[0]]) + runs[breakers[0]].head
    tail = runs[breakers[-1]].tail + sum(run.head for run in runs[breakers[-1] + 1:])
    inside = open_run = 0
    for run in runs:
        if run.whole:
            open_run += run.head
        else:
            inside = max(inside, open_run + run.head, run.inside)
            open_run = run.tail
    return _Run(False, head, tail, max(inside, open_run))


def _run_of(op: object, av: object, chars: frozenset[str], folded: bool) -> _Run:
    """What one parsed item guarantees (``_BREAK`` for those it cannot be sure of)."""
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return _whole(0)  # consumes nothing: the characters around it are adjacent in the match
    if op is sre.LITERAL:
        return _whole(1) if _ascii_members([(op, av)], folded) <= chars else _BREAK
    if op is sre.IN:
        return _whole(1) if _ascii_members(av, folded) <= chars else _BREAK  # type: ignore[arg-type]
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av  # type: ignore[misc]
        return _BREAK if add_flags or del_flags else _run_of_sequence(list(body), chars, folded)
    if op is sre.ATOMIC_GROUP:
        return _run_of_sequence(list(av), chars, folded)  # type: ignore[arg-type]
    if op in _REPEATS:
        low, _high, body = av  # type: ignore[misc]
        run = _run_of_sequence(list(body), chars, folded)
        if run.whole:
            return _whole(low * run.head)
        return run if low >= 1 else _BREAK
    if op is sre.BRANCH:
        runs = [_run_of_sequence(list(alternative), chars, folded) for alternative in av[1]]  # type: ignore[index]
        if all(run.whole for run in runs):
            return _whole(min(run.head for run in runs))
        return _Run(False, min(r.head for r in runs), min(r.tail for r in runs), min(r.inside for r in runs))
    return _BREAK


def _ascii_members(items: list[tuple[object, object]], folded: bool) -> frozenset[str]:
    """The ASCII characters a character class (its parsed items) matches; all of them when unsure."""
    members: set[str] = set()
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            members.add(chr(av))  # type: ignore[arg-type]
        elif op is sre.RANGE:
            low, high = av  # type: ignore[misc]
            members.update(map(chr, range(low, min(high, 127) + 1)))
        elif op is sre.CATEGORY and av in _CATEGORIES:
            members |= _CATEGORIES[av]  # type: ignore[index]
        else:
            return _ASCII
    if folded:
        members |= {c.swapcase() for c in members}
    found = frozenset(c for c in members if c.isascii())
    return _ASCII - found if negate else found
