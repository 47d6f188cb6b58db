"""The decision tree: from measured accuracy, cost and error volume to one recommendation, and why.

Walks the tree of issue 7 for one corpus and records every step it takes, with the evidence:

1. Which strategies clear the accuracy bar (on the *lower* bound of the interval) and the latency
   limit? If any, the cheapest by total monthly cost wins: bigger is wasted cost, latency and
   complexity. The runner-up is named with the paired test.
2. If none, why not: latency, label ambiguity (shared confusions), too little data (learning curve
   still rising), capability ceiling (rises with model size, flat with data or epochs), many tasks
   (one base + N adapters). A diagnosis whose evidence is missing from the records says so.
3. What would change the answer: the break-even volume or cost per error, or the bar.

``recommend(records, requirement)`` returns a :class:`Decision` (``.to_text()``, ``.to_markdown()``,
``.to_dict()``) so the report and the CLI print the same thing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.atomic import CorruptFile, read_json
from benchmarks.costs import (
    DEFAULT_HORIZON_MONTHS,
    BreakEven,
    CostBreakdown,
    Prices,
    break_even,
    cost_breakdown,
    load_prices,
    parse_fraction,
    parse_quantity,
)
from benchmarks.errors import RagorftError
from benchmarks.stats import PairedComparison, SharedConfusion, compare, errors_in_pairs, shared_confusions

SHARED_CONFUSION_RATE = 0.05  # a pair confused on >= 5% of its items by (nearly) every strategy
MOST_ERRORS = 0.5  # shared confusions "explain most remaining errors" above this share
EPOCH_PLATEAU = 0.01  # dev accuracy gaining less than 1 point over the last half of epochs is flat
DEFAULT_BYTES_PER_PARAM = 2  # bf16 weights when a record does not say


# --------------------------------------------------------------------------- requirement


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


# --------------------------------------------------------------------------- records


REQUIRED = (
    ("corpus",),
    ("run",),
    ("budget_name",),
    ("test_items",),
    ("gold",),
    ("predictions",),
    ("metrics", "accuracy"),
    ("metrics", "accuracy_ci"),
    ("timing", "predict_seconds_per_query"),
    ("timing", "train_seconds"),
)


def check_record(record: dict[str, Any], source: str) -> dict[str, Any]:
    """Refuse a record the scorer would have to guess about; name the file and the missing field."""
    for path in REQUIRED:
        node: Any = record
        for key in path:
            if not isinstance(node, dict) or key not in node:
                raise RagorftError(f"cell record lacks '{'.'.join(path)}'", path=source)
            node = node[key]
    n = len(record["test_items"])
    if not (len(record["gold"]) == len(record["predictions"]) == n) or n == 0:
        raise RagorftError("cell record: test_items, gold and predictions differ in length (or are empty)", path=source)
    return record


def load_cells(suite_dir: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(path, record) for every cell record of a suite's results; a corrupt one is an error here."""
    cells_dir = Path(suite_dir) / "cells"
    paths = sorted(cells_dir.glob("*.json"))
    if not paths:
        raise RagorftError("no cell records (run `ragorft bench` first)", path=cells_dir)
    out = []
    for p in paths:
        try:
            out.append((str(p), check_record(read_json(p), str(p))))
        except CorruptFile as exc:
            raise RagorftError(str(exc), path=p) from exc
    return out


# --------------------------------------------------------------------------- candidates


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


def monthly_queries_for(corpus: str, req: Requirement) -> tuple[float, str]:
    """(volume, where it came from): the requirement's, else the corpus card's, else 1M.

    Public because the report prices its cells at this same volume: one rule, one set of numbers.
    """
    if req.monthly_queries is not None:
        return req.monthly_queries, "from the requirement"
    from benchmarks.corpus import read_card

    try:
        return read_card(corpus).monthly_queries, f"from the {corpus} corpus card"
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


# --------------------------------------------------------------------------- decision


