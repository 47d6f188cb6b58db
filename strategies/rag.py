"""``rag``: retrieval-only classification, a similarity-weighted vote of the k nearest examples.

The cheapest strategy that learns from labelled data without training anything: the baseline
every fine-tune has to beat. Embeddings come from the shared per-corpus cache; the index is an
exact inner-product FAISS index over L2-normalised vectors (cosine similarity).

On corpora with an out-of-scope label it abstains (answers that label) when the highest cosine
similarity among the winning label's neighbours is below a threshold calibrated on dev
(``strategies._abstain``, the rule every classifier shares).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ragorft.benchmarks.core.options import option
from ragorft.benchmarks.data.cards import Example
from ragorft.strategies import register
from ragorft.strategies._abstain import AbstainingClassifier
from ragorft.strategies._retrieval import NearestExamples
from ragorft.strategies.base import Report, Strategy


@dataclass
class RagOptions:
    k: int = option(10, ge=1)
    embedding_model: str = "all-MiniLM-L6-v2"
    #: "similarity": each neighbour votes with its cosine similarity; "uniform": one vote each
    weighting: str = option("similarity", choices=("similarity", "uniform"))


@register
class Rag(AbstainingClassifier, Strategy):
    name = "rag"
    Options = RagOptions
    peak_memory_mb = 1500

    def prepare(self, train: Sequence[Example]) -> None:
        self.ctx.embed.store(self.options.embedding_model).ensure([ex.text for ex in train])

    def fit(self, train: Sequence[Example]) -> None:
        self.nearest = NearestExamples(self.ctx.embed, self.options.embedding_model, train)
        self.label_ids = {lab: i for i, lab in enumerate(self.ctx.labels)}
        self.train_labels = np.array([self.label_ids[ex.label] for ex in train])
        self.n_train = len(train)
        self.calibrate_abstention()

    def scored(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(voted label, highest similarity among that label's neighbours) per text."""
        k = min(self.options.k, self.n_train)
        sims, idx = self.nearest.search(texts, k)
        weights = np.clip(sims, 0.0, None) if self.options.weighting == "similarity" else np.ones_like(sims)
        # a vanishing bonus by rank breaks ties (and all-zero votes) towards the nearer neighbour
        weights = weights.astype(np.float64) + 1e-9 * (k - np.arange(k))
        votes = np.zeros((len(texts), len(self.ctx.labels)), dtype=np.float64)
        rows = np.repeat(np.arange(len(texts)), k)
        np.add.at(votes, (rows, self.train_labels[idx].ravel()), weights.ravel())
        best = votes.argmax(axis=1)
        same = self.train_labels[idx] == best[:, None]
        confidence = np.where(same, sims, -np.inf).max(axis=1)
        return [self.ctx.labels[i] for i in best], confidence

    def report(self) -> Report:
        per_text = self.ctx.embed.store(self.options.embedding_model).seconds_per_text or 0.0
        # fit reads cached embeddings; this is what embedding the index from scratch costs
        extra = {"index_size": self.n_train, "index_embedding_seconds": per_text * self.n_train}
        return Report(extra=extra | self.abstention_report())
