"""Paired comparisons of two strategies on the same test items, and confusions every strategy shares.

Two cells of a suite score a prefix of one seeded test order, so on their common items the
comparison is paired: the bootstrap resamples items (not strategies independently), and McNemar's
exact test looks only at the items on which they disagree. A difference whose interval contains
0 is a tie: on that task, at that sample size, the technique did not matter.

ONE significance rule for the whole project (``significant``): McNemar's exact test on the common
items, Holm-corrected over the family of comparisons made together (the matrix: all pairs of a
corpus; a recommendation: the most accurate candidate against each other one; ``compare``: one
cell). The verdicts, the report's matrix and ``ragorft compare`` all call it, so a pair is never
"significant" on one page and a tie on another. The bootstrap interval is the effect size beside it.

Seeds: the seeds of one run at one budget are one candidate. ``item_correctness`` averages their
correctness per common item; the paired test then counts the items on which one candidate is right
more often than the other (the exact sign test, which *is* McNemar's exact test with one seed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.metrics import bootstrap_ci, wilson_ci
from scipy.stats import norm

N_RESAMPLES = 2000
CONFIDENCE = 0.95
ALPHA = 0.05


def significant(p_values: Sequence[float], alpha: float = ALPHA) -> tuple[list[bool], list[float]]:
    """THE significance rule: (reject, Holm-adjusted p) for McNemar exact p-values of one family.

    Every place that calls a difference significant (recommendation, significance matrix,
    ``compare``) calls this, with the family it tests together.
    """
    from statsmodels.stats.multitest import multipletests  # heavy import: only when testing

    if len(p_values) == 0:
        return [], []
    reject, adjusted, _, _ = multipletests(list(p_values), alpha=alpha, method="holm")
    return [bool(x) for x in reject], [float(x) for x in adjusted]


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
    return item_correct(a)[ia], item_correct(b)[ib], [a["test_items"][i] for i in ia]


def item_correct(record: dict[str, Any]) -> np.ndarray:
    """Per-item correctness: label equality, or for QA records the exact match over all gold answers.

    A QA record's ``gold`` holds the first gold answer only; its per-item exact match (against
    every gold answer, SQuAD-normalised) is in ``metrics.per_item.em``, and that is what is paired.
    """
    per_item = record.get("metrics", {}).get("per_item")
    if per_item is not None:
        return np.asarray(per_item["em"], dtype=float)
    return (np.asarray(record["predictions"], dtype=object) == np.asarray(record["gold"], dtype=object)).astype(float)


def _mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def paired_bootstrap_ci(correct_a: np.ndarray, correct_b: np.ndarray, *, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of accuracy(a) - accuracy(b), resampling test items jointly.

    Where the items do not vary (both right or both wrong on every item, or one item) every
    resample gives the same difference, and the bootstrap's interval has zero width: n agreeing
    items do not prove the two identical. There the interval is the adjusted Wald interval for
    paired proportions (``paired_wald_ci``), which is never zero-width.
    """
    if len(correct_a) < 2 or (correct_a == correct_b).all():
        return paired_wald_ci(correct_a, correct_b)
    return bootstrap_ci(_mean_difference, correct_a, correct_b, seed=seed, vectorized=True, n_resamples=N_RESAMPLES)


