"""``setfit`` through the setfit library on MiniLM: pairs from the budget, contrastive body
training, a logistic-regression head; learning rate and epochs chosen on dev by the shared rule."""

from __future__ import annotations

from pathlib import Path

from ragorft.benchmarks.models.tuning import RULE
from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
from ragorft.benchmarks.run.suite import Cell
from ragorft.benchmarks.score.record import score_record  # metrics come from the record, outside the cell


def test_setfit_trains_on_tiny_intents_and_records_its_tuning(tiny_corpus: Path, tmp_path: Path) -> None:
    data = load_corpus_data(str(tiny_corpus.parent), None)
    options = {"epochs": 2, "patience": 1, "num_iterations": 2, "learning_rates": [2e-5, 1e-4]}
    cell = Cell("tiny", "setfit", "setfit", options, "full", 0, 0, str(tiny_corpus.parent))
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    assert score_record(record)["accuracy"] >= 4 / 6
    tuning = record["report"]["tuning"]
    assert tuning["rule"] == RULE and tuning["grid"] == [2e-5, 1e-4]
    assert tuning["max_epochs"] == 2 and tuning["patience"] == 1
    for trial in tuning["trials"]:
        assert 1 <= trial["epochs_run"] <= 2 and len(trial["dev_accuracy_curve"]) == trial["epochs_run"]
        assert trial["dev_accuracy"] == max(trial["dev_accuracy_curve"])
        assert trial["head_c"] in (10.0, 100.0, 1000.0)  # the head's C, chosen on dev
    assert tuning["chosen"]["dev_accuracy"] == max(t["dev_accuracy"] for t in tuning["trials"])
    curve = [row["dev_accuracy"] for row in record["report"]["curves"]]
    assert curve == tuning["chosen"]["dev_accuracy_curve"]  # the curve the decision tree reads
    assert record["cost"]["params_trained"] > 22_000_000  # the whole MiniLM body trains
