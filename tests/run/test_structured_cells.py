"""Structured cells end to end: the runner writes records of frames, the store scores them, the
decision and the report read them (tiny SNIPS-format corpus, tiny local models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.decide.requirement import Pricing
from ragorft.benchmarks.publish.site import write_report
from ragorft.benchmarks.records.store import load_records
from ragorft.benchmarks.run.runner import run_suite
from ragorft.benchmarks.run.suite import read_suite

from tests.helpers.structured import build_tiny_llama_for_frames, write_structured_corpus
from tests.helpers.tiny_encoder import build_tiny_encoder


@pytest.mark.slow  # two real cells, a tiny LM's generation and the report's plots: tens of seconds
def test_structured_cells_run_score_decide_and_report(tmp_path: Path) -> None:
    card = write_structured_corpus(tmp_path)
    encoder = build_tiny_encoder(tmp_path / "st", sentence_transformer=True)
    lm = build_tiny_llama_for_frames(tmp_path / "lm")
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'name = "s"\ncorpora = ["{card.parent}"]\nbudgets = ["full"]\nseeds = [0]\ntimed_queries = 8\n'
        f'[[run]]\nstrategy = "frame_tagger"\noptions = {{ embedding_model = "{encoder}", c_grid = [10.0] }}\n'
        f'[[run]]\nstrategy = "few_shot_frames"\noptions = {{ model = "{lm}", demos_per_intent = 1, '
        "max_new_tokens = 8 }\n"
        f'[[run]]\nstrategy = "lora_frames"\noptions = {{ model = "{lm}", max_new_tokens = 8, epochs = 1, '
        "max_length = 160 }\n"
    )
    results = tmp_path / "results"
    run_suite(read_suite(str(suite)), results_dir=results, progress=False)
    records = {r["run"]: r for r in load_records(results / "s")}
    tagger, prompted = records["frame_tagger"], records["few_shot_frames"]
    assert json.loads(tagger["gold"][0])["intent"] in {"GetWeather", "PlayMusic", "BookRestaurant"}
    assert tagger["scoring"]["task"] == "structured" and tagger["metrics"]["headline"] == "frame_em"
    assert tagger["metrics"]["valid_json"] == 1.0 and len(tagger["metrics"]["per_item"]["em"]) == 12
    assert prompted["metrics"]["json_output"]["outputs"] == 12  # the scoring pass, not the timing sample
    assert records["lora_frames"]["report"]["tuning"]["metric"] == "dev frame EM"
    decision = recommend(list(records.values()), Requirement())
    assert decision.chosen is not None and {"0", "S1", "S"} <= {s.step for s in decision.steps}
    report = write_report(results, "s", Pricing())
    assert len(report.summary) == 3 and (results / "s" / "REPORT.md").is_file()
