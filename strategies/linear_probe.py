"""``linear_probe``: logistic regression on frozen sentence embeddings (scikit-learn).

The cheapest trained classifier: the encoder is untouched (the same cached embeddings ``rag``
retrieves with), only a linear layer learns. It is the baseline that tells whether fine-tuning
the encoder buys anything over reading its features, and, with ``rag``, whether a learned
boundary beats nearest neighbours. Its regularisation ``C`` is chosen on dev from a small grid
(the shared rule of ``benchmarks.models.tuning``); on corpora with an out-of-scope label it
abstains below a dev-calibrated probability (``strategies._abstain``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.tuning import best_trial, tuning_dev, tuning_report
from ragorft.strategies import register
from ragorft.strategies._abstain import AbstainingClassifier
from ragorft.strategies.base import Report, Strategy, StrategyOptions


class LinearProbeOptions(StrategyOptions):
    model: str = "all-MiniLM-L6-v2"
    #: inverse L2 regularisation strengths tried on dev; embeddings are unit vectors, so useful
    #: values are large (weak regularisation) compared with scikit-learn's default of 1
    c_grid: list[PositiveFloat] = Field([1.0, 10.0, 100.0, 1000.0], min_length=1)
    max_iter: PositiveInt = 3000
    #: 0 = the whole dev split; otherwise a stratified subset (>= 5 per class, see models.tuning)
    max_dev_examples: NonNegativeInt = 0


@register
class LinearProbe(AbstainingClassifier, Strategy):
    name = "linear_probe"
    Options = LinearProbeOptions
    task = "classification"
    role = "probe"
    base_model_option = "model"
    adapter = False
    peak_memory_mb = 1500

    def prepare(self, train: Sequence[Example]) -> None:
        texts = [ex.text for ex in train] + [ex.text for ex in self.ctx.dev or []]
        self.ctx.embed.store(self.options.model).ensure(texts)

    def _fit_one(self, c: float, x: np.ndarray, y: np.ndarray) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=c, max_iter=self.options.max_iter).fit(x, y)

    def fit(self, train: Sequence[Example]) -> None:
        o = self.options
        grid = [float(c) for c in o.c_grid]
        if not self.ctx.dev:
            raise RagorftError("linear_probe needs a dev split to choose C (the runner passes ctx.dev)")
        label_id = {lab: i for i, lab in enumerate(self.ctx.labels)}
        x = self.ctx.embed(o.model, [ex.text for ex in train])
        y = np.array([label_id[ex.label] for ex in train])
        dev = tuning_dev(self.ctx.dev, o.max_dev_examples, len(self.ctx.labels), self.ctx.seed)
        x_dev = self.ctx.embed(o.model, [ex.text for ex in dev])
        y_dev = np.array([label_id[ex.label] for ex in dev])
        trials, models = [], []
        for c in grid:
            clf = self._fit_one(c, x, y)
            models.append(clf)
            trials.append({"C": c, "dev_accuracy": float((clf.predict(x_dev) == y_dev).mean())})
        chosen = best_trial(trials)
        self.clf = models[chosen]
        self.tuning = tuning_report("C", grid, trials, chosen, n_dev=len(dev), n_dev_available=len(self.ctx.dev))
        self.n_train = len(train)
        # dev is corpus text: its cached embeddings serve the calibration
        self.calibrate_abstention(self._scored(self.ctx.embed(o.model, [ex.text for ex in self.ctx.dev])))

    def scored(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(argmax label, its probability) per text; queries are embedded uncached (serving path)."""
        return self._scored(self.ctx.embed.encode(self.options.model, list(texts)))

    def _scored(self, vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
        proba = self.clf.predict_proba(vectors)
        best = proba.argmax(axis=1)
        classes = self.clf.classes_
        return [self.ctx.labels[classes[i]] for i in best], proba.max(axis=1)

    def report(self) -> Report:
        n_params = int(self.clf.coef_.size + self.clf.intercept_.size)
        extra = {"tuning": self.tuning, "n_train": self.n_train, "base_model": self.options.model}
        return Report(params_trained=n_params, params_total=n_params, extra=extra | self.abstention_report())
