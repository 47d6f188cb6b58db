"""`ragorft compare`: a planted regression fails, planted noise passes, a dropped cell fails.

The records are written by the test in the runner's schema (checksummed, one per cell): what the
comparison reads is which test items each cell got right, so the test controls exactly that.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import write_json
from ragorft.benchmarks.score.regression import compare_records, paired_test

from tests.helpers.cellrecord import cell_record

LABELS = ["a", "b", "c", "d"]
N_ITEMS = 400


def record(cell_id: str, correct: np.ndarray, items: list[int] | None = None) -> dict:
    """A cell record whose predictions are right exactly where ``correct`` is True."""
    items = items if items is not None else list(range(len(correct)))
    gold = [LABELS[i % 4] for i in items]
    pred = [g if ok else LABELS[(LABELS.index(g) + 1) % 4] for g, ok in zip(gold, correct)]
    return cell_record(cell_id, gold, pred, labels=LABELS, items=items)


def baseline(seed: int = 0, accuracy: float = 0.85) -> np.ndarray:
    return np.random.default_rng(seed).random(N_ITEMS) < accuracy


def flip(correct: np.ndarray, right_to_wrong: int, wrong_to_right: int) -> np.ndarray:
    out = correct.copy()
    out[np.flatnonzero(correct)[:right_to_wrong]] = False
    out[np.flatnonzero(~correct)[:wrong_to_right]] = True
    return out


def write_suite(folder: Path, records: list[dict]) -> Path:
    for r in records:
        write_json(folder / "cells" / (r["cell_id"].replace("/", "__") + ".json"), r)
    return folder


CELLS = ["toy/rag/10shot/seed0", "toy/rag/full/seed0"]


def test_planted_regression_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    old = [record(c, baseline(i)) for i, c in enumerate(CELLS)]
    new = [record(CELLS[0], flip(baseline(0), 40, 0)), record(CELLS[1], baseline(1))]
    status = main(["compare", str(write_suite(tmp_path / "old", old)), str(write_suite(tmp_path / "new", new))])
    out = capsys.readouterr().out
    assert status == 1
    assert "REGRESSION" in out and "FAIL: 1 of 2" in out
    rows = {r.cell_id: r for r in compare_records(old, new)}
    assert rows[CELLS[0]].status == "regression"
    assert rows[CELLS[0]].test.delta == pytest.approx(-0.10)
    assert rows[CELLS[0]].test.delta_hi < 0 and rows[CELLS[0]].test.p_value < 1e-6
    assert rows[CELLS[1]].status == "ok" and rows[CELLS[1]].test.delta == 0


def test_planted_noise_passes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    old = [record(c, baseline(i)) for i, c in enumerate(CELLS)]
    # 6 items lost, 3 gained: a 0.75-point drop, inside the paired interval
    new = [record(CELLS[0], flip(baseline(0), 6, 3)), record(CELLS[1], flip(baseline(1), 2, 2))]
    status = main(["compare", str(write_suite(tmp_path / "old", old)), str(write_suite(tmp_path / "new", new))])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "OK: no cell of 2" in out
    noisy = compare_records(old, new)[0]
    assert noisy.status == "ok" and noisy.test.delta < 0 and noisy.test.delta_lo < 0 < noisy.test.delta_hi


def test_significant_drop_within_tolerance_passes() -> None:
    old = [record(CELLS[0], baseline(0))]
    new = [record(CELLS[0], flip(baseline(0), 40, 0))]
    assert compare_records(old, new, tolerance=0.15)[0].status == "ok"
    assert compare_records(old, new, tolerance=0.05)[0].status == "regression"


def test_missing_cell_fails_and_new_cell_does_not(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    old = [record(c, baseline(i)) for i, c in enumerate(CELLS)]
    new = [record(CELLS[0], baseline(0)), record("toy/lora/full/seed0", baseline(5))]
    report = tmp_path / "cmp.md"
    args = ["compare", str(write_suite(tmp_path / "old", old)), str(write_suite(tmp_path / "new", new))]
    assert main([*args, "--output", str(report)]) == 1
    status = {r.cell_id: r.status for r in compare_records(old, new)}
    assert status == {CELLS[0]: "ok", CELLS[1]: "missing", "toy/lora/full/seed0": "new"}
    assert "MISSING" in report.read_text()


def test_paired_on_shared_items_only() -> None:
    """A new run scored on a prefix of the old items is compared on that prefix alone."""
    correct = baseline(0)
    t = paired_test(record(CELLS[0], correct), record(CELLS[0], correct[:100], items=list(range(100))))
    assert t.n_items == 100 and t.delta == 0 and t.p_value == 1.0


def test_bad_baseline_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["compare", str(tmp_path / "nowhere"), str(tmp_path)]) == 2
    assert "no cells/ folder" in capsys.readouterr().err


def _compare(tmp_path: Path, capsys: pytest.CaptureFixture, *extra: str) -> tuple[int, str]:
    status = main(["compare", str(tmp_path / "old"), str(tmp_path / "new"), *extra])
    return status, capsys.readouterr().out


def test_unreadable_baseline_cell_fails_even_when_the_new_run_regressed_by_100_points(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Issue 19: the unreadable baseline record was dropped and the new cell called 'new': OK, exit 0."""
    write_suite(tmp_path / "old", [record(CELLS[0], baseline(0))])
    write_suite(tmp_path / "new", [record(CELLS[0], np.zeros(N_ITEMS, dtype=bool))])  # every item wrong
    victim = tmp_path / "old" / "cells" / "toy__rag__10shot__seed0.json"
    victim.write_bytes(victim.read_bytes()[:-40])
    status, out = _compare(tmp_path, capsys)
    assert status == 1
    assert "UNREADABLE" in out and str(victim) in out and "FAIL: 1 of 1" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 1 and "| UNREADABLE" in rows[0]  # the namesake is not waved through as a new cell


