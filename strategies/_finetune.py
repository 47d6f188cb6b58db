"""The shared body of the fine-tuning strategies: fit trains through ``benchmarks.finetune``.

``full_ft``, ``lora`` and ``qlora`` differ only in which weights train and how the base is
loaded, so each of those modules is a few lines naming its ``kind`` and its options.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.finetune import FinetuneResult, finetune, predict_labels
from ragorft.benchmarks.models.forgetting import PROBE_FILE, forgetting_check
from ragorft.strategies.base import Report, Strategy


class FinetuneStrategy(Strategy):
    """Train a sequence classifier in ``fit``; predict with its head; report curves and sizes."""

    kind: ClassVar[str]
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

    def predict(self, texts: Sequence[str]) -> list[str]:
        return predict_labels(
            self.result.model,
            self.result.tokenizer,
            self.ctx.labels,
            texts,
            max_length=self.options.max_length,
            batch_size=self.options.batch_size * 2,
        )

    def report(self) -> Report:
        if self.result.extra["family"] != "bert" and "forgetting" not in self.extra:
            # a causal LM: how much general language modelling did the tuning cost? Measured here,
            # after the runner's timings, so the probe is not billed as training time
            self.extra["forgetting"] = forgetting_check(self.result, self.options, self.ctx.device, kind=self.kind)
        return Report(
            params_trained=self.result.params_trained, params_total=self.result.params_total, extra=self.extra
        )
