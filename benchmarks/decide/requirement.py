"""What the user needs (accuracy bar, volume, cost per error, latency, tasks), parsed from TOML or flags."""

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
    cost_per_error: float = 0.0
    max_latency_ms: float | None = None
    tasks: int = 1
    hardware: str | None = None  # price every strategy on this machine instead of where it ran
    horizon_months: float = DEFAULT_HORIZON_MONTHS

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
        except RagorftError as exc:
            raise RagorftError(str(exc), path=source) from None
        if raw.get("hardware") is not None:
            req.hardware = str(raw["hardware"])
        return req

    def merged(self, overrides: dict[str, Any]) -> Requirement:
        base = {f.name: getattr(self, f.name) for f in fields(self)}
        base.update({k: v for k, v in overrides.items() if v is not None})
        return Requirement.from_mapping(base, source="command line")
