"""Paired comparison of two sets of cell records: did a cell get significantly worse?

Two runs of the same cell are compared on the test items both scored (the same corpus items, by
index), so the test is paired: McNemar's exact test on the items one got right and the other
wrong, and a paired bootstrap interval of the accuracy change. A cell counts as a regression only
when the change is significant (p < alpha), the whole interval lies below zero, and the drop is
larger than the tolerance; noise inside the interval never fails. A cell present in the old run
and absent from the new one fails too, because a silently dropped cell would hide a regression.

A gate must not say "ok" where it could not have seen the regression it guards, so a cell is
*inconclusive* (and fails) when its shared items are too few for any change to reach
significance, or when it dropped by more than the tolerance without the items to confirm it:
a strategy that always answers one label passed on 4 items (-75 points, p 0.25) before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
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

    The statistics are the scorer's (ragorft.benchmarks.score.stats): one implementation of the paired
    bootstrap and McNemar's exact test for the report, ``compare`` and ``recommend``.
    """
    x, y, _ = paired_correct(old, new)
    only_old = int(np.sum((x == 1) & (y == 0)))
    only_new = int(np.sum((x == 0) & (y == 1)))
    delta = float(y.mean() - x.mean())
    lo, hi = paired_bootstrap_ci(y, x, seed=seed) if bootstrap else (float("nan"), float("nan"))
    p_value = mcnemar_exact_p(only_old, only_new)
    return PairedTest(len(x), float(x.mean()), float(y.mean()), delta, lo, hi, p_value, only_old, only_new)


@dataclass(frozen=True)
class CellComparison:
    cell_id: str
    status: str  # ok | better | regression | missing | new | incomparable | unreadable | inconclusive
    test: PairedTest | None = None
    note: str = ""

    @property
    def fails(self) -> bool:
        return self.status in ("regression", "missing", "incomparable", "unreadable", "inconclusive")


@cache
def fewest_items(alpha: float) -> int:
    """The fewest paired items on which any change can be significant: every item flipped one way."""
    for n in range(1, 64):
        if significant([mcnemar_exact_p(n, 0)], alpha=alpha)[0][0]:
            return n
    return 64


def inconclusive(t: PairedTest, *, tolerance: float, alpha: float) -> str:
    """Why a non-significant comparison cannot say "ok" (empty when it can)."""
    least = fewest_items(alpha)
    if t.n_items < least:
        return f"{t.n_items} shared items: no change on fewer than {least} can reach p < {alpha:g}, so none is seen"
    if t.delta < -tolerance:
        return (
            f"a drop of {-100 * t.delta:.1f} points that {t.n_items} items cannot confirm "
            f"(McNemar p {t.p_value:.3g}): too few to tell a regression from noise"
        )
    return ""


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
        elif why := inconclusive(t, tolerance=tolerance, alpha=alpha):
            out.append(CellComparison(cid, "inconclusive", t, why))
            continue
        else:
            status = "ok"
        out.append(CellComparison(cid, status, t))
    return out


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
