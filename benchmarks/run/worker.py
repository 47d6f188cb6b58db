"""The body of a fresh cell process: measure where it starts, compute one cell, send the record back.

Why a process per cell: peak memory is a process's, so a cell sharing a process inherits what
earlier cells loaded (smollm2-qlora once started at 4,990 MiB and reported a higher peak than
LoRA). This module imports nothing heavy at the top, so ``process_start_mb`` is the interpreter
and this module, not torch; the cell's own imports count towards its increase.

The process exits when its parent dies (a killed run must not leave orphans computing cells
nobody will record) and on Ctrl-C without a traceback: the parent reports the interruption.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from typing import Any

import psutil


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def main(payload: str, conn: Any, parent: int) -> None:
    """Run the run/job.Job given as JSON and send ``("ok", record)`` or ``("error", kind, text)``."""
    started = time.perf_counter()
    start_mb = psutil.Process().memory_info().rss / 2**20
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    try:
        from ragorft.benchmarks.core import env

        env.apply()
        from ragorft.benchmarks.core.errors import RagorftError
        from ragorft.benchmarks.core.log import configure, quiet_libraries
        from ragorft.benchmarks.run.job import Job, compute

        job = Job.from_json(payload)
        configure(debug=job.debug)
        quiet_libraries(job.debug)

        try:
            conn.send(("ok", compute(job, process_start_mb=start_mb, started=started)))
        except RagorftError as exc:
            conn.send(("error", "ragorft", str(exc)))
    except KeyboardInterrupt:
        os._exit(130)
    except BaseException:  # noqa: BLE001 - any failure goes back to the parent, whole
        conn.send(("error", "bug", traceback.format_exc()))
    finally:
        conn.close()
