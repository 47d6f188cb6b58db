"""Dollars from measurements: serving cost per query, amortised training, error volume and its cost.

Every number here is a measured quantity from a cell record (seconds per query, train seconds,
tokens, accuracy and its interval) times a price from ``prices.toml``. Nothing is estimated from
model size: a strategy whose record lacks a measurement gets no cost, and the caller says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.pricing import Hardware, Prices

DEFAULT_HORIZON_MONTHS = 12

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9}
_HUMAN = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([kKmMbBgG]?)\s*$")


def parse_quantity(text: str | float | int, *, what: str = "value") -> float:
    """``"10M"`` -> 1e7, ``"250k"`` -> 2.5e5, ``"1_000_000"`` -> 1e6: volumes as people write them."""
    if isinstance(text, bool):
        raise RagorftError(f"{what}: expected a number, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        m = _HUMAN.match(str(text))
        if not m:
            raise RagorftError(f"{what}: expected a number like 10M, 250k or 2.5, got {text!r}")
        value = float(m.group(1).replace("_", "").replace(",", "")) * _SUFFIX[m.group(2).lower()]
    if not math.isfinite(value):
        raise RagorftError(f"{what}: must be a finite number, got {text!r}")
    if value < 0:
        raise RagorftError(f"{what}: must not be negative, got {text!r}")
    return value


def parse_fraction(text: str | float | int, *, what: str = "accuracy bar") -> float:
    """``0.92`` or ``"92%"`` -> 0.92; anything outside [0, 1] is an error, not a guess."""
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError as exc:
        raise RagorftError(f"{what}: expected a fraction like 0.92 or 92%, got {text!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise RagorftError(f"{what}: must be between 0 and 1 (or 0% and 100%), got {text!r}")
    return value


@dataclass
class CostBreakdown:
    """Monthly dollars for one strategy at one volume; every field says where it came from."""

    priced_as: str  # "hardware cpu-2core at $0.085/h" or "api gpt-4o-mini tokens" or "reported USD"
    serving_usd_per_query: float
    training_usd: float
    monthly_queries: float
    horizon_months: float
    error_rate: float
    error_rate_ci: tuple[float, float]
    cost_per_error: float
    notes: list[str] = field(default_factory=list)

    @property
    def serving_monthly(self) -> float:
        return self.serving_usd_per_query * self.monthly_queries

    @property
    def training_monthly(self) -> float:
        """Training cost spread evenly over the amortisation horizon."""
        return self.training_usd / self.horizon_months

    @property
    def errors_monthly(self) -> float:
        return self.error_rate * self.monthly_queries

    @property
    def errors_monthly_ci(self) -> tuple[float, float]:
        return (self.error_rate_ci[0] * self.monthly_queries, self.error_rate_ci[1] * self.monthly_queries)

    @property
    def error_cost_monthly(self) -> float:
        return self.errors_monthly * self.cost_per_error

    @property
    def total_monthly(self) -> float:
        return self.serving_monthly + self.training_monthly + self.error_cost_monthly

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in (
            "serving_monthly",
            "training_monthly",
            "errors_monthly",
            "errors_monthly_ci",
            "error_cost_monthly",
            "total_monthly",
        ):
            out[name] = getattr(self, name)
        return out


def error_volume(accuracy: float, monthly_queries: float) -> float:
    """Wrong answers a month: (1 - accuracy) x queries. 93% at 10M queries is 700,000 errors."""
    return (1.0 - accuracy) * monthly_queries


def machine_of(record: dict[str, Any], prices: Prices, hardware: str | None) -> Hardware | None:
    """The machine whose $/hour prices a record's time: the forced one, else where it ran (None: unpriced GPU)."""
    return prices.machine(hardware) if hardware else prices.machine_for(record.get("provenance") or {})


