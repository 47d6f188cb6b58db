"""Cross-process locks, so two runs sharing one cache compute each cell once.

Two ``ragorft bench`` processes (or Ray workers on a shared filesystem) that start on the same
cache would otherwise both find a cell missing and both compute it. A lock file beside the
cell's cached record serialises them: the second waits, then finds the first's record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock
from ragorft.benchmarks.core.errors import RagorftError


@contextmanager
def held(path: str | Path) -> Iterator[None]:
    """Hold ``<path>.lock`` for the duration (blocking); the lock file itself is left in place.

    Left in place because deleting a lock file another process is waiting on lets a third
    process lock a fresh inode at the same path: two holders at once.
    """
    lock_path = Path(f"{path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path)
        lock.acquire()
    except OSError as exc:
        raise RagorftError(f"cannot lock: {exc.strerror or exc}", path=lock_path) from exc
    try:
        yield
    finally:
        lock.release()
