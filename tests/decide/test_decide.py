"""The decision tree on small synthetic result sets: every branch reached, every reason printed."""

from __future__ import annotations

import argparse
import json

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.score.pricing import load_prices

from tests.helpers.records import record, spread

PRICES = load_prices()


def decide(records, **req):
    return recommend(records, Requirement.from_mapping(req), prices=PRICES)


def test_ship_the_cheapest_that_clears_and_name_the_runner_up():
    small = record("small", spread(40), seconds_per_query=0.001)  # 95%
    big = record("big", spread(24), seconds_per_query=0.050, train_seconds=3600)  # 97%
    d = decide([small, big], accuracy_bar=0.90, monthly_queries="1M")
    assert d.verdict == "ship" and d.chosen == "small@full" and d.runner_up == "big@full"
    text = d.to_text()
    assert "ship small@full: it clears the bar at the lowest total cost" in text
    assert text.index("Ship small@full") < text.index("[0] What is measured?")  # the answer leads
    assert "big@full beats small@full" in text  # the paired test between winner and runner-up
    assert "McNemar exact p" in text
    assert "[3] What would change the answer?" in text
    be = d.break_evens[0]
    assert be.other == "big@full" and be.cost_per_error is not None  # errors dear enough flip it
    flipped = decide([small, big], accuracy_bar=0.90, monthly_queries="1M", cost_per_error=be.cost_per_error * 1.01)
    assert flipped.chosen == "big@full"


def test_bar_is_judged_on_the_lower_bound_not_the_point_estimate():
    rec = record("only", spread(56))  # 93.0%, lower bound below 93%
    d = decide([rec], accuracy_bar=0.93)
    assert d.verdict != "ship"
    assert "accuracy lower bound >= 93.0%" in d.to_text()


def test_error_cost_at_10m_makes_the_accurate_one_win():
    small = record("small", spread(56), seconds_per_query=0.001)  # 93%: 700,000 errors/month at 10M
    big = record("big", spread(24), seconds_per_query=0.050, train_seconds=3600)
    d = decide([small, big], monthly_queries="10M", cost_per_error=2.5)
    row = {r["strategy"]: r for r in d.table}
    assert row["small@full"]["errors_monthly"] == pytest.approx(700_000)
    assert d.chosen == "big@full"
    assert "700,000 errors/month" in d.to_text()


def test_latency_branch():
    fast = record("fast", spread(200), p95_ms=2.0)  # 75%: fails the bar
    slow = record("slow", spread(24), p95_ms=80.0)  # 97%: fails the latency limit
    d = decide([fast, slow], accuracy_bar=0.9, max_latency_ms=20)
    assert d.verdict == "latency"
    assert "slow@full clears the accuracy bar but its p95 latency is 80.0 ms" in d.to_text()


def test_label_ambiguity_branch():
    pair = ("intent_00", "intent_01")
    swapped = {i for i in range(800) if i % 40 in (0, 1)} - {0, 1, 40, 41, 80, 81, 120, 121}  # 32 items swap
    recs = [record(r, swapped | spread(3, skip=k), swap=pair) for k, r in enumerate(("a", "b", "c"))]
    d = decide(recs, accuracy_bar=0.99)
    assert d.verdict == "label_ambiguity"
    text = d.to_text()
    assert "intent_00 <-> intent_01: swapped by all 3 on 40 items: a@full 33 (82%), b@full 32 (80%)" in text
    assert "no model size will fix" in d.recommendation


def test_too_little_data_reads_three_budgets_as_a_slope_and_two_as_a_paired_gap():
    recs = [
        record("rag", spread(240), budget="10shot", n_train=400),  # 70%
        record("rag", spread(180), budget="30shot", n_train=1200),  # 77.5%
        record("rag", spread(120), budget="full", n_train=8000),  # 85%: still rising
    ]
    d = decide(recs, accuracy_bar=0.95)
    assert d.verdict == "too_little_data" and d.budget == "full"
    assert "collect more labelled data: rag gains" in d.recommendation and "per doubling" in d.recommendation
    text = d.to_text()
    assert "10shot (n=400) 70.0% -> 30shot (n=1200) 77.5% -> full (n=8000) 85.0%" in text
    assert "least squares on log2 n over 3 points" in text
    # two budgets with a significant paired gap are evidence too, judged by the paired test, with its interval
    two = decide([recs[0], recs[2]], accuracy_bar=0.95)
    assert two.verdict == "too_little_data"
    assert (
        "paired gap over 4.3 doublings: rag@full beats rag@10shot: rag@full - rag@10shot = +15.0 pts" in two.to_text()
    )
    # a budget trained with another recipe (epochs) is not a point of the same curve
    other = [record("rag", spread(180), budget="30shot", n_train=1200, options={"epochs": 9}), recs[0], recs[2]]
    assert "10shot (n=400) 70.0% -> full (n=8000) 85.0%;" in decide(other, accuracy_bar=0.95).to_text()


