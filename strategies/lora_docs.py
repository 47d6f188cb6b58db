"""``lora_docs``: continued pre-training of the LM on the documents with LoRA, then closed-book QA.

The unsupervised fine-tuning of Ovadia et al. 2023: the documents are the training text, no
question is seen. On the paraphrased corpus variant each fact is trained on in K renderings.
"""

from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions
from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy


class LoraDocsOptions(QAOptions, CausalTrainOptions):
    learning_rate: PositiveFloat = 1e-3
    epochs: PositiveInt = 5


@register
class LoraDocs(QAStrategy):
    name = "lora_docs"
    Options = LoraDocsOptions
    role = "ft_docs"
    adapter = True
    method = "lora"
    train_on = "documents"
