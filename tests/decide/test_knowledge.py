"""The knowledge branch on hand-made records: the primary question alone, "nothing helps" against
every strategy, the chance floor, the format finding, oracle runs as ceilings."""

from __future__ import annotations

from ragorft.benchmarks.decide.knowledge import is_knowledge, knowledge_branch

from tests.helpers.knowledge import qa_record as record
from tests.helpers.knowledge import qa_tree_record as tree_record


def test_missing_facts_recommend_rag_when_ft_rag_is_not_better() -> None:
    recs = {
        s: record(s, r)
        for s, r in [("closed_book", 2), ("rag_qa", 40), ("lora_docs", 5), ("lora_qa", 3), ("ft_rag", 41)]
    }
    assert is_knowledge(list(recs.values()))
    v = knowledge_branch(recs)
    assert v.recommended == "rag_qa"
    answers = {s.step: s.answer for s in v.steps}
    assert answers["K1"] == "yes" and answers["K4"] == "no" and answers["K2b"] == "yes"


def test_ft_rag_when_significantly_better() -> None:
    recs = {s: record(s, r) for s, r in [("closed_book", 2), ("rag_qa", 30), ("lora_qa", 10), ("ft_rag", 55)]}
    v = knowledge_branch(recs)
    assert v.recommended == "ft_rag" and {s.step: s.answer for s in v.steps}["K2"].startswith("not measured")


def test_format_only_recommends_qa_fine_tuning_and_nothing_helps_is_a_ceiling() -> None:
    v = knowledge_branch({s: record(s, r) for s, r in [("closed_book", 20), ("rag_qa", 21), ("lora_qa", 50)]})
    assert v.recommended == "lora_qa"
    v = knowledge_branch({s: record(s, r) for s, r in [("closed_book", 20), ("rag_qa", 21), ("lora_qa", 21)]})
    assert v.recommended is None and "ceiling" in v.reason


def test_classification_records_are_not_knowledge() -> None:
    assert not is_knowledge([{"metrics": {"accuracy": 0.5}}])


def test_recommend_on_qa_records_walks_the_knowledge_branch() -> None:
    """The tree itself asks K1-K4 for a QA corpus (not only the standalone function)."""
    from ragorft.benchmarks.decide import Requirement, recommend

    recs = [
        tree_record(s, s, r)
        for s, r in [("closed_book", 2), ("rag_qa", 40), ("lora_docs", 5), ("lora_qa", 3), ("ft_rag", 41)]
    ]
    decision = recommend(recs, Requirement())
    steps = {s.step: s for s in decision.steps}
    assert {"K1", "K4", "K"} <= set(steps)
    assert steps["K1"].answer == "yes" and steps["K"].answer.startswith("rag_qa")
    assert "Knowledge branch:" in decision.change and not decision.change.endswith(".")  # the renderer adds it


def record_as(strategy: str, right: int) -> dict:
    return record(strategy, right)


def test_every_run_of_a_role_is_compared_not_only_the_most_accurate() -> None:
    """lora_docs and full_ft_docs, ft_rag on QA and on documents: each one its own test, one Holm family."""
    recs = {
        "closed_book": record("closed_book", 2),
        "rag_qa": record("rag_qa", 30),
        "lora_docs": record("lora_docs", 3),
        "full_ft_docs": record("full_ft_docs", 20),
        "ft_rag-qa": record_as("ft_rag", 31),
        "ft_rag-docs": record_as("ft_rag", 55),
    }
    v = knowledge_branch(recs)
    steps = {s.step: s for s in v.steps}
    assert len(steps["K2"].evidence) == 2 and len(steps["K4"].evidence) == 2
    assert steps["K2"].answer == "yes"  # full_ft_docs (20 vs 2) is; lora_docs (3 vs 2) is not
    assert any(e.startswith("full_ft_docs beats closed_book") for e in steps["K2"].evidence)
    assert any(e.startswith("lora_docs vs closed_book: not significantly different") for e in steps["K2"].evidence)
    # the primary question (K1) alone: its p-value is not adjusted for the others
    assert "Holm" not in steps["K1"].evidence[0]
    # the rest, one family: 2 ft_docs + 2 ft_rag vs closed-book, 2 rag vs ft_docs, 2 ft_rag vs rag, 3 format tests
    assert "over 11 comparisons" in steps["K2"].evidence[0]
    # only the documents-tuned FT+RAG beats RAG; it is the one recommended
    assert v.recommended == "ft_rag-docs"


