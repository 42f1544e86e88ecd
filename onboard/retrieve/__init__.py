"""retrieve stage: rank files for a question (BM25, vectors, symbol names, personalized PageRank)."""

from onboard.retrieve.hybrid import RankedFile, Retriever, retriever_for
from onboard.retrieve.terms import terms

__all__ = ["RankedFile", "Retriever", "retriever_for", "terms"]
