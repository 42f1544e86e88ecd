"""Rank the files of an index for a question.

Four independent signals, each good at something the others miss:
- BM25 over chunks (exact words and split identifiers in the code),
- BM25 over file "cards" (path, symbol names, docstrings: what a file is about),
- vector search in chroma (paraphrases: "ASCII-only encoding" ~ ``ensure_ascii``),
- symbol names written in the question (``resolve_redirects``) → the files defining them.
They are fused by weighted reciprocal rank, then a personalized PageRank seeded by the fused hits
walks the dependency graph, so the files an answer *depends on* surface too.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from onboard.graph import personalized_pagerank
from onboard.retrieve.bm25 import BM25
from onboard.retrieve.terms import split_identifier, terms
from onboard.store import Index

RRF_K = 20
WEIGHTS = {"chunks": 1.0, "cards": 0.7, "vectors": 0.8, "symbols": 1.2}
GRAPH_WEIGHT = 0.3
SEEDS = 15
PER_SIGNAL = 60
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


@dataclass
class RankedFile:
    path: str
    score: float
    reasons: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)  # qualnames the question touched in this file
    hits: list[tuple[int, int]] = field(default_factory=list)  # line ranges of matching chunks


class Retriever:
    """Built once per index version (see ``for_index``); read-only afterwards, so threads may share it."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.vector_note: str | None = None  # why the last ranking went without (some) vectors
        db = index.db
        self.files = {f.path: f for f in db.files()}
        self.chunks = db.chunks()
        self.chunk_by_id = {c.id: c for c in self.chunks}
        self.chunk_bm25 = BM25([terms(c.path) + terms(c.symbol or "") + terms(c.text) for c in self.chunks])
        symbols = db.symbols()
        self.symbols_by_path: dict[str, list] = defaultdict(list)
        self.definers: dict[str, set[str]] = defaultdict(set)
        self.compounds: dict[str, set[str]] = defaultdict(set)  # "symbolgraph" → files defining symbol_graph
        for s in symbols:
            self.symbols_by_path[s.path].append(s)
            self.definers[s.name.lower()].add(s.path)
            parts = split_identifier(s.name)
            if len(parts) > 1:
                self.compounds["".join(parts)].add(s.path)
        self.card_paths = sorted(self.files)
        self.card_bm25 = BM25([self._card(p) for p in self.card_paths])
        self.graph = db.file_graph()

    def _card(self, path: str) -> list[str]:
        words = terms(path) * 3
        for s in self.symbols_by_path.get(path, []):
            words += terms(s.name) + terms(s.docstring.split("\n\n")[0])
        return words

    # -- signals ----------------------------------------------------------------------------------

    def _chunk_signal(self, query: list[str], out: dict[str, "RankedFile"]) -> list[str]:
        scores = self.chunk_bm25.scores(query)
        best: dict[str, float] = {}
        for i in np.argsort(-scores)[: PER_SIGNAL * 3]:
            if scores[i] <= 0:
                break
            chunk = self.chunks[i]
            ranked = out.setdefault(chunk.path, RankedFile(chunk.path, 0.0))
            ranked.hits.append((chunk.start_line, chunk.end_line))
            if chunk.symbol and chunk.symbol not in ranked.symbols:
                ranked.symbols.append(chunk.symbol)
            best[chunk.path] = best.get(chunk.path, 0.0) + float(scores[i]) * (1.0 if chunk.path not in best else 0.15)
        order = sorted(best, key=best.get, reverse=True)[:PER_SIGNAL]
        for path in order[:PER_SIGNAL]:
            out[path].reasons.append("words match the code")
        return order

    def _card_signal(self, query: list[str], out: dict[str, "RankedFile"]) -> list[str]:
        scores = self.card_bm25.scores(query)
        order = [self.card_paths[i] for i in np.argsort(-scores)[:PER_SIGNAL] if scores[i] > 0]
        for path in order[:10]:
            out.setdefault(path, RankedFile(path, 0.0)).reasons.append("path, symbol names or docstrings match")
        return order

    def _vector_signal(self, question: str, out: dict[str, "RankedFile"]) -> list[str]:
        embedded = self.index.db.manifest().get("vectors_complete") == "true"
        try:
            hits = self.index.vectors.query(question, PER_SIGNAL * 2)
        except Exception as err:  # noqa: BLE001 - lexical and graph signals still answer without vectors
            self.vector_note = (f"Answered without vectors: {err}" if embedded else
                                "Answered without vectors: this index is not embedded yet "
                                f"(`onboard reindex {self.index.name}` embeds it).")
            return []
        self.vector_note = None if embedded else (
            f"Vectors are incomplete, so some passages may be missed (`onboard reindex {self.index.name}`).")
        order: list[str] = []
        for chunk_id, distance in hits:
            chunk = self.chunk_by_id.get(chunk_id)  # ids SQLite does not know are leftovers: ignore
            if chunk is None:
                continue
            ranked = out.setdefault(chunk.path, RankedFile(chunk.path, 0.0))
            if chunk.path not in order:
                order.append(chunk.path)
                ranked.reasons.append(f"similar in meaning (lines {chunk.start_line}-{chunk.end_line}, "
                                      f"distance {distance:.2f})")
            ranked.hits.append((chunk.start_line, chunk.end_line))
            if chunk.symbol and chunk.symbol not in ranked.symbols:
                ranked.symbols.append(chunk.symbol)
        return order

    def _symbol_signal(self, question: str, out: dict[str, "RankedFile"]) -> list[str]:
        """Symbols the question names: as written (``resolve_redirects``), or spelled out in words
        ("resolve redirects", "symbol graph") for a compound name, which is as specific as code."""
        order: list[str] = []
        words = _IDENTIFIER.findall(question)
        spelled = ["".join(w.lower() for w in words[i:i + n]) for n in (3, 2) for i in range(len(words) - n + 1)]
        candidates = [(key, self.compounds.get(key, set())) for key in spelled]
        for word in words:
            codey = "_" in word or len(split_identifier(word)) > 1 or word.isupper()
            paths = self.definers.get(word.lower(), set())
            if codey or len(paths) <= 2:
                candidates.append((word.lower(), paths))
        for key, paths in candidates:
            if not paths or len(paths) > 8:
                continue
            for path in sorted(paths, key=lambda p: -self.files[p].pagerank):
                ranked = out.setdefault(path, RankedFile(path, 0.0))
                names = [s.qualname for s in self.symbols_by_path[path]
                         if key in (s.name.lower(), "".join(split_identifier(s.name)))]
                ranked.reasons.append(f"defines {names[0] if names else key}")
                ranked.symbols.extend(n for n in names if n not in ranked.symbols)
                if path not in order:
                    order.append(path)
        return order

    # -- fusion -----------------------------------------------------------------------------------

    def rank(self, question: str, limit: int = 200) -> list[RankedFile]:
        out: dict[str, RankedFile] = {}
        query = terms(question)
        signals = {
            "chunks": self._chunk_signal(query, out),
            "cards": self._card_signal(query, out),
            "vectors": self._vector_signal(question, out),
            "symbols": self._symbol_signal(question, out),
        }
        fused: dict[str, float] = defaultdict(float)
        for signal, order in signals.items():
            for rank, path in enumerate(order):
                fused[path] += WEIGHTS[signal] / (RRF_K + rank + 1)
        seeds = dict(sorted(fused.items(), key=lambda kv: -kv[1])[:SEEDS])
        walk = personalized_pagerank(self.graph, seeds) if seeds else {}
        top_fused = max(fused.values(), default=1.0)
        top_walk = max(walk.values(), default=1.0) or 1.0
        for path in set(fused) | set(walk):
            if path not in self.files:
                continue
            ranked = out.setdefault(path, RankedFile(path, 0.0))
            graph_part = walk.get(path, 0.0) / top_walk
            ranked.score = fused.get(path, 0.0) / top_fused + GRAPH_WEIGHT * graph_part
            if path not in fused and graph_part > 0.05:
                neighbours = [s for s in seeds if self.graph.has_edge(s, path) or self.graph.has_edge(path, s)]
                ranked.reasons.append("linked in the dependency graph to " + (", ".join(neighbours[:2]) or "the hits"))
        ranked_files = [r for r in out.values() if r.path in self.files and r.score > 0]
        ranked_files.sort(key=lambda r: (-r.score, r.path))
        return ranked_files[:limit]


_CACHE: dict[tuple[str, str], Retriever] = {}
_CACHE_LOCK = threading.Lock()


def retriever_for(index: Index) -> Retriever:
    """One Retriever per index version, shared across threads and Streamlit reruns."""
    key = (str(index.directory.resolve()), index.db.manifest().get("updated_at", ""))
    with _CACHE_LOCK:
        if key not in _CACHE:
            for stale in [k for k in _CACHE if k[0] == key[0]]:
                del _CACHE[stale]
            _CACHE[key] = Retriever(index)
        return _CACHE[key]
