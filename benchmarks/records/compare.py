"""Comparing two runs' record folders: the file side of ``ragorft compare`` (score/regression.py judges).

Here, not in score/, because it reads records through the store, which scores them on read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.records.store import read_record
from ragorft.benchmarks.score.regression import CellComparison, compare_records


def cells_dir(path: Path) -> Path:
    """Accept a suite folder (with ``cells/``) or the ``cells`` folder itself."""
    path = Path(path)
    if (path / "cells").is_dir():
        return path
    if path.name == "cells" and path.is_dir():
        return path.parent
    raise RagorftError("no cells/ folder of records here", path=path)


def _read_all(suite_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """({file name: record}, {file name: why it cannot be read}) for every record file of a run."""
    good: dict[str, dict[str, Any]] = {}
    bad: dict[str, str] = {}
    for path in sorted((cells_dir(suite_dir) / "cells").glob("*.json")):
        try:
            good[path.name] = read_record(path)
        except RagorftError as exc:
            bad[path.name] = str(exc)
    return good, bad


def compare_dirs(
    old: Path, new: Path, *, tolerance: float = 0.01, alpha: float = 0.05
) -> tuple[list[CellComparison], list[dict[str, Any]], list[dict[str, Any]]]:
    """Compare two runs' record folders; a record file either side cannot read fails, naming the file.

    Why not refuse the whole comparison (exit 2): the gate must fail (exit 1) on a baseline cell
    it cannot check, and a corrupt new record is exactly what a broken run would produce. The
    unreadable file's cell is identified by its file name (the runner's ``corpus__run__budget__seedN``),
    so its readable counterpart on the other side is not reported as merely "new" or "missing".
    """
    old_ok, old_bad = _read_all(old)
    new_ok, new_bad = _read_all(new)
    if not old_ok and not old_bad:
        raise RagorftError("the baseline has no cell records", path=cells_dir(old) / "cells")
    unreadable = [
        CellComparison(f"{side}/{name}", "unreadable", note=why)
        for side, bad in (("baseline", old_bad), ("new run", new_bad))
        for name, why in sorted(bad.items())
    ]
    skip = set(old_bad) | set(new_bad)  # judged above, not again as "new" or "missing"
    old_records = [r for name, r in old_ok.items() if name not in skip]
    new_records = [r for name, r in new_ok.items() if name not in skip]
    rows = unreadable + compare_records(old_records, new_records, tolerance=tolerance, alpha=alpha)
    return rows, list(old_ok.values()), list(new_ok.values())
