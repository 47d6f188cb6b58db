"""The structured suite's committed records (results/structured/cells): what they support.

Nothing is run. These pin what the comparisons rely on (the same test items for every LM cell,
the JSON rule recorded by the strategy and re-counted by the scorer) and the verdict the
structured branch draws from the records, so a re-run that moves a verdict fails here and names
the step that moved.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.score.pricing import load_prices
from ragorft.benchmarks.score.stats import compare
from ragorft.strategies._structured import POLICY

CELLS = Path(__file__).resolve().parents[2] / "results" / "structured"

pytestmark = pytest.mark.skipif(not (CELLS / "cells").is_dir(), reason="no committed results/structured/cells")


@pytest.fixture(scope="module")
def cells():
    return load_cells(CELLS)


def test_every_lm_cell_is_scored_on_the_same_items_and_the_tagger_on_all_of_them(cells) -> None:
    lm = [r for _, r in cells if r["strategy"] != "frame_tagger" and r["n_test"] == 210]
    every = [r for _, r in cells if r["strategy"] != "frame_tagger" and r["n_test"] != 210]
    tagger = [r for _, r in cells if r["strategy"] == "frame_tagger"]
    assert lm and tagger
    items = lm[0]["test_items"]
    assert all(r["test_items"] == items for r in lm) and len(items) == len(set(items)) == 210
    assert all(r["n_test"] == 700 and set(items) <= set(r["test_items"]) for r in tagger + every)
    assert all(r["test_items"][:210] == items for r in every)  # the same seeded order, scored to its end


def test_every_generative_cell_records_the_json_rule_and_the_scorer_agrees_with_its_count(cells) -> None:
    """The strategy counts the outputs still invalid after the one retry; the scorer parses the
    same outputs independently: the two must agree (valid frame = not still invalid)."""
    for _, r in cells:
        if r["strategy"] == "frame_tagger":
            continue
        out = r["report"]["json_output"]
        assert out["policy"] == POLICY and out["outputs"] == r["n_test"]
        assert 0 <= out["still_invalid"] <= out["retried"] <= out["outputs"]
        assert round(r["metrics"]["valid_frame"] * r["n_test"]) == r["n_test"] - out["still_invalid"], r["cell_id"]


def decide(cells, **req):
    return recommend(cells, Requirement.from_mapping(req), prices=load_prices())


def _run(cells, run: str, budget: str = "50shot") -> list[dict]:
    """The records of ``run`` at ``budget``: one per seed (the LM runs have one)."""
    return sorted((r for _, r in cells if r["run"] == run and r["budget_name"] == budget), key=lambda r: r["seed"])


def test_at_50_per_intent_both_fine_tunes_beat_prompting_and_retrieved_demos_on_their_base(cells) -> None:
    """S1 on the records, and the same comparisons recomputed here from the per-item frame EM."""
    (lora,), (full,) = _run(cells, "lora_frames-smollm2-135m"), _run(cells, "full_ft_frames-smollm2-135m")
    steps = {s.step: s for s in decide(cells, budget="50").steps}
    assert steps["S1"].answer == "yes: full_ft_frames-smollm2-135m@50shot, lora_frames-smollm2-135m@50shot"
    for tuned in (lora, full):
        for other in ("few_shot_frames-smollm2-135m", "rag_frames-smollm2-135m"):
            c = compare("tuned", tuned, other, _run(cells, other))
            assert c.difference > 0 and c.mcnemar_p < 0.001, (tuned["run"], other, c.verdict())
    # both sides write valid JSON (nearly) always: the gap is behaviour (slots), not format
    (rag,) = _run(cells, "rag_frames-smollm2-135m")
    assert lora["metrics"]["valid_json"] == full["metrics"]["valid_json"] == 1.0 and rag["metrics"]["valid_json"] > 0.95
    assert steps["S2"].answer == "no" and steps["S3"].answer.startswith("behaviour")
    # prompting Qwen2.5-Coder-0.5B (the same demos) does not come level; 1.5B does: no significant
    # difference on the 210 both scored once the branch's 12 tests are Holm-corrected (full FT's
    # raw p is just under 0.05), and S4 names it
    bigger = compare("lora", lora, "0.5b", _run(cells, "few_shot_frames-qwen-coder-0.5b"))
    assert bigger.difference > 0 and bigger.mcnemar_p < 0.001
    biggest = compare("lora", lora, "1.5b", _run(cells, "few_shot_frames-qwen-coder-1.5b"))
    assert biggest.n_items == 210 and biggest.mcnemar_p > 0.05
    full_vs_biggest = compare("full", full, "1.5b", _run(cells, "few_shot_frames-qwen-coder-1.5b"))
    assert full_vs_biggest.n_items == 210 and 0.01 < full_vs_biggest.mcnemar_p < 0.05  # raw; Holm makes it a tie
    assert steps["S4"].answer == "yes: few_shot_frames-qwen-coder-1.5b@50shot"


def test_the_tree_ships_the_non_lm_tagger_that_no_candidate_significantly_beats(cells) -> None:
    d = decide(cells, budget="50")
    assert d.verdict == "ship" and d.chosen == "frame_tagger@50shot"
    tagger, (lora,) = _run(cells, "frame_tagger"), _run(cells, "lora_frames-smollm2-135m")
    assert len(tagger) == 3  # the tagger's three seeds, compared as their mean on each item
    c = compare("tagger", tagger, "lora", lora)
    assert c.n_items == 210 and c.mcnemar_p > 0.05  # on the 210 items both scored: no significant difference


def test_at_200_per_intent_full_fine_tuning_beats_the_tagger_and_ships(cells) -> None:
    """The learning curve crosses: with 200 utterances per intent the fine-tuned 135M beats the
    tagger (its three seeds' mean per item) on the 210 both scored, and the tree ships it."""
    (full,) = _run(cells, "full_ft_frames-smollm2-135m", "200shot")
    tagger = _run(cells, "frame_tagger", "200shot")
    c = compare("full", full, "tagger", tagger)
    assert c.n_items == 210 and c.difference > 0 and c.mcnemar_p < 0.001
    # on all 700, with the grid moved up (dev chose 3e-4, inside it): beats the tagger on 700 items,
    # is level with the first grid's run on the 210 both scored, and ships
    (every,) = _run(cells, "full_ft_frames-smollm2-135m-all-test", "200shot")
    assert every["report"]["tuning"]["chosen"]["learning_rate"] == 3e-4
    c = compare("every", every, "tagger", tagger)
    assert c.n_items == 700 and c.difference > 0 and c.mcnemar_p < 0.001
    c = compare("every", every, "full", full)
    assert c.n_items == 210 and c.tie
    d = decide(cells, budget="200")
    assert d.verdict == "ship" and d.chosen == "full_ft_frames-smollm2-135m-all-test@200shot"
    # retrieved demos from the same 200 per intent (k = 8, the 135M base): both fine-tunes beat them
    # on frame EM; both sides write valid JSON, so the gap is behaviour, not format
    (rag,) = _run(cells, "rag_frames-smollm2-135m", "200shot")
    for tuned in (full, every):
        c = compare("tuned", tuned, "rag", rag)
        assert c.n_items == 210 and c.difference > 0 and c.mcnemar_p < 0.001
    steps = {s.step: s for s in d.steps}
    tuned_runs = "full_ft_frames-smollm2-135m-all-test@200shot, full_ft_frames-smollm2-135m@200shot"
    assert steps["S1"].answer == f"yes: {tuned_runs}"
    assert steps["S2"].answer == "no" and steps["S3"].answer.startswith("behaviour")
    assert steps["S4"].answer.startswith("not measured")  # no prompting on a bigger base at 200
    # the curve's cheap end is repeated: three seeds at 10 per intent, as the suite says
    assert [r["seed"] for r in _run(cells, "full_ft_frames-smollm2-135m", "10shot")] == [0, 1, 2]
