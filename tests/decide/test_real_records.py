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
from ragorft.benchmarks.score.costs import load_prices

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
    assert d.verdict == "out_of_scope" and "add abstention" in d.recommendation
    text = d.to_text()
    assert "are gold 'oos' items" in text and "OOS recall" in text and "in-scope" in text


def test_clinc150_fine_tunes_were_still_rising_at_their_last_epoch(cells):
    d = decide(cells, "clinc150", accuracy_on="in_scope", accuracy_bar=0.95, min_oos_recall=0.40)
    text = d.to_text()
    assert "under_trained" in d.recommendation and "minilm-full_ft@full" in d.recommendation
    assert "minilm-full_ft@full: dev accuracy by epoch" in text


def test_banking77_too_little_data_reads_rags_three_budget_curve(cells):
    d = decide(cells, "banking77", accuracy_bar=0.92, monthly_queries="10M", cost_per_error=2)
    text = d.to_text()
    assert d.verdict == "too_little_data" and "per doubling" in d.recommendation
    assert "10shot (n=770)" in text and "30shot (n=2310)" in text and "full (n=9000)" in text
    # minilm's 10-shot run used another recipe: no curve from a 10-shot -> full jump
    assert "used another recipe" in decide(cells, "clinc150", accuracy_bar=0.99).to_text()


def test_banking77_capability_ceiling_is_no_evidence_and_names_the_run_that_would_give_it(cells):
    text = decide(cells, "banking77", accuracy_bar=0.99).to_text()
    assert "no evidence: no strategy was run on two base sizes at this budget" in text
    assert "rag@full 22,713,216" in text and "rag_lm@full 134,515,008" in text  # nominal sizes from the registry
    assert (
        "smollm2-lora (SmolLM2-135M-Instruct, 134,515,008 params) ran only at 3shot, 10shot: run it at 'full'" in text
    )


def test_banking77_label_ambiguity_says_whether_the_literatures_pair_is_among_them(cells):
    text = decide(cells, "banking77", accuracy_bar=0.99).to_text()
    assert "card_arrival / card_delivery_estimate" in text


def test_many_tasks_reads_bytes_per_param_from_the_records(cells):
    d = decide(cells, "clinc150", tasks=3)  # ships a full fine-tune: the adapter saving is sized
    assert "at 4 bytes/param, fp32 (record's precision)" in d.to_text() and "for 3 tasks" in d.recommendation
    assert "trains no weights: 3 tasks share one" in decide(cells, "banking77", tasks=3).recommendation
