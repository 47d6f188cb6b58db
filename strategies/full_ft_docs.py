"""``full_ft_docs``: continued pre-training of every weight on the documents, then closed-book QA."""

from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy


class FullFTDocsOptions(QAOptions, CausalTrainOptions):
    learning_rate: PositiveFloat = 5e-5
    epochs: PositiveInt = 5


@register
class FullFTDocs(QAStrategy):
    name = "full_ft_docs"
    #: every weight trains: fp32 weights + gradients + AdamW moments of a 135M model, plus activations
    peak_memory_mb = 5000
    Options = FullFTDocsOptions
    role = "ft_docs"
    method = "full"
    train_on = "documents"
