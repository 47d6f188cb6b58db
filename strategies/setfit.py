"""``setfit``: contrastive fine-tuning of a sentence encoder on pairs from the budget, then a head.

SetFit (Tunstall et al. 2022), the strongest few-shot text classifier of its size class and the
anchor of the published Banking77 10-shot numbers (SetFit MPNet 88.1, Loukas et al. 2023), through
the ``setfit`` library: each epoch its ``Trainer`` draws positive and negative pairs from the
training budget, fine-tunes the encoder body with a contrastive loss (``CosineSimilarityLoss``,
the library default), and fits a logistic-regression head on the new embeddings.

Tuning follows the shared rule (``benchmarks.models.tuning``): for each body learning rate of the
grid, epochs run one at a time up to ``epochs``, the dev accuracy after each (body + refitted head)
decides early stopping with ``patience``, and the best epoch's model is kept; the learning rate
with the best dev accuracy wins. The library draws the same pairs every epoch (its pair sampler has
a fixed seed of its own); the epoch's seed (cell seed x 1000 + epoch) orders them and drives dropout.
On corpora with an out-of-scope label, ``predict`` abstains below a dev-calibrated head
probability (``strategies._abstain``).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.classifier import torch_threads
from ragorft.benchmarks.models.registry import resolve
from ragorft.benchmarks.models.tuning import (
    best_trial,
    learning_rate_grid,
    still_rising,
    tuning_dev,
    tuning_report,
)
from ragorft.strategies import register
from ragorft.strategies._abstain import AbstainingClassifier
from ragorft.strategies.base import Report, Strategy, StrategyOptions


class SetFitOptions(StrategyOptions):
    model: str = "all-MiniLM-L6-v2"
    #: the maximum number of body epochs (early stopping on dev decides how many run)
    epochs: PositiveInt = 3
    patience: PositiveInt = 1
    #: body learning-rate grid chosen on dev; empty = [learning_rate]
    learning_rate: PositiveFloat = 2e-5
    learning_rates: list[PositiveFloat] = []
    #: pairs per training example per epoch (setfit's ``num_iterations``; 20 in the paper)
    num_iterations: PositiveInt = 5
    #: 0 = every drawn pair; otherwise at most this many optimiser steps per epoch (CPU budgets)
    max_steps_per_epoch: NonNegativeInt = 0
    batch_size: PositiveInt = 16
    max_length: PositiveInt = 64
    #: 0 = the whole dev split; otherwise a stratified subset (>= 5 per class, see models.tuning)
    max_dev_examples: NonNegativeInt = 0
    #: the logistic-regression head's C, chosen on dev after each epoch (as linear_probe's)
    head_c_grid: list[PositiveFloat] = Field([10.0, 100.0, 1000.0], min_length=1)


def _dataset(texts: Sequence[str], labels: Sequence[int]) -> Any:
    from datasets import Dataset

    return Dataset.from_dict({"text": list(texts), "label": list(labels)})


@register
class SetFit(AbstainingClassifier, Strategy):
    name = "setfit"
    Options = SetFitOptions
    task = "classification"
    role = "fine-tune"
    base_model_option = "model"
    adapter = False
    devices = ("cuda", "cpu")
    peak_memory_mb = 3000

    def _epoch(self, model: Any, train: Any, lr: float, epoch: int) -> None:
        """One epoch of the library's own training: new pairs, contrastive body step, head refit."""
        from setfit import Trainer, TrainingArguments

        o = self.options
        args = TrainingArguments(
            batch_size=o.batch_size,
            num_epochs=1,
            num_iterations=o.num_iterations,
            max_steps=o.max_steps_per_epoch or -1,
            body_learning_rate=lr,
            max_length=o.max_length,
            seed=self.ctx.seed * 1000 + epoch,
            show_progress_bar=self.ctx.progress,
            report_to="none",
            save_strategy="no",
        )
        Trainer(model=model, args=args, train_dataset=train).train_embeddings(train["text"], train["label"], args=args)

    def _fit_head(self, model: Any, train: Any, dev_texts: list[str], dev_gold: np.ndarray) -> tuple[float, float]:
        """Refit the logistic-regression head for each ``head_c_grid`` value; keep the best on dev.

        SetFit's default head (scikit-learn's C = 1) under-fits unit-norm sentence embeddings:
        the linear probe on the same MiniLM embeddings lost 5 dev points at C = 1 against C = 100
        (Banking77, 10-shot). So the head's C is chosen on dev like the probe's. Returns
        (dev accuracy, chosen C).
        """
        x = model.encode(list(train["text"]), batch_size=64)
        x_dev = model.encode(dev_texts, batch_size=64)
        x, x_dev = (np.asarray(v.cpu() if hasattr(v, "cpu") else v) for v in (x, x_dev))
        y = np.asarray(train["label"])
        best: tuple[float, float, Any] | None = None
        for c in self.options.head_c_grid:
            head = copy.deepcopy(model.model_head).set_params(C=float(c)).fit(x, y)
            acc = float((head.predict(x_dev) == dev_gold).mean())
            if best is None or acc > best[0]:
                best = (acc, float(c), head)
        assert best is not None
        model.model_head = best[2]
        return best[0], best[1]

    def _one_rate(self, lr: float, train: Any, dev_texts: list[str], dev_gold: np.ndarray) -> tuple[Any, dict]:
        from setfit import SetFitModel
        from transformers import set_seed

        o = self.options
        set_seed(self.ctx.seed)
        model = SetFitModel.from_pretrained(resolve(o.model), device=self.ctx.device, head_params={"max_iter": 3000})
        curve: list[float] = []
        head_c: list[float] = []
        best_model, t0 = None, time.perf_counter()
        for epoch in range(1, o.epochs + 1):
            self._epoch(model, train, lr, epoch)
            acc, c = self._fit_head(model, train, dev_texts, dev_gold)
            curve.append(acc)
            head_c.append(c)
            best_epoch = curve.index(max(curve))  # the first of ties: a tie is no improvement
            if best_epoch == len(curve) - 1:
                best_model = copy.deepcopy(model)
            elif len(curve) - 1 - best_epoch >= o.patience:
                break
        trial = {
            "learning_rate": lr,
            "dev_accuracy": max(curve),
            "chosen_epoch": curve.index(max(curve)) + 1,
            "epochs_run": len(curve),
            "dev_accuracy_curve": curve,
            "head_c": head_c[curve.index(max(curve))],
            "hit_max_epochs_still_rising": still_rising(curve, o.epochs),
            "train_wall_s": time.perf_counter() - t0,
        }
        return best_model, trial

    def fit(self, train: Sequence[Example]) -> None:
        o = self.options
        if not self.ctx.dev:
            raise RagorftError("setfit needs a dev split for early stopping (the runner passes ctx.dev)")
        grid = learning_rate_grid(o.learning_rates, o.learning_rate)
        torch_threads()
        label_id = {lab: i for i, lab in enumerate(self.ctx.labels)}
        data = _dataset([ex.text for ex in train], [label_id[ex.label] for ex in train])
        dev = tuning_dev(self.ctx.dev, o.max_dev_examples, len(self.ctx.labels), self.ctx.seed)
        dev_texts, dev_gold = [ex.text for ex in dev], np.array([label_id[ex.label] for ex in dev])
        trials: list[dict[str, Any]] = []
        for lr in grid:
            model, trial = self._one_rate(lr, data, dev_texts, dev_gold)
            trials.append(trial)
            if best_trial(trials) == len(trials) - 1:
                self.model = model
        self.tuning = tuning_report(
            "learning_rate",
            grid,
            trials,
            best_trial(trials),
            n_dev=len(dev),
            n_dev_available=len(self.ctx.dev),
            max_epochs=o.epochs,
            patience=o.patience,
        )
        self.n_train = len(train)
        self.calibrate_abstention()

    def scored(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(argmax label, its head probability) per text; the body embeds the queries."""
        proba = np.asarray(self.model.predict_proba(list(texts), batch_size=64, as_numpy=True))
        best = proba.argmax(axis=1)
        ids = self.model.model_head.classes_[best]
        return [self.ctx.labels[int(i)] for i in ids], proba.max(axis=1)

    def report(self) -> Report:
        body = self.model.model_body
        n_body = sum(p.numel() for p in body.parameters())
        head = self.model.model_head
        n_head = int(head.coef_.size + head.intercept_.size)
        chosen = self.tuning["chosen"]
        extra = {
            # the chosen learning rate's per-epoch dev curve, in the fine-tunes' shape (decide reads it)
            "curves": [{"epoch": i + 1, "dev_accuracy": a} for i, a in enumerate(chosen["dev_accuracy_curve"])],
            "chosen_epoch": chosen["chosen_epoch"],
            "epochs_run": chosen["epochs_run"],
            "stopped_early": chosen["epochs_run"] < self.options.epochs,
            "n_dev_used": self.tuning["n_dev"],
            "tuning": self.tuning,
            "base_model": self.options.model,
            "n_train": self.n_train,
            "head": type(head).__name__,
        }
        return Report(
            params_trained=n_body + n_head, params_total=n_body + n_head, extra=extra | self.abstention_report()
        )
