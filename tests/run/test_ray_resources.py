"""Ray reserves what a cell really uses: its torch threads, and the larger of declared and measured peak.

A grid once declared 3,000 MiB for cells that peaked at 6.1 GB and 1 CPU for torch running two
threads, so Ray packed cells that then fought for memory and cores. This needs no Ray cluster:
the reservation is computed before anything is submitted.
"""

from __future__ import annotations

import pytest
from ragorft import strategies
from ragorft.benchmarks.run import executors
from ragorft.benchmarks.run.suite import Cell


def _executor(has_gpu: bool = False) -> executors.RayExecutor:
    ex = object.__new__(executors.RayExecutor)  # skip __init__: it starts Ray
    ex.has_gpu, ex.max_retries = has_gpu, 3
    return ex


def _cell(strategy: str) -> Cell:
    return Cell(corpus="c", run=strategy, strategy=strategy, options={}, budget=10, seed=0, max_test_items=0)


@pytest.mark.parametrize("strategy", ["rag", "lora"])
def test_reservation_covers_threads_and_the_measured_peak(strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGORFT_TORCH_THREADS", "2")
    monkeypatch.setattr(executors, "cell_threads", lambda: 2)
    declared = strategies.get(strategy).peak_memory_mb
    first = _executor()._options(_cell(strategy))
    assert first["num_cpus"] == 2 and first["memory"] == declared * 2**20 and first["num_gpus"] == 0
    # a measured peak far above the declaration (from the cell's last record) wins, with headroom
    grown = _executor()._options(_cell(strategy), measured_peak_mb=declared * 3.0)
    assert grown["memory"] == int(declared * 3.0 * 1.2 * 2**20)
    assert grown["name"] == f"ragorft:{_cell(strategy).id}"
