"""Issue 19, end to end through the CLI: every bad input, flag or filesystem failure is one line and
exit 2 before work starts (or, for a full disk, with nothing computed lost); a card given by path
keeps its costs and references; concurrent runs on one cache compute each cell once.

Real cells: the tiny corpus and the real ``rag`` strategy with its embedding model.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import read_json, write_json
from ragorft.benchmarks.run import job as cell_job

from tests.helpers.cellrecord import cell_record

ONE_CELL = """
name = "h"
corpora = ["{card}"]
budgets = ["full"]

[[run]]
strategy = "rag"
options = {{ k = 3 }}
"""


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _suite(tmp_path: Path, card: Path, text: str = ONE_CELL) -> Path:
    path = tmp_path / "h.toml"
    path.write_text(text.format(card=card.parent))
    return path


def _bench(capsys: pytest.CaptureFixture, suite: Path, results: Path, *extra: str) -> tuple[int, str, str]:
    return _run(capsys, "bench", "--suite", str(suite), "--results-dir", str(results), "--no-progress", *extra)


def _one_line(err: str) -> None:
    """One error line, last on stderr (a model's loading bar may precede it), and no traceback."""
    last = err.rstrip("\n").split("\n")[-1].split("\r")[-1]
    assert last.startswith("ragorft: error: ") and err.count("ragorft: error") == 1 and "Traceback" not in err, err


def test_a_run_name_escaping_the_results_folder_is_refused(tmp_path: Path, capsys, tiny_corpus: Path) -> None:
    text = ONE_CELL.replace('strategy = "rag"', 'strategy = "rag"\nname = "x/../../ESCAPED"')
    code, _, err = _bench(capsys, _suite(tmp_path, tiny_corpus, text), tmp_path / "r" / "results")
    assert code == 2 and "run name must match" in err
    _one_line(err)
    assert not list(tmp_path.rglob("ESCAPED*")) and not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('train = "train.csv"', "train = 5", "splits.train: must be a file name"),
        (
            "[splits]",
            '[costs]\nmonthly_queries = "abc"\n\n[splits]',
            "costs.monthly_queries: Input should be a valid number",
        ),
        ('path = "train.csv"', 'path = "train.csv"\nurl = 5', "files[0].url: Input should be a valid string (got 5)"),
        (
            'path = "train.csv"',
            'path = "train.csv"\nurl = "file:///etc/passwd"',
            "files[0].url: must be an https:// URL",
        ),
        ('name = "tiny"', 'name = "/etc"', "name: corpus name must match"),
    ],
)
def test_bad_card_fields_are_one_line_exit_2(capsys, tiny_corpus: Path, old: str, new: str, message: str) -> None:
    tiny_corpus.write_text(tiny_corpus.read_text().replace(old, new, 1))
    code, _, err = _run(capsys, "corpus", "validate", str(tiny_corpus.parent))
    assert code == 2 and message in err and str(tiny_corpus) in err
    _one_line(err)


@pytest.mark.parametrize(
    "argv",
    [
        ["tools.bench_adapters", "--epochs", "0"],
        ["bench", "--timed-queries", "3"],
        ["tools.bench_adapters", "--max-test-items", "-5"],
        ["tools.bench_adapters", "--budget", "ten"],
        ["tools.bench_adapters", "--seed", "1e9"],
        ["recommend", "--monthly-queries", "nan"],
        ["compare", "a", "b", "--tolerance", "inf"],
    ],
)
def test_numeric_flags_are_one_line_exit_2(capsys, argv: list[str]) -> None:
    from tools import bench_adapters  # a benchmark run from the checkout, not a `ragorft` command

    run = bench_adapters.main if argv[0] == "tools.bench_adapters" else main
    try:
        code = run(argv[1:] if run is bench_adapters.main else argv)
    except SystemExit as exc:  # argparse refuses it while parsing
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "error:" in err, err


