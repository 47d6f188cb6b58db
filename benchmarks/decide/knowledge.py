"""The knowledge branch of the decision tree: for QA corpora, facts in the prompt or in the weights?

The question a team brings ("we have documents the model has not seen: index them or train on
them?") is answered from paired comparisons of the knowledge strategies on the same questions
(exact match per item, so McNemar's test and the paired bootstrap apply).

The primary question is asked first and alone, so no other comparison dilutes it:

K1. Does the model lack the facts? RAG significantly beats closed-book (its own family: Holm
    only over several RAG runs).

The secondary questions are one Holm family:

K2. Does fine-tuning on the documents inject them? FT on documents beats closed-book; K2b: is RAG
    better than it? (Ovadia et al. 2023: unsupervised fine-tuning injects little.)
K3. Is the answer's form the obstacle? A retrieving run's answers contain a gold answer
    significantly more often than they match one exactly (McNemar on contains-gold vs EM per
    item), read beside K4: whether fine-tuning for the format (FT+RAG) beats RAG.
K4. FT+RAG beats RAG: then FT+RAG, else RAG (simpler, cheaper to update).
K5. Does anything help? Every strategy against closed-book: a "nothing helps" verdict is only
    given when none beats it, RAG (K1) included.

K6, the chance floor: a run whose exact-match lower bound does not clear the corpus's chance
floor (score/qa.py: what guessing from the answer pools scores) has shown no knowledge of the
facts, only of their pools: it is never recommended, nor shipped ("none fit for purpose: try a
bigger base", with the bases measured). An oracle run (the gold document in the prompt, role
"oracle") is the reader's ceiling: read as evidence (K0), never a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.decide.render import Decision, Step
from ragorft.benchmarks.score.stats import PairedComparison, compare, paired_from_correct, significant

#: the roles the branch compares (a strategy's ``role`` on its class, carried in every record)
ROLE_NAMES = ("closed_book", "rag", "ft_docs", "ft_qa", "ft_rag")
#: secondary comparisons of one run of the first role with one of the second (K2, K2b, K4, K5)
SECONDARY = (
    ("ft_docs", "closed_book"),
    ("ft_qa", "closed_book"),
    ("ft_rag", "closed_book"),
    ("rag", "ft_docs"),
    ("ft_rag", "rag"),
)


def role_of(record: dict[str, Any]) -> str:
    return record["strategy_meta"]["role"]


def is_ceiling(record: dict[str, Any]) -> bool:
    """An oracle run (gold document in the prompt): evidence about the reader, never a candidate."""
    return role_of(record) == "oracle"


@dataclass
class KnowledgeVerdict:
    recommended: str | None  # a run name, or None when no strategy helps or none clears the floor
    reason: str
    steps: list[Step] = field(default_factory=list)
    #: False when the best run did not clear the chance floor: nothing may be shipped
    fit: bool = True


def split_ceilings(cells: list[tuple[str, dict[str, Any]]]) -> tuple[list, dict[str, dict[str, Any]]]:
    """(the candidates' cells, the oracle runs by candidate name) of one corpus's QA cells."""
    oracle = [c for c in cells if is_knowledge([c[1]]) and is_ceiling(c[1])]
    if len(oracle) == len(cells):
        raise RagorftError("only oracle runs to decide on: an oracle is a ceiling, not a candidate", path=cells[0][0])
    return [c for c in cells if c not in oracle], {f"{r['run']}@{r['budget_name']}": r for _, r in oracle}


def is_knowledge(records: list[dict[str, Any]]) -> bool:
    """QA records carry per-item exact match; classification records do not."""
    return bool(records) and all((r.get("metrics") or {}).get("headline") == "exact_match" for r in records)


def chance_floor(records: dict[str, dict[str, Any]]) -> float | None:
    """The corpus's chance floor (the largest any record states: they share the questions); None if unrecorded."""
    floors = [((r.get("metrics") or {}).get("chance_floor") or {}).get("floor") for r in records.values()]
    known = [float(f) for f in floors if isinstance(f, int | float)]
    return max(known) if known else None


def lower_bound(record: dict[str, Any]) -> float:
    return float(record["metrics"]["accuracy_ci"][0])


def _pct(record: dict[str, Any]) -> str:
    m = record["metrics"]
    lo, hi = m["accuracy_ci"]
    return f"EM {100 * m['accuracy']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


def _format_test(name: str, record: dict[str, Any], seed: int) -> PairedComparison | None:
    """contains-gold against exact match on the same answers: how many hold the fact in another form."""
    per_item = record["metrics"].get("per_item") or {}
    if "contains_gold" not in per_item:
        return None
    held, em = np.asarray(per_item["contains_gold"], dtype=float), np.asarray(per_item["em"], dtype=float)
    # both 0/1 per item: "held but not exact" is held > em
    return paired_from_correct(f"{name} contains-gold", held, f"{name} exact match", em, seed=seed)


def _family(raw: dict[Any, PairedComparison]) -> dict[Any, PairedComparison]:
    """One Holm family (THE rule: score/stats.significant)."""
    _, adjusted = significant([c.mcnemar_p for c in raw.values()])
    return {k: c.in_family(p, len(raw)) for (k, c), p in zip(raw.items(), adjusted, strict=True)}


def _base(record: dict[str, Any]) -> str:
    return str(record["strategy_meta"].get("base_model") or "?")


def _bases(records: dict[str, dict[str, Any]]) -> str:
    """The ladder's evidence: the best exact match per base model measured here."""
    best: dict[str, tuple[float, str]] = {}
    for name, r in records.items():
        base = _base(r)
        acc = float(r["metrics"]["accuracy"])
        if base not in best or acc > best[base][0]:
            best[base] = (acc, name)
    parts = [f"{base}: best {name} {100 * acc:.1f}%" for base, (acc, name) in sorted(best.items())]
    more = "" if len(best) > 1 else "; only this base was measured: run the knowledge strategies on bigger bases"
    return "; ".join(parts) + more


class _Family:
    """The branch's comparisons: the primary question (K1) alone, the rest one Holm family."""

    def __init__(self, records: dict[str, dict[str, Any]], seed: int):
        self.records, self.steps = records, []
        self.members = {role: sorted((n, r) for n, r in records.items() if role_of(r) == role) for role in ROLE_NAMES}
        primary = _family(self.pairs("rag", "closed_book", seed))
        raw: dict[Any, PairedComparison] = {}
        for a, b in SECONDARY:
            raw |= self.pairs(a, b, seed)
        for name, r in self.members["rag"] + self.members["ft_rag"]:
            test = _format_test(name, r, seed)
            if test is not None:
                raw[("format", "", name, "")] = test
        self.family: dict[Any, PairedComparison] = {**primary, **_family(raw)}

    def pairs(self, a: str, b: str, seed: int) -> dict[tuple[str, str, str, str], PairedComparison]:
        """Every run of role ``a`` against every run of role ``b`` on the same base: across bases a
        difference is the base's as much as the strategy's (the ladder's evidence, not the branch's)."""
        m = self.members
        return {
            (a, b, na, nb): compare(na, ra, nb, rb, seed=seed)
            for na, ra in m[a]
            for nb, rb in m[b]
            if _base(ra) == _base(rb)
        }

    def found(self, a: str, b: str) -> list[PairedComparison]:
        return [c for (ra, rb, _, _), c in self.family.items() if (ra, rb) == (a, b)]

    def winners(self, a: str, b: str, *, every: bool = False) -> list[str]:
        """The runs of role ``a`` significantly better than one (``every``: each) run of role ``b``."""
        if not self.members[b]:
            return []
        wins = {n: 0 for n, _ in self.members[a]}
        for (ra, rb, na, nb), c in self.family.items():
            if (ra, rb) == (a, b) and not c.tie and c.difference > 0:
                wins[na] += 1
            elif (ra, rb) == (b, a) and not c.tie and c.difference < 0:
                wins[nb] += 1
        needed = len(self.members[b]) if every else 1
        return sorted(n for n, w in wins.items() if w >= needed)

    def ask(self, step: str, question: str, a: str, b: str, *, every: bool = False) -> list[str]:
        found = self.found(a, b)
        if not found:
            self.steps.append(Step(step, question, f"not measured: no {a} and {b} records on one base"))
            return []
        won = self.winners(a, b, every=every)
        self.steps.append(Step(step, question, "yes" if won else "no", [c.verdict() for c in found]))
        return won

    def most_accurate(self, among: list[str]) -> str:
        return max(among, key=lambda n: (self.records[n]["metrics"]["accuracy"], n))

    def oracle(self, ceilings: dict[str, dict[str, Any]], floor: float | None, floor_text: str) -> None:
        evidence = [f"{n}: {_pct(r)}; chance floor {floor_text}" for n, r in sorted(ceilings.items())]
        at_chance = floor is not None and all(lower_bound(r) <= floor for r in ceilings.values())
        answer = "no: even the gold document leaves the reader at chance" if at_chance else "yes"
        q = "Can the reader answer with the gold document in its prompt (oracle)?"
        self.steps.append(Step("K0", q, answer, evidence))

    def form(self) -> list[PairedComparison]:
        """K3: the retrieving runs whose answers hold the gold significantly more often than they match it."""
        formats = [c for (kind, _, _, _), c in self.family.items() if kind == "format"]
        form = [c for c in formats if not c.tie and c.difference > 0]
        q = (
            "Is the answer's form the obstacle (retrieving runs' answers contain the gold more often than they "
            "match it; FT+RAG vs RAG)?"
        )
        answer = ("yes: " + ", ".join(c.a.removesuffix(" contains-gold") for c in form)) if form else "no"
        evidence = [c.verdict() for c in formats + self.found("ft_rag", "rag")]
        self.steps.append(Step("K3", q, answer, evidence))
        return form

    def helps(self) -> dict[str, list[str]]:
        """K5: every strategy against closed-book."""
        helps = {role: self.winners(role, "closed_book") for role in ("rag", "ft_docs", "ft_qa", "ft_rag")}
        anything = sorted(n for names in helps.values() for n in names)
        evidence = [c.verdict() for (_, rb, _, _), c in self.family.items() if rb == "closed_book"]
        answer = ("yes: " + ", ".join(anything)) if anything else "no"
        self.steps.append(Step("K5", "Does any strategy beat closed-book?", answer, evidence))
        return helps


def knowledge_branch(
    records: dict[str, dict[str, Any]], *, seed: int = 0, ceilings: dict[str, dict[str, Any]] | None = None
) -> KnowledgeVerdict:
    """Walk K0-K6 over ``records`` (run name -> QA record of one corpus); ``ceilings``: oracle runs.

    A role may hold several runs (``lora_docs`` and ``full_ft_docs``; FT+RAG trained on QA pairs and
    on documents). Each run is compared on its own within its family: picking the role's most
    accurate run on the test set first and then testing only that one would be a selection the
    p-values do not account for.
    """
    f = _Family(records, seed)
    floor = chance_floor({**records, **(ceilings or {})})
    floor_text = "not recorded (records scored before the floor existed)" if floor is None else f"{100 * floor:.1f}%"
    if ceilings:
        f.oracle(ceilings, floor, floor_text)
    k1 = "Does the model lack the facts (RAG beats closed-book)? The primary question"
    lacks = f.ask("K1", k1, "rag", "closed_book")
    f.ask("K2", "Does fine-tuning on the documents inject them (FT-docs beats closed-book)?", "ft_docs", "closed_book")
    f.ask("K2b", "Is RAG better than fine-tuning on the documents?", "rag", "ft_docs", every=True)
    form = f.form()
    both = f.ask("K4", "Does FT+RAG beat RAG?", "ft_rag", "rag", every=True)
    helps = f.helps()
    anything = sorted(n for names in helps.values() for n in names)
    docs = f.winners("ft_docs", "rag", every=True)
    if lacks and both:
        best, reason = f.most_accurate(both), "facts and format both missing: FT+RAG is significantly better"
    elif lacks and docs:
        best, reason = f.most_accurate(docs), "fine-tuning on the documents beats RAG"
    elif lacks:
        best, reason = f.most_accurate(lacks), "the model lacks the facts: retrieve them"
    elif helps["ft_qa"]:
        best, reason = f.most_accurate(helps["ft_qa"]), "the model knows enough; fine-tune the behaviour/format"
    elif anything:
        best = f.most_accurate(anything)
        reason = f"RAG alone does not beat closed-book, {best} does"
    else:
        f.steps.append(Step("K6", "Does the recommended run clear the chance floor?", f"no run; floor {floor_text}"))
        reason = "no strategy beats closed-book significantly: capability ceiling, try a bigger base"
        return KnowledgeVerdict(None, f"{reason} ({_bases(records)})", f.steps)
    if form and role_of(records[best]) in ("rag", "ft_rag") and not both:
        gap = max(form, key=lambda c: c.difference)
        reason += (
            f"; {gap.a.removesuffix(' contains-gold')}'s answers hold the gold without matching it on "
            f"{gap.only_a_right} items: the answer's form, not the facts, costs those"
        )
    return _floor_check(best, reason, records, floor, floor_text, f.steps)


def _floor_check(
    best: str, reason: str, records: dict[str, dict[str, Any]], floor: float | None, floor_text: str, steps: list[Step]
) -> KnowledgeVerdict:
    q = "Does the recommended run's exact-match lower bound clear the corpus's chance floor?"
    evidence = [f"{best}: {_pct(records[best])}; chance floor {floor_text}"]
    if floor is None:
        steps.append(Step("K6", q, "not checked: the records hold no chance floor (rescore a re-run)", evidence))
        return KnowledgeVerdict(best, reason, steps)
    if lower_bound(records[best]) > floor:
        steps.append(Step("K6", q, "yes", evidence))
        return KnowledgeVerdict(best, reason, steps)
    steps.append(Step("K6", q, "no", evidence))
    unfit = (
        f"none fit for purpose: {best} ({reason}) scores {_pct(records[best])}, whose lower bound does not clear "
        f"the chance floor {floor_text}: try a bigger base ({_bases(records)})"
    )
    return KnowledgeVerdict(None, unfit, steps, fit=False)


def add_knowledge_branch(
    decision: Decision, records: dict[str, dict[str, Any]], ceilings: dict[str, dict[str, Any]] | None = None
) -> None:
    """QA corpora: the tree's decision also asks whether the model lacks facts (RAG) or format (FT).

    The branch diagnoses; the tree ships. When they name different runs (say the branch answers
    "retrieve: rag_qa" and the tree ships ``ft_rag-qa``, not significantly less accurate and cheaper
    per query), the sentence says so, rather than leaving two recommendations side by side. The
    chance floor binds the tree too: a shipped run below it is replaced by the branch's run if
    that one clears it, else nothing is shipped.
    """
    verdict = knowledge_branch(records, ceilings=ceilings)
    decision.steps += verdict.steps
    floor = chance_floor(records)
    chosen = decision.chosen
    if chosen in records and floor is not None and lower_bound(records[chosen]) <= floor:
        below = f"{chosen} ({_pct(records[chosen])}) does not clear the chance floor {100 * floor:.1f}%"
        if verdict.recommended:
            decision.chosen = verdict.recommended
            decision.recommendation = f"ship {verdict.recommended}: {below}; {verdict.recommended} does"
        else:
            decision.chosen, decision.runner_up, decision.verdict = None, chosen, "capability_ceiling"
            decision.recommendation = verdict.reason
        chosen = decision.chosen
    which = verdict.recommended or "none"
    reason = verdict.reason
    if chosen and chosen != verdict.recommended:
        named = f" ({verdict.recommended})" if verdict.recommended else ""
        reason += f"{named}; the tree ships {chosen}, the cheapest candidate that clears the bar"
        role = role_of(records[chosen]) if chosen in records else None
        if verdict.reason.startswith("the model lacks the facts") and role in ("rag", "ft_rag"):
            reason += ", and it retrieves too"
    decision.steps.append(Step("K", "Knowledge: facts, format or both?", f"{which}: {reason}"))
    # the renderer ends the sentence: "...would rule out X; Knowledge branch: <reason>."
    decision.change = (decision.change + "; " if decision.change else "") + f"Knowledge branch: {reason}"
