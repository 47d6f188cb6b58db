"""``lora_qa``: LoRA fine-tuning on the QA pairs of the training split, then closed-book QA.

The training questions are about other entities (synthetic corpus) or other articles (SQuAD) than
the test's, so this teaches the answer format and nothing about the test facts: on its own it
should stay near closed-book; with retrieval (``ft_rag``) it may use the context better. The
learning rate and the epochs are tuned on dev by the one rule (``_qa_train.py``).
"""

from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions
from ragorft.strategies._qa_train import QATrainOptions, TrainedQA


class LoraQAOptions(QAOptions, QATrainOptions):
    learning_rate: PositiveFloat = 5e-4
    #: the maximum: early stopping on dev decides
    epochs: PositiveInt = 4


@register
class LoraQA(TrainedQA):
    name = "lora_qa"
    Options = LoraQAOptions
    role = "ft_qa"
    adapter = True
    method = "lora"
    train_on = "qa"
