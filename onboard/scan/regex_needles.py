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
come lowercased, may only be looked for in an ASCII text lowered, and a pattern whose needle is not
ASCII gets none.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parser's own opcodes (Python >= 3.11, which pyproject requires)
import re._parser as sre_parse
from dataclasses import dataclass

AnyOf = frozenset[str]  # a match holds at least one of these strings
MAX_ANY_OF = 16  # more alternatives than this make a set too weak to be worth testing
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


@dataclass(frozen=True)
class Needles:
    """Every match of the pattern these come from holds a string of each set in ``all_of`` (lowercased, and
    to be found in the text lowered, when ``folded``: the pattern ignores case)."""

    all_of: tuple[AnyOf, ...]
    folded: bool

    def may_match(self, text: str, lowered: str | None) -> bool:
        """False only when the pattern surely has no match in ``text`` (``lowered``: ``text.lower()`` if
        ``text`` is ASCII, else None)."""
        if self.folded:
            if lowered is None:
                return True  # a non-ASCII character may match an ASCII literal while ignoring case
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