def _unwritable(tmp_path: Path) -> Path:
    """A results folder this process cannot write: read-only by mode, or (as root) on sysfs."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root ignores the mode bits
        return Path("/sys/ragorft-results")
    return folder


def test_read_only_results_folder_fails_before_any_cell(tmp_path: Path, capsys, tiny_corpus: Path) -> None:
    results = _unwritable(tmp_path)
    code, _, err = _bench(capsys, _suite(tmp_path, tiny_corpus), results)
    assert code == 2 and str(results) in err and "cannot write" in err
    _one_line(err)
    assert not list((tmp_path / "cache").rglob("*.json"))  # nothing was computed


def test_full_disk_is_one_line_naming_the_file_and_loses_no_computed_cell(
    tmp_path: Path, capsys, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "results"
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the results disk is full; the cache's disk is not
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(results)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    suite = _suite(tmp_path, tiny_corpus)
    code, _, err = _bench(capsys, suite, results)
    assert code == 2 and "No space left on device" in err and str(results / "h" / "cells") in err
    _one_line(err)
    cached = list((tmp_path / "cache" / "cells").glob("*.json"))
    assert len(cached) == 1  # the computed cell is kept
    mtime = cached[0].stat().st_mtime_ns
    monkeypatch.setattr(os, "fsync", real_fsync)
    code, _, err = _bench(capsys, suite, results)
    assert code == 0, err
    assert cached[0].stat().st_mtime_ns == mtime  # taken from the cache, not computed again
    assert read_json(results / "h" / "cells" / "tiny__rag__full__seed0.json")["cell_id"] == "tiny/rag/full/seed0"


def test_cached_record_with_valid_checksum_but_wrong_shape_is_recomputed_not_copied(
    tmp_path: Path, capsys, tiny_corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    suite, results = _suite(tmp_path, tiny_corpus), tmp_path / "results"
    assert _bench(capsys, suite, results)[0] == 0
    (victim,) = (tmp_path / "cache" / "cells").glob("*.json")
    good = read_json(victim)
    write_json(victim, good | {"predictions": "not a list"})  # checksum valid, shape wrong
    with caplog.at_level("WARNING", logger="ragorft"):
        assert _bench(capsys, suite, results)[0] == 0
    assert any(str(victim) in r.getMessage() and "predictions: " in r.getMessage() for r in caplog.records)
    copied = read_json(results / "h" / "cells" / "tiny__rag__full__seed0.json")
    assert copied["predictions"] == good["predictions"]  # recomputed, the bad one never reached results
    assert read_json(victim)["predictions"] == good["predictions"]
    code, _, err = _run(capsys, "report", "--suite", "h", "--results-dir", str(results))
    assert code == 0, err


def test_concurrent_runs_on_one_cache_compute_each_cell_once(
    tmp_path: Path, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ragorft.benchmarks.run.runner import run_suite
    from ragorft.benchmarks.run.suite import read_suite

    calls: list[str] = []
    real = cell_job.run_cell

    def counted(cell, *args, **kwargs):  # the real run_cell, counted
        calls.append(cell.id)
        return real(cell, *args, **kwargs)

    monkeypatch.setattr(cell_job, "run_cell", counted)
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    out: dict[str, list] = {}
    threads = [
        threading.Thread(
            target=lambda n=n: out.setdefault(n, run_suite(suite, results_dir=tmp_path / n, progress=False))
        )
        for n in ("a", "b")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["tiny/rag/full/seed0"]  # one computation for two runs
    assert out["a"][0]["predictions"] == out["b"][0]["predictions"]
    for n in ("a", "b"):
        assert read_json(tmp_path / n / "h" / "cells" / "tiny__rag__full__seed0.json")["suite"] == "h"


def test_a_card_given_by_path_keeps_its_costs_and_references(tmp_path: Path, capsys, tiny_corpus: Path) -> None:
    """Issue 19: recommend priced 1,000 queries/month as 1,000,000 ('no corpus card') for a card by path."""
    tiny_corpus.write_text(
        tiny_corpus.read_text()
        + "\n[costs]\nmonthly_queries = 1000\n\n"
        + '[[references]]\nsystem = "Paper-Net"\naccuracy = 0.5\nsource = "X 2020"\n'
    )
    suite, results = _suite(tmp_path, tiny_corpus), tmp_path / "results"
    assert _bench(capsys, suite, results)[0] == 0
    record = read_json(results / "h" / "cells" / "tiny__rag__full__seed0.json")
    assert record["corpus_source"] == str(tiny_corpus.resolve())
    code, out, err = _run(capsys, "recommend", "--suite", str(suite), "--results-dir", str(results))
    assert code == 0, err
    assert "1,000 queries/month" in out and "from the tiny corpus card" in out
    assert "Paper-Net" in (results / "h" / "REPORT.md").read_text()
    summary = (results / "h" / "summary.csv").read_text()
    assert ",1000.0," in summary or ",1000," in summary


def test_results_record_with_valid_checksum_but_wrong_shape_is_one_line(tmp_path: Path, capsys) -> None:
    """``report`` and ``recommend`` crashed on it; now it is refused naming the file (exit 2)."""
    bad = tmp_path / "results" / "h" / "cells" / "tiny__rag__full__seed0.json"
    good = cell_record("tiny/rag/full/seed0", ["a", "b"], ["a", "b"])
    bad_metrics = {"accuracy": "1.0", "accuracy_ci": [1.0, 1.0]}  # a string where a number belongs
    write_json(bad, good | {"metrics": bad_metrics, "metrics_code": "x"})
    code, _, err = _run(capsys, "report", "--suite", "h", "--results-dir", str(tmp_path / "results"))
    assert code == 2 and str(bad) in err and "metrics.accuracy: Input should be a valid number (got '1.0')" in err
    _one_line(err)


@pytest.mark.parametrize("command", ["table", "report"])  # recommend reads --suite as a suite file or name
def test_a_suite_name_on_the_command_line_is_not_a_path(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exc:  # refused by argparse while parsing, before any path is built
        main([command, "--suite", "../../etc", "--results-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.count("\n") == 1 and "a suite name, not a path" in err


def test_timed_queries_flag_sizes_the_timing_sample_and_keys_the_cell(
    tmp_path: Path, capsys, tiny_corpus: Path
) -> None:
    """A smaller timing sample for slow generative suites: recorded, and a different cache key."""
    suite, results = _suite(tmp_path, tiny_corpus), tmp_path / "results"
    assert _bench(capsys, suite, results)[0] == 0  # conftest's 8
    record = results / "h" / "cells" / "tiny__rag__full__seed0.json"
    first = read_json(record)
    assert first["timing"]["latency_ms"]["n_queries"] == 8
    code, _, err = _bench(capsys, suite, results, "--timed-queries", "12")
    assert code == 0, err
    second = read_json(record)
    assert second["timing"]["latency_ms"]["n_queries"] == 12
    assert second["key_parts"]["timing_plan"]["queries"] == 12 and second["key"] != first["key"]
    assert second["predictions"] == first["predictions"]  # the timing changes, the answers do not
