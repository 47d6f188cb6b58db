"""Issue 33, records: one record schema, checked on every read (results files and the cell cache),
at any nesting depth. A checksummed record missing ``metrics.macro_f1`` or ``timing.latency_ms``,
with a NaN interval or a non-object ``memory``, was taken from the cache and then crashed
``report`` while ``recommend`` and ``compare`` exited 0.

Now: ``report`` and ``recommend`` refuse it in one line naming the file (exit 2), ``compare``
fails it naming the file (exit 1), ``bench`` recomputes a cached copy. Real records: a copy of
two committed default-suite cells.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import CHECKSUM_KEY, canonical_json, read_json, sha256_text, write_json
from ragorft.benchmarks.records.store import parse_record
from ragorft.benchmarks.run.runner import cached_record

ROOT = Path(__file__).resolve().parents[2]
CELLS = ["banking77__rag__10shot__seed0.json", "banking77__linear_probe__10shot__seed0.json"]


def _drop(path: str):
    def edit(r: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            r = r[p]
        del r[last]

    return edit


def _set(path: str, value: Any):
    def edit(r: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            r = r[p]
        r[last] = value

    return edit


EDITS = {
    "metrics.macro_f1 missing": (_drop("metrics.macro_f1"), "metrics.macro_f1: Field required"),
    "timing.latency_ms missing": (_drop("timing.latency_ms"), "timing.latency_ms"),
    "NaN interval": (_set("metrics.accuracy_ci", [float("nan"), 1.0]), "metrics.accuracy_ci"),
    "memory not an object": (_set("memory", 5), "memory"),
    "predictions not a list": (_set("predictions", {"a": 1}), "predictions"),
}


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    folder = tmp_path / "results" / "default" / "cells"
    folder.mkdir(parents=True)
    for name in CELLS:
        shutil.copy(ROOT / "results" / "default" / "cells" / name, folder / name)
    return folder


def _write_checksummed(path: Path, record: dict[str, Any]) -> None:
    """A valid checksum over the edited body (NaN kept as JSON's NaN token)."""
    body = {k: v for k, v in record.items() if k != CHECKSUM_KEY}
    body[CHECKSUM_KEY] = sha256_text(canonical_json(body))
    path.write_text(json.dumps(body, sort_keys=True))


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("case", list(EDITS))
def test_a_partly_wrong_record_is_refused_by_every_reader(tmp_path: Path, suite: Path, capsys, case: str) -> None:
    edit, field = EDITS[case]
    victim = suite / CELLS[0]
    record = read_json(victim)
    edit(record)
    _write_checksummed(victim, record)
    results = str(tmp_path / "results")
    for argv in (
        ["report", "--suite", "default", "--results-dir", results],
        ["recommend", "--suite", "default", "--results-dir", results],
    ):
        code, _, err = _cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and str(victim) in err and field in err, (argv, err)
    baseline = tmp_path / "baseline"
    shutil.copytree(
        ROOT / "results" / "default", baseline, ignore=shutil.ignore_patterns("*.md", "*.html", "*.png", "*.csv")
    )
    code, out, _ = _cli(capsys, "compare", str(baseline), str(suite.parent))
    assert code == 1 and str(victim) in out
    assert cached_record(victim, quiet=True) is None  # the cache reader: recomputed, never served


def _nested(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(depth=st.integers(min_value=1, max_value=100_000), kind=st.sampled_from(["list", "dict"]))
def test_a_deeply_nested_record_is_refused_or_read_never_a_traceback(tmp_path_factory, depth: int, kind: str) -> None:
    """In a free-form field (``report``) and past the JSON parser's depth alike."""
    tmp = tmp_path_factory.mktemp("rec")
    record = read_json(ROOT / "results" / "default" / "cells" / CELLS[0])
    text = json.dumps({k: v for k, v in record.items()} | {"report": {"x": 1}}, sort_keys=True)
    opener, closer = ("[", "]") if kind == "list" else ('{"a":', "}")
    path = tmp / "cells" / CELLS[0]
    path.parent.mkdir()
    path.write_text(
        text.replace('"report": {"x": 1}', '"report": {"x": ' + opener * depth + "1" + closer * depth + "}")
    )
    assert cached_record(path, quiet=True) is None  # no checksum over the edit: refused, never a RecursionError
    code = main(["report", "--suite", "cells", "--results-dir", str(tmp)])
    assert code == 2


def test_a_record_nested_past_the_parser_is_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "results" / "x" / "cells" / "deep.json"
    path.parent.mkdir(parents=True)
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = _cli(capsys, "report", "--suite", "x", "--results-dir", str(tmp_path / "results"))
    assert code == 2 and err.count("\n") == 1 and "JSON nested too deeply" in err and str(path) in err, err


def test_records_written_by_the_bench_validate(suite: Path) -> None:
    for name in CELLS:
        parse_record(read_json(suite / name), suite / name)
    assert write_json  # the writer the bench uses (imported: a record test reads what it writes)
