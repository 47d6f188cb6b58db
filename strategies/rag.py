"""``rag``: retrieval-only classification, a similarity-weighted vote of the k nearest examples.

The cheapest strategy that learns from labelled data without training anything: the baseline
every fine-tune has to beat. Embeddings come from the shared per-corpus cache; the index is an
exact inner-product FAISS index over L2-normalised vectors (cosine similarity).

``k`` is rag's one knob. With ``k_grid`` it is chosen on dev by the rule every trainable
strategy follows (``benchmarks.models.tuning``: best dev accuracy, ties to the first in the grid),
so retrieval is tuned as fairly as the fine-tunes it is compared with; the neighbours are searched
once at the largest k and each candidate votes with its prefix.

On corpora with an out-of-scope label it abstains (answers that label) when the highest cosine
similarity among the winning label's neighbours is below a threshold calibrated on dev
(``strategies._abstain``, the rule every classifier shares).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import PositiveInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.tuning import best_trial, tuning_report
from ragorft.strategies import register
from ragorft.strategies._abstain import AbstainingClassifier
from ragorft.strategies._retrieval import NearestExamples
from ragorft.strategies.base import Report, Strategy, StrategyOptions


class RagOptions(StrategyOptions):
    k: PositiveInt = 10
    embedding_model: str = "all-MiniLM-L6-v2"
    #: "similarity": each neighbour votes with its cosine similarity; "uniform": one vote each
    weighting: Literal["similarity", "uniform"] = "similarity"
    #: candidate k values chosen on the whole dev split (empty: ``k`` as given, untuned)
    k_grid: list[PositiveInt] = []


@register
class Rag(AbstainingClassifier, Strategy):
    name = "rag"
    Options = RagOptions
    task = "classification"
    role = "retrieval"
    base_model_option = "embedding_model"
    adapter = False
    peak_memory_mb = 1500

    def prepare(self, train: Sequence[Example]) -> None:
        dev = [ex.text for ex in self.ctx.dev or []] if self.options.k_grid else []
        self.ctx.embed.store(self.options.embedding_model).ensure([ex.text for ex in train] + dev)

    def fit(self, train: Sequence[Example]) -> None:
        self.nearest = NearestExamples(self.ctx.embed, self.options.embedding_model, train)
        self.label_ids = {lab: i for i, lab in enumerate(self.ctx.labels)}
        self.train_labels = np.array([self.label_ids[ex.label] for ex in train])
        self.n_train = len(train)
        self.k, self.tuning = self.options.k, None
        if self.options.k_grid:
            self._choose_k()
        self.calibrate_abstention()

    def _choose_k(self) -> None:
        dev = self.ctx.dev
        if not dev:
            raise RagorftError("rag: k_grid needs a dev split to choose k (the runner passes ctx.dev)")
        grid = list(self.options.k_grid)
        texts, gold = [ex.text for ex in dev], np.array([self.label_ids.get(ex.label, -1) for ex in dev])
        sims, idx = self.nearest.search(texts, min(max(grid), self.n_train))
        trials = []
        for k in grid:
            best, _ = self._vote(sims[:, :k], idx[:, :k])
            trials.append({"k": k, "dev_accuracy": float((best == gold).mean())})
        chosen = best_trial(trials)
        self.k = grid[chosen]
        self.tuning = tuning_report("k", grid, trials, chosen, n_dev=len(dev), n_dev_available=len(dev))

    def _vote(self, sims: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(winning label id, highest similarity among its neighbours) for each row of neighbours."""
        k = sims.shape[1]
        weights = np.clip(sims, 0.0, None) if self.options.weighting == "similarity" else np.ones_like(sims)
        # a vanishing bonus by rank breaks ties (and all-zero votes) towards the nearer neighbour
        weights = weights.astype(np.float64) + 1e-9 * (k - np.arange(k))
        votes = np.zeros((len(sims), len(self.ctx.labels)), dtype=np.float64)
        rows = np.repeat(np.arange(len(sims)), k)
        np.add.at(votes, (rows, self.train_labels[idx].ravel()), weights.ravel())
        best = votes.argmax(axis=1)
        same = self.train_labels[idx] == best[:, None]
        return best, np.where(same, sims, -np.inf).max(axis=1)

    def scored(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(voted label, highest similarity among that label's neighbours) per text."""
        sims, idx = self.nearest.search(texts, min(self.k, self.n_train))
        best, confidence = self._vote(sims, idx)
        return [self.ctx.labels[i] for i in best], confidence

    def report(self) -> Report:
        per_text = self.ctx.embed.store(self.options.embedding_model).seconds_per_text or 0.0
        # fit reads cached embeddings; this is what embedding the index from scratch costs
        extra = {"index_size": self.n_train, "index_embedding_seconds": per_text * self.n_train, "k": self.k}
        if self.tuning:
            extra["tuning"] = self.tuning
        return Report(extra=extra | self.abstention_report())
