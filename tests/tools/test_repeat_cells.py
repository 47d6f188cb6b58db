"""`repeat_cells` measures a cell afresh each time: it never takes the cached record (the per-cell
lock's cache re-check once made every "repeat" a copy of the first run) and never overwrites it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.runs import suite_file
from tools import repeat_cells


def test_each_repeat_is_a_fresh_computation_and_the_cache_is_untouched(tiny_corpus: Path, tmp_path: Path) -> None:
    suite = suite_file(tmp_path, tiny_corpus)
    out = tmp_path / "repeat.json"
    args = ["--suite", str(suite), "--only", "tiny/rag/full/seed0", "--times", "2", "--out", str(out)]
    assert repeat_cells.main(args) == 0
    report = json.loads(out.read_text())
    cell = report["tiny/rag/full/seed0"]
    assert cell["runs"] == 2
    created = cell["created"]
    assert len(created) == 2 and created[0] != created[1]  # two computations, not one record read twice
    assert not list((tmp_path / "cache" / "cells").glob("*.json"))  # the bench cache is left alone
