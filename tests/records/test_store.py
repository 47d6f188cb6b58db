"""The record store: one schema on every read, metrics attached from the record alone, rescore.

Records are written by hand in the runner's schema (tests/helpers/cellrecord.py), so each test
controls exactly the predictions and what is stored beside them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import read_json, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.records.store import load_records, read_record
from ragorft.benchmarks.score.metrics import classification_metrics
from ragorft.benchmarks.score.record import metrics_code, score_record

from tests.helpers.cellrecord import cell_record

GOLD = ["a", "b", "c", "a", "b", "c", "a", "b"]
PRED = ["a", "b", "c", "a", "b", "a", "a", "c"]  # 6 of 8 right


def _write(folder: Path, record: dict, name: str = "toy__rag__full__seed0.json") -> Path:
    path = folder / "s" / "cells" / name
    write_json(path, record)
    return path


def test_classification_metrics_are_a_function_of_the_record_alone() -> None:
    record = cell_record("toy/rag/full/seed0", GOLD, PRED, labels=["a", "b", "c", "d"])
    m = score_record(record)
    assert m["accuracy"] == 0.75
    expected = classification_metrics(GOLD, PRED, labels=["a", "b", "c", "d"], seed=0)
    assert m["macro_f1"] == expected["macro_f1"] and m["macro_f1_labels"] == 4  # the corpus's full label set


def test_qa_metrics_use_every_gold_answer_and_the_stored_retrieval() -> None:
    scoring = {
        "task": "qa",
        "answers": [["Paris", "the city of Paris"], ["blue"]],
        "gold_doc_ids": [["d1"], ["d2"]],
        "retrieved": [
            {"doc_ids": ["d1"], "contexts": ["Paris is the capital."]},
            {"doc_ids": ["d3"], "contexts": ["The moon."]},
        ],
        "documents": {"d1": "Paris is the capital.", "d2": "The sky is blue."},
    }
    record = cell_record("sq/rag/full/seed0", ["Paris", "blue"], ["city of Paris", "red"], scoring=scoring)
    m = score_record(record)
    assert m["exact_match"] == 0.5 and m["per_item"]["em"] == [1.0, 0.0]  # the second gold answer matched
    assert m["retrieval"]["recall_at_k"] == 0.5 and m["retrieval"]["n_with_gold"] == 2


def test_the_store_attaches_current_metrics_and_keeps_current_stored_ones(tmp_path: Path) -> None:
    base = cell_record("toy/rag/full/seed0", GOLD, PRED)
    path = _write(tmp_path, base)
    assert read_record(path)["metrics"]["accuracy"] == 0.75 and read_record(path)["metrics_code"] == metrics_code()
    kept = base | {
        "metrics": {"accuracy": 0.5, "accuracy_ci": [0.4, 0.6], "macro_f1": 0.5, "macro_f1_ci": [0.4, 0.6], "mark": 1},
        "metrics_code": metrics_code(),
    }
    _write(tmp_path, kept)
    assert read_record(path)["metrics"]["mark"] == 1  # made by today's scoring code: used as stored
    _write(tmp_path, kept | {"metrics_code": "older"})
    assert read_record(path)["metrics"]["accuracy"] == 0.75  # other scoring code: recomputed in memory


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scoring": None}, "scoring"),
        ({"timing": {"train_seconds": math.nan, "predict_seconds_per_query": 0.1}}, "timing.train_seconds"),
        ({"seed": "zero"}, "seed"),
        ({"predictions": "abc"}, "predictions"),
        ({"surprise": 1}, "surprise: unknown field"),
    ],
)
def test_a_bad_record_is_one_line_naming_the_file_and_the_field(tmp_path: Path, change: dict, field: str) -> None:
    record = cell_record("toy/rag/full/seed0", GOLD, PRED) | change
    if change.get("scoring", 1) is None:
        del record["scoring"]
    path = _write(tmp_path, record)
    with pytest.raises(RagorftError) as err:
        load_records(tmp_path / "s")
    message = str(err.value)
    assert str(path) in message and field in message and "\n" not in message


def test_rescore_rewrites_metrics_of_stored_predictions(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    stale = cell_record("toy/rag/full/seed0", GOLD, PRED) | {
        "metrics": {"accuracy": 0.5, "accuracy_ci": [0.4, 0.6], "macro_f1": 0.5, "macro_f1_ci": [0.4, 0.6]},
        "metrics_code": "older",
    }
    path = _write(tmp_path, stale)
    fresh = _write(tmp_path, cell_record("toy/knn/full/seed0", GOLD, GOLD), "toy__knn__full__seed0.json")
    assert main(["rescore", "--suite", "s", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "toy/rag/full/seed0: 50.0 -> 75.0" in out and "toy/knn/full/seed0: unscored -> 100.0" in out
    record = read_json(path)  # the checksum still holds (read_json checks it)
    assert record["metrics"]["accuracy"] == 0.75 and record["metrics_code"] == metrics_code()
    assert read_json(fresh)["metrics"]["accuracy"] == 1.0
    assert main(["rescore", "--suite", "s", "--results-dir", str(tmp_path)]) == 0
    assert "2 records, 0 rewritten" in capsys.readouterr().out  # nothing left to change