def serving_price(record: dict[str, Any], prices: Prices, hardware: str | None) -> tuple[float, float, str, list[str]]:
    """(USD per served query, USD per training second, how it was priced, notes) for one record.

    An API-backed strategy pays per token (or reports dollars itself); anything else pays for the
    machine's time: measured predict seconds per query x $/hour.
    """
    timing, cost, extra = record["timing"], record.get("cost") or {}, record.get("report") or {}
    n = max(int(record.get("n_test") or len(record["predictions"])), 1)
    # an API strategy's dollars and tokens cover all its answers (the latency sample too)
    n = max(int(extra.get("n_answers") or n), 1)
    notes: list[str] = []
    hw = machine_of(record, prices, hardware)
    train_rate = hw.usd_per_hour / 3600 if hw else 0.0
    reported = extra.get("cost_usd", extra.get("usd_cost"))
    if isinstance(reported, int | float) and not isinstance(reported, bool):
        return float(reported) / n, train_rate, "USD reported by the strategy", notes
    model = extra.get("api_model") or (record.get("options") or {}).get("model")
    tokens_in, tokens_out = cost.get("tokens_in") or 0, cost.get("tokens_out") or 0
    if isinstance(model, str) and model in prices.api and (tokens_in or tokens_out):
        p = prices.api[model]
        usd = (tokens_in * p.usd_per_million_in + tokens_out * p.usd_per_million_out) / 1e6
        return (
            usd / n,
            train_rate,
            f"api {model}: {tokens_in / n:.0f} in + {tokens_out / n:.0f} out tokens/query",
            notes,
        )
    if hw is None:
        gpu = (record.get("provenance") or {}).get("machine", {}).get("gpu", "an unnamed GPU")
        raise RagorftError(
            f"{record.get('cell_id', '?')}: ran on {gpu}, which no [hardware.*] gpu_match names; "
            "add it to the prices file or pass --hardware",
            path=prices.source,
        )
    per_query = timing["predict_seconds_per_query"] * hw.usd_per_hour / 3600
    if tokens_in or tokens_out:
        notes.append(f"{tokens_in + tokens_out} LM tokens run locally: priced as machine time, not per token")
    return per_query, train_rate, f"{hw.name} at ${hw.usd_per_hour:g}/h", notes


def cost_breakdown(
    record: dict[str, Any],
    prices: Prices,
    *,
    monthly_queries: float,
    cost_per_error: float,
    hardware: str | None = None,
    horizon_months: float = DEFAULT_HORIZON_MONTHS,
) -> CostBreakdown:
    per_query, train_rate, priced_as, notes = serving_price(record, prices, hardware)
    metrics = record["metrics"]
    lo, hi = metrics["accuracy_ci"]
    train_seconds = float(record["timing"]["train_seconds"])
    # rag's fit reads cached embeddings; building its index from scratch costs this much more
    index_seconds = (record.get("report") or {}).get("index_embedding_seconds")
    if isinstance(index_seconds, int | float) and index_seconds > 0:
        train_seconds += float(index_seconds)
        notes.append(f"training includes {index_seconds:.1f} s of embedding the index (measured rate)")
    return CostBreakdown(
        priced_as=priced_as,
        serving_usd_per_query=per_query,
        training_usd=train_seconds * train_rate,
        monthly_queries=monthly_queries,
        horizon_months=horizon_months,
        error_rate=1.0 - metrics["accuracy"],
        error_rate_ci=(1.0 - hi, 1.0 - lo),
        cost_per_error=cost_per_error,
        notes=notes,
    )


@dataclass
class BreakEven:
    """Where ``other`` becomes cheaper overall than ``chosen``: a volume and/or a cost per error."""

    chosen: str
    other: str
    monthly_queries: float | None  # None: no positive volume flips the order
    cost_per_error: float | None  # None: no non-negative cost per error flips it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def break_even(chosen: str, a: CostBreakdown, other: str, b: CostBreakdown) -> BreakEven:
    """Solve total_a = total_b for the monthly volume Q, and separately for the cost per error c.

    total = Q (serving per query + error rate x c) + training / horizon is linear in Q and in c, so
    each break-even is one division; it exists only where the lines cross at a positive value.
    """
    slope_a = a.serving_usd_per_query + a.error_rate * a.cost_per_error
    slope_b = b.serving_usd_per_query + b.error_rate * b.cost_per_error
    volume = None
    if slope_a != slope_b:
        q = (b.training_monthly - a.training_monthly) / (slope_a - slope_b)
        if q >= 1 and (q > a.monthly_queries) == (slope_a > slope_b):  # under one query a month is no volume
            volume = q
    per_error = None
    if a.error_rate != b.error_rate:
        q = a.monthly_queries
        c = (
            (q * b.serving_usd_per_query + b.training_monthly) - (q * a.serving_usd_per_query + a.training_monthly)
        ) / (q * (a.error_rate - b.error_rate))
        if c >= 0 and (c > a.cost_per_error) == (a.error_rate > b.error_rate):
            per_error = c
    return BreakEven(chosen, other, volume, per_error)
