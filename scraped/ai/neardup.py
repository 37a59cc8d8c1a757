"""Near-duplicate detection over normalised question text.

Text is casefolded, reduced to words, and cut into word shingles (2 words). Similarity is
the Jaccard index of two shingle sets. Finding candidates among many questions uses a
bottom-k sketch: each question keeps the k smallest hashes of its shingles, and an
inverted index from those hashes to question ids proposes the candidates that share one;
each candidate is then checked exactly. Questions with J >= 0.5 share a sketch hash with
high probability, so at the thresholds used (0.8 by default) misses are rare, and a miss
only lets a near-duplicate in: exact duplicates are caught by the content key first.

The index is in memory, built from the bank on first use and updated as questions are
added by this daemon.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
SKETCH = 8
SHINGLE = 2


def words(text: str) -> list[str]:
    return _WORD.findall((text or "").casefold())


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    w = words(text)
    if len(w) <= k:
        return frozenset([" ".join(w)]) if w else frozenset()
    return frozenset(" ".join(w[i:i + k]) for i in range(len(w) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _hashes(text: str) -> array:
    """The question's shingles as sorted 48-bit hashes: ~8 bytes a shingle in memory."""
    return array("Q", sorted({hash(s) & 0xFFFFFFFFFFFF for s in shingles(text)}))


class NearDupIndex:
    def __init__(self) -> None:
        self._docs: dict[str, array] = {}
        self._by_hash: dict[int, set[str]] = defaultdict(set)
        self.ready = False

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, _id: str) -> bool:
        return _id in self._docs

    def add(self, _id: str, text: str) -> None:
        if _id in self._docs:
            return
        hs = _hashes(text)
        self._docs[_id] = hs
        for h in hs[:SKETCH]:
            self._by_hash[h].add(_id)

    def similar(self, text: str, threshold: float) -> list[tuple[str, float]]:
        """[(id, jaccard)] of indexed questions at or above threshold, most similar first."""
        hs = _hashes(text)
        candidates: set[str] = set()
        for h in hs[:SKETCH]:
            candidates |= self._by_hash.get(h, set())
        mine = frozenset(hs)
        hits = [(c, _jaccard_sets(mine, frozenset(self._docs[c]))) for c in candidates]
        return sorted((h for h in hits if h[1] >= threshold), key=lambda h: -h[1])


def _jaccard_sets(a: frozenset[int], b: frozenset[int]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)
