"""The candidates the tree chooses among: one per run at the user's budget, seeds pooled, with costs.

A candidate is what a user could ship: one run (strategy x base x recipe) trained on the data
they have. Its seeds are ONE candidate: accuracy is their mean on the items every seed scored,
with an interval that resamples both test items and seeds. Its cost is an interval too: serving
time is measured with a spread (min/max over repeats); a record without one has zero spread, and
the decision says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import ci, pct, usd
from ragorft.benchmarks.data.cards import recorded_card
from ragorft.benchmarks.decide.requirement import Requirement
from ragorft.benchmarks.models.registry import nominal_params, registry
from ragorft.benchmarks.records.store import corpus_source
from ragorft.benchmarks.score.costs import CostBreakdown, cost_breakdown
from ragorft.benchmarks.score.pricing import Prices
from ragorft.benchmarks.score.stats import item_correctness, seeds_items_ci

# Bytes per stored weight by the record's precision. NF4 packs two weights per byte plus one fp32
# absmax per 64-weight block (bitsandbytes' default): 0.5 + 4/64 = 0.5625.
BYTES_PER_PARAM = {"fp32": 4.0, "float32": 4.0, "fp16": 2.0, "float16": 2.0, "bf16": 2.0, "bfloat16": 2.0}
BYTES_PER_PARAM |= {"int8": 1.0, "nf4": 0.5625, "fp4": 0.5625, "int4": 0.5625}


SIZED_TO_THE_DATA = ("max_dev_examples", "max_train_examples")  # options sized to the data, not the recipe
KINDS = {"sentence-transformer": "encoder", "causal-lm": "causal LM", "causal-lm-gguf": "causal LM"}


def _fmt_pct(x: float) -> str:
    return pct(x, unit=True)


def base_kind(model: str | None) -> str | None:
    """ "encoder" or "causal LM" for a registry model; None for a name the registry does not know."""
    c = registry().get(str(model)) if model else None
    return KINDS.get(c.kind) if c else None


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def _spread(timing: dict[str, Any], key: str, median: float | None) -> tuple[float, float] | None:
    raw = timing.get(key)
    if isinstance(raw, list | tuple) and len(raw) == 2 and all(_num(v) is not None for v in raw):
        return float(raw[0]), float(raw[1])
    return None if median is None else (median, median)


@dataclass
class Candidate:
    """One deployable configuration (a run at the user's budget; its seeds pooled) with numbers and costs."""

    name: str
    records: list[dict[str, Any]]
    source: str
    cost: CostBreakdown
    oos_label: str | None = None
    spread_measured: bool = field(default=False)
    duplicates: list[str] = field(default_factory=list)  # records of another suite counted once (same seed)

    @property
    def record(self) -> dict[str, Any]:
        return self.records[0]

    @property
    def record_ids(self) -> tuple:
        """What identifies its records (a record without a cell id: the object itself)."""
        return tuple(r.get("cell_id", id(r)) for r in self.records)

    @property
    def run(self) -> str:
        return str(self.record["run"])

    @property
    def seeds(self) -> int:
        return len(self.records)

    @cached_property
    def _matrix(self) -> tuple[list[Any], np.ndarray, list[Any]]:
        return item_correctness(self.records)

    @property
    def test_items(self) -> list[Any]:
        return self._matrix[0]

    @property
    def n_items(self) -> int:
        return len(self.test_items)

    @property
    def accuracy(self) -> float:
        if self.seeds == 1:
            return float(self.record["metrics"]["accuracy"])
        return float(self._matrix[1].mean())

    @cached_property
    def accuracy_ci(self) -> tuple[float, float]:
        """The record's own interval for one seed; a bootstrap over items AND seeds for several."""
        if self.seeds == 1:
            lo, hi = self.record["metrics"]["accuracy_ci"]
            return float(lo), float(hi)
        return seeds_items_ci(self._matrix[1])

    def scoped(self, in_scope: bool) -> tuple[float, tuple[float, float]] | None:
        """(accuracy, interval) on in-scope items (True) or out-of-scope recall (False); None without a label."""
        if self.oos_label is None:
            return None
        m = self.record["metrics"]
        key = "in_scope_accuracy" if in_scope else "oos_recall"
        if self.seeds == 1 and _num(m.get(key)) is not None and m.get(f"{key}_ci"):
            lo, hi = m[f"{key}_ci"]
            return float(m[key]), (float(lo), float(hi))
        _, matrix, gold = self._matrix
        mask = np.array([(g == self.oos_label) != in_scope for g in gold])
        if not mask.any():
            return None
        sub = matrix[:, mask]
        return float(sub.mean()), seeds_items_ci(sub)

    @property
    def latency_p95_ms(self) -> float | None:
        values = [_num(((r.get("timing") or {}).get("latency_ms") or {}).get("p95")) for r in self.records]
        known = [v for v in values if v is not None]
        return float(np.median(known)) if known else None

    @property
    def latency_p95_spread(self) -> tuple[float, float] | None:
        spreads = [
            _spread((r.get("timing") or {}).get("latency_ms") or {}, "p95_spread", self.latency_p95_ms)
            for r in self.records
        ]
        known = [s for s in spreads if s is not None]
        return (min(s[0] for s in known), max(s[1] for s in known)) if known else None

    @property
    def total_monthly_range(self) -> tuple[float, float]:
        """Total monthly cost at the fastest and slowest measured serving time (zero spread if unmeasured)."""
        per_query = [_num(r["timing"].get("predict_seconds_per_query")) for r in self.records]
        median = float(np.mean([p for p in per_query if p is not None] or [0.0]))
        spreads = [_spread(r["timing"], "predict_seconds_per_query_spread", p) for r, p in zip(self.records, per_query)]
        lo = min((s[0] for s in spreads if s), default=median)
        hi = max((s[1] for s in spreads if s), default=median)
        total, serving, priced = self.cost.total_monthly, self.cost.serving_monthly, self.cost.priced_as
        if median <= 0 or priced.startswith("api") or "reported" in priced:
            return total, total  # dollars per token or reported: no timing in the price
        return total + serving * (min(lo / median, 1.0) - 1.0), total + serving * (max(hi / median, 1.0) - 1.0)

    @property
    def n_train(self) -> int:
        return int(self.record.get("n_train") or 0)

    @property
    def base_model(self) -> str | None:
        """The base whose weights the strategy serves: the model, else the embedding model (rag)."""
        opts, extra = self.record.get("options") or {}, self.record.get("report") or {}
        meta = self.record.get("strategy_meta") or {}
        name = extra.get("base_model") or opts.get("model") or opts.get("embedding_model") or meta.get("base_model")
        return str(name) if name else None

    @property
    def nominal_params(self) -> int | None:
        """The base's NOMINAL size from the model registry (never params_total: adapters, 4-bit packing)."""
        return nominal_params(self.base_model)

    @property
    def base_kind(self) -> str | None:
        """What kind of base it is ("encoder", "causal LM"), from the model registry; None when unregistered."""
        return base_kind(self.base_model)

    @property
    def family(self) -> str:
        """The strategy family the decision compares it as: the role its strategy class declares."""
        return str((self.record.get("strategy_meta") or {}).get("role") or self.record["strategy"])

    @property
    def suite(self) -> str:
        return str(self.record.get("suite") or "")

    def size_recipe(self) -> tuple[Any, ...]:
        """What makes two bases points of ONE size curve: the strategy, budget and options but the base."""
        opts = {k: v for k, v in (self.record.get("options") or {}).items() if v != self.base_model}
        for k in SIZED_TO_THE_DATA:
            opts.pop(k, None)
        return (
            self.record["strategy"],
            self.record["budget_name"],
            tuple(sorted((k, repr(v)) for k, v in opts.items())),
        )

    @property
    def bytes_per_param(self) -> tuple[float, str]:
        """(bytes per stored base weight, where it came from) from the record's precision or dtype."""
        extra = self.record.get("report") or {}
        if self.record["strategy_meta"]["quantized"]:
            return BYTES_PER_PARAM["nf4"], "nf4 base (qlora): 0.5 + fp32 absmax per 64 weights"
        for key in ("precision", "dtype"):
            value = str(extra.get(key) or (self.record.get("options") or {}).get(key) or "").lower()
            if value in BYTES_PER_PARAM:
                return BYTES_PER_PARAM[value], f"{value} (record's {key})"
        return 4.0, "fp32 assumed: the record names no precision"

    @property
    def dev_curve(self) -> list[float] | None:
        extra = self.record.get("report") or {}
        epochs = extra.get("curves") or extra.get("epochs")
        try:
            return [float(e["dev_accuracy"]) for e in epochs] if isinstance(epochs, list) and epochs else None
        except (KeyError, TypeError, ValueError):
            return None

    def recipe(self) -> tuple[Any, ...]:
        """What makes two budgets points of ONE learning curve: the strategy and its effective options (a run's
        name is a label: two suites may name one recipe differently)."""
        return (self.record["strategy"], _recipe_key(self.record))

    def describe(self) -> str:
        """One evidence line: accuracy (and scopes), serving cost, error volume, total with its spread."""
        c = self
        lo, hi = c.total_monthly_range
        seeds = f", mean of {c.seeds} seeds (interval over items and seeds)" if c.seeds > 1 else ""
        scope = ""
        ins, oos = c.scoped(True), c.scoped(False)
        if ins and oos:
            scope = f"; in-scope {_fmt_pct(ins[0])} {ci(ins[1])}, OOS recall {_fmt_pct(oos[0])} {ci(oos[1])}"
        spread = f" [{usd(lo)}, {usd(hi)}]" if hi > lo else ""
        return (
            f"{c.name}: accuracy {_fmt_pct(c.accuracy)} {ci(c.accuracy_ci)} on {c.n_items} items{seeds}{scope}; "
            f"{1000 * c.cost.serving_usd_per_query:.5f} $/1k queries ({c.cost.priced_as}); "
            f"{c.cost.errors_monthly:,.0f} errors/month; total {usd(c.cost.total_monthly)}/month{spread}"
        )

    def row(self, bar: float | None, max_latency: float | None) -> dict[str, Any]:
        lo, hi = self.accuracy_ci
        elo, ehi = self.cost.errors_monthly_ci
        return {
            "strategy": self.name,
            "seeds": self.seeds,
            "n_test": self.n_items,
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
            "total_usd_monthly_range": list(self.total_monthly_range),
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


def cost_per_error_for(corpus: str, req: Requirement, source: str | None = None) -> tuple[float, str]:
    """(USD per error, where it came from): the requirement's, else the corpus card's, else $0 (said so)."""
    if req.cost_per_error is not None:
        return req.cost_per_error, "from the requirement"
    try:
        card_value = recorded_card(corpus, source).cost_per_error
    except RagorftError:
        card_value = None
    if card_value is not None:
        return card_value, f"from the {corpus} corpus card"
    return 0.0, "errors are priced at $0: neither --cost-per-error nor the corpus card's [costs] cost_per_error is set"


def oos_label_for(corpus: str, source: str | None = None) -> str | None:
    try:
        return recorded_card(corpus, source).out_of_scope_label
    except RagorftError:
        return None


def largest_budget(records: list[dict[str, Any]]) -> str:
    """The largest budget in the results: "full" (all the data) when present, else the most examples per class."""
    names = {r["budget_name"] for r in records}
    if "full" in names:
        return "full"
    return max(names, key=lambda b: int(b[:-4]) if b.endswith("shot") and b[:-4].isdigit() else -1)


def _recipe_key(record: dict[str, Any]) -> tuple[Any, ...]:
    opts = {k: v for k, v in (record.get("options") or {}).items() if k not in SIZED_TO_THE_DATA}
    return tuple(sorted((k, repr(v)) for k, v in opts.items()))


def _pool_seeds(
    cells: list[tuple[str, dict[str, Any]]],
) -> tuple[dict[tuple[Any, ...], dict[int, tuple[str, dict[str, Any]]]], dict[tuple[Any, ...], list[str]]]:
    """{(run, budget, options): {seed: (source, record)}}: a seed two suites both ran counts once."""
    groups: dict[tuple[Any, ...], dict[int, tuple[str, dict[str, Any]]]] = {}
    dropped: dict[tuple[Any, ...], list[str]] = {}
    for source, r in cells:
        key = (r["run"], r["budget_name"], _recipe_key(r))
        seeds, seed = groups.setdefault(key, {}), int(r.get("seed", 0))
        if seed not in seeds:
            seeds[seed] = (source, r)
            continue
        keep, drop = sorted([seeds[seed], (source, r)], key=lambda m: -len(m[1]["test_items"]))  # stable: first
        seeds[seed] = keep
        n_keep, n_drop = len(keep[1]["test_items"]), len(drop[1]["test_items"])
        dropped.setdefault(key, []).append(
            f"{drop[1]['cell_id']} in suite '{drop[1].get('suite')}' ({n_drop} items) is the same run, options and "
            f"seed as in suite '{keep[1].get('suite')}' ({n_keep} items): counted once"
            + (", the record on more items kept" if n_keep > n_drop else "")
        )
    return groups, dropped


def pooling_notes(cands: list[Candidate]) -> list[str]:
    """What pooling several suites did: which suites, and which records counted once."""
    suites = sorted({str(r.get("suite")) for c in cands for r in c.records})
    notes = (
        [f"records of suites {', '.join(suites)}: every record of the corpus is evidence"] if len(suites) > 1 else []
    )
    return notes + [d for c in cands for d in c.duplicates]


def build_candidates(
    cells: list[tuple[str, dict[str, Any]]], req: Requirement, prices: Prices, monthly_queries: float
) -> list[Candidate]:
    """Every (run, options, budget) of the results as one candidate, its seeds pooled (the tree picks the budget).

    Records of several suites pool: the same run with the same options at the same budget is one
    candidate whichever suite ran it. Two runs that share a name but not their options stay two
    candidates, each named with its suite.
    """
    groups, dropped = _pool_seeds(cells)
    names = Counter((run, budget) for run, budget, _ in groups)
    out = []
    for key, seeds in groups.items():
        run, budget, _ = key
        members = [seeds[s] for s in sorted(seeds)]
        records = [r for _, r in members]
        suites = "+".join(sorted({str(r.get("suite")) for r in records}))
        name = f"{run}@{budget}" if names[(run, budget)] == 1 else f"{suites}:{run}@{budget}"
        corpus, card_at = records[0]["corpus"], corpus_source(records, records[0]["corpus"])
        per_error, _ = cost_per_error_for(corpus, req, card_at)
        costs = [requirement_cost(r, req, prices, monthly_queries, per_error) for r in records]
        cand = Candidate(name, records, members[0][0], costs[0], oos_label_for(corpus, card_at))
        cand.cost.serving_usd_per_query = float(np.mean([c.serving_usd_per_query for c in costs]))
        cand.cost.training_usd = float(np.mean([c.training_usd for c in costs]))
        lo, hi = cand.accuracy_ci
        cand.cost.error_rate, cand.cost.error_rate_ci = 1.0 - cand.accuracy, (1.0 - hi, 1.0 - lo)
        cand.spread_measured = any("predict_seconds_per_query_spread" in r["timing"] for r in records)
        cand.duplicates = dropped.get(key, [])
        out.append(cand)
    return sorted(out, key=lambda c: (c.run, c.n_train, c.name))


def requirement_cost(
    record: dict[str, Any],
    req: Requirement,
    prices: Prices,
    monthly_queries: float,
    cost_per_error: float | None = None,
) -> CostBreakdown:
    """One record's costs under a requirement; the report calls this too, so its numbers are the scorer's."""
    if cost_per_error is None:
        cost_per_error = cost_per_error_for(record["corpus"], req, corpus_source([record], record["corpus"]))[0]
    return cost_breakdown(
        record,
        prices,
        monthly_queries=monthly_queries,
        cost_per_error=cost_per_error,
        hardware=req.hardware,
        horizon_months=req.horizon_months,
    )
