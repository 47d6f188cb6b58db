"""The knowledge suite's committed records (results/knowledge): what each reports, the ladder's pairing,
and the knowledge branch's verdict per corpus, recomputed from the per-item scores. Expectations are
relations between the evidence and the verdict, never copied numbers: a re-run keeps them true."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.decide.knowledge import chance_floor, lower_bound
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.run.suite import read_suite
from ragorft.benchmarks.score.pricing import load_prices
from ragorft.benchmarks.score.stats import compare, significant

RESULTS = Path(__file__).resolve().parents[2] / "results" / "knowledge"

pytestmark = pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed results/knowledge/cells")


@pytest.fixture(scope="module")
def cells() -> list:
    return load_cells(RESULTS)


def _base(r: dict) -> str:
    return r["strategy_meta"]["base_model"]


def _decided(cells: list, corpus: str) -> tuple[list, object]:
    """The corpus's committed cells and what `ragorft recommend` decides on them (skip when none)."""
    found = [(c, r) for c, r in cells if r["corpus"] == corpus]
    if not found:
        pytest.skip(f"no committed {corpus} records")
    return found, recommend(found, Requirement(), prices=load_prices())


def test_every_record_reports_what_exact_match_alone_hides(cells: list) -> None:
    for _, r in cells:
        m = r["metrics"]
        for key in ("exact_match", "contains_gold"):
            lo, hi = m[f"{key}_ci"]
            assert lo < hi and lo <= m[key] <= hi, (r["cell_id"], key)  # a proportion's: never zero-width
        lo, hi = m["f1_ci"]  # a bootstrap, or Wilson's where every item scores the same: never zero-width
        assert lo < hi and lo <= m["f1"] <= hi, r["cell_id"]
        assert m["contains_gold"] >= m["exact_match"]
        assert 0.0 <= m["chance_floor"]["floor"] < 1.0
        if r["strategy_meta"]["role"] == "rag":
            assert 0.0 <= m["retrieval"]["recall_at_k"] <= 1.0 and 0.0 <= m["retrieval"]["gold_in_context"] <= 1.0


def test_the_ladder_is_paired_and_scores_what_the_suite_says(cells: list) -> None:
    """Every cell scores the prefix of the one seeded order that its run sets; a shorter prefix is
    inside a longer one, so every comparison between bases or strategies is on shared questions."""
    planned = {c.id: c for c in read_suite("knowledge").cells}
    by_corpus: dict[str, list[dict]] = {}
    for _, r in cells:
        cell = planned[r["cell_id"]]
        assert r["n_test"] == (cell.max_test_items or r["n_test"]), r["cell_id"]
        by_corpus.setdefault(r["corpus"], []).append(r)
    for records in by_corpus.values():
        longest = max(records, key=lambda r: r["n_test"])["test_items"]
        for r in records:
            assert r["test_items"] == longest[: r["n_test"]], r["cell_id"]


@pytest.mark.parametrize("corpus", ["squad-v1.1", "synthetic_bios_para", "synthetic_bios"])
def test_the_primary_question_is_asked_per_base_and_reads_the_records(cells: list, corpus: str) -> None:
    found, decision = _decided(cells, corpus)
    steps = {s.step: s for s in decision.steps}
    records = [r for _, r in found]
    rag = [r for r in records if r["strategy_meta"]["role"] == "rag"]
    closed = [r for r in records if r["strategy_meta"]["role"] == "closed_book"]
    pairs = [(a, b) for a in rag for b in closed if _base(a) == _base(b)]
    if not pairs:
        assert steps["K1"].answer.startswith("not measured")
        return
    tests = [compare(a["run"], a, b["run"], b) for a, b in pairs]
    _, adjusted = significant([t.mcnemar_p for t in tests])
    wins = any(p < 0.05 and t.difference > 0 for t, p in zip(tests, adjusted, strict=True))
    assert len(steps["K1"].evidence) == len(pairs)  # one test per base that has both runs, no cross-base pair
    assert steps["K1"].answer == ("yes" if wins else "no")


@pytest.mark.parametrize("corpus", ["squad-v1.1", "synthetic_bios_para", "synthetic_bios"])
def test_nothing_below_the_chance_floor_is_shipped(cells: list, corpus: str) -> None:
    found, decision = _decided(cells, corpus)
    records = {f"{r['run']}@{r['budget_name']}": r for _, r in found}
    floor = chance_floor({r["run"]: r for _, r in found})
    if decision.chosen is not None:
        assert lower_bound(records[decision.chosen]) > floor
        assert records[decision.chosen]["strategy_meta"]["role"] != "oracle"  # a ceiling, never a candidate


def test_the_oracle_is_the_reader_ceiling_on_squad(cells: list) -> None:
    """With the gold paragraph in the prompt, each base answers at least as well as with retrieved chunks
    on the questions both scored, or the difference is inside the noise."""
    squad = [r for _, r in cells if r["corpus"] == "squad-v1.1"]
    for oracle in [r for r in squad if r["strategy_meta"]["role"] == "oracle"]:
        for rag in [r for r in squad if r["strategy_meta"]["role"] == "rag" and _base(r) == _base(oracle)]:
            c = compare("oracle", oracle, "rag", rag)
            assert c.difference >= 0 or c.tie, (oracle["run"], rag["run"], c.verdict())
            em = np.asarray(rag["metrics"]["per_item"]["em"])
            assert len(em) == rag["n_test"]
