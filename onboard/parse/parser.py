"""Parse one file with tree-sitter into symbols, references and imports.

The parser never raises: a file that breaks the grammar still yields whatever parsed, with
``had_errors`` set, because a half-understood file is still worth answering questions about.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Iterable

from tree_sitter import QueryCursor

from onboard.models import ParsedFile, Reference, SourceFile
from onboard.parse.grammar import DEFINITIONS
from onboard.parse.imports import read_imports
from onboard.parse.queries import definition_query, import_query, parser_for, reference_query
from onboard.parse.symbols import build_symbols

MAX_REFERENCES_PER_FILE = 20_000
# Starting a spawned worker (a fresh interpreter loading the grammars) costs about as much as
# parsing a few megabytes here, so smaller repos parse faster in this process (bench/index_bench.py).
MIN_POOL_BYTES = 8_000_000


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


def parse_many(sources: Iterable[SourceFile], workers: int = 2) -> list[ParsedFile]:
    """Parse in worker processes (tree-sitter holds the GIL); results keep the input order.

    Workers are spawned, not forked: a fork taken while chroma's or onnxruntime's threads hold a
    lock deadlocks the child.
    """
    sources = list(sources)
    code_bytes = sum(len(s.text) for s in sources if s.language in DEFINITIONS)
    if workers <= 1 or code_bytes < MIN_POOL_BYTES:
        return [parse_file(s) for s in sources]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(parse_file, sources, chunksize=32))
