"""The results tables of README.md and docs/ are generated from the committed records and fail here when stale.

These tests check that a generated block equals what the generator makes of the records (the
guarantee that a number in the documentation comes from a record), never the prose around it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.decide.knowledge import is_knowledge
from ragorft.benchmarks.records.store import load_records

from tools import readme_results as rr

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "default"
LADDER = ROOT / "results" / "ladder"
KNOWLEDGE = ROOT / "results" / "knowledge"
BENCH = ROOT / "results" / "bench"


def _stale(name: str) -> str:
    return f"{rr.DOCUMENTS[name]}'s {name} table is stale: python -m tools.readme_results"


@pytest.mark.parametrize("name", sorted(rr.BLOCKS))
def test_every_generated_block_is_what_the_generator_makes_of_the_records(name: str) -> None:
    """A block of a suite without committed records says so, rather than keep a table of old numbers."""
    old, new = rr.rewrite(ROOT / rr.DOCUMENTS[name], ROOT / rr.BLOCKS[name][2], name)
    assert old == new, _stale(name)


def test_a_suite_without_records_gets_no_numbers(tmp_path: Path) -> None:
    text = rr.block(tmp_path / "ladder", "ladder")
    assert "No records of the ladder suite are committed" in text
    assert "nox -s bench -- --suite ladder" in text and not any(c.isdigit() for c in text.split("-->", 1)[1])


@pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed records")
def test_every_record_is_a_row_with_its_own_numbers() -> None:
    table = rr.block(RESULTS)
    for r in load_records(RESULTS):
        assert f"| {r['run']} | {r['budget_name']} |" in table
        assert rr._cell(r) in table  # accuracy, interval and item count straight from the record


@pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed records")
def test_a_strategy_of_the_other_task_kind_is_a_dash_not_a_gap() -> None:
    """The default suite mixes intent and QA corpora: a QA run on Banking77 is impossible, not missing."""
    records = load_records(RESULTS)
    qa = {r["corpus"] for r in records if is_knowledge([r])}
    if not qa:
        pytest.skip("no QA cell in the default records")
    table = rr.block(RESULTS).splitlines()
    corpora = [c.split(" (items)")[0] for c in table[1].strip("| ").split(" | ")[2:]]
    qa_runs = {r["run"] for r in records if is_knowledge([r])}
    for line in [row for row in table[3:] if row.startswith("| ")]:
        run, _budget, *cells = line.strip("| ").split(" | ")
        for corpus, cell in zip(corpora, cells, strict=True):
            if (run in qa_runs) != (corpus in qa):
                assert cell == "-", (run, corpus, cell)
            else:
                assert cell != "-", (run, corpus, cell)


def test_the_cost_line_sums_the_cells_wall_times_only_when_every_record_has_one() -> None:
    """A suite's time comes from its records (``timing.cell_seconds``), never typed from a log;
    records from before that field give no sum rather than a partial one."""
    timed = [{"timing": {"cell_seconds": 90.0, "train_seconds": 10.0, "scoring_seconds": 20.0}}] * 2
    assert rr._time_line(timed, "results") == ["", "2 cells; the cells' wall times sum to 180 s (3.0 min)."]
    old = [*timed, {"timing": {"train_seconds": 30.0, "scoring_seconds": 30.0}}]
    assert rr._time_line(old, "results") == []
    assert rr._time_line(old, "ladder") == ["", "3 cells; training + scoring 2 min in the records."]


@pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed records")
def test_check_mode_reports_a_stale_table(tmp_path: Path) -> None:
    doc = tmp_path / "README.md"
    doc.write_text(f"intro\n{rr.START}\nold\n{rr.END}\noutro\n", encoding="utf-8")
    argv = ["--block", "results", "--file", str(doc), "--results", str(RESULTS)]
    assert rr.main([*argv, "--check"]) == 1
    assert rr.main(argv) == 0
    assert rr.main([*argv, "--check"]) == 0
    assert doc.read_text(encoding="utf-8").startswith("intro\n")


def test_every_block_lives_in_its_document() -> None:
    """Each generated block has its markers in the document the tool writes it to."""
    for name, (start, end, _) in rr.BLOCKS.items():
        text = (ROOT / rr.DOCUMENTS[name]).read_text(encoding="utf-8")
        assert start in text and end in text, (name, rr.DOCUMENTS[name])


@pytest.mark.skipif(not any((LADDER / "cells").glob("*.json")), reason="no committed ladder records")
def test_ladder_table_is_the_records() -> None:
    table = rr.block(LADDER, "ladder")
    for r in load_records(LADDER):
        assert rr._cell(r) in table
    # rows by base size, smallest first (alphabetical order put the 135M rung last)
    sizes = {r["run"]: r["cost"]["params_total"] for r in load_records(LADDER)}
    rows = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines() if line.startswith("| rag_lm")]
    assert rows == sorted(rows, key=sizes.__getitem__)


@pytest.mark.skipif(not any((KNOWLEDGE / "cells").glob("*.json")), reason="no committed knowledge records")
def test_knowledge_table_is_the_records() -> None:
    table = rr.block(KNOWLEDGE, "knowledge")
    for r in load_records(KNOWLEDGE):
        m = r["metrics"]
        # a QA cell shows exact match (its headline) and token F1, both straight from the record
        assert rr._cell(r).startswith(f"EM {100 * m['exact_match']:.1f} ")
        assert f"F1 {100 * m['f1']:.1f} ({r['n_test']})" in rr._cell(r)
        assert rr._cell(r) in table


@pytest.mark.skipif(not list(BENCH.glob("engine-*.json")), reason="no committed engine benchmarks")
def test_engine_table_is_the_benchmark_files() -> None:
    table = rr.block(BENCH, "engine")
    for path in BENCH.glob("engine-*.json"):
        d = json.loads(path.read_text(encoding="utf-8"))
        assert f"| {d['speedup']:.2f}x |" in table and d["model"] in table
