"""The one reader of cell records: what every command that reads results goes through.

One policy for a record that cannot be trusted (its checksum fails, it is not JSON, it lacks a
field the scorer needs, or a field has the wrong type under a valid checksum): reading it is an
error that names the file. ``recommend`` and ``report`` refuse it (exit 2), and ``compare`` counts
it as a failing cell (exit 1, naming the file) rather than silently skipping it, which once let a
regression through the gate; ``bench`` never reads a results record, it recomputes any cell whose
cached copy fails these checks and overwrites the results file.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import CorruptFile, read_json
from ragorft.benchmarks.core.errors import RagorftError

REQUIRED = (
    ("cell_id",),
    ("corpus",),
    ("run",),
    ("budget_name",),
    ("test_items",),
    ("gold",),
    ("predictions",),
    ("metrics", "accuracy"),
    ("metrics", "accuracy_ci"),
    ("timing", "predict_seconds_per_query"),
    ("timing", "train_seconds"),
)


def check_record(record: Any, source: str | Path) -> dict[str, Any]:
    """Refuse a record the scorer would have to guess about; name the file and the missing field."""
    if not isinstance(record, dict):
        raise RagorftError("cell record is not a JSON object", path=source)
    for path in REQUIRED:
        node: Any = record
        for key in path:
            if not isinstance(node, dict) or key not in node:
                raise RagorftError(f"cell record lacks '{'.'.join(path)}'", path=source)
            node = node[key]
    _check_shape(record, source)
    n = len(record["test_items"])
    if not (len(record["gold"]) == len(record["predictions"]) == n) or n == 0:
        raise RagorftError("cell record: test_items, gold and predictions differ in length (or are empty)", path=source)
    return record


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_shape(record: dict[str, Any], source: str | Path) -> None:
    """The types the scorer relies on: a record with a valid checksum can still hold the wrong shape."""
    problems = [
        (all(isinstance(record[k], str) for k in ("cell_id", "corpus", "run", "budget_name")), "names are strings"),
        (isinstance(record.get("seed", 0), int) and not isinstance(record.get("seed", 0), bool), "seed is an integer"),
        (
            isinstance(record["test_items"], list | tuple)
            and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in record["test_items"])
            and len(set(record["test_items"])) == len(record["test_items"]),
            "test_items are distinct non-negative integers",
        ),
        (
            all(
                isinstance(record[k], list | tuple) and all(isinstance(x, str) for x in record[k])
                for k in ("gold", "predictions")
            ),
            "gold and predictions are lists of labels",
        ),
        (
            _number(record["metrics"]["accuracy"]) and 0 <= record["metrics"]["accuracy"] <= 1,
            "metrics.accuracy in [0, 1]",
        ),
        (
            isinstance(record["metrics"]["accuracy_ci"], list | tuple)
            and len(record["metrics"]["accuracy_ci"]) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in record["metrics"]["accuracy_ci"]),
            "metrics.accuracy_ci is [lo, hi]",
        ),
        (
            all(
                _number(record["timing"][k]) and record["timing"][k] >= 0
                for k in ("predict_seconds_per_query", "train_seconds")
            ),
            "timing values are non-negative numbers",
        ),
    ]
    for ok, rule in problems:
        if not ok:
            raise RagorftError(f"cell record has the wrong shape (expected: {rule})", path=source)


def read_record(path: str | Path) -> dict[str, Any]:
    """One checked record; a corrupt or malformed file is a RagorftError naming it."""
    try:
        return check_record(read_json(path), path)
    except CorruptFile as exc:
        raise RagorftError(str(exc), path=path) from exc


def corpus_source(records: list[dict[str, Any]], corpus: str) -> str | None:
    """Where the run found ``corpus``'s card (a name or a card path), from its records; None if unrecorded."""
    for record in records:
        if record.get("corpus") == corpus and isinstance(record.get("corpus_source"), str):
            return record["corpus_source"]
    return None


def load_cells(suite_dir: str | Path, *, allow_empty: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """(path, record) for every cell record of a suite's results, sorted by file name."""
    folder = Path(suite_dir)
    folder = folder if folder.name == "cells" else folder / "cells"
    paths = sorted(folder.glob("*.json"))
    if not paths and not allow_empty:
        raise RagorftError("no cell records (run `ragorft bench` first)", path=folder)
    return [(str(p), read_record(p)) for p in paths]


def load_records(suite_dir: str | Path) -> list[dict[str, Any]]:
    """The records alone (an empty list for a suite with none yet)."""
    return [record for _, record in load_cells(suite_dir, allow_empty=True)]
