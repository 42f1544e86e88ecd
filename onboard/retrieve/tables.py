"""Search tables kept beside an index, so that a new process ranks without building them again.

A retriever's lexical tables are most of the time it takes to build: Django's 50k chunks are
3.5 million words to split, stem and count into BM25 postings, and every chunk's string literals
are read for the cue lookup (about 7 of 10 s). A CLI ``ask`` is a new process every time, and so is
a restarted web app. So the first retriever of an index version writes the tables to
``search-tables.npz`` in the index directory, and later ones load them.

The file holds numpy arrays only (loaded with ``allow_pickle=False``: nothing in it runs) and a key:
the index version, a digest of its chunk ids and file paths in order (BM25 document numbers and the
maps' file numbers are positions in them) and a digest of the code that builds the tables, so a
reindex or a new onboard builds them again. A file that is missing, unreadable or keyed otherwise is
simply rebuilt and replaced.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from onboard.models import Chunk
from onboard.retrieve.bm25 import BM25
from onboard.retrieve.lookup import LiteralMaps
from onboard.store.layout import SEARCH_TABLES

_FORMAT = "1"  # how the arrays are laid out


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The retrieve stage's code, which decides what the tables hold: any change to it means new tables."""
    digest = hashlib.sha256(_FORMAT.encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def table_key(version: str, chunks: Sequence[Chunk], paths: Sequence[str]) -> str:
    """What tables built now from ``chunks`` and ``paths`` (the files, in the order the maps number them) of
    the index at ``version`` (its ``updated_at``) are keyed by."""
    listed = hashlib.sha256("\0".join([*(c.id for c in chunks), "", *paths]).encode("utf-8", "surrogatepass"))
    return f"{_code_digest()}|{version}|{len(chunks)}|{listed.hexdigest()[:16]}"


def load(directory: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays saved under ``key``, or None when there are none usable (missing, damaged, another key)."""
    try:
        with np.load(directory / SEARCH_TABLES, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def save(directory: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Write the tables whole or not at all (a temporary file, then a rename). An index directory this
    process may not write to keeps none: the retriever works the same, only the next one builds again."""
    temporary = directory / f".{SEARCH_TABLES}.{os.getpid()}"
    try:
        with open(temporary, "wb") as out:
            np.savez(out, key=np.array(key), **arrays)
        os.replace(temporary, directory / SEARCH_TABLES)
    except OSError:
        temporary.unlink(missing_ok=True)


def _strings(values: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 array and each one's end offset in characters (numpy's own string arrays pad
    every entry to the longest)."""
    values = list(values)
    ends = np.cumsum([len(v) for v in values], dtype=np.int64)
    # surrogatepass: a lone surrogate in a file's text round-trips like any other character
    return np.frombuffer("".join(values).encode("utf-8", "surrogatepass"), dtype=np.uint8), ends


def _spans(ends: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run that ``ends`` closes; slices, not np.split: Django's 78k terms in a tenth
    of the time."""
    ends = ends.tolist()
    return list(zip([0, *ends[:-1]], ends))


def _unstrings(blob: np.ndarray, ends: np.ndarray) -> list[str]:
    text = blob.tobytes().decode("utf-8", "surrogatepass")
    return [text[start:end] for start, end in _spans(ends)]


def bm25_arrays(prefix: str, bm25: BM25) -> dict[str, np.ndarray]:
    terms = list(bm25.postings)
    blob, ends = _strings(terms)
    ids, tfs = [bm25.postings[t][0] for t in terms], [bm25.postings[t][1] for t in terms]
    return {f"{prefix}.terms": blob, f"{prefix}.term_ends": ends, f"{prefix}.lengths": bm25.lengths,
            f"{prefix}.bounds": np.cumsum([len(i) for i in ids], dtype=np.int64),
            f"{prefix}.ids": np.concatenate(ids) if ids else np.zeros(0, np.int32),
            f"{prefix}.tfs": np.concatenate(tfs) if tfs else np.zeros(0, np.float32)}


def bm25_from(prefix: str, arrays: dict[str, np.ndarray]) -> BM25:
    terms = _unstrings(arrays[f"{prefix}.terms"], arrays[f"{prefix}.term_ends"])
    ids, tfs = arrays[f"{prefix}.ids"], arrays[f"{prefix}.tfs"]
    postings = {term: (ids[start:end], tfs[start:end]) for term, (start, end) in
                zip(terms, _spans(arrays[f"{prefix}.bounds"]))}
    return BM25.from_postings(arrays[f"{prefix}.lengths"], postings)


def maps_arrays(maps: LiteralMaps, paths: Sequence[str]) -> dict[str, np.ndarray]:
    """Each map's keys as strings, and its file sets as positions in ``paths``."""
    number = {path: n for n, path in enumerate(paths)}
    arrays: dict[str, np.ndarray] = {}
    for name, mapping in zip(("literals", "keyed", "messages"), maps):
        blob, ends = _strings(mapping)
        holders = [sorted(number[p] for p in held) for held in mapping.values()]
        arrays |= {f"{name}.keys": blob, f"{name}.key_ends": ends,
                   f"{name}.bounds": np.cumsum([len(h) for h in holders], dtype=np.int64),
                   f"{name}.files": np.array([n for h in holders for n in h], dtype=np.int32)}
    return arrays


def maps_from(arrays: dict[str, np.ndarray], paths: Sequence[str]) -> LiteralMaps:
    maps = []
    for name in ("literals", "keyed", "messages"):
        keys = _unstrings(arrays[f"{name}.keys"], arrays[f"{name}.key_ends"])
        files = [paths[n] for n in arrays[f"{name}.files"].tolist()]
        maps.append({key: set(files[start:end]) for key, (start, end) in zip(keys, _spans(arrays[f"{name}.bounds"]))})
    return maps[0], maps[1], maps[2]
