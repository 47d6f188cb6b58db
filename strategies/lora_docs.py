"""``lora_docs``: LoRA fine-tuning on the documents (or documents then QA, or generated QA), then closed-book QA.

The default is the unsupervised fine-tuning of Ovadia et al. 2023: the documents are the
training text, no question is seen; on the paraphrased corpus variant each fact is trained on in K
renderings. ``train_on`` picks the other protocols that put the test facts into the weights
(``_qa_train.py``); the learning rate and the epochs are tuned on dev by the one rule.
"""

from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions
from ragorft.strategies._qa_train import DocSource, QATrainOptions, TrainedQA


class LoraDocsOptions(QAOptions, QATrainOptions):
    learning_rate: PositiveFloat = 1e-3
    #: the maximum: early stopping on dev decides
    epochs: PositiveInt = 10
    train_on: DocSource = "documents"


@register
class LoraDocs(TrainedQA):
    name = "lora_docs"
    Options = LoraDocsOptions
    role = "ft_docs"
    adapter = True
    method = "lora"
