"""The one reader of cell records: what every command that reads results goes through.

One policy for a record that cannot be trusted (its checksum fails, it is not JSON, or it does
not fit records/schema.CellRecord under a valid checksum: a missing field, NaN, a wrong type):
reading it is an error that names the file and the field. ``recommend`` and ``report`` refuse
it (exit 2), and ``compare`` counts it as a failing cell (exit 1, naming the file) rather than
silently skipping it, which once let a regression through the gate; ``bench`` recomputes any
cell whose cached copy (or results file) fails these checks and overwrites the results file.

Every record read here carries current metrics (:func:`scored`): a record holds predictions and
what scoring needs, and score/record.py computes the metrics from it, so report, recommend and
compare never read numbers computed by older scoring code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import CorruptFile, canonical_json, read_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.schema import validate
from ragorft.benchmarks.records.schema import CellRecord, ScoredView
from ragorft.benchmarks.score.record import metrics_code, score_record


def parse_record(record: Any, source: str | Path) -> dict[str, Any]:
    """``record`` if it fits :class:`CellRecord`; else one line naming ``source`` and the field."""
    validate(CellRecord, record, path=source)
    return record


def check_scored(record: Any, source: str | Path) -> dict[str, Any]:
    """A record in memory that a decision can read (its metrics attached); one line naming ``source``."""
    view = validate(ScoredView, record, path=source)
    if not (len(view.gold) == len(view.predictions) == len(view.test_items)):
        raise RagorftError("cell record: test_items, gold and predictions differ in length", path=source)
    return record


def scored(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with current metrics: its stored ones when the scoring code that made them is
    today's, else recomputed in memory from its predictions (``ragorft rescore`` writes them)."""
    code = metrics_code()
    if record.get("metrics") is not None and record.get("metrics_code") == code:
        return record
    metrics = json.loads(canonical_json(score_record(record)))  # as a file stores them (tuples become lists)
    return record | {"metrics": metrics, "metrics_code": code}


def read_record(path: str | Path) -> dict[str, Any]:
    """One validated record with current metrics; a corrupt or malformed file is a RagorftError naming it."""
    try:
        return scored(parse_record(read_json(path), path))
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
