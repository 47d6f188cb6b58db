"""Issue 33, the regression gate: ``ragorft compare`` cannot say OK for a comparison too small to
detect the regression it guards. A broken rag that always answers the first label failed on 24
items and passed ("ok", -75 points, p 0.25, exit 0) with ``max_test_items = 4``.

The property, over every pair of correctness vectors on 1 to 40 items: a cell is "ok" only when
its items are enough for some change to be significant and it did not drop by more than the
tolerance; otherwise it regressed or is inconclusive, and both fail.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import write_json
from ragorft.benchmarks.score.regression import compare_records, fewest_items

from tests.helpers.cellrecord import cell_record

LABELS = ["a", "b", "c", "d"]
CELL = "toy/rag/full/seed0"


def record(correct: list[bool]) -> dict:
    gold = [LABELS[i % 4] for i in range(len(correct))]
    pred = [g if ok else LABELS[(LABELS.index(g) + 1) % 4] for g, ok in zip(gold, correct)]
    return cell_record(CELL, gold, pred, labels=LABELS)


def always_first_label(n: int) -> tuple[dict, dict]:
    """A rag right on every item, then broken to always answer the first label."""
    gold = [LABELS[i % 4] for i in range(n)]
    return cell_record(CELL, gold, gold, labels=LABELS), cell_record(CELL, gold, [LABELS[0]] * n, labels=LABELS)


def _compare(tmp_path: Path, old: dict, new: dict, capsys) -> tuple[int, str]:
    for side, r in (("old", old), ("new", new)):
        write_json(tmp_path / side / "cells" / "toy__rag__full__seed0.json", r)
    code = main(["compare", str(tmp_path / "old"), str(tmp_path / "new")])
    return code, capsys.readouterr().out


def test_the_issues_case_fails_as_inconclusive_on_4_items(tmp_path: Path, capsys) -> None:
    code, out = _compare(tmp_path, *always_first_label(4), capsys)
    assert code == 1, out
    verdict = out.rstrip("\n").split("\n")[-1]
    assert verdict.startswith("FAIL: 1 of 1") and "toy/rag/full/seed0 inconclusive" in verdict
    assert "4 shared items: no change on fewer than 6 can reach p < 0.05" in verdict


def test_the_issues_case_is_a_regression_on_24_items(tmp_path: Path, capsys) -> None:
    code, out = _compare(tmp_path, *always_first_label(24), capsys)
    assert code == 1 and "REGRESSION" in out


def test_an_unconfirmed_drop_beyond_the_tolerance_is_inconclusive() -> None:
    old = record([True] * 30)
    new = record([False] * 4 + [True] * 26)  # -13.3 points, p 0.125: enough items to see a drop, not this one
    (row,) = compare_records([old], [new], tolerance=0.01)
    assert (
        row.status == "inconclusive" and row.fails and "a drop of 13.3 points that 30 items cannot confirm" in row.note
    )


def test_identical_runs_on_enough_items_are_ok() -> None:
    r = record([True, False] * 10)
    assert compare_records([r], [r])[0].status == "ok"


def test_fewest_items_is_the_first_count_a_one_sided_flip_makes_significant() -> None:
    assert fewest_items(0.05) == 6 and fewest_items(0.01) == 8


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    pairs=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=40),
    tolerance=st.sampled_from([0.0, 0.01, 0.05, 0.2]),
)
def test_ok_only_when_the_items_could_show_the_regression_it_guards(pairs, tolerance: float) -> None:
    old_ok, new_ok = (np.array(x) for x in zip(*pairs))
    (row,) = compare_records([record(list(old_ok))], [record(list(new_ok))], tolerance=tolerance)
    if row.status == "ok":
        assert len(pairs) >= fewest_items(0.05)
        assert row.test.delta >= -tolerance
    else:
        assert row.status in ("better", "regression", "inconclusive")
        assert row.fails == (row.status != "better")
