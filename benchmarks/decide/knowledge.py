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

ROLES = {
    "closed_book": "closed",
    "rag_qa": "rag",
    "lora_docs": "ft_docs",
    "full_ft_docs": "ft_docs",
    "lora_qa": "ft_qa",
    "ft_rag": "ft_rag",
}


@dataclass
class KnowledgeVerdict:
    recommended: str | None  # a run name, or None when no strategy helps
    reason: str
    steps: list[Step] = field(default_factory=list)


def is_knowledge(records: list[dict[str, Any]]) -> bool:
    """QA records carry per-item exact match; classification records do not."""
    return bool(records) and all((r.get("metrics") or {}).get("headline") == "exact_match" for r in records)


def _best(records: dict[str, dict[str, Any]], role: str) -> tuple[str, dict[str, Any]] | None:
    named = [(n, r) for n, r in records.items() if ROLES.get(r.get("strategy", "")) == role]
    return max(named, key=lambda nr: nr[1]["metrics"]["accuracy"]) if named else None


def _better(c: PairedComparison) -> bool:
    """a significantly better than b under THE rule (McNemar, Holm over the branch's family)."""
    return not c.tie and c.difference > 0


def knowledge_branch(records: dict[str, dict[str, Any]], *, seed: int = 0) -> KnowledgeVerdict:
    """Walk K1-K4 over ``records`` (run name -> QA record of one corpus)."""
    roles = {role: _best(records, role) for role in set(ROLES.values())}
    steps: list[Step] = []

    questions = [("rag", "closed"), ("ft_docs", "closed"), ("rag", "ft_docs"), ("ft_qa", "closed"), ("ft_rag", "rag")]
    raw = {}
    for a, b in questions:
        if roles[a] is not None and roles[b] is not None:
            (na, ra), (nb, rb) = roles[a], roles[b]
            raw[(a, b)] = compare(na, ra, nb, rb, seed=seed)
    # one family: the branch's comparisons are corrected together, as everywhere else
    _, adjusted = significant([c.mcnemar_p for c in raw.values()])
    family = {k: c.in_family(p, len(raw)) for (k, c), p in zip(raw.items(), adjusted, strict=True)}

    def cmp(a: str, b: str) -> PairedComparison | None:
        return family.get((a, b))

    def ask(step: str, question: str, c: PairedComparison | None) -> bool | None:
        if c is None:
            steps.append(Step(step, question, "not measured: a run is missing from the suite"))
            return None
        yes = _better(c)
        steps.append(Step(step, question, "yes" if yes else "no", [c.verdict()]))
        return yes

    lacks = ask("K1", "Does the model lack the facts (RAG beats closed-book)?", cmp("rag", "closed"))
    ask("K2", "Does fine-tuning on the documents inject them (FT-docs beats closed-book)?", cmp("ft_docs", "closed"))
    rag_vs_docs = cmp("rag", "ft_docs")
    ask("K2b", "Is RAG better than fine-tuning on the documents?", rag_vs_docs)
    form = ask(
        "K3", "Is format the obstacle (FT on QA pairs of other entities beats closed-book)?", cmp("ft_qa", "closed")
    )
    both = ask("K4", "Does FT+RAG beat RAG?", cmp("ft_rag", "rag"))
    if lacks and both and roles["ft_rag"]:
        return KnowledgeVerdict(
            roles["ft_rag"][0], "facts and format both missing: FT+RAG is significantly better", steps
        )
    if lacks and roles["rag"]:
        docs_better = rag_vs_docs is not None and not rag_vs_docs.tie and rag_vs_docs.difference < 0
        if docs_better and roles["ft_docs"]:
            return KnowledgeVerdict(roles["ft_docs"][0], "fine-tuning on the documents beats RAG here", steps)
        return KnowledgeVerdict(roles["rag"][0], "the model lacks the facts: retrieve them", steps)
    if form and roles["ft_qa"]:
        return KnowledgeVerdict(roles["ft_qa"][0], "the model knows enough; fine-tune the behaviour/format", steps)
    return KnowledgeVerdict(None, "no strategy helps significantly: capability ceiling, try a bigger base", steps)


def add_knowledge_branch(decision: Decision, records: dict[str, dict[str, Any]]) -> None:
    """QA corpora: the tree's decision also asks whether the model lacks facts (RAG) or format (FT)."""
    verdict = knowledge_branch(records)
    decision.steps += verdict.steps
    which = verdict.recommended or "none"
    decision.steps.append(Step("K", "Knowledge: facts, format or both?", f"{which}: {verdict.reason}"))
    # the renderer ends the sentence: "...would rule out X; Knowledge branch: <reason>."
    decision.change = (decision.change + "; " if decision.change else "") + f"Knowledge branch: {verdict.reason}"
