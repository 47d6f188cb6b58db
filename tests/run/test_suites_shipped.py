"""The shipped suites parse, and say what the benchmark promises: the default and nightly suites
cover every classification role (retrieval, probe, prompting, fine-tune) on both intent corpora,
the default scores every non-LM strategy on the whole test split and carries a small knowledge
slice, and the grid has three seeds at every few-shot budget. Which strategy is an LM or a QA
strategy is read from the strategies' own metadata, not a list kept here."""

from __future__ import annotations

import pytest
from ragorft import strategies
from ragorft.benchmarks.run.suite import Cell, read_suite
from ragorft.strategies.base import ROLES


def meta(cell: Cell) -> type[strategies.Strategy]:
    return strategies.get(cell.strategy)


def is_lm(cell: Cell) -> bool:
    """A local LM prompted to classify: scored on a sample of items (its cells cost minutes each)."""
    return meta(cell).task == "classification" and meta(cell).role == "prompting"


def is_qa(cell: Cell) -> bool:
    """The knowledge slice: generated answers on a sample of questions (the knowledge suite has the rest)."""
    return meta(cell).task == "qa"


@pytest.mark.parametrize("name", ["default", "nightly"])
def test_every_family_and_both_corpora(name: str) -> None:
    cells = read_suite(name).cells
    assert {meta(c).role for c in cells if not is_qa(c)} == set(ROLES["classification"])
    assert {c.corpus for c in cells if not is_qa(c)} == {"banking77", "clinc150"}


def test_default_has_a_knowledge_slice_that_says_whether_the_model_lacks_the_facts() -> None:
    """Closed-book and RAG on the same questions of a corpus no pretrained model can know (K1)."""
    qa = [c for c in read_suite("default").cells if is_qa(c)]
    assert {meta(c).role for c in qa} == {"closed_book", "rag"}
    assert {c.corpus for c in qa} == {"synthetic_bios_para"}
    assert len({c.max_test_items for c in qa}) == 1 and 0 < qa[0].max_test_items <= 120


def test_default_scores_non_lm_strategies_on_the_whole_test_split() -> None:
    for cell in read_suite("default").cells:
        if not (is_lm(cell) or is_qa(cell)):
            assert cell.max_test_items == 0, cell.id


def test_default_scores_lm_cells_on_at_least_1000_shared_items_with_a_smaller_timing_plan() -> None:
    """The LM cells' items are a prefix of the same order every other cell is scored on (issue 15)."""
    lm = [c for c in read_suite("default").cells if is_lm(c)]
    assert lm and all(c.max_test_items >= 1000 for c in lm)
    assert all(c.options.get("engine", "ctranslate2") == "ctranslate2" for c in lm)
    assert all(8 <= c.timed_queries < 64 for c in lm)


def test_nightly_has_items_to_see_a_few_points_lost() -> None:
    """LM cells on >= 100 items; the rest are the default suite's own cells, on the whole test split."""
    default = {(c.id, c.max_test_items, repr(sorted(c.options.items()))) for c in read_suite("default").cells}
    for cell in read_suite("nightly").cells:
        if is_lm(cell):
            assert cell.max_test_items >= 100, cell.id
        else:
            assert (cell.id, 0, repr(sorted(cell.options.items()))) in default, cell.id


def test_grid_has_three_seeds_at_few_shot_budgets() -> None:
    seeds: dict[tuple[str, str, object], set[int]] = {}
    for cell in read_suite("grid").cells:
        seeds.setdefault((cell.corpus, cell.run, cell.budget), set()).add(cell.seed)
    budgets = {b for _, _, b in seeds}
    assert budgets == {1, 3, 5, 10, 20, "full"}
    for (corpus, run, budget), found in seeds.items():
        if budget != "full":
            assert len(found) >= 3, (corpus, run, budget)


