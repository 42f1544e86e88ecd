"""What part a file plays in its repository: implementation, tests, docs, examples, or someone else's code.

Ranking needs this: on large repositories vendored assets (``static/jquery-3.5.1.js``) and tests outrank the
implementation a question is about. The rules follow the conventions GitHub Linguist encodes in its
``vendor.yml`` and ``generated.rb`` (vendor and third-party folders, minified and versioned library files,
protobuf and parser-table output, lock files) plus the usual test, docs and example layouts. They are written
here as data because no maintained Python package ships Linguist's lists. ``file_role`` looks at the path only,
so a role costs nothing at query time; ``content_roles`` also reads the comments that open each file, where code
generators say what they made (``DO NOT EDIT``, ``@generated``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import PurePosixPath

from onboard.models import Chunk

ROLES = ("source", "test", "fixture", "docs", "example", "vendored", "generated")

_VENDOR_DIRS = frozenset({"vendor", "vendors", "vendored", "_vendor", "third_party", "third-party", "thirdparty",
                          "3rdparty", "extern", "externals", "bower_components", "node_modules", "site-packages",
                          "jspm_packages", "Pods", "Carthage", "deps"})
_STATIC_DIRS = frozenset({"static", "assets", "public", "_static", "lib", "libs", "js", "css"})
# Well-known browser libraries that projects copy into their static folders.
_LIBRARIES = re.compile(r"^(jquery|underscore|backbone|bootstrap|lodash|d3|angular|react(-dom)?|vue|moment|"
                        r"modernizr|require|mathjax|highlight|prism|popper|select2|chosen|knockout|handlebars|"
                        r"mustache|raphael|leaflet|three|socket\.io|codemirror|ace|fontawesome|font-awesome|"
                        r"normalize|doctools|searchtools|sphinx_highlight|language_data)([.-].*)?\.(js|css)$", re.I)
_VERSIONED = re.compile(r"[.-]v?\d+\.\d+(\.\d+)?([.-][a-z0-9]+)*\.(js|css)$", re.I)
_MINIFIED = re.compile(r"[.-]min\.(js|css|mjs)$|\.bundle\.js$|\.pack\.js$", re.I)
_GENERATED_NAMES = re.compile(r"(_pb2(_grpc)?\.pyi?|\.pb\.go|_pb\.(js|ts|d\.ts)|\.pb\.(cc|h)|_grpc\.pb\.go|"
                              r"parsetab\.py|lextab\.py|_parsetab\.py|\.g\.dart|\.designer\.cs|\.generated\.\w+|"
                              r"_generated\.\w+|\.lock|-lock\.(json|yaml)|^go\.sum)$", re.I)
_GENERATED_DIRS = frozenset({"generated", "__generated__", "gen", "autogen", "_build", "build", "dist", "target"})
# Of those, the ones that are output at any depth: a JavaScript package's ``dist/`` inside a Python package
# (``panel/dist/lib/models/tabulator.js``), as ``(^|/)dist/`` is in Linguist's vendor.yml, and Relay's
# ``__generated__`` beside each component. The others name real code below the top (conan's ``conan/tools/build/``,
# a command line's ``commands/build/``, a compiler's ``gen/``), in JavaScript as much as in Python, so not even the
# kind of file they hold tells output from code.
_GENERATED_ANYWHERE = frozenset({"dist", "__generated__"})
# An npm package copied in whole, in a folder named for it and its version (``@finos/perspective@3.8.0/``,
# ``ace-builds@1.40.1/``), as bundlers and pnpm's store lay them out: Linguist's NuGet rule (``packages/Name.1.2/``)
# in npm's spelling.
_VERSIONED_PACKAGE = re.compile(r"^[\w.-]+@v?\d+(\.\d+)+([+-][\w.-]+)?$")
_LOCK_FILES = frozenset({"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock",
                         "cargo.lock", "composer.lock", "gemfile.lock", "uv.lock", "go.sum", "npm-shrinkwrap.json"})
# What a Python build writes beside the code: every sdist carries them, and SOURCES.txt lists every path (matching
# any question that names a module) while PKG-INFO repeats the README.
_PACKAGING_METADATA = (".egg-info", ".dist-info")
_TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "test_suite", "testsuite",
                        "unittests", "unit_tests", "integration_tests", "e2e"})
# ``tests.rs``/``test.rs``: the file of Rust's ``#[cfg(test)] mod tests;`` (a crate's unit tests or their helpers).
_TEST_NAMES = re.compile(r"^(test_.*|.*_tests?\.\w+|.*\.(test|spec)\.\w+|conftest\.py|.*Tests?\.(java|cs|kt|scala)|"
                         r".*_spec\.rb|tests?\.(py|rs))$")
# Folders whose own name says they hold test data, wherever they are: Go's ``testdata/`` sits beside the package it
# tests (the go tool ignores it), Jest's ``__snapshots__``, ``__mocks__`` and ``__fixtures__`` beside the module.
_TEST_DATA_DIRS = frozenset({"testdata", "test_data", "test-data", "__snapshots__", "__mocks__", "__fixtures__"})
# ... and those that hold test data only inside a tests folder (``data/`` elsewhere is the package's own).
_FIXTURE_DIRS = _TEST_DATA_DIRS | {"fixtures", "fixture", "roots", "snapshots", "cassettes", "mocks",
                                   "baseline_images", "data"}
_DOC_DIRS = frozenset({"doc", "docs", "documentation", "man", "website", "site", "_docs"})
_DOC_EXTENSIONS = frozenset({".md", ".rst", ".txt", ".adoc", ".asciidoc", ".textile", ".org", ".ipynb"})
_EXAMPLE_DIRS = frozenset({"example", "examples", "samples", "sample", "demo", "demos", "tutorial", "tutorials",
                           "gallery", "galleries", "cookbook", "benchmarks", "benchmark", "bench", "asv_bench"})


@lru_cache(maxsize=65536)
def file_role(path: str) -> str:
    """The role of a repository-relative path: one of ``ROLES``."""
    parts = PurePosixPath(path).parts
    folders, name = [p.lower() for p in parts[:-1]], parts[-1] if parts else ""
    lower = name.lower()
    if any(f in _VENDOR_DIRS or _VERSIONED_PACKAGE.match(f) for f in folders) or _MINIFIED.search(lower):
        return "vendored"
    if any(f in _STATIC_DIRS for f in folders) and (_LIBRARIES.match(lower) or _VERSIONED.search(lower)):
        return "vendored"
    if lower in _LOCK_FILES or _GENERATED_NAMES.search(name) or any(f in _GENERATED_DIRS for f in folders[:1]):
        return "generated"
    if any(f in _GENERATED_ANYWHERE for f in folders):
        return "generated"
    if name == "PKG-INFO" or any(f.endswith(_PACKAGING_METADATA) for f in folders):
        return "generated"
    in_tests = any(f in _TEST_DIRS for f in folders)
    if any(f in _TEST_DATA_DIRS for f in folders) or in_tests and any(f in _FIXTURE_DIRS for f in folders):
        return "fixture"
    if in_tests or _TEST_NAMES.match(name):
        return "test"
    if any(f in _EXAMPLE_DIRS for f in folders):
        return "example"
    if any(f in _DOC_DIRS for f in folders) or PurePosixPath(lower).suffix in _DOC_EXTENSIONS:
        return "docs"
    return "source"


# What code generators write at the top of their output: Go's and protobuf's "DO NOT EDIT", Meta's "@generated",
# "This file was automatically generated by ...", a comment that begins "Generated by" or "auto-generated". Written
# here because go-enry, Linguist's port and the one library that reads these headers, flags only Go's form (and
# its Python binding is a beta wrapper loading a Go runtime into a process that forks its parse workers). Only
# the comments that open a file count: the same words inside a string or a function's docstring (a settings
# template, "points generated from two Gaussians") say nothing about the file, nor does "the latter part of
# this file is generated by a script" (matplotlib's pyplot.py says so).
_GENERATED_MARK = re.compile(
    r"\b(?:do not|don't|never) (?:edit|modify)\b|@generated\b"
    r"|(?<!of )\b(?:this|the) (?:\w+ )?(?:file|module|code|source)s? (?:is|are|was|were|has been|have been) "
    r"(?:auto-?|automatically )?generated\b"
    r"|^\s*(?:#+|//+|/\*+|\*|--|;+|%+)\W*(?:auto-?generated|automatically generated|generated by|code generated)\b",
    re.I)
_COMMENT = re.compile(r"^\s*(?:#|//|/\*|\*|--|;|%|<!--)")
HEADER_LINES = 15  # generators put their notice first; a licence block above it is rarely longer


def _opening_comments(text: str) -> list[str]:
    """The lines before the first line of code: blank lines, comments and a leading docstring."""
    lines, quote = [], None
    for line in text.split("\n", HEADER_LINES)[:HEADER_LINES]:
        stripped = line.strip()
        if quote:
            lines.append(line)
            quote = None if quote in stripped else quote
        elif stripped.startswith(('"""', "'''")):
            lines.append(line)
            quote = stripped[:3] if stripped.count(stripped[:3]) == 1 else None
        elif not stripped or _COMMENT.match(line):
            lines.append(line)
        else:
            break
    return lines


