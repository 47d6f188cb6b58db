"""What the user needs (data budget, accuracy bar, volume, cost per error, latency, tasks), from TOML or flags.

``budget`` is the training data the user HAS (default: the largest budget in the results, i.e. all
of it): the runs at that budget are the candidates to ship; smaller budgets only feed the learning
curve. ``accuracy_on = "in_scope"`` judges the bar on in-scope accuracy (a corpus with an
out-of-scope label), with ``min_oos_recall`` as the second half of that requirement.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.costs import DEFAULT_HORIZON_MONTHS, parse_fraction, parse_quantity


@dataclass
class Requirement:
    """What the user needs; every field optional except what a comparison cannot do without."""

    accuracy_bar: float | None = None
    monthly_queries: float | None = None  # None: the corpus card's volume
    cost_per_error: float | None = None  # None: the corpus card's [costs] cost_per_error, else $0
    max_latency_ms: float | None = None
    tasks: int = 1
    hardware: str | None = None  # price every strategy on this machine instead of where it ran
    horizon_months: float = DEFAULT_HORIZON_MONTHS
    budget: str | None = None  # the user's training budget as a budget name ("full", "30shot"); None: largest
    accuracy_on: str = "all"  # "all" test items, or "in_scope" (out-of-scope items judged by min_oos_recall)
    min_oos_recall: float | None = None

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], *, source: str = "requirement") -> Requirement:
        """Build from a ``[requirement]`` TOML table or CLI values; human numbers (10M) allowed."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise RagorftError(
                f"[requirement]: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})", path=source
            )
        req = cls()
        try:
            if raw.get("accuracy_bar") is not None:
                req.accuracy_bar = parse_fraction(raw["accuracy_bar"], what="accuracy_bar")
            if raw.get("monthly_queries") is not None:
                req.monthly_queries = parse_quantity(raw["monthly_queries"], what="monthly_queries")
            if raw.get("cost_per_error") is not None:
                req.cost_per_error = parse_quantity(raw["cost_per_error"], what="cost_per_error")
            if raw.get("max_latency_ms") is not None:
                req.max_latency_ms = parse_quantity(raw["max_latency_ms"], what="max_latency_ms")
            if raw.get("horizon_months") is not None:
                req.horizon_months = parse_quantity(raw["horizon_months"], what="horizon_months")
                if req.horizon_months <= 0:
                    raise RagorftError("horizon_months must be positive")
            if raw.get("tasks") is not None:
                tasks = parse_quantity(raw["tasks"], what="tasks")
                if tasks < 1 or tasks != int(tasks):
                    raise RagorftError(f"tasks must be a whole number >= 1, got {raw['tasks']!r}")
                req.tasks = int(tasks)
            if raw.get("min_oos_recall") is not None:
                req.min_oos_recall = parse_fraction(raw["min_oos_recall"], what="min_oos_recall")
        except RagorftError as exc:
            raise RagorftError(str(exc), path=source) from None
        if raw.get("hardware") is not None:
            req.hardware = str(raw["hardware"])
        if raw.get("budget") is not None:
            req.budget = normalise_budget(raw["budget"], source)
        if raw.get("accuracy_on") is not None:
            if raw["accuracy_on"] not in ("all", "in_scope"):
                raise RagorftError(f"accuracy_on must be 'all' or 'in_scope', got {raw['accuracy_on']!r}", path=source)
            req.accuracy_on = str(raw["accuracy_on"])
        return req

    def merged(self, overrides: dict[str, Any]) -> Requirement:
        base = {f.name: getattr(self, f.name) for f in fields(self)}
        base.update({k: v for k, v in overrides.items() if v is not None})
        return Requirement.from_mapping(base, source="command line")


def normalise_budget(value: Any, source: str = "requirement") -> str:
    """``30``, ``"30"`` or ``"30shot"`` -> ``"30shot"``; ``"full"`` stays: the suite's budget names."""
    text = str(value).strip().lower()
    digits = text[:-4] if text.endswith("shot") else text
    if text == "full":
        return "full"
    if digits.isdigit() and int(digits) > 0:
        return f"{int(digits)}shot"
    raise RagorftError(f"budget must be 'full' or examples per class (30 or 30shot), got {value!r}", path=source)
