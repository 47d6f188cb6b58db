"""Published results are what the code computes: a committed record stale against the code fails.

For every ``results/<suite>/cells/*.json`` the key parts are recomputed with the current code (the
suite file the record names, its corpus from ``$RAGORFT_DATA``, which CI provides as
../shared/corpora) and compared with the record's stored ``key_parts``; its ``metrics_code`` must be
the current scoring code's (``ragorft rescore`` fixes that without re-running a cell). The check is
proved on a tiny suite in tmp: a fresh record passes, an edit to its strategy's code is reported.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ragorft.benchmarks.core import fingerprint
from ragorft.benchmarks.core.atomic import CorruptFile, read_json
from ragorft.benchmarks.run import measure
from ragorft.benchmarks.run.cell import CorpusData, load_corpus_data
from ragorft.benchmarks.run.key import explain, key_parts
from ragorft.benchmarks.run.runner import run_suite
from ragorft.benchmarks.run.suite import Suite, read_suite
from ragorft.benchmarks.score.record import metrics_code

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
DATA = os.environ.get("RAGORFT_DATA")  # read at import: the autouse fixture points it at an empty mirror
SUITES = sorted(p.parent.name for p in RESULTS.glob("*/cells") if any(p.glob("*.json")))


def stale_records(cells: Path, suite_for: Callable[[str], Suite], data_dir: Path | None) -> list[str]:
    """One line per record of ``cells`` that the current code would not reproduce, saying why."""
    problems: list[str] = []
    corpora: dict[tuple[str, int], CorpusData] = {}
    suites: dict[str, Suite] = {}
    current = metrics_code()
    for path in sorted(cells.glob("*.json")):
        try:
            record: dict[str, Any] = read_json(path)
        except CorruptFile as exc:
            problems.append(str(exc))
            continue
        name = str(record.get("suite"))
        suite = suites.setdefault(name, suite_for(name))
        cell = next((c for c in suite.cells if c.id == record.get("cell_id")), None)
        if cell is None:
            problems.append(f"{path.name}: {record.get('cell_id')} is no longer a cell of suite {name}")
            continue
        at = (cell.corpus_source, suite.test_sample_seed)
        if at not in corpora:
            corpora[at] = load_corpus_data(cell.corpus_source, data_dir, suite.test_sample_seed)
        parts = key_parts(cell, corpora[at], suite.test_sample_seed)
        if record.get("key_parts") != parts:
            problems.append(f"{path.name}: stale, {explain(record.get('key_parts'), parts)}")
        if record.get("metrics_code") != current:
            problems.append(f"{path.name}: metrics_code {record.get('metrics_code')} != {current} (ragorft rescore)")
    return problems


@pytest.mark.parametrize("suite", SUITES)
def test_committed_records_are_current(suite: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "TIMED_QUERIES", 64)  # the shipped default, not the tests' 8
    problems = stale_records(RESULTS / suite / "cells", read_suite, Path(DATA) if DATA else None)
    assert not problems, f"results/{suite}: {len(problems)} records stale against the code:\n" + "\n".join(problems)


def test_the_check_passes_a_fresh_record_and_reports_an_edited_strategy(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite_path = tmp_path / "cur.toml"
    suite_path.write_text(
        f'name = "cur"\ncorpora = ["{tiny_corpus.parent}"]\nbudgets = ["full"]\n\n[[run]]\nstrategy = "rag"\n'
    )
    results = tmp_path / "results"
    run_suite(read_suite(str(suite_path)), results_dir=results, progress=False)
    cells = results / "cur" / "cells"
    assert stale_records(cells, lambda _: read_suite(str(suite_path)), None) == []

    root = tmp_path / "src"  # the same code, edited in a copy the fingerprint reads
    for folder in fingerprint.FOLDERS.values():
        shutil.copytree(folder, root / folder.name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "FOLDERS", {n: root / f.name for n, f in fingerprint.FOLDERS.items()})
    (root / "strategies" / "rag.py").write_text((root / "strategies" / "rag.py").read_text() + "\nEDITED = 1\n")
    fingerprint.forget()
    problems = stale_records(cells, lambda _: read_suite(str(suite_path)), None)
    fingerprint.forget()
    assert len(problems) == 1 and "stale, code.ragorft.strategies.rag" in problems[0], problems
