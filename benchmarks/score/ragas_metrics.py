"""ragas' offline (non-LLM) metrics for QA cells: answer similarity and retrieved-context recall.

Only metrics that need no LLM judge and no network, each checked in ragas 0.4.3's source first:

- ``NonLLMStringSimilarity`` (1 - normalised Levenshtein distance, rapidfuzz) and ``RougeScore``
  (ROUGE-L F-measure, rouge-score) between the answer and each gold answer, best over the golds.
  ragas' ``ExactMatch`` is raw string equality and ``BleuScore`` gives short answers 0, so EM and
  F1 come from the SQuAD scoring (``score/qa.py``), not from ragas.
- ``IDBasedContextRecall``: the share of the question's gold document ids among the retrieved
  chunks' document ids (with K paraphrases per person, the share of the K retrieved).
- ``NonLLMContextRecall``: the share of gold documents matched (string similarity > 0.5) by some
  retrieved chunk's text.

Telemetry is off (``RAGAS_DO_NOT_TRACK=true``, core/env.toml); the test runs them with sockets blocked.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def _metrics() -> dict[str, Any]:
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # before ragas is imported
    with warnings.catch_warnings():
        # ragas 0.4 deprecates these names for ragas.metrics.collections, which has another API and no
        # ID-based or non-LLM context recall: the legacy classes are the ones these scores are defined by
        warnings.filterwarnings(
            "ignore", message=r"Importing \w+ from 'ragas\.metrics' is deprecated", category=DeprecationWarning
        )
        from ragas.metrics import IDBasedContextRecall, NonLLMContextRecall, NonLLMStringSimilarity, RougeScore

    return {
        "string_similarity": NonLLMStringSimilarity(),
        "rouge_l": RougeScore(rouge_type="rougeL"),
        "id_context_recall": IDBasedContextRecall(),
        "context_recall": NonLLMContextRecall(),
    }


def _mean(values: list[float]) -> float | None:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else None


def answer_scores(test: Sequence[Any], predictions: Sequence[str]) -> dict[str, float | None]:
    """Mean string similarity and ROUGE-L of each answer to its closest gold answer."""
    from ragas.dataset_schema import SingleTurnSample

    m = _metrics()
    out: dict[str, float | None] = {}
    for name in ("string_similarity", "rouge_l"):
        scores = [
            max(m[name].single_turn_score(SingleTurnSample(response=p, reference=g)) for g in ex.answers)
            for ex, p in zip(test, predictions, strict=True)
        ]
        out[name] = _mean(scores)
    return out


def context_scores(test: Sequence[Any], retrieved: Sequence[dict[str, Any]], documents: dict[str, str]) -> dict:
    """Mean ID-based and text-based context recall over questions that name gold documents."""
    from ragas.dataset_schema import SingleTurnSample

    m = _metrics()
    by_id, by_text = [], []
    for ex, got in zip(test, retrieved, strict=True):
        if not ex.doc_ids or not got.get("doc_ids"):
            continue
        sample = SingleTurnSample(retrieved_context_ids=list(got["doc_ids"]), reference_context_ids=list(ex.doc_ids))
        by_id.append(m["id_context_recall"].single_turn_score(sample))
        sample = SingleTurnSample(
            retrieved_contexts=list(got.get("contexts", [])), reference_contexts=[documents[d] for d in ex.doc_ids]
        )
        by_text.append(m["context_recall"].single_turn_score(sample))
    return {"id_context_recall": _mean(by_id), "context_recall": _mean(by_text)}
