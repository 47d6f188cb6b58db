"""``lora``: peft LoRA adapters on a frozen base; the new classification head trains in full.

Defaults follow common practice: rank 16, alpha = rank, dropout 0.05, learning rate 2e-4 with a
cosine schedule and warmup. The saved artefact is the adapter plus head, a few percent of the base.
"""

from __future__ import annotations

from ragorft.benchmarks.models.classifier import LoraOptions
from ragorft.strategies import register
from ragorft.strategies._finetune import FinetuneStrategy


@register
class Lora(FinetuneStrategy):
    name = "lora"
    kind = "lora"
    Options = LoraOptions
    adapter = True