def test_rag_is_kept_when_the_better_ft_rag_run_is_a_tie() -> None:
    recs = {
        "closed_book": record("closed_book", 2),
        "rag_qa": record("rag_qa", 30),
        "ft_rag-qa": record_as("ft_rag", 32),
        "ft_rag-docs": record_as("ft_rag", 29),
    }
    v = knowledge_branch(recs)
    assert v.recommended == "rag_qa" and {s.step: s.answer for s in v.steps}["K4"] == "no"


def test_the_branch_says_so_when_the_tree_ships_a_cheaper_retrieving_run() -> None:
    """FT+RAG ties RAG (K4 no) but answers faster: the tree ships it; the branch must not contradict."""
    from ragorft.benchmarks.decide import Requirement, recommend

    spec = [("closed_book", "closed_book", 2, 0.2), ("rag_qa", "rag_qa", 40, 0.8), ("ft_rag", "ft_rag-qa", 39, 0.6)]
    recs = [tree_record(*x) for x in spec]
    decision = recommend(recs, Requirement())
    k = {s.step: s for s in decision.steps}
    assert decision.chosen == "ft_rag-qa@full" and k["K4"].answer == "no"
    assert k["K"].answer.startswith("rag_qa@full: the model lacks the facts")
    assert (
        "the tree ships ft_rag-qa@full, the cheapest candidate that clears the bar, and it retrieves too"
        in k["K"].answer
    )
    assert decision.change.endswith(k["K"].answer.split(": ", 1)[1])


def test_nothing_helps_compares_every_strategy_with_closed_book() -> None:
    """RAG alone ties closed-book (K1 no) but FT+RAG beats it: the branch names FT+RAG, not a ceiling."""
    from ragorft.benchmarks.decide import Requirement, recommend

    spec = [("closed_book", "closed_book", 2), ("rag_qa", "rag_qa", 6), ("ft_rag", "ft_rag-qa", 30)]
    recs = [tree_record(*x, seconds_per_query=0.5) for x in spec]
    decision = recommend(recs, Requirement())
    k = {s.step: s for s in decision.steps}
    assert decision.chosen == "ft_rag-qa@full" and k["K1"].answer == "no"
    assert k["K5"].answer == "yes: ft_rag-qa@full"
    assert k["K"].answer.startswith("ft_rag-qa@full: RAG alone does not beat closed-book")
    v = knowledge_branch({s: record(s, r) for s, r in [("closed_book", 20), ("rag_qa", 21), ("lora_docs", 22)]})
    assert v.recommended is None and "ceiling" in v.reason and {s.step: s.answer for s in v.steps}["K5"] == "no"


def test_the_primary_question_is_not_diluted_by_the_others() -> None:
    """8 vs 0 discordant items: p = 0.0078 alone; Holm over the 11 secondary comparisons would give 0.086."""
    recs = {
        "closed_book": record("closed_book", 1),
        "rag_qa": record("rag_qa", 9),
        "lora_docs": record("lora_docs", 1),
        "full_ft_docs": record("full_ft_docs", 1),
        "lora_qa": record("lora_qa", 1),
        "ft_rag-qa": record("ft_rag", 9),
        "ft_rag-docs": record("ft_rag", 9, options={"train_on": "documents"}),
    }
    steps = {s.step: s for s in knowledge_branch(recs).steps}
    assert steps["K1"].answer == "yes" and "p = 0.0078" in steps["K1"].evidence[0]
    assert "Holm" in steps["K2"].evidence[0]


