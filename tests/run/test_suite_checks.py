"""Suites are refused at read, before anything runs: names that escape, repeats, bad options.

Issue 19: a run ``name = "x/../../<dir>/ESCAPED"`` wrote its record outside --results-dir; a
repeated budget, seed or corpus counted a cell twice; ``k = 0`` failed in faiss after the model
loaded and ``weighting = "cubic"`` inside ``fit``; an unknown strategy got no suggestion.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.names import is_name
from ragorft.benchmarks.run.suite import read_suite


def _suite(tmp_path: Path, card: Path, *, top: str = "", run: str = 'strategy = "rag"') -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'corpora = ["{card.parent}"]\nbudgets = [2]\n{top}\n[[run]]\n{run}\n')
    return path


def _refused(path: Path, message: str) -> str:
    with pytest.raises(RagorftError) as err:
        read_suite(str(path))
    text = str(err.value)
    assert message in text and text.startswith(str(path)) and "\n" not in text, text
    return text


@pytest.mark.parametrize("name", ["x/../../escaped", "/tmp/abs", "..", ".x", "Upper", "a b", "a" * 65, ""])
def test_a_run_name_that_is_not_an_identifier_is_refused(tmp_path: Path, tiny_corpus: Path, name: str) -> None:
    _refused(_suite(tmp_path, tiny_corpus, run=f'strategy = "rag"\nname = "{name}"'), "run name must match")


@pytest.mark.parametrize("name", ["../out", "a/b", "."])
def test_a_suite_name_that_is_not_an_identifier_is_refused(tmp_path: Path, tiny_corpus: Path, name: str) -> None:
    _refused(_suite(tmp_path, tiny_corpus, top=f'name = "{name}"'), "suite name must match")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(alphabet="ab9._-/ Z", min_size=1, max_size=8))
def test_run_names_accepted_iff_identifiers(tmp_path_factory, tiny_corpus: Path, name: str) -> None:
    path = _suite(tmp_path_factory.mktemp("s"), tiny_corpus, run=f'strategy = "rag"\nname = "{name}"')
    if is_name(name):
        assert {c.run for c in read_suite(str(path)).cells} == {name}
    else:
        _refused(path, "run name must match")


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ("budgets = [2, 2]", "'2shot' appears twice in 'budgets'"),
        ("seeds = [0, 1, 0]", "0 appears twice in 'seeds'"),
        ("seeds = [-1]", "seeds[0]: Input should be greater than or equal to 0"),
    ],
)
def test_repeated_budgets_and_seeds_are_refused(tmp_path: Path, tiny_corpus: Path, top: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'corpora = ["{tiny_corpus.parent}"]\n{top}\n[[run]]\nstrategy = "rag"\n')
    _refused(path, message)


def test_the_same_corpus_twice_is_refused(tmp_path: Path, tiny_corpus: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'corpora = ["{tiny_corpus.parent}", "{tiny_corpus}"]\n[[run]]\nstrategy = "rag"\n')
    _refused(path, "'tiny' appears twice in 'corpora'")


def test_two_cards_with_one_name_are_refused(tmp_path: Path, tiny_corpus: Path) -> None:
    """A copied card folder keeps its name: held by name in a run, it would take the other's cells."""
    twin = tmp_path / "elsewhere" / "tiny"
    shutil.copytree(tiny_corpus.parent, twin)
    path = tmp_path / "s.toml"
    path.write_text(
        f'corpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "rag"\n'
        f'[[run]]\nstrategy = "rag"\nname = "rag2"\ncorpora = ["{twin}"]\n'
    )
    _refused(path, "two corpora named 'tiny'")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{ k = 0 }", "run[0].options.k: Input should be greater than 0 (got 0)"),
        ("{ k = -3 }", "run[0].options.k: Input should be greater than 0 (got -3)"),
        ("{ k = true }", "run[0].options.k: Input should be a valid integer (got True)"),
        ('{ weighting = "cubic" }', "run[0].options.weighting: Input should be 'similarity' or 'uniform'"),
    ],
)
def test_rag_options_are_range_checked_at_suite_read(tmp_path: Path, tiny_corpus: Path, options: str, message: str):
    _refused(_suite(tmp_path, tiny_corpus, run=f'strategy = "rag"\noptions = {options}'), message)


