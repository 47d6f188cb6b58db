"""What a bench run would do, before it does it: per cell cached / stale (and why) / new, and how long.

One estimator for both readers, ``ragorft bench --plan`` and the bench's progress line: a cell's
time is its own last record's measured ``timing.cell_seconds``; else the mean over the previous
records of the same run, then of the same strategy, on that corpus, scaled by test items; else
unknown (said, not guessed). An ETA from the cells finished so far misleads when cells differ by
orders of magnitude (an LM cell next to a retrieval one), so the records' own times are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import CorruptFile, read_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.sampling import sample_budget
from ragorft.benchmarks.run import measure
from ragorft.benchmarks.run.cell import CorpusData
from ragorft.benchmarks.run.cellspec import Cell, budget_name


def resolve(cell: Cell, timed_queries: int | None = None) -> Cell:
    """The cell as its job carries it: the timing sample it will use, written into it."""
    return replace(cell, timed_queries=int(timed_queries or cell.timed_queries or measure.TIMED_QUERIES))


def record_filename(cell: Cell) -> str:
    return f"{cell.corpus}__{cell.run}__{budget_name(cell.budget)}__seed{cell.seed}.json"


def check_budget(cell: Cell, data: CorpusData, suite_path: Path) -> None:
    """Refuse a budget larger than the smallest class of the cell's training pool now, before any
    cell runs, with the same draw the cell would make (data/sampling.sample_budget)."""
    if cell.budget == "full":
        return
    pool, _ = data.pools(cell.seed)
    try:
        sample_budget(pool, cell.budget, cell.seed, source=f"{cell.corpus} train")
    except RagorftError as exc:
        raise RagorftError(f"{cell.id}: {exc}", path=suite_path) from None


def n_items(cell: Cell, data: CorpusData) -> int:
    return len(data.test_order[: cell.max_test_items or None])


def _seconds(record: dict[str, Any]) -> float | None:
    value = (record.get("timing") or {}).get("cell_seconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


class Estimator:
    """Seconds per cell from the previous records of a suite's results folder (any schema)."""

    def __init__(self, out_dir: Path):
        self.by_file: dict[str, dict[str, Any]] = {}
        for path in sorted(Path(out_dir).glob("*.json")) if Path(out_dir).is_dir() else []:
            try:
                self.by_file[path.name] = read_json(path)
            except CorruptFile:
                continue

    def add(self, cell: Cell, record: dict[str, Any]) -> None:
        """A record computed in this run informs the estimates of the cells after it."""
        self.by_file[record_filename(cell)] = record

    def seconds(self, cell: Cell, items: int) -> float | None:
        own = self.by_file.get(record_filename(cell))
        if own is not None and _seconds(own) is not None:
            return _seconds(own)
        for same in ("run", "strategy"):
            scaled = [
                _seconds(r) * items / r["n_test"]
                for r in self.by_file.values()
                if r.get("corpus") == cell.corpus
                and r.get(same) == getattr(cell, same)
                and _seconds(r) is not None
                and isinstance(r.get("n_test"), int)
                and r["n_test"] > 0
            ]
            if scaled:
                return sum(scaled) / len(scaled)
        return None


@dataclass(frozen=True)
class PlannedCell:
    cell_id: str
    status: str  # "cached", "stale" or "new"
    why: str  # stale: key.explain's reason
    seconds: float | None  # None: cached (nothing to run) or unknown


def eta(estimates: list[float | None]) -> tuple[float, int]:
    """(known seconds summed, how many cells have no estimate)."""
    return sum(x for x in estimates if x is not None), sum(x is None for x in estimates)
