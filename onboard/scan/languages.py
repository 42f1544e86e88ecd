"""Which language a file is, by extension or well-known name.

Code languages get parsed; the others ("markdown", "toml", ...) are kept because READMEs, manifests
and docs are exactly what a newcomer's questions need as orientation.
"""

from __future__ import annotations

import re

CODE_LANGUAGES = frozenset({
    "python", "javascript", "typescript", "tsx", "go", "java", "rust", "c", "cpp", "ruby", "csharp",
    "kotlin", "swift", "php", "scala",
})

_BY_EXTENSION = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".java": "java", ".rs": "rust",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".rb": "ruby", ".cs": "csharp", ".kt": "kotlin", ".kts": "kotlin", ".swift": "swift",
    ".php": "php", ".scala": "scala",
    # Cython (scientific Python keeps its hot loops there); tree-sitter-language-pack 0.13.0 has no
    # Cython grammar, so these are indexed as searchable text: no symbols, but their words are found.
    ".pyx": "cython", ".pxd": "cython", ".pxi": "cython",
    ".md": "markdown", ".markdown": "markdown", ".rst": "rst", ".txt": "text",
    ".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json",
    ".ini": "ini", ".cfg": "ini", ".sh": "shell", ".bash": "shell",
    ".html": "html", ".htm": "html", ".css": "css", ".scss": "css",
    ".sql": "sql", ".proto": "proto", ".xml": "xml", ".gradle": "gradle",
}

_BY_NAME = {
    "dockerfile": "dockerfile", "makefile": "makefile", "gemfile": "ruby", "rakefile": "ruby",
    "readme": "text", "license": "text", "changelog": "text", "authors": "text",
    "go.mod": "text", "go.sum": None, "cargo.lock": None, "package-lock.json": None,
    "yarn.lock": None, "pnpm-lock.yaml": None, "poetry.lock": None, "uv.lock": None,
}


def language_for(path: str) -> str | None:
    """Return the language of ``path``, or None for files not worth indexing (lock files, unknown kinds).

    Lock files are skipped on purpose: they are large, machine-written and answer no design question.
    """
    # String slicing rather than PurePosixPath (same name and suffix rules): the scan asks this of
    # every file in the tree, and building a path object was most of its cost.
    name = path.rpartition("/")[2].lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    dot = name.rfind(".")
    return _BY_EXTENSION.get(name[dot:]) if 0 < dot < len(name) - 1 else None


# Languages whose files call each other's definitions by name: Python and Cython, C and C++, the JavaScript dialects,
# the JVM's. Any other pair shares a name by chance: browser JavaScript does not call a Python function (reflex's
# templates were linked to a dozen Python modules), and Python reaches C through a binding that names the function
# in a string (matplotlib's Python modules calling `.status()` or `.gamma()` were linked to 957 of the AGG
# library's C++ headers; a `.pyi` stub of the extension module is where its Python names are defined).
_CALLING_GROUPS = (frozenset({"python", "cython"}), frozenset({"c", "cpp"}),
                   frozenset({"javascript", "typescript", "tsx"}), frozenset({"java", "kotlin", "scala"}))


def call_each_other(a: str | None, b: str | None) -> bool:
    """Whether files of languages ``a`` and ``b`` (``language_for``) can call each other's definitions by name."""
    return a == b or any(a in group and b in group for group in _CALLING_GROUPS)


# Signs of C++ in a `.h` header, any one enough, each at a line's start (not in a comment): `class X`, `struct X :`,
# `namespace x {`, `template <`, `public:`, `using namespace`, `#include <string>` (C's headers end in `.h`). Not
# `A::b` alone: C headers write it in comments (`/* see watch_notification::info */`), and a C++ header that uses
# `std::string` includes `<string>`.
_CPP_HEADER = re.compile(
    r"^[ \t]*(?:class[ \t]+\w+[^;()=\n]*(?:[:{;]|\n[ \t]*\{)|struct[ \t]+\w+[ \t]*:[^:]"
    r"|namespace(?:[ \t]+\w+)?[ \t]*(?:\{|$)|template[ \t]*<|(?:public|protected|private)[ \t]*:"
    r"|using[ \t]+namespace\b|#[ \t]*include[ \t]*<\w+>)",
    re.MULTILINE)


def language_of_text(path: str, language: str, text: str) -> str:
    """``language_for(path)`` put right by the file's text where a name cannot tell: `.h` is C's extension and
    C++'s, and a C++ header read as C garbles each `class X : public Base {...}` into a function named ``Base``."""
    if language == "c" and path.lower().endswith(".h") and _CPP_HEADER.search(text):
        return "cpp"
    return language
