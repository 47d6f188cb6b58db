"""A decision and its reasons, as data (``to_dict``) and as text for the terminal and Markdown.

Both texts lead with the answer in one paragraph (ship what, why, what would change it); the full
reasoning follows. Pairwise lines are only the comparisons that decide: the report's matrix
carries every pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from ragorft.benchmarks.core.fmt import usd
from ragorft.benchmarks.core.markup import md_inline, md_table
from ragorft.benchmarks.decide.requirement import Requirement
from ragorft.benchmarks.score.costs import BreakEven
from ragorft.benchmarks.score.stats import PairedComparison, SharedConfusion


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
    # ship | latency | out_of_scope | label_ambiguity | under_trained | too_little_data | capability_ceiling
    # | other_strategy | plateau | many_tasks | undiagnosed
    verdict: str
    recommendation: str
    chosen: str | None
    runner_up: str | None
    steps: list[Step]
    table: list[dict[str, Any]]
    comparisons: list[PairedComparison]  # the ones that decide
    confusions: list[SharedConfusion]
    break_evens: list[BreakEven]
    budget: str = "full"
    bar: str = ""
    cost_per_error: float = 0.0
    cost_per_error_source: str = ""
    change: str = ""

    def row(self, name: str | None) -> dict[str, Any] | None:
        return next((r for r in self.table if r["strategy"] == name), None)

    def card(self) -> dict[str, str]:
        """The answer card: ship what, why, at what cost and error volume, what would change it."""
        focus = self.row(self.chosen or self.runner_up)
        cost = ""
        if focus:
            cost = (
                f"{focus['strategy']}: {100 * focus['accuracy']:.1f}% [{100 * focus['accuracy_lo']:.1f}, "
                f"{100 * focus['accuracy_hi']:.1f}] on {focus['n_test']} test items; "
                f"{usd(focus['total_usd_monthly'])}/month in total; {focus['errors_monthly']:,.0f} errors/month "
                f"at {self.monthly_queries:,.0f} queries/month"
            )
        priced = (
            f"errors priced at {usd(self.cost_per_error)} each ({self.cost_per_error_source})"
            if self.cost_per_error
            else "errors priced at $0 (no cost per error given): the cost ignores them"
        )
        answer = self.recommendation.split(": ", 1)  # ": ", not ":": a label may hold "https://"
        return {
            "corpus": self.corpus,
            "answer": answer[0],
            "why": answer[1].strip() if len(answer) > 1 else "",
            "bar": self.bar,
            "budget": self.budget,
            "cost": cost,
            "priced": priced,
            "change": self.change,
            "verdict": self.verdict,
        }

    def summary(self) -> str:
        """The answer in one paragraph."""
        c = self.card()
        head = c["answer"][:1].upper() + c["answer"][1:]
        parts = [f"{head} (trained on the '{self.budget}' budget; bar: {self.bar.split(' (')[0]})."]
        if c["why"]:
            parts.append(f"Why: {c['why']}.")
        if c["cost"]:
            parts.append(f"Measured: {c['cost']}; {c['priced']}.")
        if self.change:
            parts.append(f"What would change it: {self.change}.")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        req = self.requirement.model_dump()
        return {
            "corpus": self.corpus,
            "requirement": {**req, "monthly_queries": self.monthly_queries, "cost_per_error": self.cost_per_error},
            "budget": self.budget,
            "bar": self.bar,
            "verdict": self.verdict,
            "recommendation": self.recommendation,
            "summary": self.summary(),
            "chosen": self.chosen,
            "runner_up": self.runner_up,
            "steps": [s.to_dict() for s in self.steps],
            "table": self.table,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "shared_confusions": [c.to_dict() for c in self.confusions],
            "break_even": [b.to_dict() for b in self.break_evens],
        }

    def table_frame(self) -> pd.DataFrame:
        rows = []
        for r in self.table:
            rows.append(
                {
                    "candidate": r["strategy"],
                    "accuracy % [95% CI]": f"{100 * r['accuracy']:.1f} [{100 * r['accuracy_lo']:.1f}, "
                    f"{100 * r['accuracy_hi']:.1f}]",
                    "test n": r["n_test"],
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

    def requirement_line(self) -> str:
        r = self.requirement
        parts = [
            f"budget '{self.budget}'",
            f"bar: {self.bar}",
            f"{self.monthly_queries:,.0f} queries/month",
            f"{usd(self.cost_per_error)} per error",
            f"p95 latency {'unlimited' if r.max_latency_ms is None else f'<= {r.max_latency_ms:g} ms'}",
            f"{r.tasks} task(s)",
            f"training amortised over {r.horizon_months:g} months",
        ]
        if r.hardware:
            parts.append(f"priced on {r.hardware}")
        return ", ".join(parts)

    def to_text(self) -> str:
        lines = [f"== {self.corpus}: {self.requirement_line()}", "", self.summary(), ""]
        for s in self.steps:
            lines.append(f"[{s.step}] {s.question}")
            lines.append(f"    -> {s.answer}")
            lines += [f"       {e}" for e in s.evidence]
        lines += [
            "",
            f"RECOMMENDATION ({self.verdict}): {self.recommendation}",
            "",
            self.table_frame().to_string(index=False),
        ]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The decision as Markdown; every text inert (md_inline): labels and names are data, not markup."""
        lines = [f"### Recommendation for {md_inline(self.corpus)}", "", f"**{md_inline(self.summary())}**", ""]
        lines += [f"Requirement: {md_inline(self.requirement_line())}. Verdict: `{self.verdict}`.", ""]
        for s in self.steps:
            lines.append(f"- **{md_inline(s.step)}.** *{md_inline(s.question)}* {md_inline(s.answer)}")
            lines += [f"    - {md_inline(e)}" for e in s.evidence]
        lines += ["", md_table(self.table_frame()), ""]
        if self.comparisons:
            lines += [
                "The comparisons that decide (McNemar exact on common items, Holm-corrected; "
                "the report's matrix has every pair):",
                "",
            ]
            lines += [f"- {md_inline(c.verdict())}" for c in self.comparisons]
            lines.append("")
        return "\n".join(lines)
