"""The official SQuAD v1.1 answer normalisation, exact match and "gold contained", in one place.

Below the strategies so that a strategy tuning on dev (the QA fine-tunes' early stopping) judges
answers exactly as the scorer (``score/qa.py``) later judges the test's: one normalisation, not two.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower, drop punctuation, drop articles, collapse whitespace (in that order)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def holds(text: str, golds: Sequence[str]) -> float:
    """Whether a normalised gold answer occurs as whole tokens in the normalised ``text``."""
    padded = f" {normalize_answer(text)} "
    return float(any(norm and f" {norm} " in padded for norm in map(normalize_answer, golds)))


def contains_gold(prediction: str, golds: Sequence[str]) -> float:
    return holds(prediction, golds)


def starts_with(text: str, gold: str) -> bool:
    """Whether the normalised ``text`` begins with the normalised ``gold``, as whole tokens."""
    norm = normalize_answer(gold)
    return bool(norm) and f"{normalize_answer(text)} ".startswith(f"{norm} ")
