"""Metrics as a pure function of a cell record: what ``report``, ``recommend`` and ``rescore`` read.

Why outside the cell: a cell caches what it predicted and everything scoring needs (gold labels
or every gold answer, the corpus's labels, retrieved document ids and contexts), so a changed
metric is a rescore of stored predictions, not hours of training re-run; and ``score/`` is in no
cell's cache key. ``metrics_code`` fingerprints this module's import closure: a record whose
stored metrics were computed by other scoring code is rescored when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ragorft.benchmarks.core.atomic import canonical_json, sha256_text
from ragorft.benchmarks.core.fingerprint import code_fingerprint
from ragorft.benchmarks.score.metrics import classification_metrics
from ragorft.benchmarks.score.qa import chance_floor, per_type, qa_metrics, retrieval_metrics
from ragorft.benchmarks.score.structured import structured_metrics

SCORE_MODULE = "ragorft.benchmarks.score.record"


@cache
def metrics_code() -> str:
    """The fingerprint of the scoring code (this module's import closure, docstrings left out)."""
    return sha256_text(canonical_json(code_fingerprint(SCORE_MODULE)))[:16]


@dataclass(frozen=True)
class _Item:
    """The two fields of a QA test item ragas reads (``answers``, ``doc_ids``)."""

    answers: tuple[str, ...]
    doc_ids: tuple[str, ...]


def score_record(record: dict[str, Any]) -> dict[str, Any]:
    """The metrics of one record, from its predictions and its ``scoring`` block alone (no corpus)."""
    scoring = record["scoring"]
    seed = int(record.get("seed", 0))
    predictions = list(record["predictions"])
    if scoring["task"] == "structured":  # gold: each item's frame; predictions: raw outputs, parsed here
        out = structured_metrics(list(record["gold"]), predictions, seed=seed)
        enforcement = (record.get("report") or {}).get("json_output")
        if enforcement is not None:
            out["json_output"] = enforcement  # how the strategy enforced validity (e.g. one retry)
        return out
    if scoring["task"] != "qa":
        return classification_metrics(  # macro-F1 over the corpus's full label set (comparable across cells)
            list(record["gold"]),
            predictions,
            labels=scoring["labels"],
            out_of_scope_label=scoring.get("out_of_scope_label"),
            seed=seed,
        )
    from ragorft.benchmarks.score.ragas_metrics import context_scores

    items = [_Item(tuple(a), tuple(d)) for a, d in zip(scoring["answers"], scoring["gold_doc_ids"], strict=True)]
    golds = [it.answers for it in items]
    out = qa_metrics(golds, predictions, seed=seed)
    types = scoring.get("question_types") or [""] * len(items)
    out["per_type"] = per_type(out["per_item"]["em"], out["per_item"]["contains_gold"], types)
    # older records hold no training answers: no floor rather than a made-up one
    train_answers = scoring.get("train_answers")
    out["chance_floor"] = chance_floor(golds, types, train_answers) if train_answers else None
    retrieved = scoring.get("retrieved")
    if retrieved is not None:
        got = [r or {} for r in retrieved]
        out["retrieval"] = retrieval_metrics(
            [it.doc_ids for it in items],
            [r.get("doc_ids", []) for r in got],
            contexts=[r.get("contexts", []) for r in got],
            golds=golds,
            em=out["per_item"]["em"],
        )
        out["ragas"] = context_scores(items, got)
    return out


def headline(metrics: dict[str, Any]) -> float | None:
    """The number a reader compares first: accuracy (a QA record's exact match)."""
    value = metrics.get("accuracy")
    return float(value) if isinstance(value, int | float) else None
