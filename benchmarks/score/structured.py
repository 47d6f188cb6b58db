"""Metrics of a structured-output record: raw model outputs against gold frames.

A prediction is the strategy's raw output, a string; the record's ``gold`` holds each item's frame
as canonical JSON (``{"intent": ..., "slots": {type: value or [values]}}``,
benchmarks/data/structured.py). Scoring parses the output here, not in the strategy, so the
valid-JSON rate is measured on what the model actually wrote:

- ``valid_json``: the output, stripped, is one JSON object (``json.loads``, nothing around it).
- ``valid_frame``: that object has a string ``intent`` and a ``slots`` object of strings (or lists
  of strings). A valid object that is not a frame still scores what it has: its intent if that is
  a string, its slots if they are an object; anything else is an empty frame.
- ``accuracy`` (the headline, also ``frame_em``): intent and the whole multiset of (type, value)
  slot pairs equal. Values are compared after casefolding and collapsing whitespace, the same for
  every strategy (a tagger's lower-cased tokens and an LM's copied span are the same value).
- ``slot_f1`` (micro, over (type, value) pairs, each occurrence once), ``slot_precision``,
  ``slot_recall``; ``intent_accuracy``; per slot type its support, tp/fp/fn and how many gold
  values were predicted under the right type with another value (``wrong_value``).

Intervals: 95% percentile bootstrap over test items (score/metrics.py), the interval used for every
other proportion in ragorft; slot F1's interval resamples items and recomputes the micro sums.
``per_item.em`` is what paired tests (McNemar, score/stats.py) compare. The report's F1 column
(``macro_f1``) carries slot micro-F1, as a QA record's carries token F1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from ragorft.benchmarks.data.structured import ParsedFrame, parse_output
from ragorft.benchmarks.score.metrics import proportion_ci, score_ci

__all__ = ["ParsedFrame", "parse_output", "structured_metrics"]


def _gold(frame_json: str) -> ParsedFrame:
    parsed = parse_output(frame_json)
    if not parsed.valid_frame:
        raise ValueError(f"gold is not a frame: {frame_json[:80]!r}")
    return parsed


def _micro_f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, axis: int = -1) -> np.ndarray:
    t, p, n = tp.sum(axis=axis), fp.sum(axis=axis), fn.sum(axis=axis)
    denom = 2 * t + p + n
    return np.where(denom > 0, 2 * t / np.maximum(denom, 1), 1.0)


def _proportion(name: str, values: np.ndarray, seed: int) -> dict[str, Any]:
    """A share of items with its Wilson interval (never zero-width: score/metrics.py)."""
    return {name: float(values.mean()), f"{name}_ci": proportion_ci(values)}


def _slot_types(gold: Sequence[ParsedFrame], pred: Sequence[ParsedFrame]) -> dict[str, dict[str, Any]]:
    """Per slot type: support, tp, fp, fn, F1 and wrong values (right type, other value)."""
    table: dict[str, Counter] = {}
    for g, p in zip(gold, pred, strict=True):
        both = g.slots & p.slots
        for (kind, _), n in g.slots.items():
            table.setdefault(kind, Counter())["support"] += n
        for (kind, _), n in both.items():
            table[kind]["tp"] += n
        for (kind, _), n in (g.slots - both).items():
            table[kind]["fn"] += n
        for (kind, _), n in (p.slots - both).items():
            table.setdefault(kind, Counter())["fp"] += n
        pred_types = {k for k, _ in p.slots - both}
        for (kind, _), n in (g.slots - both).items():
            if kind in pred_types:
                table[kind]["wrong_value"] += n
    out = {}
    for kind, c in sorted(table.items()):
        denom = 2 * c["tp"] + c["fp"] + c["fn"]
        row = {k: int(c[k]) for k in ("support", "tp", "fp", "fn", "wrong_value")}
        out[kind] = row | {"f1": 2 * c["tp"] / denom if denom else 1.0}
    return out


def structured_metrics(
    gold: Sequence[str], predictions: Sequence[str], *, seed: int = 0, top_errors: int = 10
) -> dict[str, Any]:
    """Frame exact match (the headline ``accuracy``), slot micro-F1, intent accuracy, JSON validity."""
    if len(gold) != len(predictions) or not gold:
        raise ValueError(f"need equal, non-empty gold and predictions (got {len(gold)} and {len(predictions)})")
    golds = [_gold(g) for g in gold]
    preds = [parse_output(p) for p in predictions]
    em = np.array([g.intent == p.intent and g.slots == p.slots for g, p in zip(golds, preds, strict=True)], float)
    intent = np.array([g.intent == p.intent for g, p in zip(golds, preds, strict=True)], float)
    tp = np.array([sum((g.slots & p.slots).values()) for g, p in zip(golds, preds, strict=True)], float)
    fp = np.array([sum(p.slots.values()) for p in preds], float) - tp
    fn = np.array([sum(g.slots.values()) for g in golds], float) - tp
    t, f_p, f_n = tp.sum(), fp.sum(), fn.sum()
    out: dict[str, Any] = {"n_items": len(golds), "headline": "frame_em"}
    out |= _proportion("accuracy", em, seed)
    out |= {"frame_em": out["accuracy"], "frame_em_ci": out["accuracy_ci"]}
    out |= _proportion("intent_accuracy", intent, seed)
    out |= _proportion("valid_json", np.array([p.valid_json for p in preds], float), seed)
    out |= _proportion("valid_frame", np.array([p.valid_frame for p in preds], float), seed)
    out |= {
        "slot_f1": float(_micro_f1(tp, fp, fn)),
        "slot_f1_ci": score_ci(_micro_f1, tp, fp, fn, seed=seed, vectorized=True),
        "slot_precision": float(t / (t + f_p)) if t + f_p else 1.0,
        "slot_recall": float(t / (t + f_n)) if t + f_n else 1.0,
        "slot_pairs": {"gold": int(t + f_n), "predicted": int(t + f_p), "correct": int(t)},
    }
    types = _slot_types(golds, preds)
    out["slot_types"] = types
    worst = sorted(types.items(), key=lambda kv: (-(kv[1]["fp"] + kv[1]["fn"]), kv[0]))[:top_errors]
    out["slot_errors"] = [{"type": k, "errors": v["fp"] + v["fn"], **v} for k, v in worst if v["fp"] + v["fn"]]
    pairs = Counter((g.intent, p.intent) for g, p in zip(golds, preds, strict=True) if g.intent != p.intent)
    support = Counter(g.intent for g in golds)
    out["intent_confusions"] = [
        {"gold": a, "pred": b, "count": n, "rate": n / support[a]} for (a, b), n in pairs.most_common(top_errors)
    ]
    # the report's label-pair views compare gold and predicted strings, which here are frames and raw
    # outputs: they stay empty; this task's shared view is per slot type (slot_types, slot_errors)
    out |= {"confusions": [], "per_class_f1": {}, "macro_f1": out["slot_f1"], "macro_f1_ci": out["slot_f1_ci"]}
    valid = [int(p.valid_json) for p in preds]
    out["per_item"] = {"em": em.astype(int).tolist(), "valid_json": valid}  # what paired tests compare
    return out
