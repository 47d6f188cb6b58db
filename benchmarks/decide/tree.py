"""The decision tree: from measured accuracy, cost and error volume to one recommendation, and why.

0. The candidates are the runs at the user's training budget (default: the largest, all the data);
   smaller budgets are learning-curve evidence, never something to ship. Seeds of a run are one
   candidate.
1. The bar: the user's accuracy bar on the *lower* bound of the interval (overall, or in-scope
   with an OOS-recall floor), or with no bar "not significantly worse than the most accurate
   candidate" (THE significance rule of score/stats: McNemar exact on common items, Holm over the
   comparisons with the most accurate). Among those that clear it, the cheapest by total monthly
   cost, where candidates whose cost ranges (the measured serving-time spread) overlap the
   cheapest's are tied and the most accurate of them wins: timing noise never picks the model.
2. If none clears: why not (diagnoses.py, branches.py): latency, out-of-scope items, label ambiguity,
   under-training, the two levers measured on every record (levers.py: more data, a bigger base)
   ranked by gain per doubling into the cheapest route to the bar, many tasks.
3. What would change the answer: break-even volume or cost per error, or the bar.

``recommend`` returns a :class:`Decision` (``.to_text()``, ``.to_markdown()``, ``.to_dict()``): one for all.
"""

from __future__ import annotations

import itertools
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.fmt import pct, usd
from ragorft.benchmarks.decide.branches import Branches
from ragorft.benchmarks.decide.candidates import (
    Candidate,
    build_candidates,
    cost_per_error_for,
    largest_budget,
    monthly_queries_for,
    pooling_notes,
)
from ragorft.benchmarks.decide.knowledge import add_knowledge_branch, is_knowledge, split_ceilings
from ragorft.benchmarks.decide.render import Decision, Step
from ragorft.benchmarks.decide.requirement import Requirement, validate_against
from ragorft.benchmarks.decide.structured import add_if_structured
from ragorft.benchmarks.records.store import check_scored, corpus_source
from ragorft.benchmarks.score.costs import BreakEven, break_even
from ragorft.benchmarks.score.pricing import Prices, load_prices
from ragorft.benchmarks.score.stats import PairedComparison, compare, significant


def _fmt_pct(x: float) -> str:
    return pct(x, unit=True)


