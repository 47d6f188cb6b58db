"""The process boundary itself: with the local executor each cell runs in a fresh process.

The rest of the fast suite runs cells inline (conftest sets RAGORFT_INLINE_CELLS=1, since a fresh
process costs seconds of imports per cell); these tests unset it. One fast test of the boundary;
Ctrl-C and a killed parent are slow (each spawns processes that import torch).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.run.executors import INLINE_ENV, LocalExecutor, make_executor
from ragorft.benchmarks.run.runner import run_suite
from ragorft.benchmarks.run.suite import read_suite

from tests.helpers.runs import stable

SUITE = """
name = "iso"
corpora = ["{card}"]
budgets = [2]
seeds = [0, 1]

[[run]]
strategy = "rag"
options = {{ k = 3 }}
"""


def _suite(tmp_path: Path, card: Path, budgets: str = "[2]") -> Path:
    path = tmp_path / "iso.toml"
    path.write_text(SUITE.format(card=card.parent).replace("budgets = [2]", f"budgets = {budgets}"))
    return path


def test_each_cell_runs_in_its_own_fresh_process(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(INLINE_ENV)
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    assert isinstance(make_executor("local"), LocalExecutor)
    records = run_suite(suite, results_dir=tmp_path / "r", cache_dir=tmp_path / "c1", progress=False)
    pids = {r["provenance"]["pid"] for r in records}
    assert len(pids) == 2 and os.getpid() not in pids
    for r in records:
        mem = r["memory"]
        assert mem["own_process"] is True
        # the start is a bare interpreter: the cell's own imports (torch, the model) are its increase
        assert mem["process_start_rss_mb"] < 100 < mem["peak_increase_mb"]
        assert mem["peak_increase_mb"] == pytest.approx(mem["peak_rss_mb"] - mem["process_start_rss_mb"], abs=0.2)
        # the cell's whole cost from its process's start: its imports and loading come on top of its parts
        t = r["timing"]
        assert t["cell_seconds"] > t["train_seconds"] + t["scoring_seconds"]
    monkeypatch.setenv(INLINE_ENV, "1")
    inline = run_suite(suite, results_dir=tmp_path / "i", cache_dir=tmp_path / "c2", progress=False)
    assert [stable(r) for r in inline] == [stable(r) for r in records]
    assert all(r["memory"]["own_process"] is False for r in inline)


@pytest.mark.slow
def test_a_bad_cell_fails_with_its_one_line_error(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A RagorftError raised in the cell's process comes back as a RagorftError, not a traceback."""
    monkeypatch.delenv(INLINE_ENV)
    suite = _suite(tmp_path, tiny_corpus)
    suite.write_text(suite.read_text().replace("k = 3", 'k = 3, embedding_model = "no-such-model"'))
    with pytest.raises(RagorftError, match="unknown model 'no-such-model'"):
        run_suite(read_suite(str(suite)), results_dir=tmp_path / "r", progress=False)


def _bench(suite: Path, results: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != INLINE_ENV}
    cmd = [sys.executable, "-m", "ragorft.benchmarks.commands.cli", "bench", "--suite", str(suite)]
    return subprocess.Popen(
        [*cmd, "--results-dir", str(results), "--no-progress", "--timed-queries", "8"],  # conftest's, not inherited
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def _cell_process(proc: subprocess.Popen, timeout: float = 120) -> psutil.Process:
    deadline = time.time() + timeout
    while time.time() < deadline:
        children = psutil.Process(proc.pid).children()
        if children:
            time.sleep(1.0)  # let it get into the cell
            return children[0]
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.05)
    raise AssertionError("no cell process started")


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_kill_leaves_no_orphan(tiny_corpus: Path, tmp_path: Path) -> None:
    suite = _suite(tmp_path, tiny_corpus, budgets='[2, 4, "full"]')
    proc = _bench(suite, tmp_path / "r")
    child = _cell_process(proc)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE

    proc = _bench(suite, tmp_path / "r")
    child = _cell_process(proc)
    proc.kill()  # SIGKILL to the run only: its cell process must notice and exit
    proc.wait()
    child.wait(timeout=10)
