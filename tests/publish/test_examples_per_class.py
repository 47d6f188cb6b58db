"""The learning-curve x-axis: examples per class from the training budget, not the test items."""

from __future__ import annotations

from ragorft.benchmarks.publish.summary import examples_per_class


def test_full_budget_divides_by_the_labels_the_training_set_covers() -> None:
    # 100 test items cover 60 of 77 labels; the 8,600 training examples cover all 77
    record = {
        "budget": "full",
        "n_train": 8600,
        "n_train_labels": 77,
        "gold": [f"l{i % 60}" for i in range(100)],
        "metrics": {"per_class_f1": {f"l{i}": 1.0 for i in range(60)}},
    }
    assert examples_per_class(record) == 8600 / 77
    assert examples_per_class(record | {"budget": 10}) == 10.0
