"""Okapi BM25 over pre-split documents, with numpy postings so a query costs a few array adds."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class BM25:
    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        average = float(lengths.mean()) if self.size else 1.0
        self.norm = k1 * (1 - b + b * lengths / max(average, 1.0))
        self.k1 = k1
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for doc_id, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                ids, counts = postings[term]
                ids.append(doc_id)
                counts.append(count)
        self.postings = {t: (np.array(i, dtype=np.int32), np.array(c, dtype=np.float32)) for t, (i, c) in postings.items()}

    def idf(self, term: str) -> float:
        df = len(self.postings[term][0]) if term in self.postings else 0
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def scores(self, query: list[str]) -> np.ndarray:
        result = np.zeros(self.size, dtype=np.float32)
        for term, weight in Counter(query).items():
            if term not in self.postings:
                continue
            ids, tf = self.postings[term]
            result[ids] += weight * self.idf(term) * tf * (self.k1 + 1) / (tf + self.norm[ids])
        return result
