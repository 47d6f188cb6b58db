"""The Ray executor gives the local executor's records, and survives a worker killed mid-cell."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil
import pytest
from ragorft.benchmarks.run.runner import run_suite
from ragorft.benchmarks.run.suite import read_suite

from tests.helpers.runs import stable as _stable
from tests.helpers.runs import suite_file as _suite

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_and_local_give_identical_records(tiny_corpus: Path, tmp_path: Path, local_ray: None) -> None:
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    local = run_suite(suite, results_dir=tmp_path / "local", cache_dir=tmp_path / "c1", progress=False)
    remote = run_suite(suite, results_dir=tmp_path / "ray", cache_dir=tmp_path / "c2", progress=False, executor="ray")
    assert [_stable(r) for r in remote] == [_stable(r) for r in local]


def _kill_first_cell_worker(stop: threading.Event, killed: list[int]) -> None:
    """Ray titles a busy worker `ray::<task name>` (ours: `ray::ragorft:<cell>`): kill the first, once."""
    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            if cmd.startswith("ray::ragorft:"):
                time.sleep(0.5)  # let it get into the cell
                proc.kill()
                killed.append(proc.info["pid"])
                return
        time.sleep(0.05)


def test_killed_worker_is_retried_and_recorded_once(tiny_corpus: Path, tmp_path: Path, local_ray: None) -> None:
    suite = read_suite(str(_suite(tmp_path, tiny_corpus)))
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_first_cell_worker, args=(stop, killed))
    killer.start()
    try:
        records = run_suite(suite, results_dir=tmp_path / "r", progress=False, executor="ray")
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray worker was seen running a cell"
    assert len(records) == 6 and len({r["cell_id"] for r in records}) == 6
    assert len(list((tmp_path / "r" / "t" / "cells").glob("*.json"))) == 6
    reference = run_suite(suite, results_dir=tmp_path / "ref", cache_dir=tmp_path / "refc", progress=False)
    assert [_stable(r) for r in records] == [_stable(r) for r in reference]
