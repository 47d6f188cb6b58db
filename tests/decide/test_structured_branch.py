"""The structured branch on hand-made records: format vs behaviour, a bigger base, and no win."""

from __future__ import annotations

import json

from ragorft.benchmarks.decide.structured import is_structured, structured_branch
from ragorft.benchmarks.score.structured import structured_metrics

from tests.helpers.records import strategy_meta

N = 60
SMALL, BIG = "SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct"
GOLD = [json.dumps({"intent": "GetWeather", "slots": {"city": f"city {i}"}}) for i in range(N)]


def record(strategy: str, base: str, right: int, invalid: int = 0, wrong_slot: bool = False) -> dict:
    """Right on the first ``right`` items; of the rest, ``invalid`` are not JSON and the others are
    valid frames with a wrong slot value (``wrong_slot``) or a wrong intent."""
    preds = []
    for i, g in enumerate(GOLD):
        if i < right:
            preds.append(g)
        elif i < right + invalid:
            preds.append("Sure! The intent is GetWeather")
        elif wrong_slot:
            preds.append(json.dumps({"intent": "GetWeather", "slots": {"city": "nowhere"}}))
        else:
            preds.append(json.dumps({"intent": "PlayMusic", "slots": {"city": f"city {i}"}}))
    return {
        "cell_id": f"snips/{strategy}/full/seed0",
        "corpus": "snips",
        "run": strategy,
        "strategy": strategy.split("-")[0],
        "strategy_meta": strategy_meta(strategy.split("-")[0], {"model": base}),
        "budget_name": "full",
        "budget": "full",
        "seed": 0,
        "test_items": list(range(N)),
        "gold": GOLD,
        "predictions": preds,
        "metrics": structured_metrics(GOLD, preds),
        "timing": {"train_seconds": 1.0, "predict_seconds_per_query": 0.1, "latency_ms": {}},
    }


def _runs(*records: dict) -> dict[str, list[dict]]:
    return {r["run"]: [r] for r in records}


def test_a_json_gap_reads_as_format_and_recommends_fine_tuning() -> None:
    runs = _runs(
        record("lora_frames", SMALL, 55),
        record("few_shot_frames", SMALL, 15, invalid=35),
        record("rag_frames", SMALL, 20, invalid=30),
    )
    assert is_structured([r for seeds in runs.values() for r in seeds])
    v = structured_branch(runs)
    answers = {s.step: s.answer for s in v.steps}
    assert answers["S1"] == "yes: lora_frames" and answers["S2"] == "yes: lora_frames"
    assert answers["S3"].startswith("format") and answers["S4"].startswith("not measured")
    assert v.recommended == "lora_frames" and "not facts" in v.reason
    evidence = next(s.evidence for s in v.steps if s.step == "S3")
    assert evidence[0].startswith("lora_frames: frame EM 91.7%, valid JSON 100.0%")


def test_valid_json_with_wrong_slots_reads_as_behaviour() -> None:
    runs = _runs(record("lora_frames", SMALL, 55), record("rag_frames", SMALL, 25, wrong_slot=True))
    v = structured_branch(runs)
    answers = {s.step: s.answer for s in v.steps}
    assert answers["S1"] == "yes: lora_frames" and answers["S2"] == "no"
    assert answers["S3"].startswith("behaviour: the prompted base writes JSON but not the task's slot conventions")
    assert v.recommended == "lora_frames"


def test_prompting_a_bigger_base_that_is_level_closes_the_gap() -> None:
    runs = _runs(
        record("lora_frames", SMALL, 50),
        record("rag_frames-small", SMALL, 20),
        record("rag_frames-big", BIG, 49),
    )
    v = structured_branch(runs)
    answers = {s.step: s.answer for s in v.steps}
    assert answers["S1"] == "yes: lora_frames" and answers["S4"] == "yes: rag_frames-big"
    assert v.recommended == "rag_frames-big" and "bigger base" in v.reason


def test_no_significant_win_recommends_prompting_and_a_missing_side_is_not_measured() -> None:
    v = structured_branch(_runs(record("lora_frames", SMALL, 22), record("rag_frames", SMALL, 21)))
    assert v.recommended is None and v.reason.endswith(": prompt")
    v = structured_branch(_runs(record("lora_frames", SMALL, 50), record("rag_frames", BIG, 20)))
    assert v.recommended is None and v.steps[0].answer.startswith("not measured")


def test_recommend_on_structured_records_walks_the_branch() -> None:
    from ragorft.benchmarks.decide import Requirement, recommend

    recs = [record("lora_frames", SMALL, 55), record("rag_frames", SMALL, 20, invalid=30)]
    decision = recommend(recs, Requirement())
    steps = {s.step: s for s in decision.steps}
    assert {"S1", "S2", "S3", "S4", "S"} <= set(steps)
    assert "Structured branch:" in decision.change and decision.chosen == "lora_frames@full"
