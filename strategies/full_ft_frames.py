"""``full_ft_frames``: every weight trained on utterance -> frame (loss on the answer only).

``lora_frames`` with all parameters trainable: what full fine-tuning adds over adapters on the
same base, budget and rule (the learning rate chosen on dev frame exact match).
"""

from __future__ import annotations

from pydantic import PositiveFloat
from ragorft.strategies import register
from ragorft.strategies._structured import FrameLM, FrameTrainOptions


class FullFtFramesOptions(FrameTrainOptions):
    #: all weights move: a LoRA-sized step would overshoot
    learning_rate: PositiveFloat = 5e-5


@register
class FullFtFrames(FrameLM):
    name = "full_ft_frames"
    Options = FullFtFramesOptions
    role = "fine-tune"
    method = "full"
