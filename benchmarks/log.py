"""Messages for the person running a benchmark: stderr, one line each, never mixed into results."""

from __future__ import annotations

import sys


def info(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr, flush=True)