@dataclass
class Step:
    step: str
    question: str
    answer: str
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "question": self.question, "answer": self.answer, "evidence": self.evidence}


@dataclass
class Decision:
    corpus: str
    requirement: Requirement
    monthly_queries: float
    verdict: str  # ship | latency | label_ambiguity | too_little_data | capability_ceiling | many_tasks | undiagnosed
    recommendation: str
    chosen: str | None
    runner_up: str | None
    steps: list[Step]
    table: list[dict[str, Any]]
    comparisons: list[PairedComparison]
    confusions: list[SharedConfusion]
    break_evens: list[BreakEven]

    def to_dict(self) -> dict[str, Any]:
        req = {f.name: getattr(self.requirement, f.name) for f in fields(self.requirement)}
        return {
            "corpus": self.corpus,
            "requirement": {**req, "monthly_queries": self.monthly_queries},
            "verdict": self.verdict,
            "recommendation": self.recommendation,
            "chosen": self.chosen,
            "runner_up": self.runner_up,
            "steps": [s.to_dict() for s in self.steps],
            "table": self.table,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "shared_confusions": [c.to_dict() for c in self.confusions],
            "break_even": [b.to_dict() for b in self.break_evens],
        }

    def _table_frame(self) -> pd.DataFrame:
        rows = []
        for r in self.table:
            rows.append(
                {
                    "strategy": r["strategy"],
                    "accuracy % [95% CI]": f"{100 * r['accuracy']:.1f} [{100 * r['accuracy_lo']:.1f}, "
                    f"{100 * r['accuracy_hi']:.1f}]",
                    "p95 ms": "n/a" if r["latency_p95_ms"] is None else f"{r['latency_p95_ms']:.1f}",
                    "$/1k queries": f"{r['serving_usd_per_1k']:.5f}",
                    "train $": usd(r["training_usd"]).lstrip("$"),
                    "errors/month [CI]": f"{r['errors_monthly']:,.0f} [{r['errors_monthly_lo']:,.0f}, "
                    f"{r['errors_monthly_hi']:,.0f}]",
                    "total $/month": usd(r["total_usd_monthly"]).lstrip("$"),
                    "clears bar": {None: "-", True: "yes", False: "no"}[r["clears_bar"]],
                    "meets latency": {None: "-", True: "yes", False: "no"}[r["meets_latency"]],
                }
            )
        return pd.DataFrame(rows)

    def _requirement_line(self) -> str:
        r = self.requirement
        parts = [
            f"accuracy bar {'none' if r.accuracy_bar is None else f'{100 * r.accuracy_bar:.1f}% (lower bound)'}",
            f"{self.monthly_queries:,.0f} queries/month",
            f"${r.cost_per_error:g} per error",
            f"p95 latency {'unlimited' if r.max_latency_ms is None else f'<= {r.max_latency_ms:g} ms'}",
            f"{r.tasks} task(s)",
            f"training amortised over {r.horizon_months:g} months",
        ]
        if r.hardware:
            parts.append(f"priced on {r.hardware}")
        return ", ".join(parts)

    def to_text(self) -> str:
        lines = [f"== {self.corpus}: {self._requirement_line()}", ""]
        for s in self.steps:
            lines.append(f"[{s.step}] {s.question}")
            lines.append(f"    -> {s.answer}")
            lines += [f"       {e}" for e in s.evidence]
        lines += [
            "",
            f"RECOMMENDATION ({self.verdict}): {self.recommendation}",
            "",
            self._table_frame().to_string(index=False),
        ]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        lines = [f"### Recommendation for {self.corpus}", "", f"Requirement: {self._requirement_line()}.", ""]
        lines += [f"**{self.recommendation}** (verdict: `{self.verdict}`)", ""]
        for s in self.steps:
            lines.append(f"{s.step}. *{s.question}* {s.answer}")
            lines += [f"   - {e}" for e in s.evidence]
        lines += ["", self._table_frame().to_markdown(index=False), ""]
        if self.comparisons:
            lines += [
                "Paired comparisons on common test items (bootstrap 95% CI of the accuracy difference, McNemar exact):",
                "",
            ]
            lines += [f"- {c.verdict()}" for c in self.comparisons]
            lines.append("")
        return "\n".join(lines)


