"""The decision on the committed records (results/default/cells): each branch on real evidence.

These read the records only (nothing is run). They pin what the records support, not numbers: a
re-run that changes a verdict fails here and says which branch moved.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.decide.candidates import base_kind
from ragorft.benchmarks.decide.suggest import suite_exists
from ragorft.benchmarks.models.registry import nominal_params
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.score.pricing import load_prices
from ragorft.benchmarks.score.stats import compare

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


def test_banking77_two_budgets_of_one_recipe_with_a_significant_gap_are_data_evidence(cells):
    """10-shot and full of one recipe: the paired gap is evidence when significant, with its interval."""
    records = {(r["run"], r["budget_name"]): r for _, r in cells["banking77"]}
    pairs = [run for run, budget in records if budget == "10shot" and (run, "full") in records]
    assert pairs, "the default suite runs recipes at 10-shot and on all the data"
    text = decide(cells, "banking77", accuracy_bar=0.99, budget=10).to_text()
    for run in pairs:
        small, full = records[(run, "10shot")], records[(run, "full")]
        gap = compare(f"{run}@full", full, f"{run}@10shot", small)
        assert f"10shot (n={small['n_train']}) {100 * gap.accuracy_b:.1f}% -> full (n={full['n_train']})" in text
        if gap.mcnemar_p < 0.001:  # significant however many comparisons Holm adjusts over
            assert f"{run}@full beats {run}@10shot: {run}@full - {run}@10shot = {100 * gap.difference:+.1f} pts" in text


def test_banking77_bar_above_every_10_shot_candidate_is_diagnosed_from_the_records(cells):
    """The bar just above the best 10-shot lower bound: the answer names the lever the records measure."""
    best = max(row["accuracy_lo"] for row in decide(cells, "banking77", budget=10).table)
    d = decide(cells, "banking77", accuracy_bar=min(best + 0.005, 0.999), budget=10)
    assert d.verdict != "undiagnosed"
    if "yes:" in _answer(d, "2e"):
        assert d.verdict in ("too_little_data", "other_strategy", "capability_ceiling")
        assert "per doubling of the training examples" in d.to_text()


def _answer(d, step: str) -> str:
    return next(s.answer for s in d.steps if s.step == step)


def test_banking77_size_evidence_or_a_runnable_second_base_of_the_same_kind(cells):
    d = decide(cells, "banking77", accuracy_bar=0.99, budget=10)
    step = next(s for s in d.steps if s.step == "2f")
    sized = {}
    for _, r in cells["banking77"]:
        opts = {k: v for k, v in r["options"].items() if v != r["strategy_meta"]["base_model"]}
        key = (r["strategy"], r["budget_name"], repr(sorted(opts.items())))
        if nominal_params(r["strategy_meta"]["base_model"]):
            sized.setdefault(key, set()).add(r["strategy_meta"]["base_model"])
    if any(len(bases) >= 2 for bases in sized.values()):
        assert step.answer.startswith(("yes", "no strategy's gain"))
        return
    assert step.answer == "no evidence: no strategy was run on two base sizes"
    hint = step.evidence[-1]
    closest = d.runner_up.split("@")[0]
    kind = base_kind(next(r["strategy_meta"]["base_model"] for _, r in cells["banking77"] if r["run"] == closest))
    assert f"{kind})" in hint or f"n {kind}" in hint or f"a {kind}" in hint  # a second base of the same kind
    if "--suite " in hint:
        assert suite_exists(hint.split("--suite ")[1].split()[0])


def test_banking77_label_ambiguity_says_whether_the_literatures_pair_is_among_them(cells):
    text = decide(cells, "banking77", accuracy_bar=0.99).to_text()
    assert "card_arrival / card_delivery_estimate" in text


def test_many_tasks_with_a_head_on_a_frozen_encoder_shares_the_base(cells):
    """linear_probe trains a head only: N tasks share the encoder, sized from the record, no adapters needed."""
    d = decide(cells, "clinc150", tasks=3)
    rec = d.recommendation
    assert "for 3 tasks" in rec and "trains only a head" in rec and "3 tasks share one base with one head each" in rec
    assert "LoRA adapters" not in rec
