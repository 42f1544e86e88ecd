"""Okapi BM25 over pre-split documents, with numpy postings so a query costs a few array adds."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class BM25:
    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self._set(lengths, _postings(documents, lengths.astype(np.int64)), k1, b)

    @classmethod
    def from_postings(cls, lengths: np.ndarray, postings: dict[str, tuple[np.ndarray, np.ndarray]],
                      k1: float = 1.2, b: float = 0.75) -> BM25:
        """The tables ``postings`` and ``lengths`` of an earlier BM25 hold (see ``retrieve.tables``)."""
        bm25 = cls.__new__(cls)
        bm25._set(lengths, postings, k1, b)
        return bm25

    def _set(self, lengths: np.ndarray, postings: dict[str, tuple[np.ndarray, np.ndarray]], k1: float,
             b: float) -> None:
        self.size = len(lengths)
        self.lengths = lengths
        average = float(lengths.mean()) if self.size else 1.0
        self.norm = k1 * (1 - b + b * lengths / max(average, 1.0))
        self.k1 = k1
        self.postings = postings

    def idf(self, term: str) -> float:
        df = len(self.postings[term][0]) if term in self.postings else 0
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def with_prefixes(self, query: list[str], weight: float, names: set[str], longest: int,
                      shortest: int = 3) -> dict[str, float]:
        """``query`` as term weights, plus the shorter forms code names write its longer words in, at ``weight``:
        each of ``names`` (the parts of the repository's own identifiers, the longest ``longest`` letters) that
        begins a query word and is at least ``shortest`` letters and three fewer than the word. Code says ``repr``,
        ``config``, ``init``, ``param`` where a question says representation, configuration, initialize, parameter.

        Written here because these abbreviations are each repository's own, so there is no list to keep (the
        libraries that expand abbreviations know texting and acronyms, not code). Only identifier parts count:
        any word of the index beginning a query word was mostly fragments (con, archit) and cost the long tail."""
        weights: dict[str, float] = dict(Counter(query))
        for term in set(query):  # no longer prefix is a name: a pasted 100k-letter word ends there
            for end in range(shortest, min(len(term) - 2, longest + 1)):
                prefix = term[:end]
                if prefix in names and prefix in self.postings and prefix not in weights:
                    weights[prefix] = weight
        return weights

    def scores(self, query: list[str] | dict[str, float]) -> np.ndarray:
        """Each document's score for ``query``: terms (repeated ones count more) or term weights."""
        result = np.zeros(self.size, dtype=np.float32)
        for term, weight in (query if isinstance(query, dict) else Counter(query)).items():
            if term not in self.postings:
                continue
            ids, tf = self.postings[term]
            result[ids] += weight * self.idf(term) * tf * (self.k1 + 1) / (tf + self.norm[ids])
        return result


def _postings(documents: list[list[str]], lengths: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """term → (ids of the documents holding it, ascending; how often each holds it).

    Counted with numpy over (document, term) keys rather than a Counter per document: a big index
    (Django: 50k chunks, 3 million words) builds its tables in a fraction of the time, and its first
    answer waits for them."""
    vocabulary: dict[str, int] = {}
    term_ids = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for doc in documents for t in doc),
                           dtype=np.int64, count=int(lengths.sum()))
    if not vocabulary:
        return {}
    keys = np.repeat(np.arange(len(documents), dtype=np.int64), lengths) * len(vocabulary) + term_ids
    pairs, counts = np.unique(keys, return_counts=True)  # sorted by document, then term
    docs, terms = np.divmod(pairs, len(vocabulary))
    order = np.argsort(terms, kind="stable")  # grouped by term, documents still ascending
    bounds = np.cumsum(np.bincount(terms, minlength=len(vocabulary)))[:-1]
    ids = np.split(docs[order].astype(np.int32), bounds)
    tfs = np.split(counts[order].astype(np.float32), bounds)
    return {term: (ids[i], tfs[i]) for term, i in vocabulary.items()}
