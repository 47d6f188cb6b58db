"""The environment ragorft runs in: offline and telemetry-free unless the user says otherwise.

One list (``env.toml`` beside this file) serves the CLI, the tests, nox and the Ray workers, so a
setting added for one cannot be missing from another (the Ray workers once lacked two).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, MutableMapping
from pathlib import Path

ENV_FILE = Path(__file__).with_name("env.toml")


#: the thread pools of the BLAS and OpenMP libraries numpy, scipy and scikit-learn load: set before
#: they load (the CLI applies this first), they take the cell's thread count instead of every core
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings to add to ``environ`` (values the user already set win)."""
    environ = os.environ if environ is None else environ
    raw = tomllib.loads(ENV_FILE.read_text(encoding="utf-8"))
    wanted = dict(raw["defaults"])
    if environ.get("RAGORFT_ALLOW_HUB") != "1":
        wanted |= raw["offline"]
    wanted |= dict.fromkeys(THREAD_VARS, str(threads(environ)))
    return {k: v for k, v in wanted.items() if k not in environ}


def apply(environ: MutableMapping[str, str] | None = None) -> None:
    """Set every missing setting in ``environ`` (default: this process's environment)."""
    environ = os.environ if environ is None else environ
    environ.update(settings(environ))


def forwarded(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a worker process needs to behave like this one: the list's settings and ragorft's own."""
    environ = os.environ if environ is None else environ
    raw = tomllib.loads(ENV_FILE.read_text(encoding="utf-8"))
    names = [*raw["defaults"], *raw["offline"], *raw["passthrough"]["names"], *THREAD_VARS]
    return {k: environ[k] for k in names if k in environ}


def cpus() -> int:
    """CPUs this process may run on (the affinity mask, which a container or taskset narrows)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads(environ: Mapping[str, str] | None = None) -> int:
    """The CPU threads a cell computes with (torch, BLAS, OpenMP, ctranslate2): $RAGORFT_TORCH_THREADS
    (default 2), at most this process's CPUs. One number for every library and strategy: their
    timings stay comparable, and float sums whose order follows the thread count come out the
    same on any machine with the same number (it is part of every cell's key)."""
    environ = os.environ if environ is None else environ
    return max(1, min(int(environ.get("RAGORFT_TORCH_THREADS", "2")), cpus()))
