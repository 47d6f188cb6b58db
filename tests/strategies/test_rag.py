"""The `rag` strategy on real data: the tiny corpus always, Banking77 where the mirror is present."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
from ragorft.benchmarks.run.suite import Cell
from ragorft.benchmarks.score.record import score_record  # metrics come from the record, outside the cell

from tests.helpers.corpora import MIRROR


def test_rag_separates_tiny_intents(tiny_corpus: Path, tmp_path: Path) -> None:
    data = load_corpus_data(str(tiny_corpus.parent), None)
    cell = Cell("tiny", "rag", "rag", {"k": 3}, "full", 0, 0, str(tiny_corpus.parent))
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    assert score_record(record)["accuracy"] >= 5 / 6
    assert set(record["predictions"]) <= set(data.corpus.labels)
    assert record["timing"]["latency_ms"]["n_queries"] == 8  # the 6 test texts, cycled (conftest's plan)
    assert record["timing"]["latency_ms"]["n_distinct"] == 6
    assert record["report"]["index_size"] == 15


@pytest.mark.skipif(not (MIRROR / "banking77").is_dir(), reason="no local Banking77 mirror")
def test_rag_on_banking77_10shot(tmp_path: Path) -> None:
    data = load_corpus_data("banking77", MIRROR)
    cell = Cell("banking77", "rag", "rag", {"k": 10}, 10, 0, 400)
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    # full default suite measures 76.3% on all 3,080 items; a 400-item stratified sample is near it
    assert record["n_train"] == 770 and record["n_test"] == 400
    assert 0.68 <= score_record(record)["accuracy"] <= 0.85


def test_rag_chooses_k_on_dev_by_the_shared_rule(tiny_corpus: Path, tmp_path: Path) -> None:
    from ragorft.benchmarks.models.tuning import RULE

    data = load_corpus_data(str(tiny_corpus.parent), None)
    cell = Cell("tiny", "rag", "rag", {"k_grid": [1, 3, 9]}, "full", 0, 0, str(tiny_corpus.parent))
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    tuning = record["report"]["tuning"]
    assert tuning["rule"] == RULE and tuning["knob"] == "k" and [t["k"] for t in tuning["trials"]] == [1, 3, 9]
    best = max(t["dev_accuracy"] for t in tuning["trials"])
    chosen = next(t["k"] for t in tuning["trials"] if t["dev_accuracy"] == best)  # ties: first in grid
    assert record["report"]["k"] == tuning["chosen"]["k"] == chosen
    # the chosen k predicts exactly as an untuned rag given that k
    fixed = Cell("tiny", "rag", "rag", {"k": chosen}, "full", 0, 0, str(tiny_corpus.parent))
    assert run_cell(fixed, data, cache_dir=tmp_path / "cache", progress=False)["predictions"] == record["predictions"]


def test_rag_rejects_a_fractional_k_grid(tiny_corpus: Path, tmp_path: Path) -> None:
    from ragorft.benchmarks.core.errors import RagorftError

    data = load_corpus_data(str(tiny_corpus.parent), None)
    cell = Cell("tiny", "rag", "rag", {"k_grid": [2.5]}, "full", 0, 0, str(tiny_corpus.parent))
    with pytest.raises(RagorftError, match="k_grid"):
        run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
