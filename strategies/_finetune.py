"""The shared body of the fine-tuning strategies: fit trains through ``ragorft.benchmarks.models.finetune``.

``full_ft``, ``lora`` and ``qlora`` differ only in which weights train and how the base is
loaded, so each of those modules is a few lines naming its ``kind`` and its options.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.classifier import ENCODER_FAMILIES
from ragorft.benchmarks.models.finetune import FinetuneResult, finetune, predict_scores
from ragorft.benchmarks.models.forgetting import PROBE_FILE, forgetting_check
from ragorft.strategies._abstain import AbstainingClassifier
from ragorft.strategies.base import Report, Strategy


class FinetuneStrategy(AbstainingClassifier, Strategy):
    """Train a sequence classifier in ``fit``; predict with its head; report curves and sizes.

    On corpora with an out-of-scope label, ``predict`` abstains below a head probability
    calibrated on dev (``strategies._abstain``).
    """

    kind: ClassVar[str]
    task = "classification"
    role = "fine-tune"
    base_model_option = "model"
    adapter = False
    devices = ("cuda", "cpu")
    peak_memory_mb = 3000
    data_files = (PROBE_FILE,)

    def fit(self, train: Sequence[Example]) -> None:
        self.result: FinetuneResult = finetune(
            self.kind,
            self.options,
            train,
            self.ctx.dev,
            self.ctx.labels,
            seed=self.ctx.seed,
            cache_dir=self.ctx.cache_dir,
            device=self.ctx.device,
            progress=self.ctx.progress,
        )
        self.extra = dict(self.result.extra)
        self.calibrate_abstention()

    def scored(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        return predict_scores(
            self.result.model,
            self.result.tokenizer,
            self.ctx.labels,
            texts,
            max_length=self.options.max_length,
            batch_size=self.options.batch_size * 2,
        )

    def report(self) -> Report:
        if self.result.extra["family"] not in ENCODER_FAMILIES and "forgetting" not in self.extra:
            # a causal LM: how much general language modelling did the tuning cost? Measured here,
            # after the runner's timings, so the probe is not billed as training time
            self.extra["forgetting"] = forgetting_check(self.result, self.options, self.ctx.device, kind=self.kind)
        return Report(
            params_trained=self.result.params_trained,
            params_total=self.result.params_total,
            extra=self.extra | self.abstention_report(),
        )
