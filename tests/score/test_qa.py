"""SQuAD scoring against the official evaluate-v1.1.py's behaviour, hand-made cases; ragas offline.

Expected values are worked out by hand from the official script's rules (lower-case, strip
punctuation, drop a/an/the as words, collapse whitespace; F1 over clipped token counts; maximum
over gold answers), including its edge cases: a prediction that normalises to nothing equals a
gold that does too (EM 1) yet has F1 0, and punctuation is deleted, not turned into a space.
"""

from __future__ import annotations

import pytest
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.score.qa import best_over_golds, exact_match, normalize_answer, qa_metrics, token_f1
from ragorft.benchmarks.score.ragas_metrics import answer_scores, context_scores
from ragorft.benchmarks.score.stats import compare


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("The  Cat!", "cat"),
        ("an Apple", "apple"),
        ("U.S. Army", "us army"),
        ("theater of the absurd", "theater of absurd"),  # articles only as whole words
        ("well-known", "wellknown"),  # punctuation is removed, not replaced by a space
        ("  A  ", ""),
        ("Denver Broncos.", "denver broncos"),
    ],
)
def test_normalisation(text: str, normal: str) -> None:
    assert normalize_answer(text) == normal


@pytest.mark.parametrize(
    ("pred", "gold", "em", "f1"),
    [
        ("Denver Broncos", "Denver Broncos", 1.0, 1.0),
        ("the Denver Broncos!", "denver broncos", 1.0, 1.0),
        ("the cat sat", "cat sat on mat", 0.0, 2 * 1.0 * 0.5 / 1.5),  # P = 2/2, R = 2/4
        ("cat cat", "cat", 0.0, 2 * 0.5 * 1.0 / 1.5),  # counts are clipped: 1 common token
        ("", "Paris", 0.0, 0.0),
        ("the", "a", 1.0, 0.0),  # both normalise to "": equal strings, but no common token
        ("well-known", "well known", 0.0, 0.0),
        ("Santa Clara, California", "Santa Clara", 0.0, 2 * (2 / 3) * 1.0 / (2 / 3 + 1.0)),
    ],
)
def test_em_and_f1_as_the_official_script(pred: str, gold: str, em: float, f1: float) -> None:
    assert exact_match(pred, gold) == em
    assert token_f1(pred, gold) == pytest.approx(f1)


def test_best_over_gold_answers() -> None:
    golds = ["Santa Clara", "Levi's Stadium", "Levi's Stadium in the San Francisco Bay Area"]
    assert best_over_golds(exact_match, "Levis Stadium", golds) == 1.0
    assert best_over_golds(token_f1, "Stadium", golds) == pytest.approx(2 * 1.0 * 0.5 / 1.5)


def test_qa_metrics_aggregate_and_interval() -> None:
    golds = [["Paris"], ["42", "forty-two"], ["blue whale"], ["Denver Broncos"]]
    preds = ["paris", "fortytwo", "whale", ""]
    m = qa_metrics(golds, preds, seed=0)
    assert m["exact_match"] == pytest.approx(2 / 4) and m["accuracy"] == m["exact_match"]
    assert m["f1"] == pytest.approx((1 + 1 + 2 / 3 + 0) / 4)
    assert m["per_item"]["em"] == [1.0, 1.0, 0.0, 0.0]
    assert m["empty_answer_rate"] == pytest.approx(0.25)
    assert m["answer_tokens_mean"] == pytest.approx((1 + 1 + 1 + 0) / 4)
    lo, hi = m["f1_ci"]
    assert lo <= m["f1"] <= hi


def test_paired_comparison_uses_exact_match_over_all_golds() -> None:
    """A QA record's gold holds the first answer; pairing must use its EM over every gold answer."""
    golds = [["a cat"], ["forty-two", "42"], ["x"]]

    def record(preds: list[str]) -> dict:
        m = qa_metrics(golds, preds)
        return {
            "cell_id": "c",
            "test_items": [0, 1, 2],
            "gold": [g[0] for g in golds],
            "predictions": preds,
            "metrics": m,
        }

    a, b = record(["cat", "42", "x"]), record(["dog", "41", "x"])
    c = compare("a", a, "b", b)
    assert (c.accuracy_a, c.accuracy_b, c.only_a_right, c.only_b_right) == (1.0, pytest.approx(1 / 3), 2, 0)


def test_ragas_offline_metrics_run_with_sockets_blocked() -> None:
    """conftest blocks every non-loopback socket: ragas must score without a network or telemetry."""
    test = [
        Example("q1", "Paris", answers=("Paris", "City of Paris"), doc_ids=("d1", "d2")),
        Example("q2", "red", answers=("red",)),
    ]
    answers = answer_scores(test, ["Paris", "blue"])
    assert answers["string_similarity"] == pytest.approx((1.0 + (1 - 4 / 4)) / 2)  # Levenshtein red/blue: 4 of 4
    assert answers["rouge_l"] == pytest.approx(0.5)
    docs = {"d1": "Paris is the capital of France.", "d2": "The Seine flows through Paris."}
    got = [{"doc_ids": ["d1", "d9"], "contexts": ["Paris is the capital of France.", "Unrelated text here."]}, {}]
    ctx = context_scores(test, got, docs)
    assert ctx["id_context_recall"] == pytest.approx(0.5)  # d1 of {d1, d2}
    assert ctx["context_recall"] == pytest.approx(0.5)  # d1's text retrieved verbatim, d2's not
