"""SQuAD scoring against the official evaluate-v1.1.py's behaviour, hand-made cases; ragas offline.

Expected values are worked out by hand from the official script's rules (lower-case, strip
punctuation, drop a/an/the as words, collapse whitespace; F1 over clipped token counts; maximum
over gold answers), including its edge cases: a prediction that normalises to nothing equals a
gold that does too (EM 1) yet has F1 0, and punctuation is deleted, not turned into a space.
"""

from __future__ import annotations

import pytest
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.score.metrics import wilson_ci
from ragorft.benchmarks.score.qa import (
    best_over_golds,
    chance_floor,
    contains_gold,
    exact_match,
    normalize_answer,
    qa_metrics,
    retrieval_metrics,
    token_f1,
)
from ragorft.benchmarks.score.ragas_metrics import context_scores
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


def test_ragas_context_precision_runs_with_sockets_blocked() -> None:
    """conftest blocks every non-loopback socket: ragas must score without a network or telemetry."""
    test = [
        Example("q1", "Paris", answers=("Paris",), doc_ids=("d1", "d2")),
        Example("q2", "red", answers=("red",), doc_ids=("d3",)),
        Example("q3", "x", answers=("x",)),  # no gold document: left out
    ]
    got = [{"doc_ids": ["d1", "d9", "d8"]}, {"doc_ids": ["d3", "d4"]}, {"doc_ids": ["d1"]}]
    ctx = context_scores(test, got)
    assert ctx == {"id_context_precision": pytest.approx((1 / 3 + 1 / 2) / 2), "n": 2}


@pytest.mark.parametrize(
    ("pred", "golds", "held"),
    [
        ("born in Gigam", ["Gigam"], 1.0),
        ("Gigamor", ["Gigam"], 0.0),  # whole tokens only
        ("The 5 October 1983.", ["5 October 1983"], 1.0),
        ("October", ["5 October 1983"], 0.0),
        ("anything", ["the"], 0.0),  # a gold that normalises to nothing is never contained
    ],
)
def test_contains_gold(pred: str, golds: list[str], held: float) -> None:
    assert contains_gold(pred, golds) == held


def test_proportion_intervals_are_wilson_and_never_zero_width() -> None:
    m = qa_metrics([["a"]] * 120, ["b"] * 120)
    lo, hi = m["exact_match_ci"]
    assert m["exact_match"] == 0.0 and lo == 0.0 and hi == pytest.approx(0.0310, abs=1e-3)  # 1.96^2/(120+1.96^2)
    assert m["accuracy_ci"] == m["exact_match_ci"]
    lo, hi = qa_metrics([["a"]] * 120, ["a"] * 120)["exact_match_ci"]
    assert hi == 1.0 and lo == pytest.approx(1 - 0.0310, abs=1e-3)
    # Wilson's textbook case: 8 of 20 -> [0.219, 0.613]
    assert wilson_ci(0.4, 20) == pytest.approx((0.2188, 0.6134), abs=1e-4)


def test_token_f1_at_zero_or_one_on_every_item_gets_a_proportions_width() -> None:
    """F1 0 on all 120 items: the bootstrap has nothing to resample; the interval is Wilson's at 120."""
    m = qa_metrics([["alpha beta"]] * 120, ["gamma"] * 120)
    assert m["f1"] == 0.0 and m["f1_ci"] == pytest.approx(wilson_ci(0.0, 120))
    m = qa_metrics([["alpha beta"]] * 120, ["alpha beta"] * 120)
    assert m["f1"] == 1.0 and m["f1_ci"] == pytest.approx(wilson_ci(1.0, 120)) and m["f1_ci"][0] < 1.0
    # with spread among the items the bootstrap stands: 60 right, 60 wrong
    m = qa_metrics([["alpha beta"]] * 120, ["alpha beta", "gamma"] * 60)
    assert m["f1_ci"] != pytest.approx(wilson_ci(0.5, 120)) and m["f1_ci"][0] < 0.5 < m["f1_ci"][1]


def test_chance_floor_guesses_the_pools_per_type() -> None:
    """Majority: the type's most frequent training answer; pool: a uniform guess among its distinct answers."""
    train = {"city": {"Gigam": 3, "Traigrol": 1}, "date": {"1 May 1970": 1, "2 May 1970": 1}}
    golds = [["Gigam"], ["Traigrol"], ["Bor"], ["9 June 1960"]]
    f = chance_floor(golds, ["city", "city", "city", "date"], train)
    assert f is not None
    assert f["majority"] == pytest.approx(1 / 4)  # Gigam right once; no date repeats
    assert f["pool"] == pytest.approx((1 / 2 + 1 / 2 + 0 + 0) / 4)
    assert f["floor"] == pytest.approx(1 / 4) and f["per_type_guesses"]
    # a corpus without types (SQuAD): one pool of every training answer
    f = chance_floor([["two"], ["1995"]], ["", ""], {"": {"two": 5, "three": 2, "1995": 1}})
    assert f is not None and f["majority"] == pytest.approx(1 / 2) and not f["per_type_guesses"]
    assert chance_floor([["a"]], [""], {}) is None


def test_retrieval_reports_gold_in_context_and_the_readers_share() -> None:
    r = retrieval_metrics(
        [["d1"], ["d2"], ["d3"]],
        [["d1", "d9"], ["d8", "d9"], ["d3"]],
        contexts=[["Gigam is a city."], ["Nothing here."], ["Born in Traigrol."]],
        golds=[["Gigam"], ["Bor"], ["Traigrol"]],
        em=[1.0, 0.0, 0.0],
    )
    assert r["recall_at_k"] == pytest.approx(2 / 3) and r["k"] == 2
    assert r["gold_in_context"] == pytest.approx(2 / 3) and r["n_gold_in_context"] == 2
    assert r["exact_match_given_context"] == pytest.approx(1 / 2)
    lo, hi = r["recall_at_k_ci"]
    assert lo < 2 / 3 < hi