def paired_wald_ci(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[float, float]:
    """Bonett & Price's adjusted Wald interval of accuracy(a) - accuracy(b) on paired items.

    The discordant counts get one pseudo-item each and the items two (Bonett and Price, "Adjusted
    Wald confidence interval for a difference of binomial proportions based on paired data",
    2012), so the interval has width even when no item is discordant. Per-item scores that are
    means over seeds count as fractional discordance. Clipped to [-1, 1].
    """
    a, b = np.asarray(correct_a, dtype=float), np.asarray(correct_b, dtype=float)
    n = len(a)
    if n < 1:
        return float("nan"), float("nan")
    diff = a - b
    p12 = (float(np.clip(diff, 0, None).sum()) + 1) / (n + 2)
    p21 = (float(np.clip(-diff, 0, None).sum()) + 1) / (n + 2)
    z = float(norm.ppf(0.5 + CONFIDENCE / 2))
    half = z * np.sqrt(max(p12 + p21 - (p12 - p21) ** 2, 0.0) / (n + 2))
    centre = p12 - p21
    return float(max(-1.0, centre - half)), float(min(1.0, centre + half))


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
    p_adjusted: float | None = None  # Holm-adjusted within its family; None: a family of one
    family: int = 1

    @property
    def p(self) -> float:
        return self.mcnemar_p if self.p_adjusted is None else self.p_adjusted

    @property
    def tie(self) -> bool:
        """Not significant under THE rule (``significant``), whatever the interval says."""
        return not self.p < ALPHA

    def in_family(self, adjusted: float, family: int) -> PairedComparison:
        return PairedComparison(**{**asdict(self), "p_adjusted": adjusted, "family": family})

    def verdict(self) -> str:
        lo, hi = self.difference_ci
        ci = f"{100 * self.difference:+.1f} pts [{100 * lo:+.1f}, {100 * hi:+.1f}]"
        tail = f"McNemar exact p = {self.mcnemar_p:.3g}"
        if self.family > 1:
            tail += f", Holm-adjusted over {self.family} comparisons p = {self.p:.3g}"
        tail += f", {self.only_a_right} vs {self.only_b_right} discordant items"
        if self.tie:
            return f"{self.a} vs {self.b}: not significantly different, {ci} ({tail}; n = {self.n_items})"
        better, worse = (self.a, self.b) if self.difference > 0 else (self.b, self.a)
        return f"{better} beats {worse}: {self.a} - {self.b} = {ci} ({tail}; n = {self.n_items})"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tie": self.tie}


def item_correctness(records: Sequence[dict[str, Any]]) -> tuple[list[Any], np.ndarray, list[Any]]:
    """(common items, seeds x items 0/1 matrix, gold) for the seeds of one candidate, on the items all scored."""
    first = records[0]
    common = list(first["test_items"])
    for seen in (set(r["test_items"]) for r in records[1:]):  # one set per seed, not one per item
        common = [it for it in common if it in seen]
    rows, gold = [], None
    for r in records:
        pos = {it: i for i, it in enumerate(r["test_items"])}
        g = [r["gold"][pos[it]] for it in common]
        if gold is not None and g != gold:
            raise RagorftError(f"{r.get('cell_id')}: seeds disagree on the gold label of a common test item")
        gold = g
        correct = item_correct(r)  # label equality, or a QA record's exact match over all gold answers
        rows.append([float(correct[pos[it]]) for it in common])
    return common, np.asarray(rows, dtype=float), gold or []


def seeds_items_ci(matrix: np.ndarray, *, seed: int = 0) -> tuple[float, float]:
    """95% interval of mean accuracy over seeds and items: the wider of two intervals, bound by bound.

    A two-way bootstrap resampling seeds (training samples) AND test items carries the seeds'
    spread; the Wilson interval of the mean on the items keeps it from collapsing to zero width
    where every seed gets every item right (or wrong).
    """
    n_seeds, n_items = matrix.shape
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n_seeds, size=(N_RESAMPLES, n_seeds))
    i = rng.integers(0, n_items, size=(N_RESAMPLES, n_items))
    means = np.array([matrix[np.ix_(s[k], i[k])].mean() for k in range(N_RESAMPLES)])
    lo, hi = np.percentile(means, [100 * (1 - CONFIDENCE) / 2, 100 * (1 + CONFIDENCE) / 2])
    w_lo, w_hi = wilson_ci(float(matrix.mean()), n_items)
    return float(min(lo, w_lo)), float(max(hi, w_hi))


def _as_seeds(x: dict[str, Any] | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x] if isinstance(x, dict) else list(x)


def compare(
    name_a: str,
    a: dict[str, Any] | Sequence[dict[str, Any]],
    name_b: str,
    b: dict[str, Any] | Sequence[dict[str, Any]],
    *,
    seed: int = 0,
) -> PairedComparison:
    """Paired comparison of two candidates (a record, or the records of its seeds) on their common items."""
    seeds_a, seeds_b = _as_seeds(a), _as_seeds(b)
    if len(seeds_a) > 1 or len(seeds_b) > 1:
        ca, cb = _mean_correct_on_common(seeds_a, seeds_b)
    else:
        ca, cb, _ = paired_correct(seeds_a[0], seeds_b[0])
    return paired_from_correct(name_a, ca, name_b, cb, seed=seed)