class Tree(Branches):
    """One walk of the tree for one corpus; collects steps as it goes."""

    def __init__(  # memo: raw paired tests by records, shared by recommend() calls on these records
        self,
        corpus: str,
        everything: list[Candidate],
        req: Requirement,
        volume: tuple[float, str],
        card_at=None,
        memo=None,
    ):
        self.corpus, self.req, (self.q, self.volume_source) = corpus, req, volume
        self.all = everything
        self.budget = req.budget or largest_budget([c.record for c in everything])
        self.cands = [c for c in everything if c.record["budget_name"] == self.budget]
        if not self.cands:
            budgets = ", ".join(sorted({c.record["budget_name"] for c in everything}))
            raise RagorftError(f"{corpus}: no run at budget '{self.budget}' (budgets in the results: {budgets})")
        self.steps: list[Step] = []
        self.deciding: list[PairedComparison] = []
        self.confusions: list[Any] = []
        self.levers, self.hints = {"data": [], "size": []}, []
        self.late: tuple[str, str] | None = None  # a finding about a candidate other than the closest
        self.change = ""
        self._cmp: dict[tuple[str, str], PairedComparison] = {}
        self.memo: dict[tuple, PairedComparison] = {} if memo is None else memo
        self.per_error, self.per_error_source = cost_per_error_for(corpus, req, card_at)

    def compare(self, a: Candidate, b: Candidate) -> PairedComparison:
        key = (a.name, b.name)
        if key not in self._cmp:  # a raw test depends on the two candidates' records, not the requirement
            ids = (a.name, a.record_ids, b.name, b.record_ids)
            self._cmp[key] = self.memo[ids] = self.memo.get(ids) or compare(a.name, a.records, b.name, b.records)
        return self._cmp[key]

    def add(self, step: str, question: str, answer: str, evidence: list[str] | None = None) -> None:
        self.steps.append(Step(step, question, answer, evidence or []))

    # ---- step 0
    def measured(self) -> None:
        others = sorted({c.name for c in self.all} - {c.name for c in self.cands})
        evidence = [c.describe() for c in self.cands]
        if others:
            evidence.append("other budgets, learning-curve evidence only (not candidates): " + ", ".join(others))
        evidence += pooling_notes(self.all)
        evidence.append(f"cost per error {usd(self.per_error)} ({self.per_error_source})")
        if not any(c.spread_measured for c in self.cands):
            evidence.append(
                "no serving-time spread in these records: costs have zero spread, so only exactly equal costs tie"
            )
        self.add(
            "0",
            "What is measured?",
            f"{len(self.cands)} candidates at the user's budget '{self.budget}' on {self.corpus}; "
            f"volume {self.q:,.0f} queries/month ({self.volume_source})",
            evidence,
        )

    # ---- step 1
    def bar_text(self) -> str:
        req = self.req
        if req.accuracy_bar is None and req.min_oos_recall is None:
            return (
                "not significantly worse than the most accurate candidate (no accuracy bar given: no other "
                "candidate is significantly more accurate, McNemar exact on common items, Holm over all pairs)"
            )
        parts = []
        if req.accuracy_bar is not None:
            what = "in-scope accuracy" if req.accuracy_on == "in_scope" else "accuracy"
            parts.append(f"{what} lower bound >= {_fmt_pct(req.accuracy_bar)}")
        if req.min_oos_recall is not None:
            parts.append(f"OOS recall lower bound >= {_fmt_pct(req.min_oos_recall)}")
        return " and ".join(parts)

    def bar_metric(self, c: Candidate) -> float:
        """The lower bound the user's bar is judged on: overall, or in-scope accuracy."""
        if self.req.accuracy_on == "in_scope":
            scoped = c.scoped(True)
            if scoped is None:
                raise RagorftError(f"{self.corpus}: accuracy_on = 'in_scope' needs an out-of-scope label on the card")
            return scoped[1][0]
        return c.accuracy_ci[0]

    def clears(self, c: Candidate) -> bool:
        req = self.req
        if req.accuracy_bar is not None and self.bar_metric(c) < req.accuracy_bar:
            return False
        if req.min_oos_recall is not None:
            oos = c.scoped(False)
            if oos is None:
                raise RagorftError(f"{self.corpus}: min_oos_recall needs an out-of-scope label on the corpus card")
            return oos[1][0] >= req.min_oos_recall
        return True

    def no_bar_set(self) -> list[Candidate]:
        """The candidates no other candidate is significantly more accurate than (one Holm family: all pairs).

        This is the matrix's rule read row by row: the most accurate candidate is always in, and a
        candidate is out only when some other one beats it on their common items.
        """
        pairs = list(itertools.combinations(self.cands, 2))
        raw = [self.compare(a, b) for a, b in pairs]
        _, adjusted = significant([r.mcnemar_p for r in raw])
        family = [r.in_family(p, len(raw)) for r, p in zip(raw, adjusted, strict=True)]
        beaten: dict[str, PairedComparison] = {}
        for r in family:
            self._cmp[(r.a, r.b)] = r
            if not r.tie:
                loser = r.b if r.difference > 0 else r.a
                if loser not in beaten or r.p < beaten[loser].p:
                    beaten[loser] = r
        self.deciding = list(beaten.values())
        return [c for c in self.cands if c.name not in beaten]

    def latency_ok(self, c: Candidate) -> bool | None:
        """Judged on the top of the measured p95 spread, so a re-timing inside its noise cannot flip it."""
        limit, spread = self.req.max_latency_ms, c.latency_p95_spread
        if limit is None:
            return True
        return None if spread is None else spread[1] <= limit

    def run(self) -> Decision:
        self.measured()
        pool = self.no_bar_set() if self.req.accuracy_bar is None and self.req.min_oos_recall is None else self.cands
        acc_ok = [c for c in pool if self.clears(c)]
        both = [c for c in acc_ok if self.latency_ok(c)]
        slow = [c for c in acc_ok if self.latency_ok(c) is False]
        evidence = [
            f"{c.name}: p95 {c.latency_p95_ms:.1f} ms"
            + (
                ""
                if (c.latency_p95_spread or (0, 0))[1] == c.latency_p95_ms
                else f", up to {c.latency_p95_spread[1]:.1f} ms over repeats,"
            )
            + " is over the limit"
            for c in slow
        ]
        evidence += [f"{c.name}: no latency measured, cannot be judged" for c in acc_ok if self.latency_ok(c) is None]
        evidence += [r.verdict() for r in self.deciding]
        lat = "" if self.req.max_latency_ms is None else f" and p95 latency <= {self.req.max_latency_ms:g} ms"
        question = f"Which candidates clear the bar: {self.bar_text()}{lat}?"
        if both:
            self.add("1", question, ", ".join(c.name for c in both), evidence)
            return self.ship(both)
        self.add("1", question, "none", evidence)
        return self.diagnose(slow)

    def pick(self, ok: list[Candidate]) -> tuple[Candidate, list[Candidate]]:
        """Cheapest by total monthly cost; cost ranges overlapping the cheapest's are ties, broken by accuracy."""
        ceiling = min(c.total_monthly_range[1] for c in ok)
        tied = [c for c in ok if c.total_monthly_range[0] <= ceiling]
        best = max(tied, key=lambda c: (c.accuracy, -c.total_monthly_range[1], c.name))
        return best, [c for c in tied if c is not best]

    def ship(self, ok: list[Candidate]) -> Decision:
        best, tied = self.pick(ok)
        c = best.cost
        why = [
            f"{best.name}: {usd(c.total_monthly)}/month = serving {usd(c.serving_monthly)} + training "
            f"{usd(c.training_monthly)} (amortised) + errors {usd(c.error_cost_monthly)} "
            f"({c.errors_monthly:,.0f} errors/month at {usd(self.per_error)} each)"
        ]
        why += [
            f"{t.name} costs {usd(t.total_monthly_range[0])}-{usd(t.total_monthly_range[1])}/month, inside the "
            f"measured spread of {best.name}'s: a tie on cost, broken by accuracy"
            for t in tied
        ]
        self.add(
            "1a",
            "Which of them is cheapest by total monthly cost (ties inside the spread go to accuracy)?",
            best.name,
            why,
        )
        others = sorted((x for x in ok if x is not best), key=lambda x: x.total_monthly_range[0])
        runner = others[0] if others else self.closest_failing(best)
        if runner is not None:
            cmp_ = self.compare(best, runner)
            if cmp_ not in self.deciding:
                self.deciding.append(cmp_)
            self.add(
                "1b",
                "Runner-up, and how far behind?",
                runner.name,
                [
                    cmp_.verdict(),
                    f"{runner.name}: {usd(runner.cost.total_monthly)}/month "
                    f"({'clears' if runner in ok else 'does not clear'} the bar)",
                ],
            )
        tasks = self.many_tasks("1c", best) if self.req.tasks > 1 else None
        be = self.what_would_change(best, others)
        rec = self.ship_sentence(best) + (f"; for {self.req.tasks} tasks: {tasks[1]}" if tasks else "")
        return self.decision("ship", rec, best.name, runner.name if runner else None, be)

    def closest_failing(self, best: Candidate) -> Candidate | None:
        rest = [x for x in self.cands if x is not best]
        return max(rest, key=lambda x: x.accuracy) if rest else None

    def ship_sentence(self, best: Candidate) -> str:
        if self.req.accuracy_bar is None and self.req.min_oos_recall is None:
            why = "no candidate is significantly more accurate, and it is the cheapest of those"
        else:
            why = "it clears the bar at the lowest total cost"
        return f"ship {best.name}: {why}"

    def what_would_change(self, best: Candidate, rivals: list[Candidate]) -> list[BreakEven]:
        out, evidence = [], []
        for r in rivals:
            be = break_even(best.name, best.cost, r.name, r.cost)
            out.append(be)
            parts = []
            if be.monthly_queries is not None:
                parts.append(
                    f"{'above' if be.monthly_queries > self.q else 'below'} {be.monthly_queries:,.0f} queries/month"
                )
            if be.cost_per_error is not None:
                parts.append(
                    f"{'above' if be.cost_per_error > self.per_error else 'below'} {usd(be.cost_per_error)} per error"
                )
            if parts:
                evidence.append(f"{r.name} becomes cheaper " + " or ".join(parts))
        better = [r for r in self.deciding if not r.tie and r.b == best.name and r.difference > 0]
        if self.req.accuracy_bar is None:
            evidence += [f"an accuracy bar above {_fmt_pct(best.accuracy_ci[1])} would rule out {best.name}"]
        else:
            below = [
                c
                for c in self.cands
                if c not in rivals and c is not best and c.cost.total_monthly < best.cost.total_monthly
            ]
            if below:
                nxt = max(below, key=self.bar_metric)
                evidence.append(
                    f"lowering the bar to {_fmt_pct(self.bar_metric(nxt))} would admit the cheaper {nxt.name}"
                )
        evidence += [r.verdict() for r in better]
        self.add(
            "3", "What would change the answer?", "break-even points and the bar", evidence or ["nothing measured"]
        )
        self.change = evidence[0] if evidence else "nothing measured would change it"
        return out

    # ---- step 2
    def diagnose(self, slow: list[Candidate]) -> Decision:
        closest = max(self.cands, key=lambda c: (self.bar_metric(c), c.n_items))
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
            ("2b", self.out_of_scope),
            ("2c", self.label_ambiguity),
            ("2d", self.under_trained),
            ("2e", self.data_lever),
            ("2f", self.size_lever),
            ("2g", self.rank_levers),
            ("2h", self.many_tasks),
        ):
            found = check(step, closest)
            if found:
                findings.append(found)
        if self.late:
            findings.append(self.late)
        if findings:
            verdict, rec = findings[0]
            if len(findings) > 1:
                rec += "; also: " + "; ".join(f"{v}: {t}" for v, t in findings[1:])
        else:
            verdict, rec = "undiagnosed", self.undiagnosed(closest)
        self.change = f"lowering the bar to {_fmt_pct(self.bar_metric(closest))} would admit {closest.name}"
        oos = closest.scoped(False)
        if self.req.min_oos_recall is not None and oos and oos[1][0] < self.req.min_oos_recall:
            self.change += f" only with the OOS-recall floor lowered to {_fmt_pct(oos[1][0])}"
        self.add(
            "3",
            "What would change the answer?",
            "the bar, or the fixes above",
            [f"{self.change} ({usd(closest.cost.total_monthly)}/month)"],
        )
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
            comparisons=self.deciding,
            confusions=self.confusions,
            break_evens=be,
            budget=self.budget,
            bar=self.bar_text(),
            cost_per_error=self.per_error,
            cost_per_error_source=self.per_error_source,
            change=self.change,
        )


