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


def _qa(qtype: str, answer: str, i: int, doc: str = "") -> Example:
    return Example(f"question {qtype} {i}", answer, "", (answer,), (doc,) if doc else (), qtype, qtype or doc)


def test_qa_order_is_stratified_by_question_type_not_by_first_answer() -> None:
    """Answers that occur once (dates) must not all sort after the repeated ones (cities)."""
    items = [_qa("birth_date", f"{i} May 1970", i) for i in range(80)]
    items += [_qa("birth_city", ["Gigam", "Traigrol"][i % 2], i) for i in range(80)]
    items += [_qa("major", "Music", i) for i in range(160)]
    order = stratified_order(items, seed=0)
    for n in (12, 60, 120):
        types = Counter(items[i].qtype for i in order[:n])
        assert types == {"birth_date": n // 4, "birth_city": n // 4, "major": n // 2}
    # QA subsets for training (lora_qa's max_train_examples) follow the same strata
    budget = sample_budget(items, 5, seed=0)
    assert Counter(e.qtype for e in budget) == {"birth_date": 5, "birth_city": 5, "major": 5}


def test_qa_without_types_is_stratified_by_document() -> None:
    items = [_qa("", "same answer", i, doc=f"article {i % 3}") for i in range(30)]
    order = stratified_order(items, seed=1)
    assert Counter(items[i].stratum for i in order[:9]) == {"article 0": 3, "article 1": 3, "article 2": 3}
