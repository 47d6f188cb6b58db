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
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from benchmarks.errors import RagorftError
from benchmarks.results import load_records

BOOTSTRAP_RESAMPLES = 2000


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


def correct_by_item(record: dict[str, Any]) -> dict[int, bool]:
    """Test item index -> whether the cell predicted it right."""
    items, gold, pred = record["test_items"], record["gold"], record["predictions"]
    if not (len(items) == len(gold) == len(pred)):
        raise RagorftError(
            f"record has {len(items)} test items, {len(gold)} gold labels and {len(pred)} predictions",
            path=record.get("cell_id", "?"),
        )
    return {int(i): g == p for i, g, p in zip(items, gold, pred, strict=True)}


def paired_test(
    old: dict[str, Any], new: dict[str, Any], *, seed: int = 0, confidence: float = 0.95, bootstrap: bool = True
) -> PairedTest:
    """Compare two records on the test items both of them scored (``bootstrap=False``: no interval, NaN)."""
    a, b = correct_by_item(old), correct_by_item(new)
    shared = sorted(set(a) & set(b))
    if not shared:
        raise RagorftError("the two records share no test items", path=old.get("cell_id", "?"))
    x = np.array([a[i] for i in shared], dtype=float)
    y = np.array([b[i] for i in shared], dtype=float)
    only_old = int(np.sum((x == 1) & (y == 0)))
    only_new = int(np.sum((x == 0) & (y == 1)))
    both = int(np.sum((x == 1) & (y == 1)))
    neither = len(shared) - only_old - only_new - both
    p_value = float(mcnemar([[both, only_old], [only_new, neither]], exact=True).pvalue)
    diff = y - x
    delta = float(diff.mean())
    if not bootstrap:
        lo = hi = float("nan")
    elif only_old == only_new == 0:
        lo = hi = delta  # identical on every item: the interval is a point
    else:
        ci = stats.bootstrap(
            (diff,),
            np.mean,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=confidence,
            method="percentile",
            vectorized=True,
            rng=np.random.default_rng(seed),
        ).confidence_interval
        lo, hi = float(ci.low), float(ci.high)
    return PairedTest(len(shared), float(x.mean()), float(y.mean()), delta, lo, hi, p_value, only_old, only_new)


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
    status: str  # ok | better | regression | missing | new | incomparable
    test: PairedTest | None = None
    note: str = ""

    @property
    def fails(self) -> bool:
        return self.status in ("regression", "missing", "incomparable")


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
        except RagorftError as exc:
            out.append(CellComparison(cid, "incomparable", note=str(exc)))
            continue
        significant = t.p_value < alpha
        if significant and t.delta_hi < 0 and t.delta < -tolerance:
            status = "regression"
        elif significant and t.delta_lo > 0:
            status = "better"
        else:
            status = "ok"
        out.append(CellComparison(cid, status, t))
    return out


def compare_dirs(
    old: Path, new: Path, *, tolerance: float = 0.01, alpha: float = 0.05
) -> tuple[list[CellComparison], list[dict[str, Any]], list[dict[str, Any]]]:
    old_records = load_records(cells_dir(old))
    new_records = load_records(cells_dir(new))
    if not old_records:
        raise RagorftError("the baseline has no cell records", path=cells_dir(old) / "cells")
    return compare_records(old_records, new_records, tolerance=tolerance, alpha=alpha), old_records, new_records


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
