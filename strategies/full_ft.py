"""``full_ft``: every parameter of the base (and a new classification head) is trained.

The most expensive fine-tune, and the reference the adapters are measured against: a full copy
of the model per task.
"""

from __future__ import annotations

from ragorft.benchmarks.models.classifier import FinetuneOptions
from ragorft.strategies import register
from ragorft.strategies._finetune import FinetuneStrategy


@register
class FullFineTune(FinetuneStrategy):
    name = "full_ft"
    kind = "full"
    Options = FinetuneOptions
