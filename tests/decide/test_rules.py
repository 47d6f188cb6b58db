"""The decision's rules on synthetic records: the user's budget, the no-bar rule, cost ties inside the
measured spread, cost per error from the card, seeds as one candidate, out-of-scope and under-training."""

from __future__ import annotations

import random

import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.score.pricing import load_prices

from tests.helpers.corpora import write_card, write_csv
from tests.helpers.records import GOLD, N_ITEMS, record, spread

PRICES = load_prices()


def decide(records, **req):
    return recommend(records, Requirement.from_mapping(req), prices=PRICES)


def with_spread(rec: dict, low: float, high: float) -> dict:
    """Give a record the serving-time spread the measuring issue writes (min, max over repeats)."""
    t = rec["timing"]["predict_seconds_per_query"]
    rec["timing"]["predict_seconds_per_query_spread"] = [t * low, t * high]
    return rec


def test_no_bar_never_ships_a_significantly_worse_model_to_save_a_cent():
    cheap = record("cheap", spread(120), seconds_per_query=0.001)  # 85%
    good = record("good", spread(40), seconds_per_query=0.0012)  # 95%: McNemar p ~ 1e-24
    d = decide([cheap, good])
    assert d.verdict == "ship" and d.chosen == "good@full"
    assert d.bar.startswith("not significantly worse than the most accurate candidate")
    assert "good@full beats cheap@full" in d.to_text() and "Holm" in d.to_text()
    # statistically tied and cheaper: the cheaper one ships
    tied = record("tied", spread(44, skip=10), seconds_per_query=0.001)  # 94.5%, not significantly worse
    d = decide([tied, good])
    assert d.chosen == "tied@full" and "no candidate is significantly more accurate" in d.recommendation


def test_candidates_are_the_runs_at_the_users_budget_smaller_budgets_only_feed_the_curve():
    small = record("rag", spread(44, skip=10), budget="30shot", n_train=1200, seconds_per_query=0.0005)
    full = record("rag", spread(40), budget="full", n_train=8000, seconds_per_query=0.001)
    d = decide([small, full])
    assert d.budget == "full" and d.chosen == "rag@full"  # not rag@30shot, however cheap and tied
    assert "learning-curve evidence only (not candidates): rag@30shot" in d.to_text()
    assert decide([small, full], budget=30).chosen == "rag@30shot"  # the user who has 30 per class
    with pytest.raises(Exception, match="no run at budget '10shot'"):
        decide([small, full], budget="10shot")


def test_cost_differences_inside_the_spread_are_ties_broken_by_accuracy_and_perturbing_timings_keeps_the_verdict():
    recs = [
        with_spread(record("a", spread(48), seconds_per_query=0.0100), 0.8, 1.3),  # 94%
        with_spread(record("b", spread(40), seconds_per_query=0.0110), 0.8, 1.3),  # 95%: costs overlap a's
        with_spread(record("c", spread(44), seconds_per_query=0.0500), 0.9, 1.1),  # clearly dearer
    ]
    base = decide(recs, accuracy_bar=0.9)
    assert base.chosen == "b@full"  # a is cheaper on the median, but inside b's spread: accuracy decides
    assert "inside the measured spread" in base.to_text()
    rng = random.Random(0)
    first = {key: decide(recs, **req) for key, req in (("bar", {"accuracy_bar": 0.9}), ("no bar", {}))}
    for _ in range(8):  # every cell re-timed anywhere inside its measured spread
        moved = []
        for r in recs:
            r2 = {**r, "timing": dict(r["timing"])}
            lo, hi = r["timing"]["predict_seconds_per_query_spread"]
            r2["timing"]["predict_seconds_per_query"] = rng.uniform(lo, hi)
            moved.append(r2)
        for key, req in (("bar", {"accuracy_bar": 0.9}), ("no bar", {})):
            again = decide(moved, **req)
            assert (again.verdict, again.chosen) == (first[key].verdict, first[key].chosen)


def test_records_without_a_spread_have_zero_spread_and_the_decision_says_so():
    d = decide([record("a", spread(40)), record("b", spread(40, skip=5))])
    assert "no serving-time spread in these records: costs have zero spread" in d.to_text()


def _card(tmp_path, extra: str):
    """A card for the synthetic corpus outside corpora/: records name it and say where the run found it."""
    folder = tmp_path / "synthetic"  # a card's folder is named after its corpus
    rows = [(f"text {i}", g) for i, g in enumerate(GOLD)]
    files = {"train.csv": write_csv(folder / "train.csv", rows), "test.csv": write_csv(folder / "test.csv", rows)}
    return str(write_card(folder, name="synthetic", files=files, extra=extra).parent)


def at(card: str, rec: dict) -> dict:
    rec["corpus_source"] = card
    return rec


