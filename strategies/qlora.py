"""``qlora``: LoRA on a base loaded in 4-bit NF4 (bitsandbytes, double quantisation).

The base goes through ``prepare_model_for_kbit_training`` before the adapters are attached. On
CPU bitsandbytes dequantises on the fly (slower than ``lora``, less memory); on CUDA it is the
real kernel with bf16 compute.
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
