"""Structured-output metrics on hand-made frames: every number is counted by hand in the comments."""

from __future__ import annotations

import json

import pytest
from ragorft.benchmarks.score.metrics import wilson_ci
from ragorft.benchmarks.score.record import score_record
from ragorft.benchmarks.score.structured import parse_output, structured_metrics


def _f(intent: str, **slots: object) -> str:
    return json.dumps({"intent": intent, "slots": slots}, sort_keys=True, separators=(",", ":"))


GOLD = [
    _f("GetWeather", city="Paris", timeRange="tomorrow"),
    _f("PlayMusic", artist="Adele", service="spotify"),
    _f("BookRestaurant", party_size_number="two", city="Rome"),
    _f("GetWeather", city="Oslo"),
]
PRED = [
    '{"intent": "GetWeather", "slots": {"timeRange": "Tomorrow", "city": " paris"}}',  # exact (case, space)
    '{"intent": "PlayMusic", "slots": {"artist": "Adele"}}',  # a missed slot: service fn
    '{"intent": "GetWeather", "slots": {"party_size_number": "two", "city": "Roma"}}',  # intent wrong, city wrong
    'Sure! {"intent": "GetWeather"}',  # not JSON
]


def test_frame_em_slot_f1_intent_accuracy_and_json_validity_by_hand() -> None:
    m = structured_metrics(GOLD, PRED, seed=0)
    assert m["per_item"]["em"] == [1, 0, 0, 0]
    assert m["accuracy"] == m["frame_em"] == 0.25
    assert m["intent_accuracy"] == 0.5  # items 0 and 1
    assert m["valid_json"] == 0.75 and m["valid_frame"] == 0.75
    # gold pairs 7, predicted 5, correct 4 (item 0: 2, item 1: 1, item 2: party size)
    assert m["slot_pairs"] == {"gold": 7, "predicted": 5, "correct": 4}
    assert m["slot_precision"] == pytest.approx(4 / 5) and m["slot_recall"] == pytest.approx(4 / 7)
    assert m["slot_f1"] == pytest.approx(2 * 4 / (2 * 4 + 1 + 3))
    lo, hi = m["slot_f1_ci"]
    assert 0 <= lo <= m["slot_f1"] <= hi <= 1
    city = m["slot_types"]["city"]
    assert (city["support"], city["tp"], city["fp"], city["fn"], city["wrong_value"]) == (3, 1, 1, 2, 1)
    assert m["slot_errors"][0]["type"] == "city"  # the type with the most errors first
    assert {"gold": "BookRestaurant", "pred": "GetWeather", "count": 1, "rate": 1.0} in m["intent_confusions"]
    assert m["macro_f1"] == m["slot_f1"]  # the report's F1 column


def test_no_slot_right_on_any_item_is_not_a_certainty() -> None:
    """Slot F1 0 on every item: the interval is Wilson's over the items, never [0, 0]."""
    m = structured_metrics(GOLD, [_f("GetWeather")] * len(GOLD))
    assert m["slot_f1"] == 0.0 and m["slot_f1_ci"] == pytest.approx(wilson_ci(0.0, len(GOLD)))
    assert m["slot_f1_ci"][1] > 0.0


def test_a_repeated_slot_type_counts_each_value_once() -> None:
    gold = [json.dumps({"intent": "Find", "slots": {"t": ["movie", "times"]}})]
    both = structured_metrics(gold, ['{"intent": "Find", "slots": {"t": ["times", "movie"]}}'])
    assert both["accuracy"] == 1.0 and both["slot_f1"] == 1.0
    one = structured_metrics(gold, ['{"intent": "Find", "slots": {"t": "movie"}}'])
    assert one["accuracy"] == 0.0 and one["slot_f1"] == pytest.approx(2 / 3)


def test_outputs_that_are_not_frames() -> None:
    assert not parse_output("[1, 2]").valid_frame and parse_output("[1, 2]").valid_json
    assert not parse_output('{"intent": "A"} trailing').valid_json
    odd = parse_output('{"intent": "A", "slots": {"n": 2}}')  # a number where a string goes
    assert odd.valid_json and not odd.valid_frame and odd.slots == {("n", "2"): 1}


def test_a_structured_record_is_scored_from_its_gold_frames_and_reports_enforcement() -> None:
    record = {
        "seed": 0,
        "gold": GOLD,
        "predictions": PRED,
        "scoring": {"task": "structured", "labels": ["BookRestaurant", "GetWeather", "PlayMusic"]},
        "report": {"json_output": {"policy": "parse, one retry", "retried": 1, "still_invalid": 1}},
    }
    m = score_record(record)
    assert m["accuracy"] == 0.25 and m["json_output"]["retried"] == 1
