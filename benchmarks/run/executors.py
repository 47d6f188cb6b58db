"""Where cells run: a fresh process per cell (``local``, the default), this process (``inline``),
or Ray tasks on a local or existing cluster.

Every executor calls the same :func:`compute` on the same :class:`Job`, and only the driver
writes results records, as results come back (a worker writes only the cell's cache entry, under
the cell's lock); so the records are the same whichever executor ran them (apart from timings and
memory), a retried task cannot record a cell twice, and a killed run resumes from the cache
either way.

``local`` spawns one process per cell (``multiprocessing`` spawn context, see run/worker.py) so
each cell's peak memory is its own. ``inline`` shares this process: for tests where the process
boundary is not what is tested, and for debugging; ``RAGORFT_INLINE_CELLS=1`` makes ``local``
inline too (the test suite sets it; its records say ``memory.own_process = false``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from typing import Any

import psutil
from ragorft import strategies
from ragorft.benchmarks.core import env
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.run.cellspec import Cell
from ragorft.benchmarks.run.job import Job, compute
from ragorft.benchmarks.run.measure import cell_threads

EXECUTORS = ("local", "inline", "ray")
INLINE_ENV = "RAGORFT_INLINE_CELLS"
log = get_logger(__name__)


def declared_memory_mb(cell: Cell) -> int:
    return strategies.get(cell.strategy).peak_memory_mb


def _check_memory(job: Job) -> None:
    need = declared_memory_mb(job.cell)
    free = psutil.virtual_memory().available / 2**20
    if need > free:
        log.warning(f"{job.cell.id}: declares {need} MiB peak, {free:.0f} MiB available; running anyway")


class InlineExecutor:
    """One cell at a time in this process (its memory includes what earlier cells left)."""

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
        for job in jobs:
            _check_memory(job)
            yield job, compute(job)


class LocalExecutor:
    """One cell at a time, each in a fresh spawned process: its peak memory is its own."""

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
        for job in jobs:
            _check_memory(job)
            yield job, self.run_one(job)

    @staticmethod
    def run_one(job: Job) -> dict[str, Any]:
        from ragorft.benchmarks.run import worker

        ctx = multiprocessing.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        # the job goes as JSON, so the child measures its starting memory before loading any of it
        payload = job.to_json()
        proc = ctx.Process(target=worker.main, args=(payload, send, os.getpid()), name=f"ragorft:{job.cell.id}")
        proc.start()
        send.close()
        try:
            message = receive.recv()
        except EOFError:
            proc.join()
            raise RuntimeError(
                f"{job.cell.id}: the cell's process died (exit code {proc.exitcode}; killed, or out of memory?)"
            ) from None
        except BaseException:  # Ctrl-C: the child got it too; make sure it is gone, then stop
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
            raise
        finally:
            receive.close()
        proc.join()
        if message[0] == "ok":
            return message[1]
        if message[1] == "ragorft":
            raise RagorftError(message[2])
        raise RuntimeError(f"{job.cell.id} failed in its process:\n{message[2]}")


class RayExecutor:
    """Every cell a Ray task with the CPUs, GPUs and memory its strategy declares.

    Ray's scheduler never places more tasks on a node than its memory resource holds, so a grid
    cannot oversubscribe a machine. A task whose worker dies is retried (``max_retries``); the
    driver records each cell once, when its result arrives.
    """

    def __init__(self, address: str | None = None, max_retries: int = 3):
        try:
            import ray
        except ImportError:
            raise RagorftError("the Ray executor needs ray: pip install 'ragorft[ray]'") from None
        self.ray = ray
        self.max_retries = max_retries
        if not ray.is_initialized():
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                runtime_env={"env_vars": env.forwarded()},
            )
        self.has_gpu = ray.cluster_resources().get("GPU", 0) > 0

    def _options(self, cell: Cell, measured_peak_mb: float = 0.0) -> dict[str, Any]:
        """Ray resources: the larger of the declared peak and 1.2 x the last measured one."""
        cls = strategies.get(cell.strategy)
        return {
            "num_cpus": max(cls.cpus, cell_threads()),  # the torch threads the cell really runs
            "num_gpus": 1 if self.has_gpu and "cuda" in cls.devices else 0,
            "memory": int(max(cls.peak_memory_mb, 1.2 * measured_peak_mb) * 2**20),
            "max_retries": self.max_retries,
            "retry_exceptions": False,  # a bug or bad input fails once, clearly; a dead worker retries
            "name": f"ragorft:{cell.id}",
        }

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict[str, Any]]]:
        remote = self.ray.remote(compute)
        pending = {remote.options(**self._options(job.cell, job.measured_peak_mb)).remote(job): job for job in jobs}
        while pending:
            done, _ = self.ray.wait(list(pending), num_returns=1)
            ref = done[0]
            job = pending.pop(ref)
            try:
                yield job, self.ray.get(ref)
            except self.ray.exceptions.RayTaskError as exc:
                cause = exc.as_instanceof_cause()
                if isinstance(cause, RagorftError):
                    raise RagorftError(str(cause)) from None
                raise


def make_executor(name: str, address: str | None = None) -> LocalExecutor | InlineExecutor | RayExecutor:
    if name == "inline" or (name == "local" and os.environ.get(INLINE_ENV) == "1"):
        return InlineExecutor()
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(address)
    raise RagorftError(f"unknown executor '{name}' (known: {', '.join(EXECUTORS)})")
