"""Exact nearest-neighbour retrieval over a training budget, shared by rag, rag_lm and api_prompt.

Training texts come from the corpus's cached embeddings (``ctx.embed``); queries are embedded
uncached (``ctx.embed.encode``), the serving path, so measured latency is what a deployment sees.
The index is an exact inner-product FAISS index over L2-normalised vectors (cosine similarity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ragorft.benchmarks.data.cards import Example


class NearestExamples:
    def __init__(self, embed: Any, model: str, train: Sequence[Example]):
        import faiss

        self.embed, self.model, self.train = embed, model, list(train)
        vectors = embed(model, [ex.text for ex in self.train])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def search(self, texts: Sequence[str], k: int) -> tuple[Any, Any]:
        """(similarities, training-example indices) of the k nearest, nearest first."""
        queries = self.embed.encode(self.model, list(texts))
        return self.index.search(queries, min(k, len(self.train)))

    def demos(self, texts: Sequence[str], k: int) -> list[list[Example]]:
        """The k nearest training examples per text, nearest last (closest to the query in a prompt)."""
        _, idx = self.search(texts, k)
        return [[self.train[i] for i in reversed(row) if i >= 0] for row in idx]
