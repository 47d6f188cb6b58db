"""Issue 33, what a user writes or sets: suites, cards and the environment are valid by their
schema or refused in one line naming the file and the field, before any cell runs; a bench's
output says what it did (quiet bars, a cell taken from another process said as such).

Families where the input is one: nesting depth (1 to 100,000) in cards and suites.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import read_card
from ragorft.benchmarks.run import job as cell_job
from ragorft.benchmarks.run.suite import read_suite

FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
DEPTHS = st.integers(min_value=1, max_value=100_000)


def _suite(tmp_path: Path, card: Path, body: str, head: str = "") -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\ncorpora = ["{card.parent}"]\n{head}\n{body}\n')
    return path


def _one_line(argv: list[str], capsys) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    last = err.rstrip("\n").split("\n")[-1]
    assert code == 2 and last.startswith("ragorft: error: ") and "Traceback" not in err, err
    assert err.count("ragorft: error") == 1, err
    return last


def _refused(path: Path, message: str) -> str:
    with pytest.raises(RagorftError) as err:
        read_suite(str(path))
    text = str(err.value)
    assert message in text and text.startswith(str(path)) and "\n" not in text, text
    return text


# -- deep nesting in cards and suites (case 10) ---------------------------------------------------


def _nested_toml(depth: int, kind: str) -> str:
    return "[" * depth + "1" + "]" * depth if kind == "array" else "{a = " * depth + "1" + "}" * depth


@FAST
@given(depth=DEPTHS, kind=st.sampled_from(["array", "table"]))
def test_deeply_nested_card_is_one_line(tmp_path_factory, depth: int, kind: str) -> None:
    from tests.helpers.corpora import write_card, write_csv

    tmp = tmp_path_factory.mktemp("card")
    files = {"train.csv": write_csv(tmp / "tiny" / "train.csv", [("hi", "a")])}
    card = write_card(tmp / "tiny", name="tiny", files=files, extra=f"title = {_nested_toml(depth, kind)}")
    with pytest.raises(RagorftError) as err:
        read_card(card)
    assert str(err.value).startswith(str(card)) and "\n" not in str(err.value)


@settings(FAST, max_examples=10)
@given(depth=DEPTHS, kind=st.sampled_from(["array", "table"]), where=st.sampled_from(["requirement", "options"]))
def test_deeply_nested_suite_is_one_line_or_read(tiny_corpus: Path, tmp_path_factory, depth, kind, where) -> None:
    tmp = tmp_path_factory.mktemp("suite")
    value = _nested_toml(depth, kind)
    if where == "requirement":
        path = _suite(tmp, tiny_corpus, '[[run]]\nstrategy = "rag"', head=f"requirement = {{ x = {value} }}")
    else:
        path = _suite(tmp, tiny_corpus, f'[[run]]\nstrategy = "rag"\noptions = {{ k_grid = {value} }}')
    try:
        read_suite(str(path))
    except RagorftError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


# -- the suite schema (cases 3, 9, 13, 15) --------------------------------------------------------


def test_two_runs_with_one_effective_identity_are_refused(tmp_path: Path, tiny_corpus: Path) -> None:
    """The issue's case: names differ, strategy and options (defaults filled in) are the same."""
    body = '[[run]]\nstrategy = "rag"\n\n[[run]]\nname = "again"\nstrategy = "rag"\noptions = { k = 10 }'
    _refused(_suite(tmp_path, tiny_corpus, body), "run[1] (again): same strategy and effective options as run[0] (rag)")


def test_runs_that_differ_in_any_input_are_kept(tmp_path: Path, tiny_corpus: Path) -> None:
    runs = [
        '[[run]]\nstrategy = "rag"',
        '[[run]]\nname = "k3"\nstrategy = "rag"\noptions = { k = 3 }',
        '[[run]]\nname = "few"\nstrategy = "rag"\nmax_test_items = 3',
        '[[run]]\nname = "two"\nstrategy = "rag"\nbudgets = [2]',
    ]
    assert len(read_suite(str(_suite(tmp_path, tiny_corpus, "\n".join(runs)))).cells) == 4


@pytest.mark.parametrize("key", ["²", "٣", "0", "-1", "2shots", "shot", ""])
def test_a_budget_options_key_that_is_no_budget_is_one_line(tmp_path: Path, tiny_corpus: Path, key: str) -> None:
    body = f'[[run]]\nstrategy = "rag"\nbudget_options = {{ "{key}" = {{ k = 3 }} }}'
    message = "a budget_options or budget_seeds key is a budget"
    _refused(_suite(tmp_path, tiny_corpus, body, head="budgets = [2]"), message)


@pytest.mark.parametrize("key", ["2", "2shot"])
def test_a_budget_options_key_names_its_budget(tmp_path: Path, tiny_corpus: Path, key: str) -> None:
    body = f'[[run]]\nstrategy = "rag"\nbudget_options = {{ "{key}" = {{ k = 3 }} }}'
    (cell,) = read_suite(str(_suite(tmp_path, tiny_corpus, body, head="budgets = [2]"))).cells
    assert cell.options == {"k": 3}


