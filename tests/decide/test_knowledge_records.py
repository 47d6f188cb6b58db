"""The knowledge branch on the committed records (results/default: synthetic_bios_para, closed_book
and rag_qa). Expectations are derived from the records themselves, never hard-coded numbers: the
records are re-run, and what must hold is the relation between the evidence and the verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.decide.knowledge import chance_floor, knowledge_branch
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.score.pricing import load_prices
from ragorft.benchmarks.score.stats import ALPHA, compare, mcnemar_exact_p

RESULTS = Path(__file__).resolve().parents[2] / "results" / "default"
CORPUS = "synthetic_bios_para"

pytestmark = pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed results/default/cells")


@pytest.fixture(scope="module")
def cells() -> list:
    found = [c for c in load_cells(RESULTS) if c[1]["corpus"] == CORPUS]
    if {r["strategy_meta"]["role"] for _, r in found} < {"closed_book", "rag"}:
        pytest.skip(f"results/default has no closed_book and rag_qa records of {CORPUS}")
    return found


def by_role(cells: list, role: str) -> dict:
    return next(r for _, r in cells if r["strategy_meta"]["role"] == role)


def test_qa_records_report_what_em_alone_hides(cells: list) -> None:
    for _, r in cells:
        m = r["metrics"]
        lo, hi = m["accuracy_ci"]
        assert lo < hi and lo <= m["accuracy"] <= hi  # Wilson: never zero-width, even at 0 of 120
        assert m["contains_gold"] >= m["exact_match"]  # an exact match contains its gold
        if r["scoring"].get("question_types"):
            assert sum(t["n"] for t in m["per_type"].values()) == m["n_items"]
        if r["scoring"].get("train_answers"):
            assert 0.0 <= m["chance_floor"]["floor"] < 1.0
    retrieval = by_role(cells, "rag")["metrics"]["retrieval"]
    assert 0.0 <= retrieval["recall_at_k"] <= 1.0 and 0.0 <= retrieval["gold_in_context"] <= 1.0


def test_the_primary_question_reads_the_records(cells: list) -> None:
    rag, closed = by_role(cells, "rag"), by_role(cells, "closed_book")
    decision = recommend(cells, Requirement(), prices=load_prices())
    steps = {s.step: s for s in decision.steps}
    c = compare("rag", rag, "closed", closed)
    assert steps["K1"].answer == ("yes" if c.mcnemar_p < ALPHA and c.difference > 0 else "no")
    assert "Holm" not in steps["K1"].evidence[0]  # asked alone
    # the format finding: answers that hold the gold but do not match it, tested against the reverse
    em, held = (np.asarray(rag["metrics"]["per_item"][k]) for k in ("em", "contains_gold"))
    p = mcnemar_exact_p(int(((held > 0) & (em == 0)).sum()), int(((held == 0) & (em > 0)).sum()))
    assert steps["K3"].answer.startswith("yes") == (p < ALPHA)  # a family of one format test here


def test_the_chance_floor_decides_what_may_ship(cells: list) -> None:
    records = {f"{r['run']}@{r['budget_name']}": r for _, r in cells}
    floor = chance_floor(records)
    verdict = knowledge_branch(records)
    decision = recommend(cells, Requirement(), prices=load_prices())
    k6 = next(s for s in verdict.steps if s.step == "K6")
    if floor is None:
        assert k6.answer.startswith("not checked") or k6.answer.startswith("no run")
        return
    if decision.chosen is not None:
        assert records[decision.chosen]["metrics"]["accuracy_ci"][0] > floor
    if verdict.recommended is None and not verdict.fit:
        assert decision.chosen is None and decision.recommendation.startswith("none fit for purpose")
    if verdict.recommended is not None:
        assert records[verdict.recommended]["metrics"]["accuracy_ci"][0] > floor
