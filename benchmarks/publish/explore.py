"""The report's questions: the decision for each requirement on a small grid, as data for the page.

A reader asks "at 10M queries and $2 an error, does the answer change? at a 92% bar?". The page
answers by looking up a precomputed entry: every entry is the decide package's ``recommend`` for
that requirement (what ``ragorft recommend`` prints, its text included), computed here in Python.
The page's script only selects an entry, so there is one decision implementation.

The grid is a handful of values per control around the report's own requirement (which is always
on it, selected first): volumes by decades, a few costs per error, bars, a latency limit, and the
budgets the corpus ran. Between grid values the break-even lines say where the answer flips.
Entries are compressed (zlib, unpacked by the browser's DecompressionStream) to keep the page small.
"""

from __future__ import annotations

import base64
import gc
import itertools
import json
import shlex
import zlib
from dataclasses import dataclass
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import pct, usd
from ragorft.benchmarks.core.paths import display_path
from ragorft.benchmarks.decide import (
    Decision,
    Pricing,
    Requirement,
    cost_per_error_for,
    monthly_queries_for,
    recommend,
)
from ragorft.benchmarks.records.store import corpus_source
from ragorft.benchmarks.score.pricing import PRICES_FILE

VOLUMES = (1e5, 1e6, 1e7)
PER_ERROR = (0.0, 1.0, 10.0)
BARS = (0.9, 0.95)
LATENCIES_MS = (100.0,)


@dataclass
class Control:
    """One question the page asks: a requirement field, its choices (shown, value), the report's own."""

    field: str
    label: str
    options: list[tuple[str, Any]]
    initial: int = 0

    def to_dict(self) -> dict[str, Any]:
        shown = [s for s, _ in self.options]
        return {"field": self.field, "label": self.label, "options": shown, "initial": self.initial}


def _choices(
    current: Any, shown: str, grid: tuple[Any, ...], fmt: Any, *, effective: float, unset: str | None = None
) -> tuple[list[tuple[str, Any]], int]:
    """(options by value, the index of the report's own): its value as configured (``effective`` when
    that is None: the card's), then the grid's other values; ``unset`` names a "none" choice."""
    if unset is not None and current is None:
        shown, effective = unset, -float("inf")  # none sorts first
    # a value the suite or the flags set cannot be unset on the command line: no "none" then
    own = (effective, shown, current)
    options = sorted([own, *((v, fmt(v), v) for v in grid if v != effective)], key=lambda o: o[0])
    return [(label, value) for _, label, value in options], options.index(own)


def _budget_size(name: str) -> float:
    return float("inf") if name == "full" else float(name.removesuffix("shot"))


def corpus_controls(records: list[dict[str, Any]], pricing: Pricing) -> list[Control]:
    """The controls for one corpus's records, each starting at the report's requirement."""
    req, corpus = pricing.requirement, records[0]["corpus"]
    card_at = corpus_source(records, corpus)
    q0, q_how = monthly_queries_for(corpus, req, card_at)
    c0, c_how = cost_per_error_for(corpus, req, card_at)
    q_how = "the requirement" if req.monthly_queries is not None else q_how.split(" (")[0].removeprefix("from ")
    c_how = (
        "the requirement"
        if req.cost_per_error is not None
        else ("the card's" if c_how.startswith("from") else "none given")
    )
    volumes = _choices(req.monthly_queries, f"{q0:,.0f} ({q_how})", VOLUMES, "{:,.0f}".format, effective=q0)
    per_error = _choices(req.cost_per_error, f"{usd(c0)} ({c_how})", PER_ERROR, usd, effective=c0)
    controls = [
        Control("monthly_queries", "Queries per month", *volumes),
        Control("cost_per_error", "Cost of one error", *per_error),
    ]

    def percent(v: float) -> str:
        return pct(v, unit=True)

    bar, unset = req.accuracy_bar, "none: not significantly worse than the most accurate"
    bars = _choices(bar, percent(bar or 0), BARS, percent, effective=bar or 0, unset=unset)
    controls.append(Control("accuracy_bar", "Accuracy bar (lower bound of the 95% CI)", *bars))
    if any(r["metrics"].get("in_scope_accuracy") is not None for r in records):
        scopes = [("all items", "all"), ("in-scope items only", "in_scope")]
        controls.append(Control("accuracy_on", "Bar judged on", scopes, 0 if req.accuracy_on == "all" else 1))
    timed = any(isinstance((r["timing"].get("latency_ms") or {}).get("p95"), int | float) for r in records)
    if timed or req.max_latency_ms is not None:
        limit = req.max_latency_ms
        latency = _choices(
            limit, f"{limit or 0:g} ms", LATENCIES_MS, "{:g} ms".format, effective=limit or 0, unset="none"
        )
        controls.append(Control("max_latency_ms", "p95 latency limit", *latency))
    budgets = sorted({r["budget_name"] for r in records}, key=_budget_size)
    own = req.budget if req.budget in budgets else budgets[-1]
    controls.append(Control("budget", "Training data you have", [(b, b) for b in budgets], budgets.index(own)))
    return controls