def generated_header(text: str) -> bool:
    """Whether the comments that open ``text`` say a tool generated it."""
    return any(_GENERATED_MARK.search(line) for line in _opening_comments(text))


def chunk_heads(chunks: Iterable[Chunk]) -> dict[str, str]:
    """Each file's first chunk, the one that starts at its first line: where a generator leaves its notice."""
    return {c.path: c.text for c in chunks if c.start_line == 1}


# What TypeScript's compiler writes for a module, and what it compiles (which a declaration's name ends like).
_DECLARATIONS = (".d.ts", ".d.mts", ".d.cts")
_EMITTED = _DECLARATIONS + (".js", ".mjs", ".cjs")
_TYPESCRIPT = (".ts", ".tsx", ".mts", ".cts")
# The folders packages compile into (tsc's ``outDir``), a second one per module format (``lib/esm/``, ``dist/cjs/``).
_OUTPUT_DIRS = frozenset({"lib", "dist", "build", "out", "es", "esm", "cjs", "umd", "types"})


def _stem(path: str, suffixes: tuple[str, ...]) -> str | None:
    """``path`` without the first of ``suffixes`` it ends with; None if it ends with none."""
    return next((path[: -len(suffix)] for suffix in suffixes if path.endswith(suffix)), None)


def _without_output_dirs(parts: list[str]) -> Iterator[str]:
    """The paths ``parts`` (folders, then a stem) would have with one or two output folders in a row taken out:
    ``pkg/lib/esm/a`` gives ``pkg/esm/a`` and ``pkg/a``."""
    for i, part in enumerate(parts[:-1]):
        if part in _OUTPUT_DIRS:
            yield "/".join(parts[:i] + parts[i + 1:])
            if parts[i + 1] in _OUTPUT_DIRS and i + 2 < len(parts):
                yield "/".join(parts[:i] + parts[i + 2:])


