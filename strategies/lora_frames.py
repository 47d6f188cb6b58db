"""``lora_frames``: LoRA SFT on utterance -> frame (loss on the answer only), merged and served.

The fine-tuning side of the structured task: the model learns the format and the slot conventions
from the training budget, and is then asked with the same instruction and no demos. The learning
rate is chosen on dev frame exact match from ``learning_rates`` (the one rule, models/tuning.py).
"""

from __future__ import annotations

from ragorft.strategies import register
from ragorft.strategies._structured import FrameLM, FrameTrainOptions


@register
class LoraFrames(FrameLM):
    name = "lora_frames"
    Options = FrameTrainOptions
    role = "fine-tune"
    adapter = True
    method = "lora"
