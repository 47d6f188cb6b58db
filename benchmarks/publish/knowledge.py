"""RESULTS.md's extra tables for a knowledge (QA) corpus: what exact match alone would hide.

The shared table's accuracy is exact match and its F1 column token F1. A QA corpus also gets, per
cell, contains-gold (the fact in other words), the corpus's chance floor (what guessing from the
answer pools scores), and for retrieving runs recall@k, gold-in-context, the exact match on the
questions whose context held the answer, and ragas' context precision; then exact match per
question type, where the corpus names types; then, for the fine-tunes, how they were tuned and
what they stored: the learning rate chosen on dev, the epochs kept of those run, the dev score,
the exposures per fact and the cloze probe's memorisation (strategies/_qa_train.py), so a low QA
score reads as "not stored" or "stored but not extracted".
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


def _exposures(e: dict[str, Any]) -> str:
    parts = [f"{e['documents']:g} in documents" if e.get("documents") else ""]
    parts += [f"{e['qa']:g} as QA" if e.get("qa") else ""]
    parts += [f"{e['qa_of_training_people']:g} as QA (training people only)" if e.get("qa_of_training_people") else ""]
    return ", ".join(p for p in parts if p) or "0"


def finetune_markdown(records: list[dict[str, Any]]) -> list[str]:
    """The fine-tunes' tuning and memorisation table ([] when no record has them)."""
    rows = []
    for r in sorted(records, key=lambda r: (r["run"], r["seed"])):
        report = r.get("report") or {}
        tuning, exposures = report.get("tuning"), report.get("exposures_per_fact")
        if not tuning or exposures is None:
            continue
        chosen, memo = tuning["chosen"], report.get("memorisation") or {}
        unasked = memo.get("people_without_training_qa") or {}
        rising = " (still rising)" if chosen.get("hit_max_epochs_still_rising") else ""
        rows.append(
            {
                "run": r["run"],
                "seed": r["seed"],
                "train on": report.get("train_on") or "-",
                "learning rate (of grid)": f"{chosen['learning_rate']:g} (of {len(tuning['grid'])})",
                "epochs kept / run": f"{chosen['kept_epoch']} / {chosen['epochs_run']}{rising}",
                "dev contains-gold": pct(chosen["dev_score"]),
                "exposures per fact": _exposures(exposures),
                "memorised (cloze)": pct(memo.get("share")) or "-",
                "memorised, people without training QA": pct(unasked.get("share")) or "-",
            }
        )
    if not rows:
        return []
    return [
        "Fine-tunes (learning rate and epochs chosen on dev contains-gold by the one tuning rule; memorised: "
        "greedy continuation of the training document reproduces the fact, %):",
        "",
        pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True),
        "",
    ]


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
    return lines + finetune_markdown(records)
