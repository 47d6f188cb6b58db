"""`ragorft bench --plan` and the one ETA estimator it shares with the bench's progress line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import read_json, write_json
from ragorft.benchmarks.run.cellspec import budget_name
from ragorft.benchmarks.run.plan import Estimate, Estimator, Size, identity, record_filename, record_folders
from ragorft.benchmarks.run.suite import Cell

from tests.helpers.cellrecord import cell_record


def _cell(run: str, budget: int | str = "full", strategy: str = "rag", corpus: str = "c", **options: object) -> Cell:
    return Cell(corpus, run, strategy, options, budget, 0, 0)


def _elsewhere(folder: Path, cell_id: str, *, n_train: int, n_test: int, timing: dict, **options: object) -> None:
    """A record of another suite or corpus: 1 item of gold, the sizes and times the estimate reads."""
    record = cell_record(cell_id, ["a"], ["a"], n_train=n_train, n_test=n_test, timing=timing, options=options)
    record["strategy"] = record["run"]
    write_json(folder / f"{cell_id.replace('/', '__')}.json", record)


def test_a_corpus_without_records_is_scaled_from_the_closest_record_of_its_strategy_and_names_it(
    tmp_path: Path,
) -> None:
    other, cache = tmp_path / "results" / "nightly" / "cells", tmp_path / "cache" / "cells"
    other.mkdir(parents=True)
    cache.mkdir(parents=True)
    timing = {
        "cell_seconds": 100.0,
        "train_seconds": 60.0,
        "scoring_seconds": 20.0,
        "scoring_items": 1000,
        "predict_seconds_per_query": 0.01,
        "latency_ms": {"p50": 10.0, "n_queries": 10, "repeats": 2},  # timed: 2 x 10 x (0.01 + 0.01) = 0.4 s
    }
    _elsewhere(other, "big/setfit/10shot/seed0", n_train=100, n_test=1000, timing=timing, epochs=2)
    near = timing | {"cell_seconds": 7.0, "train_seconds": 1.0, "scoring_seconds": 1.0, "scoring_items": 500}
    _elsewhere(cache, "small/setfit/10shot/seed0", n_train=50, n_test=500, timing=near, epochs=5)
    folders = record_folders(tmp_path / "results", cache.parent)  # + the committed results/*/cells of a checkout
    assert folders[0] == other and folders[-1] == cache
    est = Estimator(tmp_path / "results" / "new-suite" / "cells", [other, cache])
    found = est.estimate(_cell("setfit", 5, "setfit", "mine", epochs=2), Size(items=500, train=50, timed=20))
    # the record with the cell's options, though the other is nearer in size: its rest (process, loading)
    # as measured, training x 50/100 examples, scoring x 500/1000 items, the timings x 20/10 queries
    assert found is not None and found.seconds == pytest.approx(19.6 + 60 * 0.5 + 20 * 0.5 + 0.4 * 2)
    assert found.source == "scaled from big/setfit/10shot"
    # no record has the cell's options: the nearest in size, and the provenance says what differs
    found = est.estimate(_cell("setfit", 5, "setfit", "mine", epochs=9), Size(items=500, train=50, timed=10))
    assert found is not None and found.seconds == pytest.approx(7.0)
    assert found.source == "scaled from small/setfit/10shot, other epochs"
    # a record of the cell's own corpus in another suite comes before any other corpus
    _elsewhere(other, "mine/setfit/full/seed0", n_train=400, n_test=100, timing=timing, epochs=7)
    fresh = Estimator(tmp_path / "results" / "new-suite" / "cells", [other, cache])
    found = fresh.estimate(_cell("setfit", 5, "setfit", "mine", epochs=2), Size(items=500, train=50, timed=10))
    assert found is not None and found.source == "scaled from mine/setfit/full, other epochs"
    assert found.seconds == pytest.approx(19.6 + 60 * 50 / 400 + 20 * 500 / 1000 + 0.4)
    # an old record without the scoring split: all but training scales by test items
    old = {"cell_seconds": 30.0, "train_seconds": 10.0}
    _elsewhere(other, "big/lora/full/seed0", n_train=100, n_test=200, timing=old)
    fresh = Estimator(tmp_path / "results" / "new-suite" / "cells", [other, cache])
    assert fresh.seconds(_cell("lora", "full", "lora", "mine"), Size(items=100, train=100)) == pytest.approx(20.0)
    # unknown only when no record of the strategy exists anywhere
    assert fresh.estimate(_cell("few_shot", 1, "few_shot", "mine"), Size(items=10, train=3)) is None


def test_estimates_come_from_the_cells_own_record_then_its_run_then_its_strategy(tmp_path: Path) -> None:
    def put(cell: Cell, seconds: float, n_test: int) -> None:
        body = {"corpus": "c", "run": cell.run, "strategy": cell.strategy, "n_test": n_test}
        body |= {"budget_name": budget_name(cell.budget), "options": json.loads(identity(cell)[1] or "{}")}
        write_json(tmp_path / record_filename(cell), body | {"timing": {"cell_seconds": seconds}})

    put(_cell("rag-a", "full"), 100.0, 1000)
    put(_cell("rag-b", "full", k=7), 40.0, 100)
    est = Estimator(tmp_path)
    assert est.seconds(_cell("rag-a", "full"), 50) == 100.0  # its own last record, as measured
    # the same run at the same budget, another seed: scaled by items, said to be measured
    assert est.estimate(replace(_cell("rag-a", "full"), seed=1), Size(500)) == Estimate(50.0)
    # the strategy at the same budget with the same options (rag-a's, not rag-b's k = 7)
    assert est.estimate(_cell("rag-c", "full"), Size(100)) == Estimate(10.0)
    # another budget trains on other data: an extrapolation from the run's record, said so
    found = est.estimate(_cell("rag-a", 10), Size(500))
    assert found is not None and found.source.startswith("scaled from c/rag-a/full")
    assert est.seconds(_cell("lora", 10, "lora"), 100) is None  # nothing to go by: unknown, not guessed
    est.add(
        _cell("lora", 10, "lora"),
        {"corpus": "c", "run": "lora", "strategy": "lora", "n_test": 10, "timing": {"cell_seconds": 600.0}},
    )
    assert est.seconds(_cell("lora", "full", "lora"), 20) == 1200.0  # a cell finished in this run counts


def test_a_record_of_the_same_training_scales_only_its_scoring_pass_by_test_items(tmp_path: Path) -> None:
    """The same run on all test items instead of a prefix: loading and the serving timings do not grow
    with the items, so scaling the whole cell overstates it (by a third for a 1.5B RAG cell)."""
    prefix = _cell("rag-prefix", "full")
    timing = {"cell_seconds": 1000.0, "train_seconds": 20.0, "scoring_seconds": 600.0, "scoring_items": 120}
    timing |= {"predict_seconds_per_query": 5.0, "latency_ms": {"p50": 5000.0, "n_queries": 8, "repeats": 3}}
    body = {"corpus": "c", "run": prefix.run, "strategy": prefix.strategy, "n_test": 120, "budget_name": "full"}
    body |= {"options": json.loads(identity(prefix)[1] or "{}"), "timing": timing}
    write_json(tmp_path / record_filename(prefix), body)
    found = Estimator(tmp_path).estimate(_cell("rag-all", "full"), Size(600))
    # timed: 3 x 8 x (5 + 5) = 240 s as measured; rest 1000 - 20 - 600 - 240 = 140 s; scoring x 600/120
    assert found is not None and found.source == "" and found.seconds == pytest.approx(140.0 + 20.0 + 600.0 * 5 + 240.0)


def test_a_bigger_budget_or_other_training_options_are_scaled_by_their_training(tmp_path: Path) -> None:
    """Full FT at 200 per class is not full FT at 10's time, and ft_rag on documents is not ft_rag on QA:
    a record of another budget or other options is an extrapolation that scales training by examples."""
    timing = {"cell_seconds": 500.0, "train_seconds": 100.0, "scoring_seconds": 400.0, "scoring_items": 200}
    ten = _cell("ft", 10, "lora")
    record = cell_record("c/ft/10shot/seed0", ["a"], ["a"], n_train=70, n_test=200, timing=timing)
    record |= {"strategy": "lora", "options": json.loads(identity(ten)[1] or "{}")}
    write_json(tmp_path / record_filename(ten), record)
    est = Estimator(tmp_path)
    assert est.estimate(replace(ten, seed=2), Size(200, 70)) == Estimate(500.0)  # another seed: as measured
    found = est.estimate(_cell("ft", 200, "lora"), Size(200, 1400))
    assert found is not None and found.seconds == pytest.approx(400.0 + 100.0 * 1400 / 70)
    assert found.source == "scaled from c/ft/10shot"
    other = est.estimate(_cell("ft-long", 10, "lora", epochs=30), Size(200, 70))
    assert other is not None and other.source == "scaled from c/ft/10shot, other epochs"
    # where the strategy reports the optimiser's own time, the rest of fit (dev passes) stays as measured
    write_json(tmp_path / record_filename(ten), record | {"report": {"train_wall_s": 40.0}})
    found = Estimator(tmp_path).estimate(_cell("ft", 200, "lora"), Size(200, 1400))
    assert found is not None and found.seconds == pytest.approx(400.0 + 60.0 + 40.0 * 1400 / 70)

    # three learning rates where the record tried two: every trial trains and scores dev, so all of fit grows by 3/2
    grid = {"strategy": "lora_frames", "options": {"learning_rates": [1e-4, 2e-4]}}
    write_json(tmp_path / record_filename(ten), record | grid)
    three = _cell("ft-grid", 10, "lora_frames", learning_rates=[1e-4, 2e-4, 3e-4])
    found = Estimator(tmp_path).estimate(three, Size(200, 70, trials=3))
    assert found is not None and found.seconds == pytest.approx(400.0 + 100.0 * 3 / 2)
    unknown = Estimator(tmp_path).estimate(three, Size(200, 70))  # the cell's grid not known: fit as measured
    assert unknown is not None and unknown.seconds == pytest.approx(500.0)


def test_an_extrapolation_prefers_this_cpu_and_names_another_one(tmp_path: Path) -> None:
    """torch trains at other speeds on another CPU model (and no factor between two models is
    known): among otherwise equal records the one measured on this CPU is used, and one from another
    CPU is named as such."""

    def put(name: str, cpu: str, seconds: float) -> None:
        record = cell_record(f"c/{name}/10shot/seed0", ["a"], ["a"], n_train=70, n_test=200)
        record |= {"strategy": "lora", "timing": {"cell_seconds": seconds}}
        record["provenance"] = {"machine": {"cpu_model": cpu}}
        write_json(tmp_path / f"c__{name}__10shot__seed0.json", record)

    put("ft-a", "Intel Xeon", 100.0)
    found = Estimator(tmp_path, cpu="AMD EPYC").estimate(_cell("ft-new", 10, "lora"), Size(200, 70))
    assert found is not None and found.seconds == pytest.approx(100.0)
    assert found.source == "scaled from c/ft-a/10shot, measured on another CPU (Intel Xeon; this one: AMD EPYC)"
    put("ft-b", "AMD EPYC", 300.0)
    found = Estimator(tmp_path, cpu="AMD EPYC").estimate(_cell("ft-new", 10, "lora"), Size(200, 70))
    assert found == Estimate(300.0, "scaled from c/ft-b/10shot")


def test_a_bigger_base_is_never_estimated_from_a_smaller_ones_records(tmp_path: Path) -> None:
    """A 1.5B cell costs many times a 135M one: the strategy's records on the corpus count only on
    the same base, and an extrapolation prefers the same base on another corpus to another base."""
    big, small = "Qwen2.5-Coder-1.5B-Instruct", "SmolLM2-135M-Instruct"

    def put(folder: Path, corpus: str, run: str, base: str, seconds: float) -> None:
        body = {"corpus": corpus, "run": run, "strategy": "rag_qa", "n_test": 100, "options": {"model": base}}
        meta = {"strategy_meta": {"base_model": base}, "budget_name": "full"}
        write_json(folder / f"{corpus}__{run}__full__seed0.json", body | meta | {"timing": {"cell_seconds": seconds}})

    mine, other = tmp_path / "mine", tmp_path / "other"
    mine.mkdir()
    other.mkdir()
    put(mine, "c", "rag_qa", small, 100.0)
    cell = _cell("rag_qa-1.5b", "full", "rag_qa", "c", model=big)
    # only a 135M record: not its run's or its strategy's measured time, an extrapolation saying so
    only = Estimator(mine).estimate(cell, Size(100))
    assert only is not None and only.source == "scaled from c/rag_qa/full, other model"
    assert Estimator(mine).seconds(_cell("rag_qa-again", "full", "rag_qa", "c"), 100) == 100.0  # same base
    put(other, "d", "rag_qa-1.5b", big, 900.0)
    put(other, "c", "rag_qa-oracle", small, 50.0)
    found = Estimator(mine, [other]).estimate(cell, Size(100))
    assert found is not None and found.seconds == pytest.approx(900.0)
    assert found.source.startswith("scaled from d/rag_qa-1.5b/full")


def test_plan_lists_new_cached_and_stale_cells_and_runs_nothing(
    tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture
) -> None:
    suite = tmp_path / "p.toml"
    text = f'name = "p"\ncorpora = ["{tiny_corpus.parent}"]\nbudgets = ["full"]\n\n[[run]]\nstrategy = "rag"\n'
    suite.write_text(text)
    results = tmp_path / "results"
    args = ["bench", "--suite", str(suite), "--results-dir", str(results), "--no-progress"]
    assert main([*args, "--plan"]) == 0
    out = capsys.readouterr().out
    # nothing ran on this corpus: the time is scaled from a committed rag record (results/*/cells), and says so
    assert "new     tiny/rag/full/seed0  ~" in out and "(extrapolated: scaled from " in out and "/rag/" in out
    assert "1 new" in out and "(1 of them extrapolated from other records)" in out
    assert not (results / "p" / "cells").exists() or not any((results / "p" / "cells").glob("*.json"))
    assert main(args) == 0
    capsys.readouterr()
    record = read_json(results / "p" / "cells" / "tiny__rag__full__seed0.json")
    assert record["metrics"]["accuracy"] >= 0 and record["metrics_code"]  # bench writes metrics, outside the cell
    assert main([*args, "--plan"]) == 0
    assert "cached  tiny/rag/full/seed0" in capsys.readouterr().out
    suite.write_text(text + "options = { k = 2 }\n")
    assert main([*args, "--plan"]) == 0
    out = capsys.readouterr().out
    seconds = record["timing"]["cell_seconds"]
    assert "stale   tiny/rag/full/seed0" in out and "options.k" in out and "1 stale" in out
    assert f"ETA {seconds:.0f} s" in out or "min" in out  # the previous record's measured time