@FAST
@given(seed=st.integers(min_value=2**32, max_value=2**80))
def test_seeds_of_2_to_the_32_or_more_are_refused(tiny_corpus: Path, tmp_path_factory, seed: int) -> None:
    tmp = tmp_path_factory.mktemp("seed")
    _refused(_suite(tmp, tiny_corpus, '[[run]]\nstrategy = "rag"', head=f"seeds = [{seed}]"), "seeds[0]")
    _refused(_suite(tmp, tiny_corpus, f'[[run]]\nstrategy = "rag"\nseeds = [{seed}]'), "run[0].seeds[0]")


@pytest.mark.parametrize("k_grid", ['["a"]', "[1.5]", "[true]", "[0]", "[{ a = 1 }]", "5"])
def test_k_grid_element_types_are_refused_at_suite_read(tmp_path: Path, tiny_corpus: Path, k_grid: str) -> None:
    _refused(_suite(tmp_path, tiny_corpus, f'[[run]]\nstrategy = "rag"\noptions = {{ k_grid = {k_grid} }}'), "k_grid")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[format]", "[cost]\nmonthly_queries = 5\n\n[format]", "cost: unknown field"),
        ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\nout_of_scop_label = "x"', "out_of_scop_label: unknown field"),
        ('licence = "CC0-1.0"', "licence = 5", "licence: Input should be a valid string (got 5)"),
        ('kind = "csv"', 'kind = "csv"\nlabel_colum = "x"', "format.label_colum: unknown field"),
    ],
)
def test_unknown_or_mistyped_card_keys_are_one_line(capsys, tiny_corpus: Path, old, new, message) -> None:
    tiny_corpus.write_text(tiny_corpus.read_text().replace(old, new, 1))
    line = _one_line(["corpus", "validate", str(tiny_corpus.parent)], capsys)
    assert f"{tiny_corpus}: {message}" in line


# -- at plan time, before any cell (case 15) ------------------------------------------------------


def test_a_budget_above_the_smallest_class_is_refused_before_any_cell(
    tmp_path: Path, tiny_corpus: Path, capsys
) -> None:
    suite = _suite(tmp_path, tiny_corpus, '[[run]]\nstrategy = "rag"', head="budgets = [2, 7]")
    for extra in (["--plan"], ["--no-progress"]):
        line = _one_line(["bench", "--suite", str(suite), "--results-dir", str(tmp_path / "r"), *extra], capsys)
        assert f"{suite}: tiny/rag/7shot/seed0: budget 7 per class exceeds the 5 examples of label" in line
    assert not list((tmp_path / "cache").rglob("*.json"))  # not even the 2-shot cell ran


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_an_empty_or_relative_home_is_one_line(
    tmp_path: Path, tiny_corpus: Path, capsys, monkeypatch: pytest.MonkeyPatch, home: str
) -> None:
    monkeypatch.delenv("RAGORFT_CACHE")
    monkeypatch.setenv("HOME", home)
    monkeypatch.chdir(tmp_path)
    suite = _suite(tmp_path, tiny_corpus, '[[run]]\nstrategy = "rag"')
    root_cache = Path("/.cache/ragorft").exists()
    line = _one_line(["bench", "--suite", str(suite), "--results-dir", str(tmp_path / "r"), "--plan"], capsys)
    assert f"HOME is {home!r}" in line and "RAGORFT_CACHE" in line
    assert Path("/.cache/ragorft").exists() == root_cache and not (tmp_path / "relative").exists()


# -- what a bench says (case 15) -------------------------------------------------------------------

ONE_RUN = '[[run]]\nstrategy = "rag"\noptions = {{ embedding_model = "{model}", k = 3 }}'


def test_no_loading_bars_and_a_cell_from_another_process_said_as_such(
    tmp_path: Path, tiny_corpus: Path, encoders, monkeypatch: pytest.MonkeyPatch, caplog, capfd
) -> None:
    """One cell, computed quietly (what ``bench --no-progress`` runs, minus the report): no bar on
    stderr. Then another bench on the same cache finishes the cell while a second one waits for
    its lock: the second says so, and counts it as taken from the cache."""
    from ragorft.benchmarks.run.runner import run_suite

    suite = read_suite(str(_suite(tmp_path, tiny_corpus, ONE_RUN.format(model=encoders[0]))))
    run_suite(suite, results_dir=tmp_path / "first", cache_dir=tmp_path / "other", progress=False)
    err = capfd.readouterr().err
    assert "Loading weights" not in err and "it/s]" not in err, err
    (done,) = (tmp_path / "other" / "cells").glob("*.json")
    real_held = cell_job.held

    def held_after_the_other(path: Path):  # the other process wrote the cell while this one waited
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(done.read_bytes())
        return real_held(path)

    monkeypatch.setattr(cell_job, "held", held_after_the_other)
    monkeypatch.setattr(cell_job, "run_cell", lambda *a, **k: pytest.fail("the cell was computed again"))
    with caplog.at_level(logging.INFO, logger="ragorft"):
        (record,) = run_suite(suite, results_dir=tmp_path / "second", cache_dir=tmp_path / "mine", progress=True)
    said = [r.getMessage() for r in caplog.records]
    assert any("tiny/rag/full/seed0 computed by another process meanwhile" in m for m in said), said
    assert any("0 computed, 1 from cache" in m and "1 of them computed by another process" in m for m in said), said
    assert "_received_from_another_process" not in record
