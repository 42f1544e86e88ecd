"""Plain data records that flow between the stages.

Every stage (scan → parse → graph → store → retrieve → pack → answer) speaks in these
records so that a stage can be read, tested and replaced alone. They are frozen-ish
dataclasses with no behaviour beyond small conveniences; persistence lives in
``onboard.store`` and never pickles them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """A text file the scanner accepted. ``path`` is repo-relative, POSIX style."""

    path: str
    abs_path: Path
    language: str  # "python", "javascript", "typescript", "tsx", "go", ... or "text"/"markdown"/"toml"...
    size: int
    sha256: str  # of the raw bytes, so reindex can skip unchanged files
    text: str  # decoded UTF-8 (secrets not yet redacted)


@dataclass(frozen=True)
class SkippedFile:
    """A file the scanner (or parser) refused, with a reason a person can act on."""

    path: str
    reason: str  # e.g. "binary", "too large (6.1 MB > 5 MB)", "not UTF-8", "secret file", "symlink loop"


# A module that only compiles for tests: Rust's `#[cfg(test)] mod tests { ... }`, where a crate's unit tests live in
# the file they test. The path gives such a file the role "source"; this kind tells its test code from the rest.
TEST_MODULE = "test_module"
# Kinds of namespaces: a function inside one is a function, not a method.
MODULES = frozenset({"module", TEST_MODULE})
# Symbol kinds that hold other definitions: a function inside one is a method, unless it is a module.
CONTAINERS = frozenset({"class", "interface", "struct", "enum", "trait", "impl"}) | MODULES


@dataclass(frozen=True)
class Symbol:
    """A definition: class, function, method, interface, struct, enum, trait, module..."""

    name: str
    qualname: str  # dotted within the file, e.g. "Flask.route"
    kind: str  # "class" | "function" | "method" | "property" | "interface" | "struct" | "enum" | "trait" | "type" ...
    path: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    signature: str  # first line(s) of the definition up to the body, e.g. "def route(self, rule: str, **options)"
    docstring: str = ""
    parent: str | None = None  # qualname of the enclosing symbol


def in_test_modules(symbols: Iterable[Symbol]) -> set[str]:
    """Qualified names of a file's test modules (``TEST_MODULE``) and of every definition inside one: test code
    in a file whose path says implementation. Nesting shows in the qualified name (``tests.helper.make``), and a
    chunk names its innermost definition, so this tells test chunks too."""
    symbols = list(symbols)
    prefixes = tuple(s.qualname + "." for s in symbols if s.kind == TEST_MODULE)
    if not prefixes:
        return set()
    return {s.qualname for s in symbols if s.kind == TEST_MODULE or s.qualname.startswith(prefixes)}


def by_qualname(symbols: Iterable[Symbol]) -> dict[str, Symbol]:
    """One definition per qualified name, the longest: several share one where ``@overload`` stubs precede
    the implementation, or a property's setter follows its getter; the longest is the code worth reading."""
    longest: dict[str, Symbol] = {}
    for s in symbols:
        held = longest.get(s.qualname)
        if held is None or s.end_line - s.start_line > held.end_line - held.start_line:
            longest[s.qualname] = s
    return longest


@dataclass(frozen=True)
class Reference:
    """A use of an identifier (call, attribute, type name) at a line of a file.

    ``method``: whether the use may name a method. A member that is called may (``x.save()``), and so may a bare
    name where methods are called by bare name (Java, C#, C++, Ruby). A member read but not called
    (``x.message``) reads a data attribute far more often, which no definition records, and in Python,
    JavaScript and Go a bare name (``f(message)``) is a local, a function or a class, never a method: such a
    use is not taken for one of a method of that name (``onboard.graph``). Several uses of a name on one line
    may name a method if one of them may.

    ``attribute``: a member read but not called (``t.indices``), which may name a property (kind ``property``:
    Python's ``@property`` family, JavaScript's ``get``/``set`` accessors), read like a data attribute.
    """

    name: str
    path: str
    line: int
    method: bool = True
    attribute: bool = False


@dataclass(frozen=True)
class Import:
    """An import as written in the source; resolution to a file happens in ``onboard.graph``."""

    module: str  # as written: "flask.app", ".helpers", "./utils", "github.com/x/y", "java.util.List", "stdio.h"
    path: str  # importing file
    line: int
    names: tuple[str, ...] = ()  # imported names where the syntax lists them ("from x import a, b")
    level: int = 0  # Python relative-import dots; 0 otherwise


@dataclass
class ParsedFile:
    """What the parser got out of one file. ``had_errors`` is True when tree-sitter saw ERROR nodes."""

    path: str
    language: str
    symbols: list[Symbol] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    had_errors: bool = False


@dataclass(frozen=True)
class Chunk:
    """A syntax-aware slice of a file (~200 tokens) for embedding and lexical search."""

    id: str  # stable: sha1 of f"{path}:{start_line}:{end_line}:{sha1(text)}"
    path: str
    start_line: int
    end_line: int
    text: str
    symbol: str | None = None  # qualname of the symbol the chunk belongs to, if any


@dataclass(frozen=True)
class Edge:
    """A file-level dependency. ``dst`` is a repo path, or ``"ext:<package>"`` for an external package."""

    src: str
    dst: str
    kind: str = "import"  # "import" | "external" | "reference"
    weight: float = 1.0


@dataclass(frozen=True)
class Person:
    """Someone who changed a file or package in the last 12 months of its git history."""

    name: str
    email: str
    lines_changed: int  # lines added + deleted
    commits: int
    last_change: str  # ISO date (UTC) of their newest commit there


@dataclass(frozen=True)
class Ownership:
    """Who to ask about a path: CODEOWNERS owners, then the people who changed it most lately."""

    path: str  # "" for the whole repository
    owners: tuple[str, ...] = ()  # from CODEOWNERS, most files owned first
    authors: tuple[Person, ...] = ()  # top 5 by lines changed in the last 12 months
    last_change: str | None = None  # ISO date of the newest commit touching it
    churn: int = 0  # lines added + deleted in the last 12 months
    commits: int = 0  # commits touching it in the last 12 months

    @property
    def known(self) -> bool:
        return bool(self.owners or self.authors or self.last_change)

    def line(self) -> str:
        """One plain line for "who to ask" (shells escape it for their medium); "" when nothing is known."""
        parts = [f"owners {', '.join(self.owners)}"] if self.owners else []
        if self.authors:
            parts.append("most changes in 12 months: " + ", ".join(
                f"{p.name} <{p.email}> ({p.lines_changed} lines, {p.commits} commit{'s' * (p.commits != 1)})"
                for p in self.authors[:3]))
        if self.last_change:
            parts.append(f"last change {self.last_change}")
        return " · ".join(parts)


@dataclass(frozen=True)
class Change:
    """One commit, for "recently changed"."""

    sha: str
    date: str  # ISO date (UTC)
    author: str
    email: str
    subject: str  # redacted like every stored text
    files: tuple[str, ...]
