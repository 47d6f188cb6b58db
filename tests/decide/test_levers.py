"""The two levers on hand-made records: more data (a recipe at two or more budgets) and a bigger base (one
strategy on two registry-sized bases), ranked by gain per doubling into the cheapest route to the bar.

The records reproduce the situations of the withdrawn grid and ladder suites: the same recipe at 10-shot
and on all the data seven points apart, and linear_probe on a 22.7M and a 109M encoder two points apart.
"""

from __future__ import annotations

import math

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.decide.candidates import Candidate
from ragorft.benchmarks.decide.suggest import size_hint, suite_exists
from ragorft.benchmarks.models.registry import nominal_params
from ragorft.benchmarks.score.pricing import load_prices
from ragorft.benchmarks.score.stats import compare

from tests.helpers.records import record, spread, strategy_meta

PRICES = load_prices()
MINILM, MPNET = "all-MiniLM-L6-v2", "all-mpnet-base-v2"


def decide(records, **req):
    return recommend(records, Requirement.from_mapping(req), prices=PRICES)


def rec(run, strategy, wrong, *, budget="10shot", n_train=400, options=None, suite="t", seed=0, corpus="synthetic"):
    """A record of a real strategy (its strategy_meta from its class) under any run name, in any suite."""
    r = record(run, wrong, budget=budget, n_train=n_train, options=options, corpus=corpus)
    r |= {"strategy": strategy, "strategy_meta": strategy_meta(strategy, options), "suite": suite, "seed": seed}
    r["cell_id"] = f"{corpus}/{run}/{budget}/seed{seed}"
    return r


def probe(run, model, wrong, **kw):
    return rec(run, "linear_probe", wrong, options={"model": model}, **kw)


# MiniLM at 10-shot 84%, on all the data 91% (+7: the same recipe); MPNet at 10-shot 86% (+2, nested errors)
GRID = [
    probe("linear_probe", MINILM, spread(128)),
    probe("linear_probe", MINILM, spread(72), budget="full", n_train=8000),
    probe("mpnet-linear_probe", MPNET, spread(112)),
]


def test_both_levers_measured_are_ranked_by_gain_per_doubling_and_data_wins_here():
    d = decide(GRID, accuracy_bar=0.88, budget=10)
    text = d.to_text()
    data_gap = compare("full", GRID[1], "10shot", GRID[0])
    size_gap = compare("mpnet", GRID[2], "minilm", GRID[0])
    data_rate = data_gap.difference / math.log2(8000 / 400)
    size_rate = size_gap.difference / math.log2(nominal_params(MPNET) / nominal_params(MINILM))
    assert data_rate > size_rate > 0 and not data_gap.tie and not size_gap.tie  # the records say what follows
    # two budgets: a paired gap with its interval is evidence (no third budget needed)
    assert "10shot (n=400) 84.0% -> full (n=8000) 91.0%" in text and "+7.0 pts" in text
    assert f"{100 * data_rate:+.1f} pts per doubling of the training examples" in text
    # same strategy on two encoders sized by the registry (encoders included)
    assert (
        f"all-MiniLM-L6-v2 (22,713,216 params, encoder) 84.0% -> all-mpnet-base-v2 ({nominal_params(MPNET):,}" in text
    )
    assert f"{100 * size_rate:+.1f} pts per doubling of the parameters" in text
    assert f"per step, data is the bigger lever: {100 * data_rate:+.1f} vs {100 * size_rate:+.1f} pts" in text
    assert d.verdict == "too_little_data"
    assert d.recommendation.startswith("collect more labelled data: linear_probe gains")
    assert "examples per class instead of 10" in d.recommendation
    assert "; or a bigger base: linear_probe gains" in d.recommendation  # the other lever, priced the same way


def test_a_steep_size_lever_and_a_flat_data_lever_say_bigger_base_with_lora_for_a_full_fine_tune():
    ft = [  # full fine-tunes: 10-shot -> full gains 1 point (not significant), MiniLM -> MPNet gains 10
        rec("minilm-ft", "full_ft", spread(160), options={"model": MINILM}),
        rec("minilm-ft", "full_ft", spread(152, skip=40), budget="full", n_train=8000, options={"model": MINILM}),
        rec("mpnet-ft", "full_ft", spread(80), options={"model": MPNET}),
    ]
    d = decide(ft, accuracy_bar=0.93, budget=10)
    text = d.to_text()
    assert "no recipe's gain with more data is significant" in text
    assert d.verdict == "capability_ceiling"
    assert d.recommendation.startswith("use a bigger base with LoRA at '10shot': full_ft gains")
    assert "more than the largest registered encoder" in d.recommendation  # past MPNet: said, not invented
    assert "more labelled data: out of reach" not in d.recommendation  # no route from a flat lever


def test_a_different_strategy_family_is_named_when_its_route_is_shorter():
    recs = [
        probe("linear_probe", MINILM, spread(112)),  # 86% at 10-shot, 87% on all the data: flat
        probe("linear_probe", MINILM, spread(104, skip=4), budget="full", n_train=8000),
        rec("rag", "rag", spread(128), options={"embedding_model": MINILM}),  # 84% -> 97%: steep
        rec("rag", "rag", spread(24), budget="full", n_train=8000, options={"embedding_model": MINILM}),
    ]
    d = decide(recs, accuracy_bar=0.90, budget=10)
    assert d.verdict == "other_strategy"
    assert d.recommendation.startswith("switch to retrieval (rag@10shot) and collect more labelled data: rag gains")


