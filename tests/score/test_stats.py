"""Paired statistics: bootstrap of the accuracy difference, McNemar exact, ties, shared confusions."""

from __future__ import annotations

import numpy as np
import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.stats import (
    compare,
    item_correctness,
    mcnemar_exact_p,
    paired_bootstrap_ci,
    paired_wald_ci,
    seeds_items_ci,
    shared_confusions,
    significant,
)
from scipy.stats import binomtest

from tests.helpers.records import N_ITEMS, record, spread


def test_mcnemar_exact_hand_computed():
    # 8 vs 2 discordant items: two-sided exact p = 2 * P(X <= 2 | n=10, 1/2) = 2 * 56 / 1024
    assert mcnemar_exact_p(8, 2) == pytest.approx(2 * (1 + 10 + 45) / 1024)
    assert mcnemar_exact_p(30, 12) == pytest.approx(binomtest(12, 42, 0.5).pvalue)
    assert mcnemar_exact_p(0, 0) == 1.0


def test_compare_counts_discordant_items_and_matches_statsmodels():
    a = record("a", spread(40))  # 95.0%
    b = record("b", spread(80))  # 90.0%, wrong on a superset of a's items
    c = compare("a", a, "b", b)
    assert (c.only_a_right, c.only_b_right) == (40, 0)
    assert c.difference == pytest.approx(0.05)
    assert c.mcnemar_p == pytest.approx(2 * 0.5**40)
    lo, hi = c.difference_ci
    assert 0 < lo < 0.05 < hi
    assert not c.tie and "a beats b" in c.verdict()


def test_paired_bootstrap_matches_a_hand_rolled_paired_resample():
    rng = np.random.default_rng(1)
    ca = (rng.random(500) < 0.8).astype(float)
    cb = np.where(rng.random(500) < 0.9, ca, 1 - ca)  # mostly the same items right: strongly paired
    lo, hi = paired_bootstrap_ci(ca, cb, seed=0)
    idx = np.random.default_rng(2).integers(0, 500, size=(4000, 500))
    diffs = ca[idx].mean(axis=1) - cb[idx].mean(axis=1)
    ref_lo, ref_hi = np.percentile(diffs, [2.5, 97.5])
    assert lo == pytest.approx(ref_lo, abs=0.006) and hi == pytest.approx(ref_hi, abs=0.006)
    # pairing matters: resampling the two arms independently gives a much wider interval
    ind = ca[idx].mean(axis=1) - cb[np.random.default_rng(3).integers(0, 500, size=(4000, 500))].mean(axis=1)
    assert (hi - lo) < 0.7 * (np.percentile(ind, 97.5) - np.percentile(ind, 2.5))


def test_equal_accuracy_on_different_items_is_a_tie():
    a = record("a", spread(60))
    b = record("b", spread(60, skip=30))  # same count wrong, half of them different items
    c = compare("a", a, "b", b)
    assert c.difference == 0 and c.tie
    assert (c.only_a_right, c.only_b_right) == (30, 30) and c.mcnemar_p == pytest.approx(1.0)
    assert "not significantly different" in c.verdict()
    same = compare("a", a, "a2", record("a2", spread(60)))
    lo, hi = same.difference_ci  # identical on every item: the bootstrap has no spread, the interval still has width
    assert same.difference == 0 and same.tie and lo < 0 < hi
    assert (lo, hi) == pytest.approx(paired_wald_ci(np.ones(N_ITEMS), np.ones(N_ITEMS)))


