"""``ft_rag``: retrieval (as ``rag_qa``) over a model fine-tuned first (as ``lora_qa`` or ``lora_docs``).

``train_on = "qa"`` fine-tunes on the training split's QA pairs *without* context, the setting in
which RAFT (Zhang et al. 2024) saw a tuned model use retrieved context worse; ``"documents"`` is
continued pre-training on the documents, Ovadia et al.'s FT+RAG; ``"documents+qa"`` and
``"generated"`` are the protocols of ``_qa_train.py``. ``tune`` is "lora" or "full". Dev tuning
asks the dev questions with retrieval, as the test is asked.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import PositiveFloat, PositiveInt
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, RetrievalOptions
from ragorft.strategies._qa_train import QATrainOptions, Source, TrainedQA


class FTRagOptions(QAOptions, RetrievalOptions, QATrainOptions):
    learning_rate: PositiveFloat = 5e-4
    #: the maximum: early stopping on dev decides
    epochs: PositiveInt = 4
    tune: Literal["lora", "full"] = "lora"
    train_on: Source = "qa"


@register
class FTRag(TrainedQA):
    name = "ft_rag"
    #: every weight trains: fp32 weights + gradients + AdamW moments of a 135M model, plus activations
    peak_memory_mb = 5500
    Options = FTRagOptions
    role = "ft_rag"
    adapter = True  # with the default ``tune = "lora"``; describe() reads the options
    retrieves = True

    @classmethod
    def describe(cls, options: Any) -> dict[str, Any]:
        return super().describe(options) | {"adapter": options.tune == "lora"}

    def method_name(self) -> str:
        return self.options.tune
