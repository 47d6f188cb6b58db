"""Suite files: per-budget option overrides, and the one-line errors a wrong one gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.run.cellspec import budget_name
from ragorft.benchmarks.run.suite import read_suite


def _write(tmp_path: Path, card: Path, run_extra: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(
        f'corpora = ["{card.parent}"]\nbudgets = [2, "full"]\n'
        f'[[run]]\nstrategy = "rag"\noptions = {{ k = 3 }}\n{run_extra}\n'
    )
    return path


def test_budget_options_override_one_budget_only(tmp_path: Path, tiny_corpus: Path) -> None:
    suite = read_suite(str(_write(tmp_path, tiny_corpus, "budget_options = { full = { k = 7 } }")))
    by_budget = {cell.budget: cell.options for cell in suite.cells}
    assert by_budget == {2: {"k": 3}, "full": {"k": 7}}
    # both budgets stay one run (one row of the tables)
    assert {cell.run for cell in suite.cells} == {"rag"}


def test_budget_options_accept_shot_names(tmp_path: Path, tiny_corpus: Path) -> None:
    suite = read_suite(str(_write(tmp_path, tiny_corpus, 'budget_options = { "2shot" = { k = 1 } }')))
    assert {cell.budget: cell.options["k"] for cell in suite.cells} == {2: 1, "full": 3}


def test_budget_seeds_repeat_one_budget_only(tmp_path: Path, tiny_corpus: Path) -> None:
    suite = read_suite(str(_write(tmp_path, tiny_corpus, "budget_seeds = { 2 = [0, 1, 2] }")))
    assert sorted((budget_name(cell.budget), cell.seed) for cell in suite.cells) == [
        ("2shot", 0),
        ("2shot", 1),
        ("2shot", 2),
        ("full", 0),
    ]
    assert {cell.run for cell in suite.cells} == {"rag"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("budget_seeds = { 30 = [1] }", "budget_seeds for 30shot, not among this run's budgets"),
        ("budget_seeds = { 2 = [1, 1] }", "1 appears twice in 'budget_seeds.2shot'"),
        ("budget_seeds = { 2 = [-1] }", "run[0].budget_seeds.2[0]: Input should be greater than or equal to 0"),
        ("budget_options = { 30 = { k = 1 } }", "budget_options for 30shot, not among this run's budgets"),
        ("budget_options = { full = { kk = 1 } }", "run[0].budget_options.full.kk: unknown field"),
        ("budget_options = { full = 3 }", "run[0].budget_options.full: Input should be a valid dictionary"),
    ],
)
def test_bad_budget_options_name_the_file(tmp_path: Path, tiny_corpus: Path, extra: str, message: str) -> None:
    path = _write(tmp_path, tiny_corpus, extra)
    with pytest.raises(RagorftError) as err:
        read_suite(str(path))
    assert message in str(err.value) and str(path) in str(err.value)


def test_timed_queries_suite_wide_overridden_per_run(tmp_path: Path, tiny_corpus: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        f'corpora = ["{tiny_corpus.parent}"]\nbudgets = ["full"]\ntimed_queries = 32\n'
        '[[run]]\nstrategy = "rag"\n'
        '[[run]]\nname = "slow"\nstrategy = "rag"\ntimed_queries = 16\n'
    )
    assert {cell.run: cell.timed_queries for cell in read_suite(str(path)).cells} == {"rag": 32, "slow": 16}


@pytest.mark.parametrize("value", ["4", "-1", '"16"', "true", "false"])
def test_too_few_or_not_a_number_of_timed_queries_is_refused(tmp_path: Path, tiny_corpus: Path, value: str) -> None:
    path = _write(tmp_path, tiny_corpus, f"timed_queries = {value}")
    with pytest.raises(RagorftError) as err:
        read_suite(str(path))
    assert "timed_queries" in str(err.value) and str(path) in str(err.value)