def test_paired_wald_interval_is_bonett_price_and_never_zero_width():
    # no discordant item among 120: p12 = p21 = 1/122, half-width z * sqrt(2/122) / sqrt(122)
    lo, hi = paired_wald_ci(np.zeros(120), np.zeros(120))
    half = 1.959964 * np.sqrt(2 / 122) / np.sqrt(122)
    assert (lo, hi) == pytest.approx((-half, half), abs=1e-5)
    # 3 items only a right, 1 only b right, of 10: centre (4 - 2) / 12, variance (p12 + p21 - d^2) / 12
    a = np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0], dtype=float)
    b = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 0], dtype=float)
    p12, p21 = 4 / 12, 2 / 12
    half = 1.959964 * np.sqrt((p12 + p21 - (p12 - p21) ** 2) / 12)
    assert paired_wald_ci(a, b) == pytest.approx((p12 - p21 - half, p12 - p21 + half), abs=1e-5)
    # one item: the whole range is plausible, clipped to [-1, 1]
    assert paired_wald_ci(np.ones(1), np.zeros(1)) == pytest.approx((1 / 3 - 1.959964 * np.sqrt(8 / 27), 1.0), abs=1e-5)
    assert paired_bootstrap_ci(np.ones(1), np.zeros(1)) == paired_wald_ci(np.ones(1), np.zeros(1))


def test_pairs_only_the_common_prefix_of_test_items():
    full = record("full", spread(40))
    short = record("short", set(), items=200)  # scored on the first 200 items only, all right
    c = compare("full", full, "short", short)
    assert c.n_items == 200
    wrong_in_prefix = sum(1 for i in spread(40) if i < 200)
    assert c.only_b_right == wrong_in_prefix and c.only_a_right == 0


def test_disjoint_or_conflicting_records_are_errors():
    a = record("a", spread(10))
    b = record("b", spread(10))
    b["test_items"] = [i + N_ITEMS for i in b["test_items"]]
    with pytest.raises(RagorftError, match="share no test items"):
        compare("a", a, "b", b)
    c = record("c", spread(10))
    c["gold"] = list(reversed(c["gold"]))
    with pytest.raises(RagorftError, match="gold label"):
        compare("a", a, "c", c)


def test_shared_confusions_need_every_record_on_common_items_with_enough_items_per_label():
    pair = ("intent_00", "intent_01")
    swapped = spread(20, skip=0) | {0, 1, 40, 41, 80, 81}  # items of labels 00 and 01 trade labels
    recs = {"a": record("a", swapped, swap=pair), "b": record("b", swapped, swap=pair)}
    found, n_common, n_labels = shared_confusions(recs, min_rate=0.05)
    assert [s.labels for s in found] == [pair] and (n_common, n_labels) == (N_ITEMS, 40)
    assert found[0].support == 40 and found[0].swaps["a"] >= 6 and (found[0].confused_by, found[0].of) == (2, 2)
    # every record must share it: one that does not swap the pair removes it
    odd = {**recs, "c": record("c", spread(20))}
    assert shared_confusions(odd, min_rate=0.05)[0] == []
    # on a 100-item prefix every label has 2-3 items: no pair rate is evidence
    short = {k: record(k, swapped, swap=pair, items=100) for k in ("a", "b")}
    assert shared_confusions(short, min_rate=0.05) == ([], 100, 0)


def test_one_significance_rule_is_holm_over_mcnemar_for_every_caller():
    from statsmodels.stats.multitest import multipletests

    pvals = [0.01, 0.02, 0.03, 0.5]
    reject, adjusted = significant(pvals)
    ref = multipletests(pvals, method="holm")
    assert reject == list(ref[0]) and adjusted == pytest.approx(list(ref[1]))
    assert significant([0.04]) == ([True], [0.04])  # a family of one is the test itself


def test_seeds_of_one_run_are_one_candidate_with_an_interval_over_items_and_seeds():
    seeds = [record("a", spread(40, skip=k * 40)) for k in range(3)]  # 95% each, different items wrong
    items, matrix, _ = item_correctness(seeds)
    assert matrix.shape == (3, N_ITEMS) and matrix.mean() == pytest.approx(0.95)
    lo, hi = seeds_items_ci(matrix)
    assert lo < 0.95 < hi
    c = compare("a", seeds, "b", record("b", spread(120)))  # 85%
    assert not c.tie and c.difference == pytest.approx(0.10) and "a beats b" in c.verdict()
    # with one seed on each side the seed-aware test is McNemar's exact test
    one = compare("a", [seeds[0]], "b", [record("b", spread(120))])
    assert one.mcnemar_p == compare("a", seeds[0], "b", record("b", spread(120))).mcnemar_p
