"""The candidates the tree chooses among: one per measured run, with its costs under the requirement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import recorded_card
from ragorft.benchmarks.decide.requirement import Requirement
from ragorft.benchmarks.score.costs import CostBreakdown, Prices, cost_breakdown


@dataclass
class Candidate:
    """One deployable configuration (a run at a budget) with its measured numbers and costs."""

    name: str
    record: dict[str, Any]
    source: str
    cost: CostBreakdown

    @property
    def accuracy(self) -> float:
        return float(self.record["metrics"]["accuracy"])

    @property
    def accuracy_ci(self) -> tuple[float, float]:
        lo, hi = self.record["metrics"]["accuracy_ci"]
        return float(lo), float(hi)

    @property
    def latency_p95_ms(self) -> float | None:
        value = ((self.record.get("timing") or {}).get("latency_ms") or {}).get("p95")
        return float(value) if isinstance(value, int | float) else None

    @property
    def n_train(self) -> int:
        return int(self.record.get("n_train") or 0)

    @property
    def model_params(self) -> int | None:
        """The served model's size: what the strategy reports, else params_total; None if unknown."""
        extra = self.record.get("report") or {}
        for value in (extra.get("model_params"), (self.record.get("cost") or {}).get("params_total")):
            if isinstance(value, int | float) and value > 0:
                return int(value)
        return None

    def row(self, bar: float | None, max_latency: float | None) -> dict[str, Any]:
        lo, hi = self.accuracy_ci
        elo, ehi = self.cost.errors_monthly_ci
        return {
            "strategy": self.name,
            "n_test": len(self.record["test_items"]),
            "accuracy": self.accuracy,
            "accuracy_lo": lo,
            "accuracy_hi": hi,
            "latency_p95_ms": self.latency_p95_ms,
            "serving_usd_per_1k": 1000 * self.cost.serving_usd_per_query,
            "training_usd": self.cost.training_usd,
            "errors_monthly": self.cost.errors_monthly,
            "errors_monthly_lo": elo,
            "errors_monthly_hi": ehi,
            "total_usd_monthly": self.cost.total_monthly,
            "priced_as": self.cost.priced_as,
            "clears_bar": None if bar is None else lo >= bar,
            "meets_latency": None
            if max_latency is None
            else (None if self.latency_p95_ms is None else self.latency_p95_ms <= max_latency),
        }


def monthly_queries_for(corpus: str, req: Requirement, source: str | None = None) -> tuple[float, str]:
    """(volume, where it came from): the requirement's, else the corpus card's, else 1M.

    ``source`` is where the run found the card (a record's ``corpus_source``), so a corpus given
    by path keeps its volume. Public because the report prices its cells at this same volume:
    one rule, one set of numbers.
    """
    if req.monthly_queries is not None:
        return req.monthly_queries, "from the requirement"
    try:
        return recorded_card(corpus, source).monthly_queries, f"from the {corpus} corpus card"
    except RagorftError:
        return 1_000_000.0, f"default (no corpus card for {corpus} and no --monthly-queries)"


def build_candidates(
    cells: list[tuple[str, dict[str, Any]]], req: Requirement, prices: Prices, monthly_queries: float
) -> list[Candidate]:
    seeds = {r.get("seed", 0) for _, r in cells}
    out = []
    for source, r in cells:
        name = f"{r['run']}@{r['budget_name']}" + (f"/seed{r.get('seed', 0)}" if len(seeds) > 1 else "")
        out.append(Candidate(name, r, source, requirement_cost(r, req, prices, monthly_queries)))
    return out


def requirement_cost(record: dict[str, Any], req: Requirement, prices: Prices, monthly_queries: float) -> CostBreakdown:
    """One record's costs under a requirement; the report calls this too, so its numbers are the scorer's."""
    return cost_breakdown(
        record,
        prices,
        monthly_queries=monthly_queries,
        cost_per_error=req.cost_per_error,
        hardware=req.hardware,
        horizon_months=req.horizon_months,
    )
