"""Command-line values checked where they are parsed: finite numbers in range, one-line errors.

argparse's ``type=float`` accepts ``nan`` and ``inf``, and a negative tolerance or an alpha of 7
would quietly change what a gate means; these types refuse them while the flags are parsed,
before any work starts.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}".replace("\n", " "), file=sys.stderr)
        raise SystemExit(2)


def number(
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type``: a finite number (an integer when ``integer``) within [lo, hi]."""

    def parse(text: str) -> float:
        try:
            value: float = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if integer else 'a number'}, got {text!r}"
            ) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if lo is not None and (value < lo or (lo_open and value == lo)):
            raise argparse.ArgumentTypeError(f"must be {'>' if lo_open else '>='} {lo:g}, got {text!r}")
        if hi is not None and (value > hi or (hi_open and value == hi)):
            raise argparse.ArgumentTypeError(f"must be {'<' if hi_open else '<='} {hi:g}, got {text!r}")
        return value

    parse.__name__ = "integer" if integer else "number"  # argparse names the type in its message
    return parse


def name(text: str) -> str:
    """An argparse ``type`` for a suite name joined into a results path: an identifier, never a path."""
    from ragorft.benchmarks.core.names import NAME_PATTERN, is_name

    if not is_name(text):
        raise argparse.ArgumentTypeError(f"must match {NAME_PATTERN} (a suite name, not a path), got {text!r}")
    return text
