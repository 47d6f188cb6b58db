"""``rag_lm``: a causal LM classifies with the k training examples nearest to the query as demos.

Retrieval is the ``rag`` strategy's: the shared per-corpus embedding cache (``ctx.embed``, built
once per corpus and model and reused by every cell) and an exact inner-product FAISS index. The
instruction and label set form the shared prefix (KV-cached); the retrieved demos, nearest last,
and the query are the per-query suffix. "GPT-4 + RAG(20)" of Loukas et al. 2023, on a local LM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.corpus import Example
from strategies import register
from strategies.prompted_lm import PromptedLM, PromptedLMOptions


@dataclass
class RagLMOptions(PromptedLMOptions):
    k: int = 10
    embedding_model: str = "all-MiniLM-L6-v2"


@register
class RagLM(PromptedLM):
    name = "rag_lm"
    Options = RagLMOptions

    def prepare(self, train: Sequence[Example]) -> None:
        self.ctx.embed.store(self.options.embedding_model).ensure([ex.text for ex in train])

    def fit(self, train: Sequence[Example]) -> None:
        import faiss

        vectors = self.ctx.embed(self.options.embedding_model, [ex.text for ex in train])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)
        self.train = list(train)
        super().fit(train)

    def query_demos(self, texts: Sequence[str]) -> list[list[Example]]:
        queries = self.ctx.embed.encode(self.options.embedding_model, list(texts))
        _, idx = self.index.search(queries, min(self.options.k, len(self.train)))
        # nearest last: closest to the query in the prompt
        return [[self.train[i] for i in reversed(row) if i >= 0] for row in idx]

    def report(self):
        rep = super().report()
        per_text = self.ctx.embed.store(self.options.embedding_model).seconds_per_text or 0.0
        rep.extra |= {
            "k": self.options.k,
            "index_size": len(self.train),
            "index_embedding_seconds": per_text * len(self.train),
        }
        return rep
