"""The command line: bad input is exit status 2 and one line naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.paths import CORPORA_DIR


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_unknown_strategy_in_suite(tmp_path: Path, capsys: pytest.CaptureFixture, tiny_corpus: Path) -> None:
    suite = tmp_path / "s.toml"
    suite.write_text(f'corpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "nope"\n')
    code, _, err = _run(capsys, "bench", "--suite", str(suite), "--results-dir", str(tmp_path / "r"))
    assert code == 2
    assert err.count("\n") == 1 and "unknown strategy 'nope' (known: " in err and "rag" in err


def test_unknown_option_names_suite_file(tmp_path: Path, capsys: pytest.CaptureFixture, tiny_corpus: Path) -> None:
    suite = tmp_path / "s.toml"
    suite.write_text(f'corpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "rag"\noptions = {{ kk = 3 }}\n')
    code, _, err = _run(capsys, "bench", "--suite", str(suite))
    assert code == 2 and f"{suite}: run[0].options.kk: unknown field" in err and err.count("\n") == 1


def test_duplicate_run_names(tmp_path: Path, capsys: pytest.CaptureFixture, tiny_corpus: Path) -> None:
    suite = tmp_path / "s.toml"
    suite.write_text(f'corpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "rag"\n[[run]]\nstrategy = "rag"\n')
    code, _, err = _run(capsys, "bench", "--suite", str(suite))
    assert code == 2 and "duplicate run name 'rag'" in err


def test_budget_larger_than_data(tmp_path: Path, capsys: pytest.CaptureFixture, tiny_corpus: Path) -> None:
    suite = tmp_path / "s.toml"
    suite.write_text(f'corpora = ["{tiny_corpus.parent}"]\nbudgets = [50]\n[[run]]\nstrategy = "rag"\n')
    code, _, err = _run(capsys, "bench", "--suite", str(suite), "--results-dir", str(tmp_path / "r"), "--no-progress")
    assert code == 2 and "budget 50 per class exceeds" in err


def test_unknown_corpus(capsys: pytest.CaptureFixture) -> None:
    code, _, err = _run(capsys, "corpus", "validate", "no_such_corpus")
    # the list names every card shipped (adding a corpus card must not break this test)
    known = sorted(d.name for d in CORPORA_DIR.iterdir() if (d / "corpus.toml").is_file())
    assert {"banking77", "clinc150"} <= set(known)
    assert code == 2 and err.count("\n") == 1
    assert f"unknown corpus 'no_such_corpus' (known: {', '.join(known)})" in err


def test_validate_reports_warnings(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.helpers.corpora import write_card, write_csv

    mirror = tmp_path / "mirror" / "v"
    train = write_csv(
        mirror / "train.csv", [("hello there", "a"), ("Hello  there", "a"), ("bye now", "b")] + [("x y", "a")] * 10
    )
    test = write_csv(mirror / "test.csv", [("bye now", "a"), ("see you", "b")])
    folder = tmp_path / "corpora" / "v"
    folder.mkdir(parents=True)
    write_card(folder, name="v", files={"train.csv": train, "test.csv": test})
    code, out, _ = _run(capsys, "corpus", "validate", str(folder))
    assert code == 0
    assert "train: 10 duplicate texts, e.g." in out
    assert "test: 1 texts also in train (leakage)" in out and "1 of them with a different label" in out
    assert "class imbalance 12:1" in out
    assert out.strip().endswith("train_per_class_min=1, train_per_class_max=12")


def test_malformed_corpus_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.helpers.corpora import write_card, write_csv

    mirror = tmp_path / "mirror" / "m"
    train = write_csv(mirror / "train.csv", [("hello", "a"), ("", "b")])
    test = write_csv(mirror / "test.csv", [("bye", "a")])
    folder = tmp_path / "corpora" / "m"
    folder.mkdir(parents=True)
    write_card(folder, name="m", files={"train.csv": train, "test.csv": test})
    code, _, err = _run(capsys, "corpus", "validate", str(folder))
    assert code == 2 and err.strip() == f"ragorft: error: {mirror / 'train.csv'}:3: empty text"