def _curves(*dev: float) -> dict:
    return {
        "curves": [{"epoch": e, "dev_loss": 1 - a, "dev_accuracy": a} for e, a in enumerate(dev, 1)],
        "n_dev_used": 400,
    }


SMALL, BIG = {"model": "all-MiniLM-L6-v2"}, {"model": "all-mpnet-base-v2"}


def test_capability_ceiling_compares_one_strategy_across_nominal_base_sizes():
    # LoRA's params_total counts its adapter and QLoRA's 4-bit packing halves it: neither is a size
    noisy = {"params_total": 86_400_000, "params_trained": 1_000_000}
    recs = [
        record("lora-small", spread(160), options=SMALL, cost=noisy, extra=_curves(0.79, 0.80)),  # 80%
        record("lora-big", spread(80), options=BIG, cost=noisy, extra=_curves(0.895, 0.90, 0.90)),  # 90%, flat
    ]
    for r in recs:
        r["strategy"] = "lora"
    d = decide(recs, accuracy_bar=0.95)
    assert d.verdict == "capability_ceiling"
    assert d.recommendation.startswith("use a bigger base: lora gains +4.4 pts per doubling of the parameters")
    assert "all-MiniLM-L6-v2 (22,713,216 params, encoder) 80.0% -> all-mpnet-base-v2 (109,486,464 params" in (
        d.recommendation
    )


def test_capability_ceiling_with_one_size_names_the_run_that_would_give_a_second():
    recs = [
        record("lora-small", spread(160), options=SMALL),
        record("lora-big", spread(80), options=BIG, budget="10shot", n_train=400),
    ]
    for r in recs:
        r["strategy"] = "lora"
    text = decide(recs, accuracy_bar=0.95).to_text()
    assert "no evidence: no strategy was run on two base sizes" in text
    assert "lora-big (all-mpnet-base-v2, 109,486,464 params, encoder) ran only at 10shot: run it at 'full' too" in text
    assert "its records name suite 't', which is not in benchmarks/suites" in text  # no command on a suite that isn't


@pytest.mark.parametrize(("precision", "bpp"), [("fp32", 4), ("bf16", 2)])
def test_many_tasks_sizes_the_adapter_saving_from_the_records_precision(precision, bpp):
    cost = {"params_total": 23_500_000, "params_trained": 1_000_000}
    rec = record("lora", spread(160), options=SMALL, cost=cost, extra={"kind": "lora", "precision": precision})
    d = decide([rec], accuracy_bar=0.95, tasks=5)
    assert d.verdict == "many_tasks"
    base = 22_713_216  # the registry's nominal size, not params_total
    full, shared = 5 * base * bpp / 2**20, (base * bpp + 5 * 1_000_000 * 4) / 2**20
    assert f"{shared:,.0f} MiB of weights instead of {full:,.0f} MiB" in d.recommendation
    assert f"at {bpp} bytes/param, {precision} (record's precision)" in d.recommendation


def test_undiagnosed_branch_says_which_evidence_is_missing():
    d = decide([record("rag", spread(160))], accuracy_bar=0.95)
    assert d.verdict == "undiagnosed"
    text = d.to_text()
    assert "no evidence: no recipe run at 'full' was measured at another budget on shared test items" in text
    assert "no evidence: no strategy was run on two base sizes" in text
    assert d.recommendation.startswith("no candidate clears the requirement and no record bears on why")
    assert "no evidence: fewer than two candidates share enough items per label" in text


def test_requirement_that_nothing_can_be_judged_against_is_an_error():
    with pytest.raises(RagorftError, match="no result has a measured p95 latency"):
        decide([record("rag", spread(10), p95_ms=None)], max_latency_ms=100)
    with pytest.raises(RagorftError, match=r"requirement\.acuracy_bar: unknown field"):
        Requirement.from_mapping({"acuracy_bar": 0.9})
    with pytest.raises(RagorftError, match="tasks"):
        Requirement.from_mapping({"tasks": "2.5"})
    broken = record("rag", spread(10))
    del broken["timing"]["train_seconds"]
    with pytest.raises(RagorftError, match="timing.train_seconds"):
        decide([broken])


def test_markdown_and_json_carry_the_same_decision():
    d = decide([record("a", spread(40)), record("b", spread(40, skip=20))], accuracy_bar=0.9)
    md = d.to_markdown()
    assert md.startswith("### Recommendation for synthetic") and "| candidate" in md
    assert "not significantly different" in md
    data = json.loads(json.dumps(d.to_dict(), default=list))
    assert data["verdict"] == "ship" and data["comparisons"][0]["tie"] is True
    assert data["summary"] == d.summary() and data["budget"] == "full"


@pytest.fixture
def suites_here(tmp_path, monkeypatch):
    """`--suite` is a name (never a path): the test's suite files live in a suites folder of its own."""
    from ragorft.benchmarks.run import suite as suite_module

    monkeypatch.setattr(suite_module, "SUITES_DIR", tmp_path)
    return tmp_path


