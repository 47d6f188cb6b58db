"""Paired comparisons of two strategies on the same test items, and confusions every strategy shares.

Two cells of a suite score a prefix of one seeded test order, so on their common items the
comparison is paired: the bootstrap resamples items (not strategies independently), and McNemar's
exact test looks only at the items on which they disagree. A difference whose interval contains
0 is a tie: on that task, at that sample size, the technique did not matter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.metrics import bootstrap_ci

N_RESAMPLES = 2000
CONFIDENCE = 0.95


def paired_correct(a: dict[str, Any], b: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Correctness of both records on their common test items (ordered as in ``a``)."""
    pos_b = {item: i for i, item in enumerate(b["test_items"])}
    common = [(i, pos_b[item]) for i, item in enumerate(a["test_items"]) if item in pos_b]
    if not common:
        raise RagorftError(f"{a.get('cell_id')} and {b.get('cell_id')} share no test items: nothing to pair")
    ia, ib = (np.array(x) for x in zip(*common, strict=True))
    gold_a, gold_b = np.asarray(a["gold"], dtype=object)[ia], np.asarray(b["gold"], dtype=object)[ib]
    if (gold_a != gold_b).any():
        raise RagorftError(
            f"{a.get('cell_id')} and {b.get('cell_id')} disagree on the gold label of a common test item: "
            "they were not scored on the same corpus version"
        )
    ca = (np.asarray(a["predictions"], dtype=object)[ia] == gold_a).astype(float)
    cb = (np.asarray(b["predictions"], dtype=object)[ib] == gold_b).astype(float)
    return ca, cb, [a["test_items"][i] for i in ia]


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def paired_bootstrap_ci(correct_a: np.ndarray, correct_b: np.ndarray, *, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of accuracy(a) - accuracy(b), resampling test items jointly."""
    if len(correct_a) < 2 or (correct_a == correct_b).all():
        d = float(np.mean(correct_a) - np.mean(correct_b))
        return d, d  # identical outcomes on every item: every resample differs by exactly this
    return bootstrap_ci(_mean_difference, correct_a, correct_b, seed=seed, vectorized=True, n_resamples=N_RESAMPLES)


def mcnemar_exact_p(only_a: int, only_b: int) -> float:
    """Exact (binomial) McNemar p-value from the two discordant counts."""
    from statsmodels.stats.contingency_tables import mcnemar  # heavy import: only when testing

    if only_a + only_b == 0:
        return 1.0
    return float(mcnemar([[0, only_a], [only_b, 0]], exact=True).pvalue)


@dataclass
class PairedComparison:
    a: str
    b: str
    n_items: int
    accuracy_a: float
    accuracy_b: float
    difference: float  # accuracy_a - accuracy_b on the common items
    difference_ci: tuple[float, float]
    only_a_right: int
    only_b_right: int
    mcnemar_p: float

    @property
    def tie(self) -> bool:
        lo, hi = self.difference_ci
        return lo <= 0.0 <= hi

    def verdict(self) -> str:
        lo, hi = self.difference_ci
        ci = f"{100 * self.difference:+.1f} pts [{100 * lo:+.1f}, {100 * hi:+.1f}]"
        tail = f"McNemar exact p = {self.mcnemar_p:.3g}, {self.only_a_right} vs {self.only_b_right} discordant items"
        if self.tie:
            return f"{self.a} vs {self.b}: tie, {ci} contains 0 ({tail}; n = {self.n_items})"
        better, worse = (self.a, self.b) if self.difference > 0 else (self.b, self.a)
        return f"{better} beats {worse}: {self.a} - {self.b} = {ci} ({tail}; n = {self.n_items})"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tie": self.tie}


def compare(name_a: str, a: dict[str, Any], name_b: str, b: dict[str, Any], *, seed: int = 0) -> PairedComparison:
    ca, cb, _ = paired_correct(a, b)
    only_a = int(((ca == 1) & (cb == 0)).sum())
    only_b = int(((ca == 0) & (cb == 1)).sum())
    return PairedComparison(
        a=name_a,
        b=name_b,
        n_items=len(ca),
        accuracy_a=float(ca.mean()),
        accuracy_b=float(cb.mean()),
        difference=float(ca.mean() - cb.mean()),
        difference_ci=paired_bootstrap_ci(ca, cb, seed=seed),
        only_a_right=only_a,
        only_b_right=only_b,
        mcnemar_p=mcnemar_exact_p(only_a, only_b),
    )


@dataclass
class SharedConfusion:
    """An (unordered) label pair that nearly every strategy mixes up: a data problem, not a model one."""

    labels: tuple[str, str]
    rates: dict[str, float]  # strategy -> confusion rate of the pair on its test items
    confused_by: int
    of: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pair_confusion_rates(record: dict[str, Any]) -> dict[tuple[str, str], float]:
    """For each unordered pair {x, y}: items of x predicted y plus y predicted x, over their support."""
    support = Counter(record["gold"])
    swaps = Counter(tuple(sorted((g, p))) for g, p in zip(record["gold"], record["predictions"], strict=True) if g != p)
    return {pair: n / (support[pair[0]] + support[pair[1]]) for pair, n in swaps.items()}


def shared_confusions(records: dict[str, dict[str, Any]], *, min_rate: float = 0.05) -> list[SharedConfusion]:
    """Pairs confused above ``min_rate`` by every strategy, or all but one when there are three or more."""
    if not records:
        return []
    rates = {name: pair_confusion_rates(r) for name, r in records.items()}
    need = len(records) - 1 if len(records) >= 3 else len(records)
    pairs = {p for r in rates.values() for p, v in r.items() if v >= min_rate}
    out = []
    for pair in sorted(pairs):
        by = {name: r.get(pair, 0.0) for name, r in rates.items()}
        count = sum(v >= min_rate for v in by.values())
        if count >= need:
            out.append(SharedConfusion(pair, by, count, len(records)))
    return sorted(out, key=lambda s: -np.mean(list(s.rates.values())))


def errors_in_pairs(record: dict[str, Any], pairs: list[tuple[str, str]]) -> int:
    """How many of a record's errors swap the two labels of one of ``pairs``."""
    wanted = {tuple(sorted(p)) for p in pairs}
    return sum(
        1
        for g, p in zip(record["gold"], record["predictions"], strict=True)
        if g != p and tuple(sorted((g, p))) in wanted
    )
