"""Seed spread: mean, min, max and sd across training samples, beside the cells' own intervals."""

from __future__ import annotations

import statistics
from pathlib import Path

import pandas as pd
import pytest
from ragorft.benchmarks.core.fmt import pct
from ragorft.benchmarks.publish.seeds import seed_markdown, seed_spread


def _cells() -> pd.DataFrame:
    rows = []
    for seed, acc in enumerate([0.80, 0.90, 0.85]):
        rows.append(
            {"corpus": "c", "run": "rag", "budget": "10shot", "seed": seed, "accuracy": acc}
            | {"accuracy_lo": acc - 0.02, "accuracy_hi": acc + 0.02, "in_scope_accuracy": None, "oos_recall": None}
        )
    # one seed only: nothing to spread
    rows.append(
        {"corpus": "c", "run": "rag", "budget": "full", "seed": 0, "accuracy": 0.95}
        | {"accuracy_lo": 0.94, "accuracy_hi": 0.96, "in_scope_accuracy": None, "oos_recall": None}
    )
    return pd.DataFrame(rows)


def test_spread_over_seeds_matches_the_cells() -> None:
    spread = seed_spread(_cells())
    assert len(spread) == 1  # the single-seed full cell has no spread
    row = spread.iloc[0]
    assert (row["run"], row["budget"], row["n_seeds"], row["seeds"]) == ("rag", "10shot", 3, "0,1,2")
    assert row["accuracy_mean"] == pytest.approx(0.85)
    assert row["accuracy_sd"] == pytest.approx(statistics.stdev([0.80, 0.90, 0.85]))
    assert (row["accuracy_min"], row["accuracy_max"]) == (0.80, 0.90)
    assert row["interval_half_width"] == pytest.approx(0.02)
    assert "in_scope_accuracy_mean" not in spread  # no OOS label: no in-scope columns


def test_budgets_are_listed_in_training_size_order() -> None:
    cells = pd.concat([_cells().assign(budget=b) for b in ("10shot", "1shot", "full", "3shot")])
    assert list(seed_spread(cells)["budget"]) == ["1shot", "3shot", "10shot", "full"]


def test_markdown_shows_mean_spread_and_interval() -> None:
    text = "\n".join(seed_markdown(_cells()))
    row = next(line for line in text.splitlines() if line.startswith("| rag"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # run, budget, seeds, mean [min, max] sd, and the cells' own CI half-width as printed (2.0, not 2)
    assert cells == ["rag", "10shot", "3", "85.0 [80.0, 90.0] sd 5.0", "2.0"]
    assert seed_markdown(_cells().query("budget == 'full'")) == []


def test_report_shows_the_spread_of_a_real_two_seed_run(tiny_corpus: Path, tmp_path: Path) -> None:
    from ragorft.benchmarks.commands.cli import main
    from ragorft.benchmarks.records.store import load_records
    from ragorft.benchmarks.run.runner import run_suite
    from ragorft.benchmarks.run.suite import read_suite

    from tests.helpers.runs import suite_file

    results = tmp_path / "results"
    run_suite(
        read_suite(str(suite_file(tmp_path, tiny_corpus))),
        results_dir=results,
        cache_dir=tmp_path / "c",
        progress=False,
    )
    two_shot = sorted(r["metrics"]["accuracy"] for r in load_records(results / "t") if r["budget_name"] == "2shot")
    assert len(two_shot) == 2  # two different 2-shot samples of the tiny corpus
    assert main(["report", "--suite", "t", "--results-dir", str(results)]) == 0
    expected = f"{pct(statistics.mean(two_shot))} [{pct(two_shot[0])}, {pct(two_shot[-1])}]"
    for name in ("REPORT.md", "RESULTS.md", "index.html"):
        text = (results / "t" / name).read_text()
        assert "Across seeds" in text and expected in text, name
