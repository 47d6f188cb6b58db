"""Input that selects nothing is an error with a did-you-mean (exit 2, one line, no report), not an empty success."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import write_json

from tests.helpers.cellrecord import cell_record


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


def _results(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    write_json(
        results / "default" / "cells" / "tiny__rag__full__seed0.json",
        cell_record("tiny/rag/full/seed0", ["a", "b"], ["a", "b"]),
    )
    return results


@pytest.mark.parametrize("command", ["table", "report", "recommend"])
def test_a_suite_typo_names_the_suites_with_records(command: str, tmp_path: Path, capsys) -> None:
    results = _results(tmp_path)
    code, err = _run(capsys, command, "--suite", "defualt", "--results-dir", str(results))
    assert code == 2 and err.count("\n") == 1
    assert "did you mean 'default'?" in err
    assert not (results / "defualt").exists()  # no report, no empty tables


def test_table_of_a_suite_without_records_is_an_error(tmp_path: Path, capsys) -> None:
    results = _results(tmp_path)
    code, err = _run(capsys, "table", "--suite", "zzz", "--results-dir", str(results))
    assert code == 2 and "no cell records of suite 'zzz'" in err and "suites with records there: default" in err


def test_an_unknown_corpus_in_recommend_says_which_exist(tmp_path: Path, capsys) -> None:
    results = _results(tmp_path)
    code, err = _run(capsys, "recommend", "--suite", "default", "--results-dir", str(results), "--corpus", "tinny")
    assert code == 2 and "did you mean 'tiny'?" in err and "(it has: tiny)" in err


def test_only_glob_matching_nothing_runs_nothing(tmp_path: Path, capsys, tiny_corpus: Path) -> None:
    suite = tmp_path / "s.toml"
    suite.write_text(f'name = "s"\ncorpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "rag"\n')
    results = tmp_path / "results"
    argv = ["bench", "--suite", str(suite), "--results-dir", str(results), "--only", "tiny/ragg/*"]
    for extra in ([], ["--plan"]):
        code, err = _run(capsys, *argv, *extra)
        assert code == 2 and err.count("\n") == 1
        assert "--only 'tiny/ragg/*' matches no cell of suite 's'" in err
        assert "did you mean 'tiny/rag/full/seed0'?" in err
    assert not list(results.rglob("*.json")) and not list(results.rglob("REPORT.md"))


def test_unknown_suite_and_corpus_say_did_you_mean(capsys) -> None:
    code, err = _run(capsys, "bench", "--suite", "defalt")
    assert code == 2 and "unknown suite 'defalt' (did you mean 'default'?)" in err
    code, err = _run(capsys, "corpus", "validate", "banking7")
    assert code == 2 and "unknown corpus 'banking7' (did you mean 'banking77'?)" in err


def test_zero_volume_is_refused(tmp_path: Path, capsys) -> None:
    results = _results(tmp_path)
    code, err = _run(capsys, "report", "--suite", "default", "--results-dir", str(results), "--monthly-queries", "0")
    assert code == 2 and "monthly_queries: Input should be greater than 0" in err
    assert not (results / "default" / "REPORT.md").exists()
