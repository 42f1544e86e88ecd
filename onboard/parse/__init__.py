"""parse stage: tree-sitter symbols, references and imports, and search-sized chunks."""

from onboard.parse.chunker import chunk_file
from onboard.parse.parser import parse_file

__all__ = ["chunk_file", "parse_file"]
