"""``few_shot_frames``: an LM writes the frame from an instruction and fixed demonstrations.

The demos are drawn from the training budget with the cell's seed, ``demos_per_intent`` per intent
(fewer where the budget has fewer), in a seeded order, and are the same for every request: they
sit in the prompt prefix the engine caches once. This is "is prompting enough?" for the format.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import PositiveInt
from ragorft.benchmarks.data.cards import Example
from ragorft.strategies import register
from ragorft.strategies._structured import FrameLM, FrameLMOptions
from ragorft.strategies.few_shot import select_demos


class FewShotFramesOptions(FrameLMOptions):
    #: demos per intent; SNIPS's seven intents at 2 each keep a 135M model's prompt short
    demos_per_intent: PositiveInt = 2


@register
class FewShotFrames(FrameLM):
    name = "few_shot_frames"
    Options = FewShotFramesOptions
    role = "prompting"
    fixed_demos = True

    def fit(self, train: Sequence[Example]) -> None:
        self.fixed = select_demos(train, self.ctx.labels, self.options.demos_per_intent, "shuffled", self.ctx.seed)
        super().fit(train)
        self.extra["demos"] = len(self.fixed)

    def demos(self, text: str) -> list[Example]:
        return self.fixed
