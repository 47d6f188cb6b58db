"""Paired comparison of two sets of cell records: did a cell get significantly worse?

Two runs of the same cell are compared on the test items both scored (the same corpus items, by
index), so the test is paired: McNemar's exact test on the items one got right and the other
wrong, and a paired bootstrap interval of the accuracy change. A cell counts as a regression only
when the change is significant (p < alpha), the whole interval lies below zero, and the drop is
larger than the tolerance; noise inside the interval never fails. A cell present in the old run
and absent from the new one fails too, because a silently dropped cell would hide a regression.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.records.store import read_record
from ragorft.benchmarks.score.stats import mcnemar_exact_p, paired_bootstrap_ci, paired_correct, significant


@dataclass(frozen=True)
class PairedTest:
    """Accuracy of two runs on their shared items, the change, its interval and McNemar's p."""

    n_items: int
    accuracy_old: float
    accuracy_new: float
    delta: float
    delta_lo: float
    delta_hi: float
    p_value: float
    only_old_right: int
    only_new_right: int


def paired_test(old: dict[str, Any], new: dict[str, Any], *, seed: int = 0, bootstrap: bool = True) -> PairedTest:
    """Compare two records on the test items both of them scored (``bootstrap=False``: no interval, NaN).

    The statistics are the scorer's (benchmarks.stats): one implementation of the paired
    bootstrap and McNemar's exact test for the report, ``compare`` and ``recommend``.
    """
    x, y, _ = paired_correct(old, new)
    only_old = int(np.sum((x == 1) & (y == 0)))
    only_new = int(np.sum((x == 0) & (y == 1)))
    delta = float(y.mean() - x.mean())
    lo, hi = paired_bootstrap_ci(y, x, seed=seed) if bootstrap else (float("nan"), float("nan"))
    p_value = mcnemar_exact_p(only_old, only_new)
    return PairedTest(len(x), float(x.mean()), float(y.mean()), delta, lo, hi, p_value, only_old, only_new)


def cells_dir(path: Path) -> Path:
    """Accept a suite folder (with ``cells/``) or the ``cells`` folder itself."""
    path = Path(path)
    if (path / "cells").is_dir():
        return path
    if path.name == "cells" and path.is_dir():
        return path.parent
    raise RagorftError("no cells/ folder of records here", path=path)


@dataclass(frozen=True)
class CellComparison:
    cell_id: str
    status: str  # ok | better | regression | missing | new | incomparable | unreadable
    test: PairedTest | None = None
    note: str = ""

    @property
    def fails(self) -> bool:
        return self.status in ("regression", "missing", "incomparable", "unreadable")


def compare_records(
    old: list[dict[str, Any]], new: list[dict[str, Any]], *, tolerance: float = 0.01, alpha: float = 0.05
) -> list[CellComparison]:
    """Every cell of either run, with its verdict; ``tolerance`` is an accuracy drop (0.01 = 1 point)."""
    by_old = {r["cell_id"]: r for r in old}
    by_new = {r["cell_id"]: r for r in new}
    out = []
    for cid in sorted(set(by_old) | set(by_new)):
        if cid not in by_new:
            out.append(CellComparison(cid, "missing", note="cell is in the baseline but not in the new run"))
            continue
        if cid not in by_old:
            out.append(CellComparison(cid, "new", note="not in the baseline"))
            continue
        if by_old[cid].get("corpus_key") != by_new[cid].get("corpus_key"):
            out.append(CellComparison(cid, "incomparable", note="corpus files differ (corpus_key changed)"))
            continue
        try:
            t = paired_test(by_old[cid], by_new[cid], seed=int(by_new[cid].get("seed", 0)))
        except (RagorftError, ValueError, TypeError, IndexError) as exc:  # unscoreable: fails, never skipped
            out.append(CellComparison(cid, "incomparable", note=str(exc)))
            continue
        is_significant = significant([t.p_value], alpha=alpha)[0][0]  # THE rule (score/stats), one cell
        if is_significant and t.delta_hi < 0 and t.delta < -tolerance:
            status = "regression"
        elif is_significant and t.delta_lo > 0:
            status = "better"
        else:
            status = "ok"
        out.append(CellComparison(cid, status, t))
    return out


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


def comparison_table(rows: list[CellComparison]) -> str:
    """A markdown table: one row per cell, accuracy in points."""
    import pandas as pd

    def pts(x: float | None) -> str:
        return "" if x is None else f"{100 * x:+.1f}"

    table = pd.DataFrame(
        [
            {
                "cell": r.cell_id,
                "status": r.status.upper() if r.fails else r.status,
                "items": r.test.n_items if r.test else "",
                "old acc": f"{100 * r.test.accuracy_old:.1f}" if r.test else "",
                "new acc": f"{100 * r.test.accuracy_new:.1f}" if r.test else "",
                "change": pts(r.test.delta) if r.test else "",
                "95% interval": f"[{pts(r.test.delta_lo)}, {pts(r.test.delta_hi)}]" if r.test else "",
                "McNemar p": f"{r.test.p_value:.3g}" if r.test else "",
                "note": r.note,
            }
            for r in rows
        ]
    )
    return table.to_markdown(index=False)
