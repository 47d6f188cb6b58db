"""RESULTS.md's structured tables: the task's columns per cell and the slot types with most errors."""

from __future__ import annotations

import json

from ragorft.benchmarks.publish.structured import structured_markdown
from ragorft.benchmarks.score.structured import structured_metrics

GOLD = [json.dumps({"intent": "GetWeather", "slots": {"city": f"c{i}", "timeRange": "now"}}) for i in range(10)]


def _record(run: str, preds: list[str], n_train: int) -> dict:
    report = {"json_output": {"policy": "p", "outputs": 10, "retried": 3, "still_invalid": 1}}
    return {"run": run, "budget_name": "full", "seed": 0, "n_train": n_train, "report": report,
            "metrics": structured_metrics(GOLD, preds)}  # fmt: skip


def test_structured_tables_show_frame_em_validity_and_the_worst_slot_types() -> None:
    wrong_city = [json.dumps({"intent": "GetWeather", "slots": {"city": "x", "timeRange": "now"}})] * 5
    tuned = _record("lora_frames", GOLD[:5] + wrong_city, 100)
    prompted = _record("rag_frames", GOLD[:2] + ["not json"] * 8, 10)
    lines = "\n".join(structured_markdown([prompted, tuned])).splitlines()
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in lines if line.startswith("| ")]
    rows = {row[0]: row[1:] for row in cells if row[0].endswith("_frames")}
    assert rows["lora_frames"][2:4] == ["50.0 [23.7, 76.3]", "75.0 [60.0, 90.0]"]  # frame EM: Wilson, 5 of 10
    assert rows["lora_frames"][-1] == "3 / 10"
    assert rows["rag_frames"][5].startswith("20.0")  # valid JSON: 2 of 10
    worst = lines[lines.index("Slot types with the most errors for `lora_frames` at full:") + 4]  # after the header
    assert [c.strip() for c in worst.split("|")[1:-1]][:6] == ["city", "10", "5", "5", "5", "5"]
    assert structured_markdown([{"metrics": {"headline": None}}]) == []
