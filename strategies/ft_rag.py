"""``ft_rag``: retrieval (as ``rag_qa``) over a model fine-tuned first (as ``lora_qa`` or ``lora_docs``).

``train_on = "qa"`` fine-tunes on the training split's QA pairs *without* context, the setting in
which RAFT (Zhang et al. 2024) saw a tuned model use retrieved context worse; ``"documents"`` is
continued pre-training on the documents, Ovadia et al.'s FT+RAG. ``tune`` is "lora" or "full".
"""

from __future__ import annotations

from dataclasses import dataclass

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy, RetrievalOptions


@dataclass
class FTRagOptions(QAOptions, RetrievalOptions, CausalTrainOptions):
    learning_rate: float = 5e-4
    epochs: int = 2
    tune: str = "lora"
    train_on: str = "qa"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.tune not in ("lora", "full"):
            raise RagorftError(f"ft_rag: tune must be 'lora' or 'full', not {self.tune!r}")
        if self.train_on not in ("qa", "documents"):
            raise RagorftError(f"ft_rag: train_on must be 'qa' or 'documents', not {self.train_on!r}")


@register
class FTRag(QAStrategy):
    name = "ft_rag"
    #: every weight trains: fp32 weights + gradients + AdamW moments of a 135M model, plus activations
    peak_memory_mb = 5000
    Options = FTRagOptions
    retrieves = True

    def method_name(self) -> str | None:
        return self.options.tune

    def train_source(self) -> str:
        return self.options.train_on
