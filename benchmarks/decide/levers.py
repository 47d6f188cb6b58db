"""The two levers of step 2, measured on every record of the corpus: more data, and a bigger base.

- Data: one recipe (a run and its effective options, seeds pooled, whichever suite ran it) at two
  or more budgets. Two budgets are evidence when their paired gap is significant (THE rule of
  score/stats: McNemar exact on the common test items, Holm over the comparisons the step makes),
  reported with its paired bootstrap interval; three or more give a least-squares slope with a
  paired bootstrap interval. Two points are a gap, not a curve: enough to say data helps, and by
  how much between them.
- Size: one strategy with the same options but its base, at one budget, on two or more bases the
  model registry sizes (encoders included): the same gap or slope, on log2 nominal parameters.

Both are stated per doubling (of training examples, of parameters): the one unit the two levers
share, so the tree can rank them and price each route to the bar in doublings.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import pct
from ragorft.benchmarks.decide.candidates import Candidate, base_kind
from ragorft.benchmarks.models.registry import registry
from ragorft.benchmarks.score.stats import (
    CONFIDENCE,
    N_RESAMPLES,
    PairedComparison,
    compare,
    item_correctness,
    significant,
)

log = logging.getLogger(__name__)

CURVE_POINTS = 3  # the budgets nearest the user's that a slope is fitted on
OUT_OF_REACH = 10  # doublings (1024x the data or the parameters): no route, whatever the slope says


def slope_per_doubling(
    points: list[Candidate], xs: list[float], seed: int = 0
) -> tuple[float, tuple[float, float], int]:
    """Least-squares slope of accuracy on log2 x, with a paired bootstrap over the items all points share."""
    views = [item_correctness(c.records) for c in points]
    pos = [{it: i for i, it in enumerate(v[0])} for v in views]
    common = [it for it in views[0][0] if all(it in p for p in pos[1:])]
    if not common:
        raise RagorftError(f"{', '.join(c.name for c in points)} share no test items")
    ys = np.array([m.mean(axis=0)[[p[it] for it in common]] for (_, m, _), p in zip(views, pos, strict=True)])
    x = np.log2([max(v, 1.0) for v in xs])
    xc = x - x.mean()

    def slope(y: np.ndarray) -> np.ndarray:
        return (xc[:, None] * (y - y.mean(axis=0))).sum(axis=0) / (xc**2).sum()

    point = float(slope(ys.mean(axis=1, keepdims=True))[0])
    idx = np.random.default_rng(seed).integers(0, len(common), size=(N_RESAMPLES, len(common)))
    boots = slope(np.stack([ys[:, i].mean(axis=1) for i in idx], axis=1))
    lo, hi = np.percentile(boots, [100 * (1 - CONFIDENCE) / 2, 100 * (1 + CONFIDENCE) / 2])
    return point, (float(lo), float(hi)), len(common)


@dataclass
class Lever:
    """One measured lever: its points (ascending x), the gain per doubling of x and its interval."""

    kind: str  # "data" (x = training examples) or "size" (x = nominal parameters)
    points: list[Candidate]
    xs: list[float]
    gain: float
    ci: tuple[float, float]
    n_items: int
    comparison: PairedComparison | None = None  # two points: the paired test that judges the gap

    @property
    def doublings(self) -> float:
        return math.log2(self.xs[-1] / self.xs[0])

    @property
    def significant(self) -> bool:
        if self.comparison is not None:
            return not self.comparison.tie
        return self.ci[0] > 0 or self.ci[1] < 0

    @property
    def rises(self) -> bool:
        return self.significant and self.gain > 0

    @property
    def what(self) -> str:
        """The recipe (data) or the strategy (size) it measures."""
        first = self.points[0]
        return first.name.split("@")[0] if self.kind == "data" else str(first.record["strategy"])

    @property
    def budget(self) -> str:
        return str(self.points[0].record["budget_name"])

    @property
    def unit(self) -> str:
        return "doubling of the training examples" if self.kind == "data" else "doubling of the parameters"

    def gain_text(self) -> str:
        lo, hi = self.ci
        return f"{100 * self.gain:+.1f} pts per {self.unit} [{100 * lo:+.1f}, {100 * hi:+.1f}]"

    def path(self) -> str:
        if self.kind == "data":
            return " -> ".join(
                f"{c.record['budget_name']} (n={c.n_train}) {pct(c.accuracy, unit=True)}" for c in self.points
            )
        return " -> ".join(
            f"{c.base_model} ({c.nominal_params or 0:,} params, {c.base_kind or 'unregistered'}) "
            f"{pct(c.accuracy, unit=True)}"
            for c in self.points
        )

    def line(self) -> str:
        """One evidence line: what, the points, the gain per doubling and how it was judged."""
        where = f" at '{self.budget}'" if self.kind == "size" else ""
        if self.comparison is not None:
            how = f"paired gap over {self.doublings:.1f} doublings: {self.comparison.verdict()}"
        else:
            how = (
                f"least squares on log2 {'n' if self.kind == 'data' else 'params'} over {len(self.points)} points, "
                f"paired bootstrap over {self.n_items} common items"
            )
        judged = "evidence" if self.significant else "not significant: no evidence either way"
        return f"{self.what}{where}: {self.path()}; {self.gain_text()} ({how}); {judged}"


Compare = Callable[[Candidate, Candidate], PairedComparison]  # the tree's paired test (memoised by records)


def paired(a: Candidate, b: Candidate) -> PairedComparison:
    return compare(a.name, a.records, b.name, b.records)


def measure(
    kind: str, points: list[Candidate], xs: list[float], test: Compare = paired, memo: dict[Any, Any] | None = None
) -> Lever | None:
    """A gap (two points, the paired test) or a slope (three or more), per doubling of x; None when the points
    share no test item (suites sampled apart): nothing paired to measure. ``memo`` (the tree's, shared by
    calls on the same records) keeps a slope's bootstrap from being redone for every requirement."""
    try:
        if len(points) == 2:
            cmp_ = test(points[1], points[0])
            steps = math.log2(xs[1] / xs[0])
            lo, hi = cmp_.difference_ci
            return Lever(kind, points, xs, cmp_.difference / steps, (lo / steps, hi / steps), cmp_.n_items, cmp_)
        key = ("slope", kind, tuple((c.name, tuple(id(r) for r in c.records)) for c in points))
        found = memo.get(key) if memo is not None else None
        if found is None:
            found = slope_per_doubling(points, xs)
            if memo is not None:
                memo[key] = found
        return Lever(kind, points, xs, *found)
    except RagorftError as exc:
        log.info("no %s lever over %s: %s", kind, ", ".join(c.name for c in points), exc)
        return None


