"""RESULTS.md's extra tables for a knowledge (QA) corpus: what exact match alone would hide.

The shared table's accuracy is exact match and its F1 column token F1. A QA corpus also gets, per
cell, contains-gold (the fact in other words), the corpus's chance floor (what guessing from the
answer pools scores), and for retrieving runs recall@k, gold-in-context, the exact match on the
questions whose context held the answer, and ragas' context precision; then exact match per
question type, where the corpus names types.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from ragorft.benchmarks.core.fmt import pct, pct_ci


def _ci(m: dict[str, Any] | None, key: str) -> str:
    if not m or m.get(key) is None:
        return "-"
    lo, hi = m.get(f"{key}_ci") or (m[key], m[key])
    return pct_ci(m[key], lo, hi)


def _num(m: dict[str, Any] | None, key: str) -> str:
    return "-" if not m or m.get(key) is None else pct(m[key])


def knowledge_markdown(records: list[dict[str, Any]]) -> list[str]:
    """Markdown lines for one corpus's QA records ([] when they are not QA)."""
    records = [r for r in records if r["metrics"].get("headline") == "exact_match"]
    if not records:
        return []
    rows = []
    for r in sorted(records, key=lambda r: (r["run"], r["n_train"], r["seed"])):
        m, retrieval = r["metrics"], r["metrics"].get("retrieval")
        role = (r.get("strategy_meta") or {}).get("role", "")
        rows.append(
            {
                "run": r["run"] + (" (oracle: a ceiling)" if role == "oracle" else ""),
                "seed": r["seed"],
                "EM": _ci(m, "exact_match"),
                "contains gold": _ci(m, "contains_gold"),
                "chance floor": _num(m.get("chance_floor"), "floor"),
                "recall@k": _ci(retrieval, "recall_at_k"),
                "gold in context": _ci(retrieval, "gold_in_context"),
                "EM given context": _num(retrieval, "exact_match_given_context"),
                "context precision": _num(m.get("ragas"), "id_context_precision"),
            }
        )
    lines = [
        "Knowledge (%, 95% Wilson intervals; chance floor: guessing from the training answers of the "
        "question's type; a run whose EM lower bound does not clear it is never shipped):",
        "",
        pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True),
        "",
    ]
    typed = [r for r in records if r["metrics"].get("per_type")]
    if typed:
        types = sorted({t for r in typed for t in r["metrics"]["per_type"]})
        table = [
            {"run": r["run"], "seed": r["seed"]} | {t: pct(r["metrics"]["per_type"][t]["exact_match"]) for t in types}
            for r in sorted(typed, key=lambda r: (r["run"], r["seed"]))
        ]
        per_type = pd.DataFrame(table).to_markdown(index=False, disable_numparse=True)
        lines += ["Exact match per question type (%):", "", per_type, ""]
    return lines
