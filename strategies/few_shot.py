"""``few_shot``: a causal LM classifies from an instruction, the label set and fixed demonstrations.

The demonstrations are drawn from the training budget with the cell's seed (the same demos for a
given seed and budget), ``demos_per_label`` per label where the budget has them. They sit in the
prompt prefix, which is the same for every query, so its KV cache is computed once (see
strategies.prompted_lm). This is the "is prompting enough?" branch of the decision tree.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ragorft.benchmarks.core.options import option
from ragorft.benchmarks.data.cards import Example
from ragorft.strategies import register
from ragorft.strategies.prompted_lm import PromptedLM, PromptedLMOptions


@dataclass
class FewShotOptions(PromptedLMOptions):
    demos_per_label: int = option(1, ge=1)
    #: "shuffled": demos in a seeded random order; "grouped": in label order
    order: str = option("shuffled", choices=("shuffled", "grouped"))


def select_demos(
    train: Sequence[Example], labels: Sequence[str], per_label: int, order: str, seed: int
) -> list[Example]:
    """Seeded choice of ``per_label`` demos per label (fewer where the budget has fewer)."""
    if order not in ("shuffled", "grouped"):
        raise ValueError(f"few_shot: order must be 'shuffled' or 'grouped', not {order!r}")
    rng = random.Random(f"few_shot:{seed}")
    by_label: dict[str, list[Example]] = defaultdict(list)
    for ex in train:
        by_label[ex.label].append(ex)
    demos = []
    for lab in labels:
        pool = by_label.get(lab, [])
        demos += rng.sample(pool, min(per_label, len(pool)))
    if order == "shuffled":
        rng.shuffle(demos)
    return demos


@register
class FewShot(PromptedLM):
    name = "few_shot"
    Options = FewShotOptions

    def fixed_demos(self, train: Sequence[Example]) -> list[Example]:
        o = self.options
        return select_demos(train, self.ctx.labels, o.demos_per_label, o.order, self.ctx.seed)
