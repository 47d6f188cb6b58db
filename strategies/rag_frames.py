"""``rag_frames``: the k training utterances nearest the request, with their frames, as demos.

The strong prompting baseline for structured output (retrieved demonstrations): neighbours by
cosine over the sentence embeddings every retrieval strategy shares (training texts cached per
corpus, requests embedded on the serving path), nearest last, so the most similar example sits
next to the request.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import PositiveInt
from ragorft.benchmarks.data.cards import Example
from ragorft.strategies import register
from ragorft.strategies._structured import FrameLM, FrameLMOptions


class RagFramesOptions(FrameLMOptions):
    k: PositiveInt = 8
    embedding_model: str = "all-MiniLM-L6-v2"


@register
class RagFrames(FrameLM):
    name = "rag_frames"
    Options = RagFramesOptions
    role = "rag"

    def prepare(self, train: Sequence[Example]) -> None:
        super().prepare(train)
        self.ctx.embed.store(self.options.embedding_model).ensure([ex.text for ex in train])

    def fit(self, train: Sequence[Example]) -> None:
        self.pool = list(train)
        self.vectors = self.ctx.embed(self.options.embedding_model, [ex.text for ex in train])
        self.nearest: dict[str, list[Example]] = {}
        super().fit(train)
        self.extra["k"] = self.options.k

    def predict(self, texts: Sequence[str]) -> list[str]:
        queries = self.ctx.embed.encode(self.options.embedding_model, list(texts))
        k = min(self.options.k, len(self.pool))
        for text, q in zip(texts, queries, strict=True):
            order = np.argsort(-(self.vectors @ q), kind="stable")[:k]
            self.nearest[text] = [self.pool[i] for i in order[::-1]]
        return super().predict(texts)

    def demos(self, text: str) -> list[Example]:
        if text not in self.nearest:  # a probe or dev text: retrieved on demand
            q = self.ctx.embed.encode(self.options.embedding_model, [text])[0]
            order = np.argsort(-(self.vectors @ q), kind="stable")[: min(self.options.k, len(self.pool))]
            self.nearest[text] = [self.pool[i] for i in order[::-1]]
        return self.nearest[text]
