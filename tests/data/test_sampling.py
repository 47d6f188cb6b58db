"""Seeded stratified sampling: budgets, the dev carve-out and the nested test order."""

from __future__ import annotations

from collections import Counter

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.data.sampling import sample_budget, split_dev, stratified_order

EXAMPLES = [Example(f"text {lab} {i}", lab) for lab, n in (("a", 40), ("b", 20), ("c", 10)) for i in range(n)]


def test_budget_is_per_class_and_deterministic() -> None:
    s1 = sample_budget(EXAMPLES, 5, seed=0)
    assert Counter(e.label for e in s1) == {"a": 5, "b": 5, "c": 5}
    assert s1 == sample_budget(EXAMPLES, 5, seed=0)
    assert s1 != sample_budget(EXAMPLES, 5, seed=1)
    assert sample_budget(EXAMPLES, "full", seed=0) == EXAMPLES


def test_budget_larger_than_a_class_is_an_error() -> None:
    with pytest.raises(RagorftError, match="budget 11 per class exceeds the 10 examples of label 'c'"):
        sample_budget(EXAMPLES, 11, seed=0)


def test_test_order_prefixes_are_stratified_and_nested() -> None:
    order = stratified_order(EXAMPLES, seed=0)
    assert sorted(order) == list(range(len(EXAMPLES)))
    first = Counter(EXAMPLES[i].label for i in order[:14])
    assert first == {"a": 8, "b": 4, "c": 2}
    assert order == stratified_order(EXAMPLES, seed=0)


def test_dev_split_is_stratified_and_disjoint() -> None:
    train, dev = split_dev(EXAMPLES, seed=0)
    assert Counter(e.label for e in dev) == {"a": 4, "b": 2, "c": 1}
    assert len(train) + len(dev) == len(EXAMPLES)
    assert not {e.text for e in train} & {e.text for e in dev}