def usd(x: float) -> str:
    """Dollars readable at any scale: $1,234 / $12.34 / $0.004321."""
    if abs(x) >= 100:
        return f"${x:,.0f}"
    if abs(x) >= 1:
        return f"${x:,.2f}"
    return f"${x:.4g}"


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _fmt_ci(ci: tuple[float, float]) -> str:
    return f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


class _Tree:
    """One walk of the tree for one corpus; collects steps as it goes."""

    def __init__(self, corpus: str, cands: list[Candidate], req: Requirement, monthly_queries: float, how: str):
        self.corpus, self.cands, self.req, self.q = corpus, cands, req, monthly_queries
        self.steps: list[Step] = []
        self.by_name = {c.name: c for c in cands}
        self._cmp: dict[tuple[str, str], PairedComparison] = {}
        self.comparisons = [self.compare(a, b) for a, b in itertools.combinations(cands, 2)]
        self.confusions = shared_confusions({c.name: c.record for c in cands}, min_rate=SHARED_CONFUSION_RATE)
        self.volume_source = how

    def compare(self, a: Candidate, b: Candidate) -> PairedComparison:
        key = (a.name, b.name)
        if key not in self._cmp:
            self._cmp[key] = compare(a.name, a.record, b.name, b.record)
        return self._cmp[key]

    def add(self, step: str, question: str, answer: str, evidence: list[str] | None = None) -> None:
        self.steps.append(Step(step, question, answer, evidence or []))

    # ---- step 1
    def eligible(self) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
        """(clear both, clear accuracy only, unjudged on latency)."""
        bar, limit = self.req.accuracy_bar, self.req.max_latency_ms
        acc_ok = [c for c in self.cands if bar is None or c.accuracy_ci[0] >= bar]
        if limit is None:
            return acc_ok, [], []
        unjudged = [c for c in acc_ok if c.latency_p95_ms is None]
        both = [c for c in acc_ok if c.latency_p95_ms is not None and c.latency_p95_ms <= limit]
        slow = [c for c in acc_ok if c.latency_p95_ms is not None and c.latency_p95_ms > limit]
        return both, slow, unjudged

    def run(self) -> Decision:
        req = self.req
        self.add(
            "0",
            "What is measured?",
            f"{len(self.cands)} strategies on {self.corpus}; volume {self.q:,.0f} queries/month ({self.volume_source})",
            [
                f"{c.name}: accuracy {_fmt_pct(c.accuracy)} {_fmt_ci(c.accuracy_ci)} on {len(c.record['test_items'])} "
                f"items; {1000 * c.cost.serving_usd_per_query:.5f} $/1k queries ({c.cost.priced_as}); "
                f"{c.cost.errors_monthly:,.0f} errors/month; total {usd(c.cost.total_monthly)}/month"
                + "".join(f"; {n}" for n in c.cost.notes)
                for c in self.cands
            ]
            + ([] if req.cost_per_error else ["no cost per error given: errors are counted but cost $0"]),
        )
        both, slow, unjudged = self.eligible()
        bar_txt = "no accuracy bar" if req.accuracy_bar is None else f"lower bound >= {_fmt_pct(req.accuracy_bar)}"
        lat_txt = "" if req.max_latency_ms is None else f" and p95 latency <= {req.max_latency_ms:g} ms"
        evidence = [f"{c.name}: p95 {c.latency_p95_ms:.1f} ms is over the limit" for c in slow]
        evidence += [f"{c.name}: no latency measured, cannot be judged against the limit" for c in unjudged]
        if req.hardware and req.max_latency_ms is not None:
            evidence.append(f"latency was measured where each cell ran, not on {req.hardware}")
        if both:
            self.add("1", f"Which strategies clear {bar_txt}{lat_txt}?", ", ".join(c.name for c in both), evidence)
            return self.ship(both)
        self.add("1", f"Which strategies clear {bar_txt}{lat_txt}?", "none", evidence)
        return self.diagnose(slow)

    def ship(self, ok: list[Candidate]) -> Decision:
        ranked = sorted(ok, key=lambda c: c.cost.total_monthly)
        best = ranked[0]
        c = best.cost
        self.add(
            "1a",
            "Which of them is cheapest by total monthly cost?",
            f"{best.name}: {usd(c.total_monthly)}/month = serving {usd(c.serving_monthly)} + training "
            f"{usd(c.training_monthly)} (amortised) + errors {usd(c.error_cost_monthly)} "
            f"({c.errors_monthly:,.0f} errors/month)",
        )
        runner = ranked[1] if len(ranked) > 1 else None
        evidence = []
        if runner is None:
            others = [x for x in self.cands if x is not best]
            if others:
                runner = max(others, key=lambda x: x.accuracy_ci[0])
                evidence.append(
                    f"{runner.name} is the closest that does not clear: lower bound "
                    f"{_fmt_pct(runner.accuracy_ci[0])}"
                    + (f" (p95 {runner.latency_p95_ms:.1f} ms)" if runner.latency_p95_ms else "")
                )
        if runner is not None:
            cmp_ = self.compare(best, runner)
            evidence.append(cmp_.verdict())
            evidence.append(
                f"{runner.name} costs {usd(abs(runner.cost.total_monthly - c.total_monthly))}/month "
                f"{'more' if runner.cost.total_monthly >= c.total_monthly else 'less'} "
                f"({usd(runner.cost.total_monthly)}/month)"
            )
            answer = f"{runner.name}" + (", statistically tied on accuracy" if cmp_.tie else "")
        else:
            answer = "none: only one strategy was measured"
        self.add("1b", "Runner-up, and how far behind?", answer, evidence)
        be = self.what_would_change(best, ranked[1:])
        rec = (
            f"ship {best.name}: it clears the requirement at the lowest total cost; "
            "bigger is wasted cost, latency and complexity"
        )
        if self.req.tasks > 1:
            rec += f" (for {self.req.tasks} tasks, see step 1c before deploying one model per task)"
            self.many_tasks("1c")
        return self.decision("ship", rec, best.name, runner.name if runner else None, be)

    def what_would_change(self, best: Candidate, rivals: list[Candidate]) -> list[BreakEven]:
        out, evidence = [], []
        for r in rivals:
            be = break_even(best.name, best.cost, r.name, r.cost)
            out.append(be)
            parts = []
            if be.monthly_queries is not None:
                side = "above" if be.monthly_queries > self.q else "below"
                parts.append(f"{side} {be.monthly_queries:,.0f} queries/month")
            if be.cost_per_error is not None:
                side = "above" if be.cost_per_error > self.req.cost_per_error else "below"
                parts.append(f"{side} {usd(be.cost_per_error)} per error")
            evidence.append(
                f"{r.name} becomes cheaper " + " or ".join(parts)
                if parts
                else f"{r.name}: no volume or cost per error within reach makes it cheaper"
            )
        below = [c for c in self.cands if c not in rivals and c is not best]
        if self.req.accuracy_bar is not None and below:
            cheaper = [c for c in below if c.cost.total_monthly < best.cost.total_monthly]
            if cheaper:
                nxt = max(cheaper, key=lambda c: c.accuracy_ci[0])
                evidence.append(
                    f"lowering the bar to {_fmt_pct(nxt.accuracy_ci[0])} would admit the cheaper {nxt.name} "
                    f"({usd(nxt.cost.total_monthly)}/month)"
                )
        if not evidence:
            evidence.append("no other strategy to compare with")
        self.add("3", "What would change the answer?", "break-even points against the alternatives", evidence)
        return out

    # ---- step 2
    def diagnose(self, slow: list[Candidate]) -> Decision:
        closest = max(self.cands, key=lambda c: (c.accuracy_ci[0], c.n_train))
        findings: list[tuple[str, str]] = []
        if slow:
            fastest = min(slow, key=lambda c: c.latency_p95_ms or 0)
            msg = (
                f"{fastest.name} clears the accuracy bar but its p95 latency is {fastest.latency_p95_ms:.1f} ms "
                f"(limit {self.req.max_latency_ms:g} ms): serve it on faster hardware or distil it"
            )
            self.add("2a", "Is latency the only obstacle?", "yes", [msg])
            findings.append(("latency", msg))
        else:
            self.add("2a", "Is latency the only obstacle?", "no: nothing clears the accuracy bar")
        for step, check in (
            ("2b", self.label_ambiguity),
            ("2c", self.too_little_data),
            ("2d", self.capability_ceiling),
            ("2e", self.many_tasks),
        ):
            found = check(step, closest)
            if found:
                findings.append(found)
        if findings:
            verdict, rec = findings[0]
            if len(findings) > 1:
                rec += "; also: " + "; ".join(f"{v}: {t}" for v, t in findings[1:])
        else:
            verdict = "undiagnosed"
            rec = (
                f"no strategy clears the requirement (closest: {closest.name}, lower bound "
                f"{_fmt_pct(closest.accuracy_ci[0])}) and the results hold no evidence for why: add a budget sweep "
                "and a second model size"
            )
        evidence = []
        if self.req.accuracy_bar is not None:
            evidence.append(
                f"lowering the bar to {_fmt_pct(closest.accuracy_ci[0])} would admit {closest.name} "
                f"({usd(closest.cost.total_monthly)}/month)"
            )
        self.add("3", "What would change the answer?", "the bar, or the fixes above", evidence)
        return self.decision(verdict, rec, None, closest.name, [])

    def label_ambiguity(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Do confusions every strategy shares explain most remaining errors?"
        if len(self.cands) < 2:
            self.add(step, q, "no evidence: needs at least two strategies to call a confusion shared")
            return None
        pairs = [s.labels for s in self.confusions]
        errors = int(
            sum(1 for g, p in zip(closest.record["gold"], closest.record["predictions"], strict=True) if g != p)
        )
        shared = errors_in_pairs(closest.record, pairs)
        evidence = [
            f"{a} <-> {b}: confused by {s.confused_by}/{s.of} strategies, rates "
            + ", ".join(f"{k} {100 * v:.0f}%" for k, v in s.rates.items())
            for s in self.confusions[:8]
            for a, b in [s.labels]
        ]
        if not self.confusions:
            evidence.append(
                "no label pair is confused by (nearly) every strategy on "
                f">= {100 * SHARED_CONFUSION_RATE:.0f}% of its items"
            )
        share = shared / errors if errors else 0.0
        evidence.append(f"{shared} of {closest.name}'s {errors} errors ({100 * share:.0f}%) fall in these pairs")
        if self.req.accuracy_bar is not None:
            n = len(closest.record["gold"])
            gap = max(0.0, self.req.accuracy_bar - closest.accuracy_ci[0]) * n
            evidence.append(f"the gap from its lower bound to the bar is about {gap:.0f} items of {n}")
        if errors and share > MOST_ERRORS:
            self.add(step, q, "yes: label ambiguity", evidence)
            names = ", ".join(f"{a}/{b}" for a, b in pairs[:5])
            return (
                "label_ambiguity",
                f"fix the data (merge or relabel {names}): no model size will fix a label conflict",
            )
        self.add(step, q, f"no ({100 * share:.0f}% of errors, need > {100 * MOST_ERRORS:.0f}%)", evidence)
        return None

    def _curve(self, run: str) -> list[Candidate]:
        return sorted((c for c in self.cands if c.record["run"] == run), key=lambda c: c.n_train)

    def too_little_data(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Is the learning curve still rising at the largest budget?"
        curve = self._curve(closest.record["run"])
        if len(curve) < 2:
            self.add(step, q, f"no evidence: {closest.record['run']} was run at one budget only (no budget sweep)")
            return None
        prev, last = curve[-2], curve[-1]
        cmp_ = self.compare(last, prev)
        evidence = [
            " -> ".join(f"{c.record['budget_name']} (n={c.n_train}) {_fmt_pct(c.accuracy)}" for c in curve),
            cmp_.verdict(),
        ]
        if cmp_.difference_ci[0] > 0:
            self.add(step, q, "yes: too little data", evidence)
            return (
                "too_little_data",
                f"collect more labelled data: {closest.record['run']} still gains "
                f"{100 * cmp_.difference:+.1f} pts from {prev.record['budget_name']} to {last.record['budget_name']}"
                " (or a bigger base + LoRA)",
            )
        self.add(step, q, "no: the last budget step is flat (a tie or a loss)", evidence)
        return None

    def _epochs_flat(self, cand: Candidate) -> tuple[bool | None, str]:
        extra = cand.record.get("report") or {}
        epochs = extra.get("epochs") or extra.get("curves")  # fine-tune strategies write "curves"
        if not isinstance(epochs, list) or len(epochs) < 2:
            return None, f"{cand.name}: no per-epoch dev curve in its record"
        try:
            dev = [float(e["dev_accuracy"]) for e in epochs]
        except (KeyError, TypeError, ValueError):
            return None, f"{cand.name}: per-epoch records lack dev_accuracy"
        half = len(dev) // 2
        gain = dev[-1] - max(dev[:half] or dev[:1])
        curve = ", ".join(f"{100 * d:.1f}" for d in dev)
        flat = gain < EPOCH_PLATEAU
        return flat, f"{cand.name}: dev accuracy by epoch {curve}; last half gains {100 * gain:+.1f} pts"

    def capability_ceiling(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Does accuracy rise with model size but stay flat with more data or epochs?"
        sized = [c for c in self.cands if c.model_params]
        sizes = sorted({c.model_params for c in sized})
        if len(sizes) < 2:
            self.add(
                step,
                q,
                "no evidence: the results hold fewer than two model sizes",
                [f"model sizes known for: {', '.join(c.name for c in sized) or 'none'}"],
            )
            return None
        best_at = {
            s: max((c for c in sized if c.model_params == s), key=lambda c: (c.accuracy, c.n_train)) for s in sizes
        }
        small, big = best_at[sizes[0]], best_at[sizes[-1]]
        by_size = self.compare(big, small)
        evidence = [
            "best by size: "
            + ", ".join(f"{s:,} params {best_at[s].name} {_fmt_pct(best_at[s].accuracy)}" for s in sizes),
            by_size.verdict(),
        ]
        rises = by_size.difference_ci[0] > 0
        curve = self._curve(big.record["run"])
        data_flat: bool | None = None
        if len(curve) >= 2:
            data_cmp = self.compare(curve[-1], curve[-2])
            data_flat = data_cmp.difference_ci[0] <= 0
            evidence.append(f"more data for {big.record['run']}: {data_cmp.verdict()}")
        else:
            evidence.append(f"{big.record['run']}: one budget only, no data curve")
        epochs_flat, note = self._epochs_flat(curve[-1])
        evidence.append(note)
        flat_known = [x for x in (data_flat, epochs_flat) if x is not None]
        if not flat_known:
            self.add(step, q, "no evidence: neither a budget sweep nor a dev curve for the largest model", evidence)
            return None
        if rises and any(flat_known):
            self.add(step, q, "yes: capability ceiling", evidence)
            return (
                "capability_ceiling",
                f"use a bigger base model: accuracy rises {100 * by_size.difference:+.1f} pts from {sizes[0]:,} to "
                f"{sizes[-1]:,} params while more data/epochs are flat",
            )
        self.add(step, q, "no" + ("" if rises else ": accuracy does not rise with size"), evidence)
        return None

    def many_tasks(self, step: str, closest: Candidate | None = None) -> tuple[str, str] | None:
        n = self.req.tasks
        q = f"Are there many tasks (--tasks {n})?"
        if n <= 1:
            self.add(step, q, "no: one task")
            return None
        adapters = [
            c
            for c in self.cands
            if 0 < int((c.record.get("cost") or {}).get("params_trained") or 0) < (c.model_params or 0)
        ]
        if not adapters:
            self.add(
                step,
                q,
                f"yes, but no adapter (LoRA) result to size the saving: one base + {n} adapters is the shape to try",
            )
            return "many_tasks", f"one base + {n} LoRA adapters (no adapter result measured yet to size the saving)"
        a = max(adapters, key=lambda c: c.accuracy)
        extra = a.record.get("report") or {}
        bpp = extra.get("bytes_per_param", DEFAULT_BYTES_PER_PARAM)
        total, trained = a.model_params or 0, int(a.record["cost"]["params_trained"])
        full = n * total * bpp / 2**20
        shared = (total + n * trained) * bpp / 2**20
        msg = (
            f"one base + {n} LoRA adapters: {shared:,.0f} MiB of weights instead of {full:,.0f} MiB for {n} full "
            f"fine-tunes (saves {full - shared:,.0f} MiB at {bpp} bytes/param; from {a.name}: {total:,} params, "
            f"{trained:,} trained)"
        )
        self.add(step, q, "yes", [msg])
        return "many_tasks", msg

    def decision(self, verdict: str, rec: str, chosen: str | None, runner: str | None, be: list[BreakEven]) -> Decision:
        return Decision(
            corpus=self.corpus,
            requirement=self.req,
            monthly_queries=self.q,
            verdict=verdict,
            recommendation=rec,
            chosen=chosen,
            runner_up=runner,
            steps=self.steps,
            table=[c.row(self.req.accuracy_bar, self.req.max_latency_ms) for c in self.cands],
            comparisons=self.comparisons,
            confusions=self.confusions,
            break_evens=be,
        )


def _validate_against(cells: list[tuple[str, dict[str, Any]]], req: Requirement) -> None:
    """A requirement that no result can be judged against is an error, not a recommendation."""
    if req.max_latency_ms is not None and not any(
        isinstance(((r.get("timing") or {}).get("latency_ms") or {}).get("p95"), int | float) for _, r in cells
    ):
        raise RagorftError(
            f"--max-latency-ms {req.max_latency_ms:g}: no result has a measured p95 latency to judge it against",
            path=cells[0][0],
        )


def recommend(
    records: list[dict[str, Any]] | list[tuple[str, dict[str, Any]]],
    requirement: Requirement,
    *,
    prices: Prices | None = None,
) -> Decision:
    """Walk the tree for one corpus's records. Accepts plain records or (source, record) pairs."""
    cells = [(x if isinstance(x, tuple) else (str(x.get("cell_id", "record")), x)) for x in records]
    if not cells:
        raise RagorftError("no results to decide on")
    for source, r in cells:
        check_record(r, source)
    corpora = sorted({r["corpus"] for _, r in cells})
    if len(corpora) != 1:
        raise RagorftError(f"recommend() decides for one corpus at a time, got {', '.join(corpora)}")
    _validate_against(cells, requirement)
    prices = prices or load_prices()
    q, how = monthly_queries_for(corpora[0], requirement)
    cands = build_candidates(cells, requirement, prices, q)
    return _Tree(corpora[0], cands, requirement, q, how).run()


def recommend_all(
    cells: list[tuple[str, dict[str, Any]]], requirement: Requirement, *, prices: Prices | None = None
) -> list[Decision]:
    """One decision per corpus in the results."""
    prices = prices or load_prices()
    corpora = sorted({r["corpus"] for _, r in cells})
    return [recommend([c for c in cells if c[1]["corpus"] == name], requirement, prices=prices) for name in corpora]