def test_structured_suite_covers_every_role_and_pairs_its_lm_cells_on_shared_items() -> None:
    """Issue 30: the floor on all 700 SNIPS items at every budget and 3 seeds; prompting, retrieved
    demos and fine-tuning (LoRA and full) on the same 210-item prefix; prompting on 135M, 0.5B and 1.5B;
    fine-tuning learning curves, with three seeds at the budget whose cells cost under ten minutes;
    full FT at 200 per intent also on all 700 (where the targets are set); not in the default suite."""
    cells = read_suite("structured").cells
    assert {meta(c).task for c in cells} == {"structured"} and {c.corpus for c in cells} == {"snips"}
    assert {meta(c).role for c in cells} == set(ROLES["structured"])
    floor = [c for c in cells if c.strategy == "frame_tagger"]
    assert all(c.max_test_items == 0 for c in floor) and {c.seed for c in floor} == {0, 1, 2}
    assert {c.budget for c in floor} == {10, 50, 200, "full"}
    every = [c for c in cells if c.strategy != "frame_tagger" and c.max_test_items == 0]  # the targets' 700
    assert {(c.strategy, c.budget, c.seed) for c in every} == {("full_ft_frames", 200, 0)}
    assert len(every[0].options["learning_rates"]) >= 3
    lm = [c for c in cells if c.strategy != "frame_tagger" and c not in every]
    assert {c.max_test_items for c in lm} == {210}
    prompting = {c.options.get("model") for c in lm if meta(c).role == "prompting"}
    assert {"SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct", "Qwen2.5-Coder-1.5B-Instruct"} <= prompting
    assert {c.budget for c in lm if c.strategy == "lora_frames"} == {10, 50}
    full_ft = {(c.budget, c.seed) for c in lm if c.strategy == "full_ft_frames"}
    assert full_ft == {(10, 0), (10, 1), (10, 2), (50, 0), (200, 0)}  # 3 seeds where a cell costs < 10 min
    assert {c.strategy for c in lm if meta(c).role == "fine-tune"} == {"lora_frames", "full_ft_frames"}
    assert not any(meta(c).task == "structured" for c in read_suite("default").cells)


def test_knowledge_scores_every_question_and_has_the_ladder_and_the_tuned_protocols() -> None:
    """Issue 29: the anchors' fine-tunes score every test question; closed-book, RAG and the oracle on
    135M, 0.5B and 1.5B on every corpus (ctranslate2), on one shared prefix of the
    seeded order (the 1.5B runs' 40 inside the others' 120: paired), and 1.5B RAG on every SQuAD
    question (the target's test set); documents, documents+QA and
    generated QA at 135M and 0.5B, each also with FT+RAG, tuned on dev."""
    cells = read_suite("knowledge").cells
    small = {"SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct"}
    for corpus in ("synthetic_bios", "synthetic_bios_para", "squad-v1.1"):
        mine = [c for c in cells if c.corpus == corpus]
        for role in ("closed_book", "rag", "oracle"):
            ladder = [c for c in mine if meta(c).describe(meta(c).parse_options(c.options))["role"] == role]
            bases = {c.options.get("model", "SmolLM2-135M-Instruct") for c in ladder}
            assert bases == small | {"Qwen2.5-Coder-1.5B-Instruct"}, corpus
            assert all(c.options.get("engine", "ctranslate2") == "ctranslate2" for c in ladder)
            assert all(c.max_test_items in (40, 120) for c in ladder if c.run != "rag_qa-qwen-coder-1.5b-all-test")
            assert all(c.max_test_items == 120 for c in ladder if c.options.get("model") in (None, *small))
    # the SQuAD target (token F1 >= 70 at the largest base) is set on every test question
    every = [c for c in cells if c.run == "rag_qa-qwen-coder-1.5b-all-test"]
    assert [(c.corpus, c.max_test_items, c.options["model"]) for c in every] == [
        ("squad-v1.1", 0, "Qwen2.5-Coder-1.5B-Instruct")
    ]
    trained = [c for c in cells if meta(c).role.startswith("ft_")]
    # the anchors' protocols score every question; FT+RAG on the QA-tuned model (part 3) is
    # scored on the ladder's 120, paired with its RAG and oracle cells
    assert all(c.max_test_items == 0 for c in trained if c.options.get("train_on") != "qa")
    assert {c.max_test_items for c in trained if c.options.get("train_on") == "qa"} == {120}
    protocols = {
        (c.strategy, c.options.get("train_on"), c.options.get("model", "SmolLM2-135M-Instruct")) for c in trained
    }
    for source in ("documents", "documents+qa", "generated"):
        for base in ("SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct"):
            assert {("lora_docs", source, base), ("ft_rag", source, base)} <= protocols
    for c in trained:
        options = meta(c).parse_options(c.options)
        assert len(options.learning_rates) >= 3 and options.patience >= 1, c.id
        assert 1e-4 in options.learning_rates or getattr(options, "tune", "lora") == "full" or meta(c).method == "full"
        if getattr(options, "train_on", "qa") == "generated":
            assert c.corpus != "squad-v1.1"  # no templates to generate from