def test_levers_measured_flat_are_a_finding_not_undiagnosed():
    recs = [probe("linear_probe", MINILM, spread(112)), probe("linear_probe", MINILM, spread(110), budget="full")]
    recs[1]["n_train"] = 8000
    d = decide(recs, accuracy_bar=0.95, budget=10)
    assert d.verdict == "plateau" and "neither more data nor a bigger base raised accuracy" in d.recommendation
    assert "for size evidence" in d.recommendation  # the lever never measured is named, with how to measure it


def test_a_route_past_ten_doublings_is_out_of_reach_not_a_number_of_examples():
    recs = [probe("linear_probe", MINILM, spread(160)), probe("linear_probe", MINILM, spread(152), budget="full")]
    recs[1]["n_train"] = 8000  # +1 point over 4.3 doublings (8 items, all one way: significant)
    d = decide(recs, accuracy_bar=0.95, budget=10)
    assert d.verdict == "plateau" and d.recommendation.startswith("no measured lever reaches the bar")
    assert "more labelled data: out of reach, linear_probe gains +0.2 pts per doubling" in d.recommendation
    assert "examples per class" not in d.recommendation


def test_budgets_that_share_no_test_item_are_no_evidence_and_no_crash():
    small = probe("linear_probe", MINILM, spread(128), suite="one")
    full = probe("linear_probe", MINILM, spread(72), budget="full", n_train=8000, suite="two")
    full["test_items"] = [i + 10_000 for i in full["test_items"]]  # another suite's sample of the test split
    d = decide([small, full], accuracy_bar=0.95, budget=10)
    assert d.verdict == "undiagnosed"
    assert "no evidence: no recipe run at '10shot' was measured at another budget on shared test items" in d.to_text()


def test_seeds_pool_across_suites_and_a_seed_two_suites_ran_counts_once():
    a = probe("linear_probe", MINILM, spread(128), suite="one")
    b = probe("linear_probe", MINILM, spread(120, skip=8), suite="two", seed=1)
    dup = probe("linear_probe", MINILM, spread(60), suite="two")  # seed 0 again, on fewer items
    dup["test_items"], dup["gold"], dup["predictions"] = (dup[k][:400] for k in ("test_items", "gold", "predictions"))
    d = decide([a, b, dup], budget=10)
    assert d.row("linear_probe@10shot")["seeds"] == 2  # seeds 0 and 1, the 400-item copy of seed 0 dropped
    text = d.to_text()
    assert "records of suites one, two: every record of the corpus is evidence" in text
    assert "synthetic/linear_probe/10shot/seed0 in suite 'two' (400 items) is the same run, options and seed" in text
    # same run name, other options: two candidates, each named with its suite
    other = probe("linear_probe", MINILM, spread(40), suite="two")
    other["options"] = {"model": MINILM, "c_grid": [1.0]}
    names = {r["strategy"] for r in decide([a, other], budget=10).table}
    assert names == {"one:linear_probe@10shot", "two:linear_probe@10shot"}


def _candidate(r: dict) -> Candidate:
    return Candidate(r["run"] + "@" + r["budget_name"], [r], "test", cost=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("strategy", "options", "kind"),
    [
        ("linear_probe", {"model": MINILM}, "encoder"),
        ("few_shot", {"model": "SmolLM2-135M-Instruct"}, "causal LM"),
        ("rag_lm", {"model": "SmolLM2-135M-Instruct", "embedding_model": MINILM}, "causal LM"),
    ],
)
def test_a_second_base_is_of_the_same_kind_on_a_suite_that_exists(strategy, options, kind):
    c = _candidate(rec(strategy, strategy, spread(100), options=options, corpus="banking77", suite="default"))
    hint = size_hint("banking77", c, "10shot", [c])
    assert f", {kind})" in hint or f"a {kind}" in hint
    suite = hint.split("--suite ")[1].split()[0] if "--suite " in hint else None
    assert suite is None or suite_exists(suite)
    if kind == "encoder":
        assert "all-mpnet-base-v2" in hint and "SmolLM2" not in hint  # never a causal LM for a probe


def test_recommend_reads_several_suites_by_name_or_by_results_folder(tmp_path, capsys, monkeypatch):
    from ragorft.benchmarks.core.atomic import write_json
    from ragorft.benchmarks.run import suite as suite_module

    monkeypatch.setattr(suite_module, "SUITES_DIR", tmp_path)
    for name, records in (("small", GRID[:2]), ("big", GRID[2:])):
        (tmp_path / f"{name}.toml").write_text(
            f'name = "{name}"\ncorpora = ["banking77"]\n[[run]]\nstrategy = "rag"\n', encoding="utf-8"
        )
        cells = tmp_path / "results" / name / "cells"
        cells.mkdir(parents=True)
        for r in records:
            r = {**r, "corpus": "banking77", "cell_id": r["cell_id"].replace("synthetic", "banking77"), "suite": name}
            write_json(cells / f"{r['run']}__{r['budget_name']}.json", r)
    flags = ["--results-dir", str(tmp_path / "results"), "--budget", "10", "--accuracy-bar", "88%"]
    assert main(["recommend", "--suite", "small", "--suite", "big", *flags]) == 0
    named = capsys.readouterr().out
    assert "per step, data is the bigger lever" in named and "RECOMMENDATION (too_little_data)" in named
    assert main(["recommend", *flags]) == 0  # every suite folder under --results-dir
    assert capsys.readouterr().out == named
    assert main(["recommend", "--suite", "small", *flags]) == 0  # one suite: one encoder, no size evidence
    assert "no evidence: no strategy was run on two base sizes" in capsys.readouterr().out