def test_valid_checksum_wrong_shape_fails_on_either_side(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = record(CELLS[1], baseline(1)) | {"predictions": {"not": "a list"}}
    write_suite(tmp_path / "old", [record(CELLS[0], baseline(0)), bad])
    write_suite(tmp_path / "new", [record(CELLS[0], baseline(0)), record(CELLS[1], baseline(1))])
    status, out = _compare(tmp_path, capsys)
    assert status == 1 and "predictions: Input should be a valid list" in out and "toy__rag__full__seed0.json" in out
    # and a baseline cell the new run cannot score (its record is malformed) fails too
    write_suite(tmp_path / "old", [record(CELLS[0], baseline(0)), record(CELLS[1], baseline(1))])
    write_suite(tmp_path / "new", [record(CELLS[0], baseline(0)), bad | {"metrics": {"accuracy": "high"}}])
    status, out = _compare(tmp_path, capsys)
    assert status == 1 and "new run/toy__rag__full__seed0.json" in out.replace("\\", "")


def test_new_cell_that_shares_no_items_with_the_baseline_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_suite(tmp_path / "old", [record(CELLS[0], baseline(0))])
    write_suite(tmp_path / "new", [record(CELLS[0], baseline(0), items=list(range(N_ITEMS, 2 * N_ITEMS)))])
    status, out = _compare(tmp_path, capsys)
    assert status == 1 and "INCOMPARABLE" in out and "share no test items" in out


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--tolerance", "nan", "must be a finite number"),
        ("--tolerance", "-1", "must be >= 0"),
        ("--alpha", "0", "must be > 0"),
        ("--alpha", "1.5", "must be < 1"),
        ("--alpha", "abc", "expected a number"),
    ],
)
def test_numeric_flags_are_checked_where_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture, flag: str, value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["compare", str(tmp_path), str(tmp_path), flag, value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and err.count("\n") == 1, err
