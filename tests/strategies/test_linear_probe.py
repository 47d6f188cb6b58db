"""``linear_probe``: logistic regression on the cached MiniLM embeddings, C chosen on dev."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models.tuning import RULE
from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
from ragorft.benchmarks.run.suite import Cell
from ragorft.benchmarks.score.record import score_record  # metrics come from the record, outside the cell


def test_linear_probe_learns_tiny_intents_and_records_its_tuning(tiny_corpus: Path, tmp_path: Path) -> None:
    data = load_corpus_data(str(tiny_corpus.parent), None)
    cell = Cell(
        "tiny", "linear_probe", "linear_probe", {"c_grid": [0.01, 10.0, 100.0]}, "full", 0, 0, str(tiny_corpus.parent)
    )
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    assert score_record(record)["accuracy"] >= 5 / 6
    tuning = record["report"]["tuning"]
    assert tuning["rule"] == RULE and tuning["knob"] == "C" and tuning["grid"] == [0.01, 10.0, 100.0]
    assert [t["C"] for t in tuning["trials"]] == [0.01, 10.0, 100.0]
    best = max(t["dev_accuracy"] for t in tuning["trials"])
    assert tuning["chosen"]["dev_accuracy"] == best
    # ties go to the first grid entry with the best score
    assert tuning["chosen"]["C"] == next(t["C"] for t in tuning["trials"] if t["dev_accuracy"] == best)
    assert record["cost"]["params_trained"] == 3 * 384 + 3
    assert record["report"]["abstention"] is None  # the tiny corpus has no out-of-scope label


def test_bad_grid_is_an_error(tiny_corpus: Path, tmp_path: Path) -> None:
    data = load_corpus_data(str(tiny_corpus.parent), None)
    cell = Cell("tiny", "linear_probe", "linear_probe", {"c_grid": [0.0]}, "full", 0, 0, str(tiny_corpus.parent))
    with pytest.raises(RagorftError, match="c_grid"):
        run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