@pytest.mark.parametrize(
    ("strategy", "options", "message"),
    [
        ("lora", "{ learning_rate = nan }", "run[0].options.learning_rate: Input should be a finite number"),
        ("lora", "{ learning_rate = 0.0 }", "run[0].options.learning_rate: Input should be greater than 0"),
        ("lora", "{ dropout = 1.0 }", "run[0].options.dropout: Input should be less than 1"),
        ("full_ft", "{ epochs = 0 }", "run[0].options.epochs: Input should be greater than 0"),
        ("full_ft", '{ padding = "left" }', "options.padding: Input should be 'dynamic' or 'max_length'"),
        ("few_shot", '{ order = "random" }', "options.order: Input should be 'shuffled' or 'grouped'"),
        ("rag_lm", "{ batch_size = 0 }", "run[0].options.batch_size: Input should be greater than 0"),
        ("api_prompt", '{ base_url = "file:///etc" }', "run[0].options.base_url: String should match pattern"),
        ("api_prompt", "{ budget_usd = inf }", "options.budget_usd: Input should be a finite number"),
    ],
)
def test_every_strategys_options_are_checked_at_suite_read(
    tmp_path: Path, tiny_corpus: Path, strategy: str, options: str, message: str
) -> None:
    _refused(_suite(tmp_path, tiny_corpus, run=f'strategy = "{strategy}"\noptions = {options}'), message)


def test_budget_options_are_range_checked_too(tmp_path: Path, tiny_corpus: Path) -> None:
    path = _suite(tmp_path, tiny_corpus, run='strategy = "rag"\nbudget_options = { 2 = { k = 0 } }')
    _refused(path, "run[0].budget_options.2.k: Input should be greater than 0 (got 0)")


def test_unknown_strategy_gets_a_did_you_mean(tmp_path: Path, tiny_corpus: Path) -> None:
    text = _refused(_suite(tmp_path, tiny_corpus, run='strategy = "raglm"'), "unknown strategy 'raglm'")
    assert "did you mean 'rag_lm'?" in text


def test_a_strategy_on_a_corpus_of_another_task_is_refused(tmp_path: Path, tiny_corpus: Path) -> None:
    """A QA strategy on an intent corpus: refused when the suite is read, naming the run."""
    path = _suite(tmp_path, tiny_corpus, run='strategy = "rag_qa"\nname = "kb"')
    _refused(path, "run[0] (kb): strategy 'rag_qa' serves task 'qa', corpus 'tiny' is task 'classification'")


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ("seeds = [4294967296]", "seeds[0]: Input should be less than or equal to 4294967295"),
        ("max_test_items = -1", "max_test_items: Input should be greater than or equal to 0"),
        ("colour = 1", "colour: unknown field"),
    ],
)
def test_suite_table_is_a_strict_schema(tmp_path: Path, tiny_corpus: Path, top: str, message: str) -> None:
    _refused(_suite(tmp_path, tiny_corpus, top=top), message)


def test_run_table_is_a_strict_schema(tmp_path: Path, tiny_corpus: Path) -> None:
    for budgets in ('["all"]', "[true]", "[0]", "[2.0]"):
        _refused(
            _suite(tmp_path, tiny_corpus, run=f'strategy = "rag"\nbudgets = {budgets}'),
            "run[0].budgets[0]: Value error, budget must be a positive integer",
        )
    _refused(_suite(tmp_path, tiny_corpus, run='strategy = "rag"\nk = 3'), "run[0].k: unknown field")
    _refused(_suite(tmp_path, tiny_corpus, run='strategy = "rag"\noptions = { k_grid = [1, 2.5] }'), "k_grid[1]")
