"""parse stage: tree-sitter symbols, references and imports, and search-sized chunks."""

from onboard.parse.chunker import chunk_file
from onboard.parse.parser import parse_file
from onboard.parse.prepare import PreparedFile, pool_workers, prepare_file, prepare_files

__all__ = ["PreparedFile", "chunk_file", "parse_file", "pool_workers", "prepare_file", "prepare_files"]
