"""RESULTS.md's extra tables for a structured-output corpus: the task's own columns and its errors.

The shared table's accuracy is frame exact match and its F1 column slot micro-F1; a structured
corpus also gets, per cell, intent accuracy and the valid-JSON and valid-frame rates (with how
many outputs the strategy retried), and, for the cell with the most training data, the slot types
with the most errors: this task's view of what every strategy gets wrong.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from ragorft.benchmarks.core.fmt import pct, pct_ci


def _retried(record: dict[str, Any]) -> str:
    out = (record.get("report") or {}).get("json_output")
    return f"{out['retried']} / {out['outputs']}" if out else "-"


def structured_markdown(records: list[dict[str, Any]]) -> list[str]:
    """Markdown lines for one corpus's structured records ([] when they are not structured)."""
    records = [r for r in records if r["metrics"].get("headline") == "frame_em"]
    if not records:
        return []
    rows = []
    for r in sorted(records, key=lambda r: (r["run"], r["n_train"], r["seed"])):
        m = r["metrics"]
        rows.append(
            {
                "run": r["run"],
                "budget": r["budget_name"],
                "seed": r["seed"],
                "frame EM": pct_ci(m["frame_em"], *m["frame_em_ci"]),
                "slot F1": pct_ci(m["slot_f1"], *m["slot_f1_ci"]),
                "intent": pct_ci(m["intent_accuracy"], *m["intent_accuracy_ci"]),
                "valid JSON": pct_ci(m["valid_json"], *m["valid_json_ci"]),
                "valid frame": pct(m["valid_frame"]),
                "retried": _retried(r),
            }
        )
    head = "Structured output (%, 95% intervals: Wilson for shares, bootstrap for slot F1; retried: outputs redone):"
    lines = [head, ""]
    lines += [pd.DataFrame(rows).to_markdown(index=False), ""]
    biggest = max(records, key=lambda r: (r["n_train"], r["metrics"]["frame_em"]))
    errors = biggest["metrics"].get("slot_errors") or []
    if errors:
        lines += [f"Slot types with the most errors for `{biggest['run']}` at {biggest['budget_name']}:", ""]
        cols = ["type", "support", "tp", "fp", "fn", "wrong_value", "f1"]
        table = pd.DataFrame(errors[:8])[cols]
        table["f1"] = table["f1"].map(pct)
        lines += [table.to_markdown(index=False), ""]
    return lines
