"""Parse one file with tree-sitter into symbols, references and imports.

The parser never raises: a file that breaks the grammar still yields whatever parsed, with
``had_errors`` set, because a half-understood file is still worth answering questions about.

One tree-sitter query per language finds definitions, uses and imports in a single walk over the
tree (``queries.file_query``). Spreading files over processes is ``onboard.parse.prepare``'s job.
"""

from __future__ import annotations

from tree_sitter import QueryCursor

from onboard.models import ParsedFile, Reference, SourceFile
from onboard.parse.grammar import DEFINITIONS, OBJECT_METHODS
from onboard.parse.imports import read_imports
from onboard.parse.queries import file_query, parser_for
from onboard.parse.symbols import build_symbols

MAX_REFERENCES_PER_FILE = 20_000
_METHOD, _ATTRIBUTE = 1, 2  # what a use on a line may name: flags, or-ed over the line's uses of the name


def _captures(query, root) -> dict:
    return QueryCursor(query).captures(root) if query is not None else {}


def _references(language: str, path: str, captures: dict, defined: set[tuple[int, str]]) -> list[Reference]:
    """One use per (line, name), in that order, but a definition's own name; whether it may name a method
    (``Reference.method``): a member where one on the line is called, a bare name outside ``OBJECT_METHODS``;
    else whether it may name a property (``Reference.attribute``): a member read on the line."""
    called = {node.start_byte for node in captures.get("callee", ())}
    bare = _METHOD if language not in OBJECT_METHODS else 0
    found = [(node, bare) for node in captures.get("ref", ())]
    found += [(node, _METHOD if node.start_byte in called else _ATTRIBUTE) for node in captures.get("member", ())]
    if len(found) > MAX_REFERENCES_PER_FILE:  # a generated giant: its first uses, in the file's order
        found = sorted(found, key=lambda pair: pair[0].start_byte)[:MAX_REFERENCES_PER_FILE]
    # (line, name) pairs sort in the stored order with no key function (a quarter million of them in 20 MB)
    uses: dict[tuple[int, str], int] = {}
    for node, flag in found:
        key = (node.start_point[0] + 1, node.text.decode("utf-8", "replace"))
        uses[key] = uses.get(key, 0) | flag
    references = []
    for line, name in sorted(uses.keys() - defined):
        flags = uses[(line, name)]
        references.append(Reference(name, path, line, bool(flags & _METHOD), flags == _ATTRIBUTE))
    return references


def parse_file(src: SourceFile) -> ParsedFile:
    """Symbols, references and imports of ``src``; an empty record for non-code files."""
    result = ParsedFile(src.path, src.language)
    if src.language not in DEFINITIONS:
        return result
    try:
        source = src.text.encode("utf-8")
        tree = parser_for(src.language).parse(source)
        root = tree.root_node
        result.had_errors = root.has_error
        captures = _captures(file_query(src.language), root)
        result.symbols = build_symbols(src.language, src.path, source, captures.get("def", []))
        defined = {(s.start_line, s.name) for s in result.symbols}
        result.references = _references(src.language, src.path, captures, defined)
        result.imports = read_imports(src.language, src.path, captures)
        result.imports.sort(key=lambda i: i.line)
    except Exception:  # noqa: BLE001 - a parser bug must not lose the file: keep what we have
        result.had_errors = True
    return result
