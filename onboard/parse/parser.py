"""Parse one file with tree-sitter into symbols, references and imports.

The parser never raises: a file that breaks the grammar still yields whatever parsed, with
``had_errors`` set, because a half-understood file is still worth answering questions about.

Files are parsed in the indexing process on purpose: a process pool was measured slower, even on a
20 MB tree (4.6 s here against 6.2 s with two workers), because shipping every file's references
back to the parent costs more than the parsing it spreads.
"""

from __future__ import annotations

from tree_sitter import QueryCursor

from onboard.models import ParsedFile, Reference, SourceFile
from onboard.parse.grammar import DEFINITIONS
from onboard.parse.imports import read_imports
from onboard.parse.queries import definition_query, import_query, parser_for, reference_query
from onboard.parse.symbols import build_symbols

MAX_REFERENCES_PER_FILE = 20_000


def _captures(query, root) -> dict:
    return QueryCursor(query).captures(root) if query is not None else {}


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
        defs = _captures(definition_query(src.language), root).get("def", [])
        result.symbols = build_symbols(src.language, src.path, source, defs)
        defined = {(s.name, s.start_line) for s in result.symbols}
        seen: set[tuple[str, int]] = set()
        for node in _captures(reference_query(src.language), root).get("ref", [])[:MAX_REFERENCES_PER_FILE]:
            key = (node.text.decode("utf-8", "replace"), node.start_point[0] + 1)
            if key not in seen and key not in defined:
                seen.add(key)
                result.references.append(Reference(key[0], src.path, key[1]))
        result.references.sort(key=lambda r: (r.line, r.name))
        result.imports = read_imports(src.language, src.path, _captures(import_query(src.language), root))
        result.imports.sort(key=lambda i: i.line)
    except Exception:  # noqa: BLE001 - a parser bug must not lose the file: keep what we have
        result.had_errors = True
    return result
