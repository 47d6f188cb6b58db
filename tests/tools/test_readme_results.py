"""README's headline table is generated from the committed records and fails here when stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.records.store import load_records
from ragorft.benchmarks.tools import readme_results as rr

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "default"

pytestmark = pytest.mark.skipif(not (RESULTS / "cells").is_dir(), reason="no committed records")


def test_readme_results_table_is_the_records() -> None:
    old, new = rr.rewrite(ROOT / "README.md", RESULTS)
    assert old == new, "README's results table is stale: python -m ragorft.benchmarks.tools.readme_results"


def test_every_record_is_a_row_with_its_own_numbers() -> None:
    table = rr.block(RESULTS)
    for r in load_records(RESULTS):
        assert f"| {r['run']} | {r['budget_name']} |" in table
        assert rr._cell(r) in table  # accuracy, interval and item count straight from the record


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
    stale = "README's ladder table is stale: python -m ragorft.benchmarks.tools.readme_results --block ladder"
    assert old == new, stale
    table = rr.block(LADDER, "ladder")
    for r in load_records(LADDER):
        assert rr._cell(r) in table
