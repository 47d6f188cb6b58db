"""``full_ft_docs``: every weight fine-tuned on the documents (or documents then QA, or generated QA),
then closed-book QA; the learning rate and the epochs tuned on dev by the one rule (``_qa_train.py``)."""

from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions
from ragorft.strategies._qa_train import DocSource, QATrainOptions, TrainedQA


class FullFTDocsOptions(QAOptions, QATrainOptions):
    learning_rate: PositiveFloat = 5e-5
    #: the maximum: early stopping on dev decides
    epochs: PositiveInt = 10
    train_on: DocSource = "documents"


@register
class FullFTDocs(TrainedQA):
    name = "full_ft_docs"
    #: every weight trains: fp32 weights + gradients + AdamW moments of a 135M model, plus activations
    #: and the best epoch's weights kept aside
    peak_memory_mb = 5500
    Options = FullFTDocsOptions
    role = "ft_docs"
    method = "full"
