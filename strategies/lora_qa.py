"""``lora_qa``: LoRA fine-tuning on the QA pairs of the training split, then closed-book QA.

The training questions are about other entities (synthetic corpus) or other articles (SQuAD) than
the test's, so this teaches the answer format and nothing about the test facts: on its own it
should stay near closed-book; with retrieval (``ft_rag``) it may use the context better.
"""

from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy


class LoraQAOptions(QAOptions, CausalTrainOptions):
    learning_rate: PositiveFloat = 5e-4
    epochs: PositiveInt = 2


@register
class LoraQA(QAStrategy):
    name = "lora_qa"
    Options = LoraQAOptions
    role = "ft_qa"
    adapter = True
    method = "lora"
    train_on = "qa"
