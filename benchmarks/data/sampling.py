"""Seeded, stratified sampling: training budgets, the dev carve-out, and the test-item order.

Every draw depends only on (seed, the examples), never on which strategy asks, so all strategies
of a cell see the same training examples and are scored on the same test items.

The stratum is the label for classification. For QA it is the question's type (else its article
or document, else one stratum: a uniform seeded shuffle), never the first gold answer: answers
that occur once would all sort after the repeated ones, and a prefix would miss whole question
types.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example

DEV_FRACTION = 0.10


def stratum(ex: Example) -> str:
    """What sampling keeps in proportion: the label, or for a QA item its stratum (see the module doc)."""
    return ex.stratum if ex.answers else ex.label


def _by_label(examples: Sequence[Example]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        groups[stratum(ex)].append(i)
    return dict(sorted(groups.items()))


def stratified_order(examples: Sequence[Example], seed: int) -> list[int]:
    """A permutation whose every prefix keeps stratum proportions (as nearly as integers allow).

    Items are shuffled within their class, then sorted by their relative position in the class,
    so the first n items of the order are a stratified sample of size n, and a smaller sample is
    always a subset of a larger one.
    """
    rng = np.random.default_rng(seed)
    keyed = []
    for idx in _by_label(examples).values():
        perm = rng.permutation(len(idx))
        for rank, j in enumerate(perm):
            keyed.append(((rank + 0.5) / len(idx), rng.random(), idx[j]))
    keyed.sort()
    return [i for _, _, i in keyed]


def split_dev(
    train: Sequence[Example], seed: int, fraction: float = DEV_FRACTION
) -> tuple[list[Example], list[Example]]:
    """Carve a stratified dev set out of train, for corpora that ship none; returns (train, dev)."""
    rng = np.random.default_rng([seed, 7919])
    keep, dev = [], []
    for idx in _by_label(train).values():
        perm = [idx[j] for j in rng.permutation(len(idx))]
        n_dev = int(round(len(idx) * fraction)) if len(idx) > 2 else 0
        dev += perm[:n_dev]
        keep += perm[n_dev:]
    return [train[i] for i in sorted(keep)], [train[i] for i in sorted(dev)]


def sample_budget(train: Sequence[Example], budget: int | str, seed: int, source: str = "train") -> list[Example]:
    """``budget`` examples of every label (or all of them for "full"), the same for a given seed."""
    if budget == "full":
        return list(train)
    assert isinstance(budget, int)
    groups = _by_label(train)
    smallest = min(groups, key=lambda lab: len(groups[lab]))
    if budget > len(groups[smallest]):
        raise RagorftError(
            f"budget {budget} per class exceeds the {len(groups[smallest])} examples of label '{smallest}' in {source}"
        )
    chosen: list[int] = []
    for k, idx in enumerate(groups.values()):
        rng = np.random.default_rng([seed, k])
        chosen += [idx[j] for j in rng.permutation(len(idx))[:budget]]
    return [train[i] for i in sorted(chosen)]