def _write_results(tmp_path, records, requirement: str = ""):
    suite = tmp_path / "mini.toml"
    suite.write_text(
        f'name = "mini"\ncorpora = ["banking77"]\n[[run]]\nstrategy = "rag"\n{requirement}', encoding="utf-8"
    )
    cells = tmp_path / "results" / "mini" / "cells"
    cells.mkdir(parents=True)
    from ragorft.benchmarks.core.atomic import write_json

    for r in records:
        write_json(cells / f"{r['run']}__{r['budget_name']}.json", r)
    return suite


def test_cli_reads_requirement_from_suite_and_flags_override(tmp_path, capsys, suites_here):
    recs = [
        record("small", spread(40), corpus="banking77"),
        record("big", spread(24), seconds_per_query=0.05, corpus="banking77"),
    ]
    suite = _write_results(tmp_path, recs, '[requirement]\naccuracy_bar = "95%"\nmonthly_queries = "250k"\n')
    args = ["recommend", "--suite", suite.stem, "--results-dir", str(tmp_path / "results")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "RECOMMENDATION (ship): ship big@full" in out and "250,000 queries/month" in out
    assert main([*args, "--accuracy-bar", "0.9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["chosen"] == "small@full" and data[0]["requirement"]["accuracy_bar"] == 0.9
    assert main([*args, "--monthly-queries", "lots"]) == 2
    assert "monthly_queries" in capsys.readouterr().err
    assert main([*args, "--hardware", "abacus"]) == 2
    assert "unknown hardware 'abacus'" in capsys.readouterr().err


def test_report_costs_and_recommendation_are_the_recommend_commands(tmp_path, capsys, suites_here):
    """summary.csv's cost columns and the report's recommendation equal `ragorft recommend --json` for the
    same flags: the report has no cost model of its own."""
    from ragorft.benchmarks.commands.recommend import pricing_from_args, requirement_args
    from ragorft.benchmarks.core.markup import md_inline
    from ragorft.benchmarks.publish.summary import recommendation, summary_frame

    recs = [
        record("small", spread(40), corpus="banking77"),
        record("big", spread(24), seconds_per_query=0.05, train_seconds=600, corpus="banking77", gpu="NVIDIA A100"),
    ]
    recs[1]["provenance"]["device"] = "cuda"
    for r in recs:  # summary.csv's schema wants macro-F1 too; its value plays no part in cost
        r["metrics"].update(macro_f1=r["metrics"]["accuracy"], macro_f1_ci=r["metrics"]["accuracy_ci"])
    suite = _write_results(tmp_path, recs)
    flags = ["--accuracy-bar", "90%", "--monthly-queries", "3M", "--cost-per-error", "0.2", "--horizon-months", "6"]
    assert main(["recommend", "--suite", suite.stem, "--results-dir", str(tmp_path / "results"), *flags, "--json"]) == 0
    (decision,) = json.loads(capsys.readouterr().out)
    parser = argparse.ArgumentParser()
    requirement_args(parser)
    pricing = pricing_from_args(parser.parse_args(flags), {}, "test")
    summary = summary_frame(recs, pricing).set_index("run")
    for row in decision["table"]:
        ours = summary.loc[row["strategy"].split("@")[0]]
        assert ours["cost_per_1k_queries_usd"] == pytest.approx(row["serving_usd_per_1k"])
        assert ours["errors_per_month"] == round(row["errors_monthly"])
        assert ours["training_usd"] == pytest.approx(row["training_usd"])
        assert ours["total_usd_per_month"] == pytest.approx(row["total_usd_monthly"])
        assert ours["priced_as"] == row["priced_as"]
    assert summary.loc["big", "hourly_usd"] == load_prices().hardware["a100-80gb"].usd_per_hour
    assert md_inline(decision["summary"]) in recommendation(recs, pricing)  # as Markdown: "$" escaped


def test_suite_requirement_must_be_a_table(tmp_path, capsys, suites_here):
    suite = tmp_path / "mini.toml"
    suite.write_text('name = "mini"\nrequirement = 5\ncorpora = ["banking77"]\n[[run]]\nstrategy = "rag"\n')
    assert main(["recommend", "--suite", "mini", "--results-dir", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert "mini.toml: requirement: Input should be a valid dictionary (got 5)" in err and err.count("\n") == 1


def test_ship_with_many_tasks_says_what_the_tasks_share():
    cost = {"params_total": 23_000_000, "params_trained": 1_000_000}
    rec = record("lora", spread(16), options=SMALL, cost=cost, extra={"kind": "lora", "precision": "fp32"})  # 98%
    d = decide([rec], accuracy_bar=0.9, tasks=3)
    assert d.verdict == "ship" and "for 3 tasks: one base + 3 LoRA adapters" in d.recommendation
    assert "[1c] Are there many tasks (--tasks 3)?" in d.to_text()
    retrieval = decide([record("rag", spread(16), options={"embedding_model": "all-MiniLM-L6-v2"})], tasks=3)
    assert "rag@full trains no weights: 3 tasks share one all-MiniLM-L6-v2 (22,713,216 params)" in retrieval.summary()
