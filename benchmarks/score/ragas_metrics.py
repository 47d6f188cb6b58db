"""ragas where it adds to the project's own QA metrics: how much of the retrieved context is noise.

What was left out, and why: ragas' answer metrics (``NonLLMStringSimilarity``, ``RougeScore``)
duplicate token F1 (ROUGE-L of a short answer is token F1 up to tokenisation) and string
similarity credits a wrong entity of the right shape ("Gigam" for "Gigar"); ``IDBasedContextRecall``
repeats recall@k (and with K renderings per person reads the share of the K retrieved, which
retrieval caps at one); ``NonLLMContextRecall`` matches texts by Levenshtein similarity, under 0.5
between two renderings of one person. score/qa.py's exact recall@k and gold-in-context replace them.

Kept: ``IDBasedContextPrecision`` (ragas 0.4.3, no LLM, no network), the share of the retrieved
chunks that come from a gold document: with k = 3 and one gold person, 1/3 at best; it says how
many distractors the reader faced, which recall@k does not. Telemetry is off
(``RAGAS_DO_NOT_TRACK=true``, core/env.toml); the test runs it with sockets blocked.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def _precision() -> Any:
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # before ragas is imported
    with warnings.catch_warnings():
        # ragas 0.4 deprecates these names for ragas.metrics.collections, which has another API and no
        # ID-based context precision: the legacy class is the one this score is defined by
        warnings.filterwarnings(
            "ignore", message=r"Importing \w+ from 'ragas\.metrics' is deprecated", category=DeprecationWarning
        )
        from ragas.metrics import IDBasedContextPrecision

    return IDBasedContextPrecision()


def context_scores(test: Sequence[Any], retrieved: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean ID-based context precision over the questions that name gold documents and retrieved some."""
    from ragas.dataset_schema import SingleTurnSample

    metric = _precision()
    scores = [
        metric.single_turn_score(
            SingleTurnSample(retrieved_context_ids=list(got["doc_ids"]), reference_context_ids=list(ex.doc_ids))
        )
        for ex, got in zip(test, retrieved, strict=True)
        if ex.doc_ids and got.get("doc_ids")
    ]
    kept = [float(v) for v in scores if not math.isnan(v)]
    return {"id_context_precision": float(np.mean(kept)) if kept else None, "n": len(kept)}
