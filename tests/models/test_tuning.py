"""The shared tuning rule: dev size, choice among trials, and the still-rising flag."""

from __future__ import annotations

from collections import Counter

from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.tuning import MIN_DEV_PER_CLASS, best_trial, still_rising, tuning_dev


def test_dev_subset_never_below_five_per_class() -> None:
    dev = [Example(f"{lab} {i}", lab) for lab in "abcd" for i in range(10)]
    assert tuning_dev(dev, 0, 4, seed=0) == dev
    small = tuning_dev(dev, 4, 4, seed=0)  # asked for 1 per class: raised to 5 per class
    assert len(small) == 4 * MIN_DEV_PER_CLASS
    assert set(Counter(ex.label for ex in small).values()) == {MIN_DEV_PER_CLASS}
    assert tuning_dev(dev, 1000, 4, seed=0) == dev


def test_first_of_ties_wins_and_still_rising_needs_the_maximum() -> None:
    assert best_trial([{"dev_accuracy": 0.5}, {"dev_accuracy": 0.7}, {"dev_accuracy": 0.7}]) == 1
    assert still_rising([0.5, 0.6, 0.7], max_epochs=3)
    assert not still_rising([0.5, 0.7, 0.7], max_epochs=3)  # flat: more epochs would not help
    assert not still_rising([0.5, 0.6], max_epochs=3)  # stopped before its maximum
