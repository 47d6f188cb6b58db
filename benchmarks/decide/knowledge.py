"""The knowledge branch of the decision tree: for QA corpora, facts in the prompt or in the weights?

The question a team brings ("we have documents the model has not seen: index them or train on
them?") is answered from paired comparisons of the knowledge strategies on the same questions
(exact match per item, so McNemar's test and the paired bootstrap apply):

K1. Does the model lack the facts? RAG significantly beats closed-book.
K2. Does fine-tuning on the documents inject them? FT on documents significantly beats closed-book,
    and is it level with RAG? (Ovadia et al. 2023: unsupervised fine-tuning injects little.)
K3. Is behaviour or format the obstacle? Fine-tuning on QA pairs of *other* entities (which cannot
    teach the test facts) significantly beats closed-book.
K4. Both? FT+RAG significantly beats RAG: then FT+RAG, else RAG (simpler, cheaper to update).

If the model does not lack the facts (K1 no) and QA fine-tuning helps, fine-tune; if nothing
helps, the capability ceiling: a bigger base. ``knowledge_branch`` returns the steps and the
recommended run; the tree calls it for corpora whose records are QA records (``is_knowledge``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ragorft.benchmarks.decide.render import Decision, Step
from ragorft.benchmarks.score.stats import PairedComparison, compare, significant

#: the roles the branch compares (a strategy's ``role`` on its class, carried in every record)
ROLE_NAMES = ("closed_book", "rag", "ft_docs", "ft_qa", "ft_rag")


def role_of(record: dict[str, Any]) -> str:
    return record["strategy_meta"]["role"]


@dataclass
class KnowledgeVerdict:
    recommended: str | None  # a run name, or None when no strategy helps
    reason: str
    steps: list[Step] = field(default_factory=list)


def is_knowledge(records: list[dict[str, Any]]) -> bool:
    """QA records carry per-item exact match; classification records do not."""
    return bool(records) and all((r.get("metrics") or {}).get("headline") == "exact_match" for r in records)


def _better(c: PairedComparison) -> bool:
    """a significantly better than b under THE rule (McNemar, Holm over the branch's family)."""
    return not c.tie and c.difference > 0


def _members(records: dict[str, dict[str, Any]], role: str) -> list[tuple[str, dict[str, Any]]]:
    return sorted((n, r) for n, r in records.items() if role_of(r) == role)


def knowledge_branch(records: dict[str, dict[str, Any]], *, seed: int = 0) -> KnowledgeVerdict:
    """Walk K1-K4 over ``records`` (run name -> QA record of one corpus).

    A role may hold several runs (``lora_docs`` and ``full_ft_docs``; FT+RAG trained on QA pairs and
    on documents). Each run is compared on its own, all in one Holm family: picking the role's most
    accurate run on the test set first and then testing only that one would be a selection the
    p-values do not account for.
    """
    members = {role: _members(records, role) for role in ROLE_NAMES}
    steps: list[Step] = []

    questions = [
        ("rag", "closed_book"),
        ("ft_docs", "closed_book"),
        ("rag", "ft_docs"),
        ("ft_qa", "closed_book"),
        ("ft_rag", "rag"),
    ]
    raw: dict[tuple[str, str, str, str], PairedComparison] = {}
    for a, b in questions:
        for na, ra in members[a]:
            for nb, rb in members[b]:
                raw[(a, b, na, nb)] = compare(na, ra, nb, rb, seed=seed)
    # one family: the branch's comparisons are corrected together, as everywhere else
    _, adjusted = significant([c.mcnemar_p for c in raw.values()])
    family = {k: c.in_family(p, len(raw)) for (k, c), p in zip(raw.items(), adjusted, strict=True)}

    def winners(a: str, b: str, *, every: bool = False) -> list[str]:
        """The runs of role ``a`` significantly better than one (``every``: each) run of role ``b``,
        read from the family in whichever order the pair was compared."""
        if not members[b]:
            return []
        wins = {n: 0 for n, _ in members[a]}
        for (ra, rb, na, nb), c in family.items():
            if (ra, rb) == (a, b) and _better(c):
                wins[na] += 1
            elif (ra, rb) == (b, a) and not c.tie and c.difference < 0:
                wins[nb] += 1
        needed = len(members[b]) if every else 1
        return sorted(n for n, w in wins.items() if w >= needed)

    def ask(step: str, question: str, a: str, b: str, *, every: bool = False) -> list[str]:
        found = [c for (ra, rb, _, _), c in family.items() if (ra, rb) == (a, b)]
        if not found:
            steps.append(Step(step, question, "not measured: a run is missing from the suite"))
            return []
        won = winners(a, b, every=every)
        steps.append(Step(step, question, "yes" if won else "no", [c.verdict() for c in found]))
        return won

    def most_accurate(role: str, among: list[str]) -> str:
        named = [(n, r) for n, r in members[role] if n in among]
        return max(named, key=lambda nr: nr[1]["metrics"]["accuracy"])[0]

    lacks = ask("K1", "Does the model lack the facts (RAG beats closed-book)?", "rag", "closed_book")
    ask("K2", "Does fine-tuning on the documents inject them (FT-docs beats closed-book)?", "ft_docs", "closed_book")
    ask("K2b", "Is RAG better than fine-tuning on the documents?", "rag", "ft_docs", every=True)
    form = ask(
        "K3", "Is format the obstacle (FT on QA pairs of other entities beats closed-book)?", "ft_qa", "closed_book"
    )
    both = ask("K4", "Does FT+RAG beat RAG?", "ft_rag", "rag", every=True)
    if lacks and both:
        best = most_accurate("ft_rag", both)
        return KnowledgeVerdict(best, "facts and format both missing: FT+RAG is significantly better", steps)
    if lacks:
        docs = winners("ft_docs", "rag", every=True)  # a documents-tuned run better than every RAG run
        if docs:
            return KnowledgeVerdict(
                most_accurate("ft_docs", docs), "fine-tuning on the documents beats RAG here", steps
            )
        return KnowledgeVerdict(most_accurate("rag", lacks), "the model lacks the facts: retrieve them", steps)
    if form:
        best = most_accurate("ft_qa", form)
        return KnowledgeVerdict(best, "the model knows enough; fine-tune the behaviour/format", steps)
    return KnowledgeVerdict(None, "no strategy helps significantly: capability ceiling, try a bigger base", steps)


def add_knowledge_branch(decision: Decision, records: dict[str, dict[str, Any]]) -> None:
    """QA corpora: the tree's decision also asks whether the model lacks facts (RAG) or format (FT).

    The branch diagnoses; the tree ships. When they name different runs (say the branch answers
    "retrieve: rag_qa" and the tree ships ``ft_rag-qa``, not significantly less accurate and cheaper
    per query), the sentence says so, rather than leaving two recommendations side by side.
    """
    verdict = knowledge_branch(records)
    decision.steps += verdict.steps
    which = verdict.recommended or "none"
    reason = verdict.reason
    chosen = decision.chosen
    if chosen and chosen != verdict.recommended:
        named = f" ({verdict.recommended})" if verdict.recommended else ""
        reason += f"{named}; the tree ships {chosen}, the cheapest candidate that clears the bar"
        role = role_of(records[chosen]) if chosen in records else None
        if verdict.reason.startswith("the model lacks the facts") and role in ("rag", "ft_rag"):
            reason += ", and it retrieves too"
    decision.steps.append(Step("K", "Knowledge: facts, format or both?", f"{which}: {reason}"))
    # the renderer ends the sentence: "...would rule out X; Knowledge branch: <reason>."
    decision.change = (decision.change + "; " if decision.change else "") + f"Knowledge branch: {reason}"
