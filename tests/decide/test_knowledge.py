"""The knowledge branch: facts missing -> RAG; FT+RAG only when significantly better; format -> FT."""

from __future__ import annotations

from ragorft.benchmarks.decide.knowledge import is_knowledge, knowledge_branch
from ragorft.benchmarks.score.qa import qa_metrics

from tests.helpers.records import strategy_meta

N = 60
GOLDS = [[f"answer {i}"] for i in range(N)]


def record(strategy: str, right: int) -> dict:
    """A QA record answering the first ``right`` questions correctly."""
    preds = [g[0] if i < right else "no idea" for i, g in enumerate(GOLDS)]
    return {
        "cell_id": strategy,
        "strategy": strategy,
        "strategy_meta": strategy_meta(strategy),
        "test_items": list(range(N)),
        "gold": [g[0] for g in GOLDS],
        "predictions": preds,
        "metrics": qa_metrics(GOLDS, preds),
    }


def tree_record(strategy: str, run: str, right: int, seconds_per_query: float = 0.1) -> dict:
    """A QA record as the tree reads it: a run of one corpus with its serving cost."""
    rec = record(strategy, right) | {"corpus": "kb", "run": run, "budget_name": "full", "budget": "full", "seed": 0}
    rec["timing"] = {"train_seconds": 1.0, "predict_seconds_per_query": seconds_per_query, "latency_ms": {}}
    return rec


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
    return record(strategy, right) | {"strategy": strategy}


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
    assert "over 7 comparisons" in steps["K1"].evidence[0]  # 1 + 2 + 2 + 2: every run's test in the family
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


def test_a_ceiling_verdict_still_names_what_the_tree_ships() -> None:
    """The branch's family finds nothing (K1 no), the tree ships the clearly better FT+RAG: both said, once."""
    from ragorft.benchmarks.decide import Requirement, recommend

    spec = [("closed_book", "closed_book", 2), ("rag_qa", "rag_qa", 6), ("ft_rag", "ft_rag-qa", 30)]
    recs = [tree_record(*x, seconds_per_query=0.5) for x in spec]
    decision = recommend(recs, Requirement())
    k = {s.step: s for s in decision.steps}
    assert decision.chosen == "ft_rag-qa@full" and k["K1"].answer == "no"
    assert k["K"].answer == (
        "none: no strategy helps significantly: capability ceiling, try a bigger base; "
        "the tree ships ft_rag-qa@full, the cheapest candidate that clears the bar"
    )
