"""Okapi BM25 over an in-memory inverted index.

Written by hand: LangChain's BM25Retriever (rank_bm25) returns no scores, which fusion
and abstention need, and scores every document for every query term; postings arrays
touch only the documents that hold a term.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from assistant.text import tokenize


class BM25:
    """Scores for every document of a fixed list; rebuilt whenever that list changes."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(texts)
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        lengths = np.zeros(self.size, dtype=np.float32)
        for position, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[position] = sum(counts.values())
            for term, count in counts.items():
                documents, frequencies = postings[term]
                documents.append(position)
                frequencies.append(count)
        average = float(lengths.mean()) if self.size else 1.0
        self.norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        self.k1 = k1
        self.postings = {
            term: (np.array(documents, dtype=np.int64), np.array(freqs, dtype=np.float32))
            for term, (documents, freqs) in postings.items()
        }

    def idf(self, term: str) -> float:
        frequency = len(self.postings[term][0]) if term in self.postings else 0
        return float(np.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5)))

    def scores(self, query: str) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for term in set(tokenize(query)):
            if term not in self.postings:
                continue
            documents, frequencies = self.postings[term]
            scores[documents] += (
                self.idf(term) * frequencies * (self.k1 + 1) / (frequencies + self.norm[documents])
            )
        return scores