def test_a_run_below_the_chance_floor_is_never_shipped() -> None:
    """RAG beats closed-book (K1 yes), but its lower bound sits under what guessing the pools scores."""
    from ragorft.benchmarks.decide import Requirement, recommend

    spec = [("closed_book", "closed_book", 0), ("rag_qa", "rag_qa", 9)]
    recs = [tree_record(*x, floor=0.12) for x in spec]
    v = knowledge_branch({r["run"]: r for r in recs})
    steps = {s.step: s.answer for s in v.steps}
    assert steps["K1"] == "yes" and steps["K6"] == "no" and v.recommended is None and not v.fit
    assert v.reason.startswith("none fit for purpose: rag_qa") and "try a bigger base" in v.reason
    decision = recommend(recs, Requirement())
    assert decision.chosen is None and decision.verdict == "capability_ceiling"
    assert decision.recommendation.startswith("none fit for purpose")
    # the same runs over a lower floor: shipped
    recs = [tree_record(*x, floor=0.02) for x in spec]
    assert knowledge_branch({r["run"]: r for r in recs}).recommended == "rag_qa"
    assert recommend(recs, Requirement()).chosen == "rag_qa@full"


def test_the_format_finding_reads_contains_gold_against_exact_match() -> None:
    """RAG's answers hold the gold in 30 more items than they match it: the obstacle is the form."""
    recs = {
        "closed_book": record("closed_book", 2),
        "rag_qa": record("rag_qa", 20, contains=30),
        "ft_rag": record("ft_rag", 45),
    }
    v = knowledge_branch(recs)
    k3 = next(s for s in v.steps if s.step == "K3")
    assert k3.answer == "yes: rag_qa"
    assert any(e.startswith("rag_qa contains-gold beats rag_qa exact match") for e in k3.evidence)
    assert any(e.startswith("ft_rag beats rag_qa") for e in k3.evidence)  # FT+RAG vs RAG read beside it
    assert v.recommended == "ft_rag"
    v = knowledge_branch({"closed_book": record("closed_book", 2), "rag_qa": record("rag_qa", 20)})
    assert next(s for s in v.steps if s.step == "K3").answer == "no"


def test_an_oracle_run_is_a_ceiling_not_a_candidate() -> None:
    from ragorft.benchmarks.decide import Requirement, recommend

    recs = [
        tree_record("closed_book", "closed_book", 2, floor=0.05),
        tree_record("rag_qa", "rag_qa", 30, floor=0.05),
        tree_record("rag_qa", "rag_qa-oracle", 58, seconds_per_query=0.01, floor=0.05, options={"oracle": True}),
    ]
    assert recs[2]["strategy_meta"]["role"] == "oracle"
    decision = recommend(recs, Requirement())
    assert decision.chosen == "rag_qa@full"
    assert all(row["strategy"] != "rag_qa-oracle@full" for row in decision.table)
    k0 = next(s for s in decision.steps if s.step == "K0")
    assert k0.answer == "yes" and k0.evidence[0].startswith("rag_qa-oracle@full: EM 96.7%")


def test_strategies_are_compared_on_the_same_base_only() -> None:
    """On a ladder, rag at 1.5B against closed-book at 135M says as much about the base as about
    retrieval: the branch pairs runs of one base, and the primary family holds one test per base."""
    small, big = {"model": "SmolLM2-135M-Instruct"}, {"model": "Qwen2.5-Coder-1.5B-Instruct"}
    recs = {
        "closed_book": record("closed_book", 1, options=small),
        "rag_qa": record("rag_qa", 3, options=small),
        "closed_book-1.5b": record("closed_book", 10, options=big),
        "rag_qa-1.5b": record("rag_qa", 40, options=big),
    }
    verdict = knowledge_branch(recs)
    k1 = {s.step: s for s in verdict.steps}["K1"].evidence
    assert len(k1) == 2 and "over 2 comparisons" in k1[0]
    assert k1[0].startswith("rag_qa vs closed_book:") and k1[1].startswith("rag_qa-1.5b beats closed_book-1.5b:")
    assert verdict.recommended == "rag_qa-1.5b"
