"""``rag_lm``: a causal LM classifies with the k training examples nearest to the query as demos.

Retrieval is the ``rag`` strategy's: the shared per-corpus embedding cache (``ctx.embed``, built
once per corpus and model and reused by every cell) and an exact inner-product FAISS index. The
instruction and label set form the shared prefix (KV-cached); the retrieved demos, nearest last,
and the query are the per-query suffix. "GPT-4 + RAG(20)" of Loukas et al. 2023, on a local LM.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import PositiveInt
from ragorft.benchmarks.data.cards import Example
from ragorft.strategies import register
from ragorft.strategies._retrieval import NearestExamples
from ragorft.strategies.prompted_lm import PromptedLM, PromptedLMOptions


class RagLMOptions(PromptedLMOptions):
    k: PositiveInt = 10
    embedding_model: str = "all-MiniLM-L6-v2"


@register
class RagLM(PromptedLM):
    name = "rag_lm"
    Options = RagLMOptions

    def prepare(self, train: Sequence[Example]) -> None:
        self.ctx.embed.store(self.options.embedding_model).ensure([ex.text for ex in train])

    def fit(self, train: Sequence[Example]) -> None:
        self.nearest = NearestExamples(self.ctx.embed, self.options.embedding_model, train)
        super().fit(train)

    def query_demos(self, texts: Sequence[str]) -> list[list[Example]]:
        return self.nearest.demos(texts, self.options.k)

    def report(self):
        rep = super().report()
        per_text = self.ctx.embed.store(self.options.embedding_model).seconds_per_text or 0.0
        rep.extra |= {
            "k": self.options.k,
            "index_size": len(self.nearest.train),
            "index_embedding_seconds": per_text * len(self.nearest.train),
        }
        return rep
