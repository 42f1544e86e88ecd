"""Compiled tree-sitter parsers and queries, built once per language and process."""

from __future__ import annotations

from functools import lru_cache

from tree_sitter import Parser, Query, QueryError
from tree_sitter_language_pack import get_language, get_parser

from onboard.parse.grammar import (DEFINITIONS, FUNCTION_VALUES, IMPORT_PATTERNS, LANGUAGE_REFERENCE_PATTERNS,
                                   REFERENCE_PATTERNS, VALUE_DEFINITIONS)


@lru_cache(maxsize=None)
def parser_for(language: str) -> Parser:
    return get_parser(language)  # type: ignore[arg-type]


def _compile(language: str, patterns: tuple[str, ...]) -> Query | None:
    """Join the patterns this grammar accepts into one query (one pass over the tree)."""
    lang = get_language(language)  # type: ignore[arg-type]
    accepted = []
    for pattern in patterns:
        try:
            Query(lang, pattern)
        except (QueryError, NameError, SyntaxError, ValueError):
            continue
        accepted.append(pattern)
    return Query(lang, "\n".join(accepted)) if accepted else None


def _definition_patterns(language: str) -> tuple[str, ...]:
    """``@def`` patterns: a node of a definition type, one bound to a name only where its value is a function
    (one pattern per kind of value: a grammar drops those it lacks, ``function`` or ``function_expression``)."""
    return tuple(pattern for node in DEFINITIONS.get(language, {})
                 for pattern in ([f"({node} value: ({value})) @def" for value in FUNCTION_VALUES]
                                 if node in VALUE_DEFINITIONS else [f"({node}) @def"]))


@lru_cache(maxsize=None)
def file_query(language: str) -> Query | None:
    """Definitions (``@def``), uses (``@ref``) and imports (``@imp``, ``@fn``) in one query: each
    query is a walk over the whole tree, and three walks cost a third of the parse stage."""
    return _compile(language, _definition_patterns(language) + REFERENCE_PATTERNS
                    + LANGUAGE_REFERENCE_PATTERNS.get(language, ()) + IMPORT_PATTERNS.get(language, ()))