def compiled_scripts(paths: Iterable[str]) -> set[str]:
    """The scripts and declarations among ``paths`` that TypeScript compiled from a module among them:
    ``ui/lib/button.js`` and ``ui/lib/button.d.ts`` from ``ui/src/button.tsx`` (or ``ui/button.tsx``).

    Linguist knows compiled scripts by the ``//# sourceMappingURL=`` comment on their last line, but roles are read
    from each file's first chunk (all its callers but the guide hold no more) and ``.map`` files are never indexed;
    the module they were compiled from is in the paths, though: the same path with the output folders taken out,
    and ``src`` too where the sources are kept there. A script in no output folder is never taken for compiled
    (``pkg/index.js`` beside ``pkg/src/index.ts`` is often a hand-written entry point)."""
    paths = list(paths)
    modules: set[str] = set()
    for path in paths:
        stem = None if path.endswith(_DECLARATIONS) else _stem(path, _TYPESCRIPT)
        if stem is not None:
            parts = stem.split("/")
            modules.add(stem)
            modules.update("/".join(parts[:i] + parts[i + 1:]) for i, part in enumerate(parts[:-1]) if part == "src")
    return {path for path in paths if (stem := _stem(path, _EMITTED)) is not None
            and any(source in modules for source in _without_output_dirs(stem.split("/")))}


def content_roles(paths: Iterable[str], heads: Mapping[str, str]) -> dict[str, str]:
    """Each path's role, "generated" also where its opening comments say so (``heads``: the start of each file's
    text) or TypeScript compiled it (``compiled_scripts``); a vendored copy stays vendored."""
    paths = list(paths)
    compiled = compiled_scripts(paths)
    roles = {}
    for path in paths:
        role = file_role(path)
        made = path in compiled or generated_header(heads.get(path, ""))
        roles[path] = "generated" if role != "vendored" and made else role
    return roles