def test_cost_per_error_comes_from_the_corpus_card_and_zero_is_said_plainly(tmp_path):
    corpus = _card(tmp_path, "[costs]\nmonthly_queries = 1_000_000\ncost_per_error = 2.5\n")
    small = at(corpus, record("small", spread(56), seconds_per_query=0.001))  # 93%
    big = at(corpus, record("big", spread(24), seconds_per_query=0.05, train_seconds=3600))  # 97%
    d = decide([small, big], accuracy_bar=0.9)
    assert d.cost_per_error == 2.5 and "from the" in d.cost_per_error_source and d.chosen == "big@full"
    assert "errors priced at $2.50 each" in d.summary()
    plain = decide([record("small", spread(56)), record("big", spread(24), seconds_per_query=0.05)], accuracy_bar=0.9)
    assert "errors priced at $0 (no cost per error given)" in plain.summary()
    assert "errors are priced at $0" in plain.to_text()


def test_seeds_of_one_run_are_one_candidate_never_one_seed_picked_by_timing():
    seeds = []
    for k, t in enumerate((0.0011, 0.0009, 0.0010)):
        r = record("rag", spread(40, skip=10 * k), seconds_per_query=t)
        r["seed"], r["cell_id"] = k, f"synthetic/rag/full/seed{k}"
        seeds.append(r)
    d = decide([*seeds, record("lm", spread(120), seconds_per_query=0.5)])
    assert d.chosen == "rag@full" and "seed" not in d.chosen
    row = d.row("rag@full")
    assert row["seeds"] == 3 and row["accuracy"] == pytest.approx(0.95)
    assert row["accuracy_lo"] < 0.95 < row["accuracy_hi"]
    assert "mean of 3 seeds (interval over items and seeds)" in d.to_text()


def test_out_of_scope_branch_recommends_abstention_and_judges_the_bar_the_user_asked_for(tmp_path):
    corpus = _card(tmp_path, 'out_of_scope_label = "intent_00"\n')
    oos_items = [i for i in range(N_ITEMS) if GOLD[i] == "intent_00"]  # 20 items
    wrong = set(oos_items[:16]) | spread(6, skip=100)  # 16 of 22 errors are out-of-scope items
    recs = [at(corpus, record("ft", wrong)), at(corpus, record("rag", set(oos_items[:18]) | spread(10)))]
    for r in recs:
        r["metrics"].pop("in_scope_accuracy", None)  # computed from gold and predictions
    d = decide(recs, accuracy_bar=0.98)
    assert d.verdict == "out_of_scope" and "add abstention" in d.recommendation
    assert "in-scope" in d.recommendation and "OOS recall 20.0%" in d.recommendation
    text = d.to_text()
    assert "16 of ft@full's 22 errors (73%) are gold 'intent_00' items" in text
    assert 'judged on in-scope accuracy instead (accuracy_on = "in_scope"), ft@full' in text
    # the user who asks for in-scope accuracy AND an OOS-recall floor gets the bar judged on both
    scoped = decide(recs, accuracy_on="in_scope", accuracy_bar=0.95, min_oos_recall="40%")
    assert scoped.verdict == "out_of_scope" and "OOS recall lower bound >= 40.0%" in scoped.bar
    assert decide(recs, accuracy_on="in_scope", accuracy_bar=0.95).verdict == "ship"


def test_under_trained_branch_says_train_longer_before_more_data_or_a_bigger_base():
    rising = {"curves": [{"epoch": 1, "dev_accuracy": 0.70}, {"epoch": 2, "dev_accuracy": 0.85}], "n_dev_used": 300}
    d = decide([record("ft", spread(160), extra=rising)], accuracy_bar=0.95)
    assert d.verdict == "under_trained" and "train ft@full longer" in d.recommendation
    assert "last epoch +15.0 pts vs noise ±4.0 (300 dev items)" in d.to_text()
    # a rise inside the dev set's noise is not a finding; neither is one that stopped early
    flat = {"curves": [{"epoch": 1, "dev_accuracy": 0.84}, {"epoch": 2, "dev_accuracy": 0.85}], "n_dev_used": 300}
    assert decide([record("ft", spread(160), extra=flat)], accuracy_bar=0.95).verdict != "under_trained"
    early = {**rising, "stopped_early": True}
    assert decide([record("ft", spread(160), extra=early)], accuracy_bar=0.95).verdict != "under_trained"


def test_latency_limit_is_judged_on_the_top_of_the_measured_p95_spread():
    """A p95 whose re-timings reach over the limit cannot be promised under it: judged on the spread's top."""
    noisy = record("noisy", spread(24), p95_ms=18.0)  # 97%, median p95 under 20 ms ...
    noisy["timing"]["latency_ms"]["p95_spread"] = [15.0, 24.0]  # ... but re-timed up to 24 ms
    steady = record("steady", spread(40), p95_ms=12.0)  # 95%
    steady["timing"]["latency_ms"]["p95_spread"] = [11.0, 13.0]
    d = decide([noisy, steady], accuracy_bar=0.9, max_latency_ms=20)
    assert d.chosen == "steady@full"
    assert "noisy@full: p95 18.0 ms, up to 24.0 ms over repeats, is over the limit" in d.to_text()
    for p95 in (15.0, 19.9, 24.0):  # wherever inside its spread the median lands, the verdict stands
        noisy["timing"]["latency_ms"]["p95"] = p95
        assert decide([noisy, steady], accuracy_bar=0.9, max_latency_ms=20).chosen == "steady@full"
