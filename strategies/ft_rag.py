"""``ft_rag``: retrieval (as ``rag_qa``) over a model fine-tuned first (as ``lora_qa`` or ``lora_docs``).

``train_on = "qa"`` fine-tunes on the training split's QA pairs *without* context, the setting in
which RAFT (Zhang et al. 2024) saw a tuned model use retrieved context worse; ``"documents"`` is
continued pre-training on the documents, Ovadia et al.'s FT+RAG. ``tune`` is "lora" or "full".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import PositiveFloat, PositiveInt
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy, RetrievalOptions


class FTRagOptions(QAOptions, RetrievalOptions, CausalTrainOptions):
    learning_rate: PositiveFloat = 5e-4
    epochs: PositiveInt = 2
    tune: Literal["lora", "full"] = "lora"
    train_on: Literal["qa", "documents"] = "qa"


@register
class FTRag(QAStrategy):
    name = "ft_rag"
    #: every weight trains: fp32 weights + gradients + AdamW moments of a 135M model, plus activations
    peak_memory_mb = 5000
    Options = FTRagOptions
    role = "ft_rag"
    adapter = True  # with the default ``tune = "lora"``; describe() reads the options
    retrieves = True

    @classmethod
    def describe(cls, options: Any) -> dict[str, Any]:
        return super().describe(options) | {"adapter": options.tune == "lora"}

    def method_name(self) -> str | None:
        return self.options.tune

    def train_source(self) -> str:
        return self.options.train_on
