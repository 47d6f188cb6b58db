"""README's headline table is generated from the committed records and fails here when stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.decide.knowledge import is_knowledge
from ragorft.benchmarks.records.store import load_records

from tools import readme_results as rr

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "default"

pytestmark = pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed records")


def test_readme_results_table_is_the_records() -> None:
    old, new = rr.rewrite(ROOT / "README.md", RESULTS)
    assert old == new, "README's results table is stale: python -m tools.readme_results"


def test_every_record_is_a_row_with_its_own_numbers() -> None:
    table = rr.block(RESULTS)
    for r in load_records(RESULTS):
        assert f"| {r['run']} | {r['budget_name']} |" in table
        assert rr._cell(r) in table  # accuracy, interval and item count straight from the record


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


def _readme_prose() -> str:
    """README with its line breaks folded to spaces, so a quoted phrase matches across wrapped lines."""
    return " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


def test_the_cost_line_sums_the_cells_wall_times_only_when_every_record_has_one() -> None:
    """A suite's time comes from its records (``timing.cell_seconds``), never typed from a log;
    records from before that field give no sum rather than a partial one."""
    timed = [{"timing": {"cell_seconds": 90.0, "train_seconds": 10.0, "scoring_seconds": 20.0}}] * 2
    assert rr._time_line(timed, "results") == ["", "2 cells; the cells' wall times sum to 180 s (3.0 min)."]
    old = [*timed, {"timing": {"train_seconds": 30.0, "scoring_seconds": 30.0}}]
    assert rr._time_line(old, "results") == []
    assert rr._time_line(old, "ladder") == ["", "3 cells; training + scoring 2 min in the records."]


def test_readme_says_whether_the_default_suite_fits_its_budget_as_its_records_do() -> None:
    """README's claim about the 30-minute budget follows the records' summed cell times."""
    records = load_records(RESULTS)
    seconds = [r["timing"].get("cell_seconds") for r in records]
    if None in seconds:
        pytest.skip("records from before timing.cell_seconds")
    text = _readme_prose()
    over = "still **over the suite's 30-minute budget**" in text
    assert over == (sum(seconds) > 30 * 60), "README's budget sentence disagrees with the records"
    few_shot = next(r for r in records if r["strategy"] == "few_shot")
    assert f"against {few_shot['timing']['scoring_seconds']:.0f} s now" in text


def test_check_mode_reports_a_stale_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{rr.START}\nold\n{rr.END}\noutro\n", encoding="utf-8")
    assert rr.main(["--readme", str(readme), "--results", str(RESULTS), "--check"]) == 1
    assert rr.main(["--readme", str(readme), "--results", str(RESULTS)]) == 0
    assert rr.main(["--readme", str(readme), "--results", str(RESULTS), "--check"]) == 0
    assert readme.read_text(encoding="utf-8").startswith("intro\n")


LADDER = ROOT / "results" / "ladder"


@pytest.mark.skipif(not (LADDER / "cells").is_dir(), reason="no committed ladder records")
def test_readme_ladder_table_is_the_records() -> None:
    old, new = rr.rewrite(ROOT / "README.md", LADDER, "ladder")
    stale = "README's ladder table is stale: python -m tools.readme_results --block ladder"
    assert old == new, stale
    table = rr.block(LADDER, "ladder")
    for r in load_records(LADDER):
        assert rr._cell(r) in table
    # rows by base size, smallest first (alphabetical order put the 135M rung last)
    sizes = {r["run"]: r["cost"]["params_total"] for r in load_records(LADDER)}
    rows = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines() if line.startswith("| rag_lm")]
    assert rows == sorted(rows, key=sizes.__getitem__)


KNOWLEDGE = ROOT / "results" / "knowledge"


@pytest.mark.skipif(not (KNOWLEDGE / "cells").is_dir(), reason="no committed knowledge records")
def test_readme_knowledge_table_is_the_records() -> None:
    old, new = rr.rewrite(ROOT / "README.md", KNOWLEDGE, "knowledge")
    stale = "README's knowledge table is stale: python -m tools.readme_results --block knowledge"
    assert old == new, stale
    table = rr.block(KNOWLEDGE, "knowledge")
    for r in load_records(KNOWLEDGE):
        m = r["metrics"]
        # a QA cell shows exact match (its headline) and token F1, both straight from the record
        assert rr._cell(r).startswith(f"EM {100 * m['exact_match']:.1f} ")
        assert f"F1 {100 * m['f1']:.1f} ({r['n_test']})" in rr._cell(r)
        assert rr._cell(r) in table


BENCH = ROOT / "results" / "bench"


@pytest.mark.skipif(not list(BENCH.glob("engine-*.json")), reason="no committed engine benchmarks")
def test_readme_engine_table_is_the_benchmark_files() -> None:
    import json

    old, new = rr.rewrite(ROOT / "README.md", BENCH, "engine")
    assert old == new, "README's engine table is stale: python -m tools.readme_results --block engine"
    table = rr.block(BENCH, "engine")
    for path in BENCH.glob("engine-*.json"):
        d = json.loads(path.read_text(encoding="utf-8"))
        assert f"| {d['speedup']:.2f}x |" in table and d["model"] in table


@pytest.mark.skipif(not (LADDER / "cells").is_dir(), reason="no committed ladder records")
def test_readme_qlora_serving_numbers_are_the_ladder_records() -> None:
    """The prose on why QLoRA serves faster on this CPU quotes two records: it must quote them as they are."""
    by_run = {r["run"]: r for r in load_records(LADDER) if r["corpus"] == "banking77"}
    lora, qlora = by_run["lora-qwen-coder-0.5b"]["timing"], by_run["qlora-qwen-coder-0.5b"]["timing"]
    text = _readme_prose()
    p50 = f"p50 {qlora['latency_ms']['p50']:.0f} vs {lora['latency_ms']['p50']:.0f} ms"
    scoring = f"scoring {qlora['scoring_seconds']:.0f} vs {lora['scoring_seconds']:.0f} s"
    assert p50 in text and scoring in text, (p50, scoring)


@pytest.mark.skipif(not (LADDER / "cells").is_dir(), reason="no committed ladder records")
def test_readme_ladder_prose_is_the_records() -> None:
    """The prose's accuracies by base size (135M -> 0.5B -> 1.5B) and the 1.5B LoRA cell's speed,
    time and peak memory are the records' own."""
    records = load_records(LADDER)
    text = _readme_prose()
    for strategy, corpus, name in (
        ("few_shot", "banking77", "Banking77"),
        ("few_shot", "clinc150", "CLINC150"),
        ("lora", "banking77", "Banking77"),
    ):
        rungs = sorted(
            (r for r in records if r["corpus"] == corpus and r["strategy"] == strategy),
            key=lambda r: r["cost"]["params_total"],
        )
        assert len(rungs) == 3
        assert f"{name} " + " -> ".join(f"{100 * r['metrics']['accuracy']:.1f}" for r in rungs) in text
    big = rungs[-1]
    assert f"trained at {big['report']['train_examples_per_s']:.2f} examples/s" in text
    assert f"took {big['timing']['cell_seconds'] / 60:.1f} min in all" in text
    assert f"peaked at {big['memory']['peak_rss_mb']:,.0f} MiB" in text


@pytest.mark.skipif(not (LADDER / "cells").is_dir(), reason="no committed ladder records")
def test_readme_qlora_against_lora_at_1_5b_is_the_records() -> None:
    """The 1.5B QLoRA / LoRA comparison (each cell in its own fresh process) quotes both records."""
    by_run = {r["run"]: r for r in load_records(LADDER) if r["corpus"] == "banking77"}
    qlora, lora = by_run["qlora-qwen-coder-1.5b"], by_run["lora-qwen-coder-1.5b"]
    text = _readme_prose()
    q_peak, l_peak = qlora["memory"]["peak_rss_mb"], lora["memory"]["peak_rss_mb"]
    q_speed, l_speed = qlora["report"]["train_examples_per_s"], lora["report"]["train_examples_per_s"]
    quoted = [
        f"peak RSS {q_peak:,.0f} vs {l_peak:,.0f} MiB ({q_peak / l_peak:.2f}x)",
        f"training {q_speed:.2f} vs {l_speed:.2f} examples/s ({q_speed / l_speed:.2f}x)",
        f"accuracy {100 * qlora['metrics']['accuracy']:.1f} vs {100 * lora['metrics']['accuracy']:.1f}",
    ]
    for phrase in quoted:
        assert phrase in text, phrase
