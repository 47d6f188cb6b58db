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


def settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings to add to ``environ`` (values the user already set win)."""
    environ = os.environ if environ is None else environ
    raw = tomllib.loads(ENV_FILE.read_text(encoding="utf-8"))
    wanted = dict(raw["defaults"])
    if environ.get("RAGORFT_ALLOW_HUB") != "1":
        wanted |= raw["offline"]
    return {k: v for k, v in wanted.items() if k not in environ}


def apply(environ: MutableMapping[str, str] | None = None) -> None:
    """Set every missing setting in ``environ`` (default: this process's environment)."""
    environ = os.environ if environ is None else environ
    environ.update(settings(environ))


def forwarded(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a worker process needs to behave like this one: the list's settings and ragorft's own."""
    environ = os.environ if environ is None else environ
    raw = tomllib.loads(ENV_FILE.read_text(encoding="utf-8"))
    names = [*raw["defaults"], *raw["offline"], *raw["passthrough"]["names"]]
    return {k: environ[k] for k in names if k in environ}
