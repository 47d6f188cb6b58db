"""The shipped suites parse, and say what the benchmark promises: the default and nightly suites
cover every strategy family on both intent corpora, the default scores every non-LM strategy on the
whole test split and carries a small knowledge slice, and the grid has three seeds at every few-shot
budget."""

from __future__ import annotations

import pytest
from ragorft.benchmarks.run.suite import read_suite

FAMILIES = {
    "rag": "retrieval",
    "linear_probe": "probe",
    "setfit": "setfit",
    "full_ft": "fine-tune",
    "lora": "fine-tune",
    "qlora": "fine-tune",
    "few_shot": "prompting",
    "rag_lm": "prompting",
}
LM = {"few_shot", "rag_lm"}
#: the knowledge slice: generated answers on a sample of questions (the knowledge suite has the rest)
QA = {"closed_book", "rag_qa"}


@pytest.mark.parametrize("name", ["default", "nightly"])
def test_every_family_and_both_corpora(name: str) -> None:
    cells = read_suite(name).cells
    assert {FAMILIES[c.strategy] for c in cells if c.strategy in FAMILIES} == set(FAMILIES.values())
    assert {c.corpus for c in cells if c.strategy not in QA} == {"banking77", "clinc150"}


def test_default_has_a_knowledge_slice_that_says_whether_the_model_lacks_the_facts() -> None:
    """Closed-book and RAG on the same questions of a corpus no pretrained model can know (K1)."""
    qa = [c for c in read_suite("default").cells if c.strategy in QA]
    assert {c.strategy for c in qa} == QA
    assert {c.corpus for c in qa} == {"synthetic_bios_para"}
    assert len({c.max_test_items for c in qa}) == 1 and 0 < qa[0].max_test_items <= 120


def test_default_scores_non_lm_strategies_on_the_whole_test_split() -> None:
    for cell in read_suite("default").cells:
        if cell.strategy not in LM | QA:
            assert cell.max_test_items == 0, cell.id


def test_default_scores_lm_cells_on_at_least_1000_shared_items_with_a_smaller_timing_plan() -> None:
    """The LM cells' items are a prefix of the same order every other cell is scored on (issue 15)."""
    lm = [c for c in read_suite("default").cells if c.strategy in LM]
    assert lm and all(c.max_test_items >= 1000 for c in lm)
    assert all(c.options.get("engine", "ctranslate2") == "ctranslate2" for c in lm)
    assert all(8 <= c.timed_queries < 64 for c in lm)


def test_nightly_has_items_to_see_a_few_points_lost() -> None:
    for cell in read_suite("nightly").cells:
        assert cell.max_test_items >= (100 if cell.strategy in LM else 1000), cell.id


def test_grid_has_three_seeds_at_few_shot_budgets() -> None:
    seeds: dict[tuple[str, str, object], set[int]] = {}
    for cell in read_suite("grid").cells:
        seeds.setdefault((cell.corpus, cell.run, cell.budget), set()).add(cell.seed)
    budgets = {b for _, _, b in seeds}
    assert budgets == {1, 3, 5, 10, 20, "full"}
    for (corpus, run, budget), found in seeds.items():
        if budget != "full":
            assert len(found) >= 3, (corpus, run, budget)
