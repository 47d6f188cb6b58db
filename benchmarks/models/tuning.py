"""The one tuning rule every trainable strategy follows, and what its record says about it.

A comparison between strategies is only fair when each is tuned by the same rule with the same
data: a small grid of its main knob (the learning rate for gradient-trained models, the inverse
regularisation ``C`` for a logistic-regression probe), each candidate trained with at most
``epochs`` epochs and stopped early on dev with ``patience``, the candidate with the best dev
accuracy kept (ties go to the earlier grid entry), on a dev set large enough to decide: the whole
dev split, or a stratified subset with at least ``MIN_DEV_PER_CLASS`` items per class.

Every record carries ``report["tuning"]``: the rule, the grid, each candidate's dev score, the
choice, and whether the chosen run hit its epoch maximum with its dev curve still rising (then
more epochs might have helped; the record says so rather than hiding it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.data.sampling import stratified_order

MIN_DEV_PER_CLASS = 5
RULE = (
    "grid of the main knob chosen by dev accuracy (ties: first in grid); epochs by early stopping on dev "
    f"with patience, up to a maximum; dev = whole split or >= {MIN_DEV_PER_CLASS} per class"
)


def learning_rate_grid(grid: Sequence[float], single: float) -> list[float]:
    """The learning rates to try: ``grid``, or ``[single]`` when it is empty (the options schema
    has already refused negative or non-finite entries)."""
    return [float(v) for v in (list(grid) or [single])]


def tuning_dev(dev: Sequence[Example], max_examples: int, n_labels: int, seed: int) -> list[Example]:
    """The dev items tuning decides on: all of them, or a seeded stratified subset.

    A requested subset smaller than ``MIN_DEV_PER_CLASS`` per class is raised to that size:
    below it, one item flips a class's dev accuracy by 20 points or more and the grid's choice
    is noise.
    """
    if not max_examples:
        return list(dev)
    n = max(max_examples, MIN_DEV_PER_CLASS * n_labels)
    if n >= len(dev):
        return list(dev)
    order = stratified_order(dev, seed)[:n]
    return [dev[i] for i in sorted(order)]


def best_trial(trials: Sequence[dict[str, Any]], key: str = "dev_accuracy") -> int:
    """Index of the trial with the highest ``key``; the first such one on ties."""
    best = 0
    for i, t in enumerate(trials):
        if t[key] > trials[best][key]:
            best = i
    return best


def still_rising(curve: Sequence[float], max_epochs: int) -> bool:
    """True when training used every allowed epoch and the last one was the best so far."""
    return len(curve) >= max_epochs and len(curve) > 1 and curve[-1] > max(curve[:-1])


def tuning_report(
    knob: str,
    grid: Sequence[float],
    trials: Sequence[dict[str, Any]],
    chosen: int,
    *,
    n_dev: int,
    n_dev_available: int,
    max_epochs: int | None = None,
    patience: int | None = None,
) -> dict[str, Any]:
    """``report["tuning"]``: the same shape for every trainable strategy."""
    out: dict[str, Any] = {
        "rule": RULE,
        "knob": knob,
        "grid": list(grid),
        "trials": list(trials),
        "chosen": {knob: grid[chosen], **{k: v for k, v in trials[chosen].items() if k != knob}},
        "n_dev": n_dev,
        "dev": "whole split" if n_dev >= n_dev_available else f"stratified subset of {n_dev_available}",
    }
    if max_epochs is not None:
        out |= {
            "max_epochs": max_epochs,
            "patience": patience,
            "hit_max_epochs_still_rising": bool(trials[chosen].get("hit_max_epochs_still_rising", False)),
        }
    return out
