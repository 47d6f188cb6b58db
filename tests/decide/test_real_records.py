"""The decision on the committed records (results/default/cells): each branch on real evidence.

These read the records only (nothing is run). They pin what the records support, not numbers: a
re-run that changes a verdict fails here and says which branch moved.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.score.pricing import load_prices

CELLS = Path(__file__).resolve().parents[2] / "results" / "default"

pytestmark = pytest.mark.skipif(not (CELLS / "cells").is_dir(), reason="no committed results/default/cells")


@pytest.fixture(scope="module")
def cells():
    loaded = load_cells(CELLS)
    return {c: [x for x in loaded if x[1]["corpus"] == c] for c in ("banking77", "clinc150")}


def decide(cells, corpus, **req):
    return recommend(cells[corpus], Requirement.from_mapping(req), prices=load_prices())


def test_banking77_no_bar_ships_at_the_users_budget_and_not_a_significantly_worse_model(cells):
    d = decide(cells, "banking77")
    assert d.verdict == "ship" and d.budget == "full" and d.chosen.endswith("@full")
    for row in d.table:  # nothing shipped is significantly worse than another candidate
        assert row["strategy"].endswith("@full")
    chosen = d.row(d.chosen)
    beaten = [c for c in d.comparisons if not c.tie and d.chosen in (c.a, c.b)]
    assert all((c.a == d.chosen) == (c.difference > 0) for c in beaten)
    assert chosen["accuracy"] >= 0.9 and "not significantly worse than the most accurate" in d.summary()
    assert "errors priced at $0" in d.summary()


def test_real_verdicts_hold_when_every_cell_is_retimed_inside_a_spread(cells):
    """The committed records carry no spread (zero spread: the decision says so); give every cell a
    +-25% spread, re-time each cell anywhere inside it, and the verdicts must not move."""
    for corpus in cells:
        spread_cells = []
        for src, r in cells[corpus]:
            t = r["timing"]["predict_seconds_per_query"]
            spread_cells.append(
                (src, {**r, "timing": {**r["timing"], "predict_seconds_per_query_spread": [0.75 * t, 1.25 * t]}})
            )
        base = recommend(spread_cells, Requirement(), prices=load_prices())
        rng = random.Random(1)
        for _ in range(3):
            moved = [
                (
                    s,
                    {
                        **r,
                        "timing": {
                            **r["timing"],
                            "predict_seconds_per_query": rng.uniform(*r["timing"]["predict_seconds_per_query_spread"]),
                        },
                    },
                )
                for s, r in spread_cells
            ]
            again = recommend(moved, Requirement(), prices=load_prices())
            assert (again.verdict, again.chosen) == (base.verdict, base.chosen)


def test_clinc150_bar_90_is_out_of_scope_items_not_more_data(cells):
    d = decide(cells, "clinc150", accuracy_bar=0.90)
    # the closest candidate (linear_probe@full) already abstains: the branch says so instead of "add abstention"
    assert d.verdict == "out_of_scope" and "already abstains" in d.recommendation
    text = d.to_text()
    assert "are gold 'oos' items" in text and "OOS recall" in text and "in-scope" in text


def test_clinc150_in_scope_bar_with_oos_recall_is_judged_on_both(cells):
    d = decide(cells, "clinc150", accuracy_on="in_scope", accuracy_bar=0.95, min_oos_recall=0.40)
    assert d.verdict == "out_of_scope" and "linear_probe@full" in d.recommendation
    assert "in-scope" in d.recommendation and "OOS recall" in d.recommendation


def test_banking77_learning_curve_needs_three_budgets_of_one_recipe(cells):
    """The default suite runs 10-shot and full only: a 10-shot -> full jump is not a learning curve."""
    text = decide(cells, "banking77", accuracy_bar=0.99).to_text()
    assert "no evidence: 2 budget(s) of one recipe, need 3" in text
    assert "other budgets, learning-curve evidence only (not candidates)" in text


def test_banking77_capability_ceiling_is_no_evidence_with_one_base_per_strategy(cells):
    text = decide(cells, "banking77", accuracy_bar=0.99).to_text()
    assert "no evidence: no strategy was run on two base sizes at this budget" in text


def test_banking77_label_ambiguity_says_whether_the_literatures_pair_is_among_them(cells):
    text = decide(cells, "banking77", accuracy_bar=0.99).to_text()
    assert "card_arrival / card_delivery_estimate" in text


def test_many_tasks_with_a_head_on_a_frozen_encoder_shares_the_base(cells):
    """linear_probe trains a head only: N tasks share the encoder, sized from the record, no adapters needed."""
    d = decide(cells, "clinc150", tasks=3)
    rec = d.recommendation
    assert "for 3 tasks" in rec and "trains only a head" in rec and "3 tasks share one base with one head each" in rec
    assert "LoRA adapters" not in rec
