"""Cells compared on the items all of them scored: common items, their accuracy, the headline."""

from __future__ import annotations

import pandas as pd
from ragorft.benchmarks.publish.site import headline
from ragorft.benchmarks.score.common import common_accuracy, common_items

from tests.helpers.records import N_ITEMS, record


def test_common_items_are_the_shared_prefix_and_accuracy_is_recomputed_on_them() -> None:
    # "small" scored the first 100 items and got them all right; "big" scored all and missed 20 of
    # the first 100: on their own items small reads 100% and big ~93%, on the common 100 items 100 vs 80
    small = record("small", [], items=100)
    big = record("big", range(20), items=N_ITEMS)
    other = record("other", [], corpus="elsewhere")
    assert common_items([small, big, other]) == {"synthetic": list(range(100)), "elsewhere": list(range(N_ITEMS))}
    c_small, c_big, c_other = common_accuracy([small, big, other])
    assert (c_small["n"], c_big["n"], c_other["n"]) == (100, 100, N_ITEMS)
    assert c_small["accuracy"] == 1.0 and c_big["accuracy"] == 0.8
    assert big["metrics"]["accuracy"] > 0.8  # its own-items number is not what gets compared
    lo, hi = c_big["accuracy_ci"]
    assert lo <= 0.8 <= hi


def test_headline_ranks_on_common_items_says_how_many_and_calls_ties() -> None:
    summary = pd.DataFrame(
        [
            {"corpus": "c", "run": "a", "budget": "full", "accuracy": 0.92, "accuracy_common": 0.95, "common_n": 100},
            {"corpus": "c", "run": "b", "budget": "full", "accuracy": 0.915, "accuracy_common": 0.95, "common_n": 100},
            {"corpus": "c", "run": "d", "budget": "10shot", "accuracy": 0.99, "accuracy_common": 0.5, "common_n": 100},
        ]
    )
    assert headline(summary) == "c: 95.0% (a @ full, b @ full; 100 common items)"


def test_a_qa_record_counts_its_exact_match_over_every_gold_answer() -> None:
    """QA records keep only the first gold answer in ``gold``: the common accuracy must use per-item EM."""
    qa = record("rag_qa", [], items=4)
    qa["predictions"] = ["Denver Broncos", "the 1990s", "x", "y"]
    qa["gold"] = ["Broncos", "1990s", "x", "z"]  # first gold answers; the 1st and 2nd match another gold
    qa["metrics"]["per_item"] = {"em": [1.0, 1.0, 1.0, 0.0], "f1": [1.0, 1.0, 1.0, 0.0]}
    (c,) = common_accuracy([qa])
    assert c["n"] == 4 and c["accuracy"] == 0.75  # raw equality with the first gold would say 0.25