def paired_from_correct(name_a: str, ca: np.ndarray, name_b: str, cb: np.ndarray, *, seed: int = 0) -> PairedComparison:
    """The paired comparison of two per-item correctness vectors over the same items (0/1, or a
    mean over seeds): McNemar's discordant counts, the bootstrap interval of the difference."""
    only_a = int((ca > cb).sum())  # binary: right where b is wrong; seeds: right more often
    only_b = int((ca < cb).sum())
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


def _mean_correct_on_common(
    seeds_a: list[dict[str, Any]], seeds_b: list[dict[str, Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Per common item, each candidate's correctness averaged over its seeds (fractions in [0, 1])."""
    items_a, ma, gold_a = item_correctness(seeds_a)
    items_b, mb, gold_b = item_correctness(seeds_b)
    pos_b = {it: i for i, it in enumerate(items_b)}
    pairs = [(i, pos_b[it]) for i, it in enumerate(items_a) if it in pos_b]
    if not pairs:
        raise RagorftError(f"{seeds_a[0].get('cell_id')} and {seeds_b[0].get('cell_id')} share no test items")
    ia, ib = (np.array(x) for x in zip(*pairs, strict=True))
    if any(gold_a[i] != gold_b[j] for i, j in pairs):
        raise RagorftError("two candidates disagree on the gold label of a common test item")
    return ma.mean(axis=0)[ia], mb.mean(axis=0)[ib]


MIN_LABEL_ITEMS = 5  # a pair's rate on fewer items per label reads 0% or 100%: no evidence


@dataclass
class SharedConfusion:
    """An (unordered) label pair that every candidate mixes up on the same items: a data problem, not a model one."""

    labels: tuple[str, str]
    rates: dict[str, float]  # candidate -> swaps of the pair over the pair's common items
    swaps: dict[str, int]  # candidate -> how many of the pair's items it swapped
    support: int  # the pair's items on the common test items (both labels)
    confused_by: int
    of: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def shared_confusions(
    records: dict[str, dict[str, Any]], *, min_rate: float = 0.05, min_items: int = MIN_LABEL_ITEMS
) -> tuple[list[SharedConfusion], int, int]:
    """(pairs every record confuses above ``min_rate``, common items, labels with >= ``min_items`` of them).

    Computed on the test items every record scored, over gold labels with at least ``min_items``
    of those items each: rates on one or two items are noise, and records scored on different
    items do not share a confusion by construction.
    """
    if not records:
        return [], 0, 0
    if any(r.get("metrics", {}).get("per_item") is not None for r in records.values()):
        return [], 0, 0  # QA: a (gold answer, wrong answer) pair is one question's error, not a label confusion
    views = []
    for r in records.values():
        pos = {it: i for i, it in enumerate(r["test_items"])}
        views.append(pos)
    common = [it for it in next(iter(records.values()))["test_items"] if all(it in v for v in views)]
    first = next(iter(records.values()))
    gold = [first["gold"][views[0][it]] for it in common]
    support = Counter(gold)
    enough = {lab for lab, n in support.items() if n >= min_items}
    swaps: dict[str, Counter] = {}
    for (name, r), pos in zip(records.items(), views, strict=True):
        preds = [r["predictions"][pos[it]] for it in common]
        swaps[name] = Counter(
            tuple(sorted((g, p))) for g, p in zip(gold, preds, strict=True) if g != p and g in enough and p in enough
        )
    out = []
    for pair in sorted({p for c in swaps.values() for p in c}):
        n = support[pair[0]] + support[pair[1]]
        rates = {name: c.get(pair, 0) / n for name, c in swaps.items()}
        count = sum(v >= min_rate for v in rates.values())
        if count == len(records):
            counts = {name: c.get(pair, 0) for name, c in swaps.items()}
            out.append(SharedConfusion(pair, rates, counts, n, count, len(records)))
    return sorted(out, key=lambda s: -np.mean(list(s.rates.values()))), len(common), len(enough)


def errors_in_pairs(record: dict[str, Any], pairs: list[tuple[str, str]]) -> int:
    """How many of a record's errors swap the two labels of one of ``pairs``."""
    wanted = {tuple(sorted(p)) for p in pairs}
    return sum(
        1
        for g, p in zip(record["gold"], record["predictions"], strict=True)
        if g != p and tuple(sorted((g, p))) in wanted
    )
