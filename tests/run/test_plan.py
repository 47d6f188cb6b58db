"""`ragorft bench --plan` and the one ETA estimator it shares with the bench's progress line."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import read_json, write_json
from ragorft.benchmarks.run.plan import Estimator, record_filename
from ragorft.benchmarks.run.suite import Cell


def _cell(run: str, budget: int | str = "full", strategy: str = "rag") -> Cell:
    return Cell("c", run, strategy, {}, budget, 0, 0)


def test_estimates_come_from_the_cells_own_record_then_its_run_then_its_strategy(tmp_path: Path) -> None:
    def put(cell: Cell, seconds: float, n_test: int) -> None:
        body = {"corpus": "c", "run": cell.run, "strategy": cell.strategy, "n_test": n_test}
        write_json(tmp_path / record_filename(cell), body | {"timing": {"cell_seconds": seconds}})

    put(_cell("rag-a", "full"), 100.0, 1000)
    put(_cell("rag-b", "full"), 40.0, 100)
    est = Estimator(tmp_path)
    assert est.seconds(_cell("rag-a", "full"), 50) == 100.0  # its own last record, as measured
    assert est.seconds(_cell("rag-a", 10), 500) == 50.0  # the same run on that corpus, scaled by items
    assert est.seconds(_cell("rag-c", 10), 100) == pytest.approx((10.0 + 40.0) / 2)  # the strategy's records
    assert est.seconds(_cell("lora", 10, "lora"), 100) is None  # nothing to go by: unknown, not guessed
    est.add(
        _cell("lora", 10, "lora"),
        {"corpus": "c", "run": "lora", "strategy": "lora", "n_test": 10, "timing": {"cell_seconds": 600.0}},
    )
    assert est.seconds(_cell("lora", "full", "lora"), 20) == 1200.0  # a cell finished in this run counts


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
    assert "new     tiny/rag/full/seed0  ~unknown" in out and "1 new" in out and "ETA 0 s + 1 cells of unknown" in out
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
