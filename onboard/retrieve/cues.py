"""What a real question points at, beyond its words: paths, traceback frames, code, strings.

Issue reports and questions about large repositories are long and full of generic words; what
localises them is the code inside: a path or module in a traceback, a method called in a snippet
(``ax.set_xlim(...)``), a setting or message the code defines (``autodoc_typehints``, "no number is
assigned for table"), a command-line flag (``--collect-only``). These cues are read here; the
retriever resolves them against the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from onboard.retrieve.protocols import READ_CHARS, constructed_classes, implied_methods
from onboard.retrieve.terms import split_identifier

_FRAME = re.compile(r'File "([^"\n]+)", line (\d+)(?:, in ([A-Za-z_][A-Za-z0-9_]*))?')
# pytest's traceback writes a frame as ``src/pkg/mod.py:306: in train_model``
_PYTEST_FRAME = re.compile(r"^\s*(\S+?\.py):(\d+): in ([A-Za-z_][A-Za-z0-9_]*)", re.M)
# Other runtimes' stack frames, each giving (path, function), so their functions count as Python frames' do:
# V8 (Node, browsers): ``at Store.save (src/store.ts:12:5)``, ``at async load (webpack://app/src/a.js:3:1)``
_V8_FRAME = re.compile(r"^\s*at (?:async )?(?:new )?(?:([\w$.<>]+) \()?(?:file://|webpack://[^/\s]*/)?"
                       r"([^\s():]+\.\w+):\d+:\d+\)?\s*$", re.M)
# the JVM: ``at com.acme.billing.Invoice.total(Invoice.java:42)`` (an inner class is ``Outer$Inner``)
_JVM_FRAME = re.compile(r"^\s*at (?:[\w$]+\.)+?([\w$<>]+)\(([\w$]+\.(?:java|kt|scala|groovy)):\d+\)", re.M)
# Go: ``main.(*Server).handle(0xc000010000)`` above ``\t/home/u/proj/server.go:42 +0x1d``
_GO_FRAME = re.compile(r"^[\w./-]+?\.(?:\(\*?\w+\)\.)?(\w+)\([^\n]*\)\n\s+(\S+\.go):\d+", re.M)
# Rust: ``panicked at src/main.rs:10:5`` (older: ``panicked at 'msg', src/main.rs:10:5``), a backtrace's
# ``3: app::billing::total`` above ``at ./src/billing.rs:12:5``
_RUST_FRAME = re.compile(r"^\s*\d+: (?:[\w<>]+::)+(?!h[0-9a-f]{16}\b)(\w+)(?:::h[0-9a-f]{16})?\n"
                         r"\s+at \.?/?(\S+\.rs):\d+:\d+", re.M)
_RUST_PANIC = re.compile(r"panicked at (?:'[^'\n]*', )?([\w./-]+\.rs):\d+:\d+")
_PATH = re.compile(r"(?<![\w/.-])((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]+\.[A-Za-z0-9]{1,5})\b")
_FILE = re.compile(r"(?<![\w/.-])([A-Za-z_][A-Za-z0-9_-]*\.(?:py|pyx|js|jsx|ts|tsx|go|rs|java|rb|c|cc|cpp|h|hpp|cs|"
                   r"kt|swift|php|scala|toml|cfg|ini|yaml|yml|json|md|rst))\b")
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
# A dotted name in prose (``savefig.bbox``, ``render.classic_mode``) is as often a setting's key as code: looked up
# as a string the code defines (a file name is a path, not a setting). Every part two characters or more, so "e.g" is
# not one.
_DOTTED_PROSE = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]+(?:\.[A-Za-z_][A-Za-z0-9_]+)+)(?![\w(])")
_CALL = re.compile(r"(?:\.|\b)([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_ATTRIBUTE = re.compile(r"(?:\.|::)([A-Za-z_][A-Za-z0-9_]*)")  # ``Checker::visit_stmt`` as ``Checker.visit_stmt``
_FENCED = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_PROMPT_LINE = re.compile(r"^\s*(?:>>>|\.\.\.|In \[\d+\]:|\$)\s?(.*)$", re.M)
_QUOTED = re.compile(r"""(?<![A-Za-z0-9])(?:'([^'\n]{3,120})'|"([^"\n]{3,120})"|“([^”\n]{3,120})”)""")
# An option's name as config files and docs write it (max-line-length, `line-length`): looked up as a string the code
# defines. In prose only with three parts or more, so "built-in" or "read-only" is not one.
_HYPHENATED = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+){2,})(?![\w-])")
_HYPHENATED_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.]*(?:-[A-Za-z0-9_.]+)+")
_FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+|--[A-Za-z][A-Za-z0-9]+)\b")
_SETTING = re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[A-Z][A-Z0-9]{3,})\b")
# A log line's level (``WARNING: no number is assigned``) names no setting: every logging module defines the string.
# Only as a line's prefix: ``DEBUG = True`` is a setting.
_LOG_LEVEL = re.compile(r"\b(?:DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)(?=:)")
_WORDS = re.compile(r"[a-z0-9]+")
# ``import xarray as xr`` in a question's code: ``xr.where(...)`` then calls ``xarray.where``.
_IMPORT_AS = re.compile(r"^\s*import\s+([A-Za-z_][\w.]*)\s+as\s+([A-Za-z_]\w*)", re.M)
_QUALIFIED_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\(")
# ``import numpy`` (its first part names it), and the aliases every snippet uses without importing them
_IMPORT = re.compile(r"^\s*import\s+([A-Za-z_][\w.]*)\s*$", re.M)
_CONVENTIONAL = {"np": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot"}
_MEMBER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\.([A-Za-z_]\w*)")

_ROLE_INTENT = {
    # a test named by its function (test_mean_shift) or class (TestParser) asks about tests too
    "test": re.compile(r"\b(tests?|testing|tested|pytest|unittest|fixtures?|test suite)\b|\btest_\w+|(?-i:\bTest[A-Z]\w*)",
                       re.I),
    "fixture": re.compile(r"\b(fixtures?|test data|testdata)\b", re.I),
    "docs": re.compile(r"\b(docs?|documentation|documented|readme|changelog|tutorial|guide|docstrings?)\b", re.I),
    "example": re.compile(r"\b(examples?|demos?|samples?|gallery|tutorials?)\b", re.I),
    "stub": re.compile(r"\b(stubs?|type hints?|mypy|typeshed)\b|\.pyi\b|\.d\.ts\b", re.I),
    # what code generators make: a project's migrations, protocol buffers, bindings made from a spec
    "generated": re.compile(r"\b(generated|auto-?generated|codegen|code generation|migrations?|protobufs?|"
                            r"protocol buffers?|grpc|pb2)\b", re.I),
}
# A role whose words name this share of a repository's implementation files (path or symbol names) is its subject:
# in a test framework (pytest: 75 % of its source files, against 0-16 % in the 20 other repositories measured)
# "test files" and "fixtures" are what its own code handles, so they ask for no tests.
SUBJECT_SHARE = 1 / 3
_NAME_WORD = re.compile(r"[A-Za-z0-9_]+")
_CODE_STOP = frozenset({"print", "len", "str", "int", "float", "list", "dict", "set", "tuple", "range", "type",
                        "isinstance", "super", "self", "return", "import", "from", "def", "class", "lambda", "if",
                        "for", "while", "with", "assert", "np", "pd", "plt", "os", "sys", "re", "array", "object"})


@dataclass
class Cues:
    paths: list[str] = field(default_factory=list)  # file paths or module paths (a/b/c.py, a/b/c)
    frames: list[str] = field(default_factory=list)  # function names of traceback frames
    code_names: list[str] = field(default_factory=list)  # names called or accessed in code snippets
    qualified: list[tuple[str, str]] = field(default_factory=list)  # (module, name) of ``module.name(...)`` calls
    literals: list[str] = field(default_factory=list)  # quoted strings, flags, setting-like names
    roles: set[str] = field(default_factory=set)  # file roles the question asks about (tests, docs, examples)
    text_words: str = ""  # the question's words, lowercased and single-spaced, for phrase matching
    special: dict[str, dict[str, str]] = field(default_factory=dict)  # per language family, methods its words imply
    constructed: list[str] = field(default_factory=list)  # classes its code calls (``Intersection(...)``)
    # code names reached only through a module (``np.empty`` after ``import numpy as np``): name -> those modules
    through: dict[str, set[str]] = field(default_factory=dict)


def code_text(question: str) -> str:
    """The parts of a question that are code: fenced blocks, inline code, prompt lines, frames."""
    parts = _FENCED.findall(question) + _INLINE.findall(question) + _PROMPT_LINE.findall(question)
    return "\n".join(parts)


def _module_paths(dotted: str) -> list[str]:
    """``pkg.mod.attr`` → ``pkg/mod/attr``, ``pkg/mod`` (the attribute may be a symbol, not a module)."""
    parts = dotted.split(".")
    return ["/".join(parts[:n]) for n in range(len(parts), 1, -1)]


def read_cues(question: str) -> Cues:
    cues = Cues()
    for path, _, function in _FRAME.findall(question) + _PYTEST_FRAME.findall(question):
        cues.paths.append(path.replace("\\", "/"))
        if function and function != "<module>":
            cues.frames.append(function)
    for function, path in (_V8_FRAME.findall(question) + _JVM_FRAME.findall(question) + _GO_FRAME.findall(question)
                           + _RUST_FRAME.findall(question)):
        cues.paths.append(path.removeprefix("./"))
        function = function.rpartition(".")[2].rpartition("$")[2]
        if function and not function.startswith("<"):  # <anonymous>, <init>
            cues.frames.append(function)
    cues.paths += _RUST_PANIC.findall(question)
    cues.paths += [p for p in _PATH.findall(question) if "://" not in p]
    cues.paths += _FILE.findall(question)
    code = code_text(question)
    for dotted in _DOTTED.findall(code) + _DOTTED.findall(" ".join(_INLINE.findall(question))):
        # ``np.random.rand`` or ``self.ax.figure`` names another library's module or an object's attributes, never
        # this repository's modules (dev sets: all 11 files such names matched, sklearn/utils/random.py among them,
        # were not what the question was about)
        if dotted.split(".")[0] not in _CODE_STOP:
            cues.paths += _module_paths(dotted)
    names = _CALL.findall(code) + _ATTRIBUTE.findall(code) + [m for m in _INLINE.findall(question)
                                                               if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", m)]
    cues.code_names = [n for n in dict.fromkeys(names) if n not in _CODE_STOP and len(n) > 2]
    aliases = {alias: module for module, alias in _IMPORT_AS.findall(code)}
    cues.through = _through_modules(code, cues.code_names, aliases)
    calls = _QUALIFIED_CALL.findall(code)
    cues.qualified = list(dict.fromkeys((aliases.get(owner, owner), name) for owner, name in calls
                                        if owner not in _CODE_STOP and owner not in ("cls", "super")))
    quoted = [next(g for g in groups if g) for groups in _QUOTED.findall(question)]
    prose = _INLINE.sub(" ", _FENCED.sub(" ", question))
    cues.literals = list(dict.fromkeys([q.strip() for q in quoted] + _FLAG.findall(question) +
                                       _SETTING.findall(_LOG_LEVEL.sub(" ", question)) +
                                       [d for d in _DOTTED_PROSE.findall(prose) if not _FILE.fullmatch(d)] +
                                       _HYPHENATED.findall(prose) +
                                       [m for m in _INLINE.findall(question) if _HYPHENATED_CODE.fullmatch(m)]))
    cues.paths = list(dict.fromkeys(cues.paths))
    cues.roles = {role for role, pattern in _ROLE_INTENT.items() if pattern.search(question)}
    cues.text_words = " ".join(_WORDS.findall(question.lower()))
    head = question[:READ_CHARS]
    cues.special = implied_methods(head)
    cues.constructed = constructed_classes(code if len(question) <= READ_CHARS else code_text(head))
    return cues


def _through_modules(code: str, names: list[str], aliases: dict[str, str]) -> dict[str, set[str]]:
    """The code names every use of which is an attribute of a module (``np.empty(...)``, ``numpy.empty``), each
    with those modules: what they name is that module's, which may be another library's rather than this
    repository's (the retriever asks)."""
    modules = _CONVENTIONAL | {m.split(".")[0]: m.split(".")[0] for m in _IMPORT.findall(code)} | aliases
    through: dict[str, set[str]] = {}
    members: dict[str, list[str]] = {}
    for owner, name in _MEMBER.findall(code):
        members.setdefault(name, []).append(owner)
    for name in names:
        owners = members.get(name, [])
        uses = len(re.findall(rf"(?<!\w){re.escape(name)}(?!\w)", code))
        if owners and len(owners) == uses and all(owner in modules for owner in owners):
            through[name] = {modules[owner] for owner in owners}
    return through


def subject_roles(names: Iterable[str]) -> set[str]:
    """The roles a repository is about, from ``names``: each implementation file's path and symbol names, one text
    per file. A question's word for such a role names the subject, not the role (``SUBJECT_SHARE``)."""
    texts = [" ".join(" ".join(split_identifier(w)) for w in _NAME_WORD.findall(text)) for text in names]
    subject = {role for role, pattern in _ROLE_INTENT.items()
               if texts and sum(1 for text in texts if pattern.search(text)) >= SUBJECT_SHARE * len(texts)}
    return subject | ({"fixture"} if "test" in subject else set())  # a test's fixtures are a test framework's too


def issue_title(question: str) -> str | None:
    """The first line of a question of several lines (an issue's title, or the sentence before its code):
    what the rest is about. None for a question of one line."""
    title, _, body = question.strip().partition("\n")
    return title if body.strip() else None


def phrase_words(text: str) -> list[str]:
    """Words of a message as they would be matched in a question (placeholders like %s drop out)."""
    return _WORDS.findall(re.sub(r"%\(?\w*\)?[sdrif]|\{[^}]*\}", " ", text.lower()))
