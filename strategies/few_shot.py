"""``few_shot``: a causal LM classifies from an instruction, the label set and fixed demonstrations.

The demonstrations are drawn from the training budget with the cell's seed (the same demos for a
given seed and budget), ``demos_per_label`` per label where the budget has them. They sit in the
prompt prefix, which is the same for every query, so its KV cache is computed once (see
strategies.prompted_lm). This is the "is prompting enough?" branch of the decision tree.

The budget axis means what it means for every other strategy: by default (``demos_per_label =
0``) the prompt holds the whole N-shot budget, so ``few_shot`` at 3-shot saw exactly the examples
``rag`` or ``setfit`` at 3-shot learned from. A smaller ``demos_per_label`` is allowed (a long
label set overflows a small model's context quickly), and then the record says so: the report
carries ``demos_per_label``, ``budget_per_label``, ``budget_used`` and the prompt's length in
tokens, so a cell's "10shot" name cannot hide a one-demo prompt.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import NonNegativeInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.strategies import register
from ragorft.strategies.base import Report
from ragorft.strategies.prompted_lm import PromptedLM, PromptedLMOptions


class FewShotOptions(PromptedLMOptions):
    #: 0 = every example of the budget (N-shot means N demos per label); else at most this many
    demos_per_label: NonNegativeInt = 0
    #: "shuffled": demos in a seeded random order; "grouped": in label order
    order: Literal["shuffled", "grouped"] = "shuffled"


def select_demos(
    train: Sequence[Example], labels: Sequence[str], per_label: int, order: str, seed: int
) -> list[Example]:
    """Seeded choice of ``per_label`` demos per label (fewer where the budget has fewer)."""
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
        self.budget_per_label = max(Counter(ex.label for ex in train).values(), default=0)
        self.per_label = o.demos_per_label or self.budget_per_label
        self.n_budget = len(train)
        return select_demos(train, self.ctx.labels, self.per_label, o.order, self.ctx.seed)

    def fit(self, train: Sequence[Example]) -> None:
        super().fit(train)
        limit = self.max_positions
        if limit and len(self.runner.prefix_ids) >= limit:
            raise RagorftError(
                f"few_shot: the prompt of {len(self.prefix_demos)} demos is {len(self.runner.prefix_ids)} tokens, "
                f"beyond {self.options.model}'s {limit}; set demos_per_label lower"
            )

    def report(self) -> Report:
        report = super().report()
        report.extra |= {
            "demos_per_label": self.per_label,
            "budget_per_label": self.budget_per_label,
            "budget_used": len(self.prefix_demos) / max(self.n_budget, 1),
            "prompt_tokens": report.extra["prefix_tokens"],
        }
        return report