def requirement_at(base: Requirement, controls: list[Control], choice: tuple[int, ...]) -> Requirement:
    """The report's requirement with each control's chosen value (None: as the report has it)."""
    values = base.model_dump()
    values.update({c.field: c.options[i][1] for c, i in zip(controls, choice, strict=True)})
    return Requirement.from_mapping(values, source="report grid")


def _flag(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def command_line(suite: str, corpus: str, req: Requirement, prices_source: str) -> str:
    """The ``ragorft recommend`` command that prints this entry: every set field as its flag."""
    parts = ["ragorft", "recommend", "--suite", suite, "--corpus", corpus]
    defaults = Requirement()
    for name, value in req.model_dump().items():
        if value is None or (value == getattr(defaults, name) and name not in ("accuracy_on",)):
            continue
        parts += [f"--{name.replace('_', '-')}", _flag(value)]
    if str(prices_source) != str(PRICES_FILE):
        parts += ["--prices", display_path(prices_source)]  # a published page names no machine's paths
    return shlex.join(parts)


def _break_evens(d: Decision) -> list[list[str]]:
    rows = []
    for be in d.break_evens:
        volume = per_error = "never"
        if be.monthly_queries is not None:
            side = "above" if be.monthly_queries > d.monthly_queries else "below"
            volume = f"{side} {be.monthly_queries:,.0f} queries/month"
        if be.cost_per_error is not None:
            side = "above" if be.cost_per_error > d.cost_per_error else "below"
            per_error = f"{side} {usd(be.cost_per_error)} per error"
        rows.append([be.other, volume, per_error])
    return rows


def entry(d: Decision, command: str) -> dict[str, Any]:
    """What the page shows for one requirement, every text from the decision itself: its card, its
    steps (the reasons ``ragorft recommend`` prints, step by step) and its break-even points."""
    card = d.card()
    return {
        "verdict": d.verdict,
        "chosen": d.chosen,
        "runner_up": d.runner_up,
        "answer": card["answer"],
        "why": card["why"],
        "cost": card["cost"],
        "priced": card["priced"],
        "change": d.change,
        "requirement": d.requirement_line(),
        "steps": [s.to_dict() for s in d.steps],
        "break_even": _break_evens(d),
        "command": command,
    }


def explore_corpus(suite: str, records: list[dict[str, Any]], pricing: Pricing) -> dict[str, Any]:
    """One corpus's controls and the entry for every combination of their values (row-major)."""
    controls = corpus_controls(records, pricing)
    memo: dict[tuple, Any] = {}  # paired tests depend on the records only: computed once per pair
    entries = []
    for choice in itertools.product(*(range(len(c.options)) for c in controls)):
        req = requirement_at(pricing.requirement, controls, choice)
        command = command_line(suite, records[0]["corpus"], req, pricing.prices.source)
        try:
            d = recommend(records, req, prices=pricing.prices, memo=memo)
        except RagorftError as exc:
            entries.append({"error": str(exc), "command": command})
            continue
        entries.append(entry(d, command))
    packed = zlib.compress(json.dumps(entries, separators=(",", ":")).encode("utf-8"), 9)
    return {
        "corpus": records[0]["corpus"],
        "controls": [c.to_dict() for c in controls],
        "entries": base64.b64encode(packed).decode("ascii"),
        "count": len(entries),
    }


def explore(suite: str, records: list[dict[str, Any]], pricing: Pricing) -> list[dict[str, Any]]:
    """Every corpus's grid. The records are frozen out of the garbage collector meanwhile: the
    significance rule's Holm step collects garbage on each call, and scanning records is its cost."""
    gc.freeze()
    try:
        return [
            explore_corpus(suite, [r for r in records if r["corpus"] == corpus], pricing)
            for corpus in sorted({r["corpus"] for r in records})
        ]
    finally:
        gc.unfreeze()
