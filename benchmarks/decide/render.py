"""A decision and its reasons, as data (``to_dict``) and as text for the terminal and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd
from ragorft.benchmarks.core.fmt import usd
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