def recommend(
    records: list[dict[str, Any]] | list[tuple[str, dict[str, Any]]],
    requirement: Requirement,
    *,
    prices: Prices | None = None,
    memo: dict[tuple, PairedComparison] | None = None,  # shared by calls on these records: tests run once
) -> Decision:
    """Walk the tree for one corpus's records. Accepts plain records or (source, record) pairs."""
    cells = [(x if isinstance(x, tuple) else (str(x.get("cell_id", "record")), x)) for x in records]
    if not cells:
        raise RagorftError("no results to decide on")
    for source, r in cells:
        check_scored(r, source)
    corpora = sorted({r["corpus"] for _, r in cells})
    if len(corpora) != 1:
        raise RagorftError(f"recommend() decides for one corpus at a time, got {', '.join(corpora)}")
    cells, ceilings = split_ceilings(cells)  # an oracle run is the reader's ceiling, never a candidate
    validate_against(cells, requirement)
    prices = prices or load_prices()
    card_at = corpus_source([r for _, r in cells], corpora[0])
    volume = monthly_queries_for(corpora[0], requirement, card_at)
    cands = build_candidates(cells, requirement, prices, volume[0])
    decision = Tree(corpora[0], cands, requirement, volume, card_at, memo).run()
    if is_knowledge([r for _, r in cells]):
        add_knowledge_branch(decision, {c.name: c.record for c in cands}, ceilings)
    add_if_structured(decision, cands)
    return decision


def recommend_all(
    cells: list[tuple[str, dict[str, Any]]], requirement: Requirement, *, prices: Prices | None = None
) -> list[Decision]:
    """One decision per corpus in the results."""
    prices = prices or load_prices()
    corpora = sorted({r["corpus"] for _, r in cells})
    return [recommend([c for c in cells if c[1]["corpus"] == name], requirement, prices=prices) for name in corpora]
