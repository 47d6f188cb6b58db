"""The decision tree: from measured accuracy, cost and error volume to one recommendation, and why.

1. Which strategies clear the accuracy bar (on the *lower* bound of the interval) and the latency
   limit? If any, the cheapest by total monthly cost wins: bigger is wasted cost, latency and
   complexity. The runner-up is named with the paired test.
2. If none, why not (diagnoses.py): latency, label ambiguity (shared confusions), too little data,
   capability ceiling, many tasks. A diagnosis whose evidence is missing from the records says so.
3. What would change the answer: the break-even volume or cost per error, or the bar.

``recommend(records, requirement)`` returns a :class:`Decision` (``.to_text()``, ``.to_markdown()``,
``.to_dict()``) so the report and the CLI print the same thing.
"""

from __future__ import annotations

import itertools
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import ci, pct, usd
from ragorft.benchmarks.decide.candidates import Candidate, build_candidates, monthly_queries_for
from ragorft.benchmarks.decide.diagnoses import SHARED_CONFUSION_RATE, Diagnoses
from ragorft.benchmarks.decide.render import Decision, Step
from ragorft.benchmarks.decide.requirement import Requirement
from ragorft.benchmarks.records.store import check_record, corpus_source
from ragorft.benchmarks.score.costs import BreakEven, Prices, break_even, load_prices
from ragorft.benchmarks.score.stats import PairedComparison, compare, shared_confusions


def _fmt_pct(x: float) -> str:
    return pct(x, unit=True)


class Tree(Diagnoses):
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
                f"{c.name}: accuracy {_fmt_pct(c.accuracy)} {ci(c.accuracy_ci)} on {len(c.record['test_items'])} "
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
    q, how = monthly_queries_for(corpora[0], requirement, corpus_source([r for _, r in cells], corpora[0]))
    cands = build_candidates(cells, requirement, prices, q)
    return Tree(corpora[0], cands, requirement, q, how).run()


def recommend_all(
    cells: list[tuple[str, dict[str, Any]]], requirement: Requirement, *, prices: Prices | None = None
) -> list[Decision]:
    """One decision per corpus in the results."""
    prices = prices or load_prices()
    corpora = sorted({r["corpus"] for _, r in cells})
    return [recommend([c for c in cells if c[1]["corpus"] == name], requirement, prices=prices) for name in corpora]
