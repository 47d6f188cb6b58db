"""The runner: real cells on a tiny corpus with the real `rag` strategy and embedding model.

Covers the cache (a re-run computes nothing), resume after SIGKILL (finished cells kept, none
partial or duplicated, final records equal an uninterrupted run's), and corrupt cache files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ragorft.benchmarks.core.atomic import read_json, write_json
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.run.key import cell_key, key_parts
from ragorft.benchmarks.run.runner import run_suite
from ragorft.benchmarks.run.suite import read_suite

from tests.helpers.runs import stable as _stable
from tests.helpers.runs import suite_file as _suite


def test_suite_runs_and_rerun_is_cached(tiny_corpus: Path, tmp_path: Path) -> None:
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    assert len(suite.cells) == 6
    results = tmp_path / "results"
    first = run_suite(suite, results_dir=results, progress=False)
    assert all(r["metrics"]["accuracy"] >= 0.5 for r in first if r["budget"] == "full")
    assert {r["n_train"] for r in first} == {6, 12, 15}  # 10% of the 18 carved out as dev
    cache_files = sorted((tmp_path / "cache" / "cells").glob("*.json"))
    assert len(cache_files) == 6
    mtimes = [p.stat().st_mtime_ns for p in cache_files]
    second = run_suite(suite, results_dir=results, progress=False)
    assert [p.stat().st_mtime_ns for p in cache_files] == mtimes  # nothing recomputed
    assert [_stable(r) for r in second] == [_stable(r) for r in first]


def test_corrupt_cache_file_is_recomputed(tiny_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    first = run_suite(suite, results_dir=tmp_path / "results", progress=False)
    victim = sorted((tmp_path / "cache" / "cells").glob("*.json"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    with caplog.at_level("WARNING", logger="ragorft"):
        again = run_suite(suite, results_dir=tmp_path / "results", progress=False)
    warned = [r.getMessage() for r in caplog.records if r.name.startswith("ragorft.") and r.levelname == "WARNING"]
    assert any(str(victim) in m and "unreadable JSON" in m for m in warned), warned
    read_json(victim)  # rewritten whole
    assert [_stable(r) for r in again] == [_stable(r) for r in first]


def test_same_seed_same_predictions(tiny_corpus: Path, tmp_path: Path) -> None:
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    a = run_suite(suite, results_dir=tmp_path / "a", cache_dir=tmp_path / "ca", progress=False)
    b = run_suite(suite, results_dir=tmp_path / "b", cache_dir=tmp_path / "cb", progress=False)
    assert [r["predictions"] for r in a] == [r["predictions"] for r in b]


def _bench(tmp_path: Path, suite: Path, results: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ragorft.benchmarks.commands.cli",
            "bench",
            "--suite",
            str(suite),
            "--results-dir",
            str(results),
            "--no-progress",
            "--timed-queries",  # the tests' sample (conftest), which a child process does not inherit
            "8",
        ],
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_run_resumes_without_loss_or_duplicates(tiny_corpus: Path, tmp_path: Path) -> None:
    suite = _suite(tmp_path, tiny_corpus)
    reference = run_suite(
        read_suite(str(suite)), results_dir=tmp_path / "ref", cache_dir=tmp_path / "refcache", progress=False
    )
    results = tmp_path / "results"
    cells = results / "t" / "cells"
    killed_after = []
    for target in (1, 3):  # kill once after the first finished cell, once after the third
        proc = _bench(tmp_path, suite, results)
        deadline = time.time() + 120
        while time.time() < deadline and len(list(cells.glob("*.json"))) < target:
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_after.append(len(list(cells.glob("*.json"))))
        for path in cells.glob("*.json"):
            read_json(path)  # every kept record is whole
    assert killed_after[0] >= 1
    proc = _bench(tmp_path, suite, results)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    computed = int(err.split(" cells, ")[1].split(" computed")[0])
    assert computed == 6 - killed_after[-1]  # only unfinished cells were run again
    final = sorted((read_json(p) for p in cells.glob("*.json")), key=lambda r: r["cell_id"])
    assert len(final) == 6 and len({r["cell_id"] for r in final}) == 6
    assert [_stable(r) for r in final] == sorted((_stable(r) for r in reference), key=lambda r: r["cell_id"])


def test_records_carry_key_parts_common_items_and_the_timing_schema(tiny_corpus: Path, tmp_path: Path) -> None:
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    records = run_suite(suite, results_dir=tmp_path / "results", progress=False)
    data = load_corpus_data(str(tiny_corpus.parent), None)
    for cell, r in zip(suite.cells, records, strict=True):
        assert r["key_parts"] == key_parts(cell, data, 0)
        assert r["key"] == cell_key(cell, data, 0)
        t = r["timing"]
        assert t["serving_batch_size"] == 32 and t["latency_ms"]["repeats"] == 3
        assert t["latency_ms"]["n_queries"] == 8  # the fast tests' plan (conftest); the default is 64
        assert t["predict_seconds_per_query_spread"][0] <= t["predict_seconds_per_query"]
        assert set(t["load"]) >= {"before", "after", "cpus", "overloaded"}
        assert r["memory"]["peak_rss_mb"] >= r["memory"]["process_start_rss_mb"]
    assert len({tuple(r["test_items"]) for r in records}) == 1  # every cell scored on the same items


def test_stale_cache_is_recomputed_and_says_why(
    tiny_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    suite_path = _suite(tmp_path, tiny_corpus)
    results = tmp_path / "results"
    run_suite(read_suite(str(suite_path)), results_dir=results, progress=False)
    # a record filed under the right key but made from other inputs is not trusted
    victim = sorted((tmp_path / "cache" / "cells").glob("*.json"))[0]
    tampered = read_json(victim)
    tampered["key_parts"]["options"]["k"] = 99
    write_json(victim, tampered)
    # and a changed option recomputes its cells, naming the change
    suite_path.write_text(suite_path.read_text().replace("k = 3", "k = 4"))
    with caplog.at_level("INFO", logger="ragorft"):
        again = run_suite(read_suite(str(suite_path)), results_dir=results, progress=True)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("ragorft.")]
    assert sum("options.k 3 -> 4" in m for m in lines) == 6, lines
    assert all(r["options"]["k"] == 4 for r in again)
    assert any("6 computed" in m for m in lines)
    progress = [m for m in lines if m.startswith("[")]
    assert len(progress) == 6 and progress[0].startswith("[1/6] tiny/rag/") and "ETA" in progress[0]
    suite_path.write_text(suite_path.read_text().replace("k = 4", "k = 3"))
    with caplog.at_level("WARNING", logger="ragorft"):
        run_suite(read_suite(str(suite_path)), results_dir=results, progress=False)
    assert any(str(victim) in m and "options.k 99 -> 3" in m for m in caplog.messages)