def holm(levers: list[Lever]) -> list[Lever]:
    """The step's two-point gaps judged as one Holm family (slopes are judged by their interval)."""
    gaps = [lv for lv in levers if lv.comparison is not None]
    _, adjusted = significant([lv.comparison.mcnemar_p for lv in gaps])  # type: ignore[union-attr]
    for lv, p in zip(gaps, adjusted, strict=True):
        lv.comparison = lv.comparison.in_family(p, len(gaps))  # type: ignore[union-attr]
    return levers


def data_levers(
    everything: list[Candidate], budget: str, test: Compare = paired, memo: dict[Any, Any] | None = None
) -> list[Lever]:
    """One lever per recipe run at the user's budget and at least one other: the budgets nearest the user's."""
    out = []
    for c in (x for x in everything if x.record["budget_name"] == budget and x.n_train > 0):
        same: dict[int, Candidate] = {c.n_train: c}
        for x in everything:
            if x.recipe() == c.recipe() and x.n_train > 0:
                same.setdefault(x.n_train, x)  # two budgets that are the same data are one point
        if len(same) < 2:
            continue
        near = sorted(same.values(), key=lambda x: abs(math.log2(x.n_train) - math.log2(c.n_train)))[:CURVE_POINTS]
        points = sorted(near, key=lambda x: x.n_train)
        out.append(measure("data", points, [float(x.n_train) for x in points], test, memo))
    return holm([lv for lv in out if lv is not None])


def size_levers(
    everything: list[Candidate], budget: str, test: Compare = paired, memo: dict[Any, Any] | None = None
) -> list[Lever]:
    """One lever per strategy and options run on two or more registry-sized bases at one budget (the user's first)."""
    groups: dict[tuple[object, ...], dict[int, Candidate]] = {}
    for c in everything:
        if c.nominal_params:
            sizes = groups.setdefault(c.size_recipe(), {})
            if c.nominal_params not in sizes or c.n_items > sizes[c.nominal_params].n_items:
                sizes[c.nominal_params] = c
    out = []
    for sizes in groups.values():
        if len(sizes) >= 2:
            points = [sizes[p] for p in sorted(sizes)]
            out.append(measure("size", points, [float(p) for p in sorted(sizes)], test, memo))
    return holm(sorted((lv for lv in out if lv is not None), key=lambda lv: (lv.budget != budget, lv.what, lv.xs[0])))


