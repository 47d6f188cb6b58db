"""``qlora``: LoRA on a base loaded in 4-bit NF4 (bitsandbytes, double quantisation).

The base goes through ``prepare_model_for_kbit_training`` before the adapters are attached. The
4-bit base saves memory where the weights dominate it, on CUDA, where bitsandbytes runs its real
kernels with bf16 compute. On CPU it does not save memory: bitsandbytes quantises while loading,
through the full-precision weights, and dequantises on the fly while training.
"""

from __future__ import annotations

from ragorft.benchmarks.models.classifier import LoraOptions
from ragorft.strategies import register
from ragorft.strategies._finetune import FinetuneStrategy


@register
class QLora(FinetuneStrategy):
    name = "qlora"
    kind = "qlora"
    Options = LoraOptions
    adapter = True
    quantized = True
    peak_memory_mb = 2000