@dataclass
class Route:
    """One way to the bar: grow ``start`` (a candidate at the user's budget) along a rising lever."""

    lever: Lever
    start: Candidate
    need: float | None  # how far the start's lower bound is below the bar (None: no accuracy bar)
    cleared: tuple[Candidate, float] | None = None  # a measured point past the start that clears, its bound

    @property
    def steps(self) -> float | None:
        """Doublings the measured gain says would close the gap (an extrapolation past the last point)."""
        return None if self.need is None else max(self.need, 0.0) / self.lever.gain

    @property
    def target(self) -> float:
        """The x (examples or parameters) those doublings reach from the start."""
        x0 = self.start.n_train if self.lever.kind == "data" else (self.start.nominal_params or 0)
        return x0 * 2 ** (self.steps or 0.0)

    @property
    def extrapolated(self) -> bool:
        return self.target > max(self.lever.xs) * 1.001

    @property
    def reachable(self) -> bool:
        return self.steps is None or self.steps <= OUT_OF_REACH

    def sort_key(self) -> tuple[float, float]:
        return (math.inf if self.steps is None else self.steps, -self.lever.gain)


def model_for(start: Candidate, params: float) -> str:
    """The smallest registered base of the start's kind with at least ``params`` (the registry's nominal sizes)."""
    kind = start.base_kind
    sized = sorted(
        (m.params, name) for name, m in registry().items() if m.params and not m.opt_in and base_kind(name) == kind
    )
    fits = [(p, n) for p, n in sized if p >= params]
    if fits:
        return f"{fits[0][1]}, {fits[0][0]:,} params"
    if sized:
        return f"more than the largest registered {kind}, {sized[-1][1]} ({sized[-1][0]:,})"
    return "no such base in the model registry"


def _doublings(steps: float) -> str:
    return "a small fraction of a doubling" if steps < 0.05 else f"about {steps:.1f} doubling(s)"


def _examples(start: Candidate, steps: float, budget: str) -> str:
    if budget.endswith("shot") and budget[:-4].isdigit():
        shots = int(budget[:-4])
        return f"~{math.ceil(shots * 2**steps)} examples per class instead of {shots}"
    return f"~{math.ceil(start.n_train * 2**steps):,} training examples instead of {start.n_train:,}"


def route_text(r: Route, budget: str, *, lead: bool = False) -> str:
    """A route as the answer states it: the lever, its measured gain, and the doublings to the bar."""
    lv, s = r.lever, r.start
    if r.steps is not None and r.steps > OUT_OF_REACH:
        where = "data" if lv.kind == "data" else f"{s.base_model}'s parameters"
        return (
            f"{'more labelled data' if lv.kind == 'data' else 'a bigger base'}: out of reach, {lv.what} gains "
            f"{lv.gain_text()} ({lv.path()}): the bar is {r.steps:.0f} doublings of {where} away from {s.name}"
        )
    if lv.kind == "data":
        head = "collect more labelled data" if lead else "more labelled data"
        how = "" if r.steps is None else f"; {_doublings(r.steps)} ({_examples(s, r.steps, budget)})"
    else:
        lora = s.family == "fine-tune" and not (s.record.get("strategy_meta") or {}).get("adapter")
        head = ("use a bigger base" if lead else "a bigger base") + (f" with LoRA at '{budget}'" if lora else "")
        how = (
            ""
            if r.steps is None
            else f"; {_doublings(r.steps)} of {s.base_model}'s parameters ({model_for(s, r.target)})"
        )
    if how:
        how += f" would lift {s.name}'s lower bound to the bar" + (
            ", an extrapolation past the last measured point" if r.extrapolated else ""
        )
    measured = ""
    if r.cleared:
        c, bound = r.cleared
        measured = f"; measured: {c.name} clears it (lower bound {pct(bound, unit=True)})"
    return f"{head}: {lv.what} gains {lv.gain_text()} ({lv.path()}){how}{measured}"
