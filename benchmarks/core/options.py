"""Declared ranges for strategy options, checked when a suite is read.

An option dataclass field says what it accepts (``option(10, ge=1)``, ``option("a", choices=...)``)
next to its default, and ``Strategy.parse_options`` checks every value against it. Why declared
and not checked in ``fit``: a ``k = 0`` or ``weighting = "cubic"`` found after the model loaded
(or an hour into a suite) wastes the run; found at suite read it costs nothing.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError


def option(
    default: Any,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: Sequence[Any] | None = None,
    pattern: str | None = None,
) -> Any:
    """A dataclass field with ``default`` and the range, choices or pattern its values must match."""
    given = {"ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices, "pattern": pattern}
    limits = {k: v for k, v in given.items() if v is not None}
    return dataclasses.field(default=default, metadata={"ragorft": limits})


_TESTS = {
    "ge": (lambda v, lim: v >= lim, ">="),
    "gt": (lambda v, lim: v > lim, ">"),
    "le": (lambda v, lim: v <= lim, "<="),
    "lt": (lambda v, lim: v < lim, "<"),
}


def check_value(field: dataclasses.Field, value: Any, owner: str, where: str | None) -> None:
    """Refuse a non-finite number, or a value outside the field's declared range or choices."""
    if isinstance(value, float) and not math.isfinite(value):
        raise RagorftError(f"option '{field.name}' of '{owner}' must be finite, got {value!r}", path=where)
    limits = field.metadata.get("ragorft", {})
    choices = limits.get("choices")
    if choices is not None and value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise RagorftError(f"option '{field.name}' of '{owner}' must be one of {allowed}, got {value!r}", path=where)
    pattern = limits.get("pattern")
    if pattern is not None and isinstance(value, str) and not re.fullmatch(pattern, value):
        raise RagorftError(f"option '{field.name}' of '{owner}' must match {pattern}, got {value!r}", path=where)
    for key, (ok, sign) in _TESTS.items():
        if key in limits and isinstance(value, int | float) and not ok(value, limits[key]):
            raise RagorftError(
                f"option '{field.name}' of '{owner}' must be {sign} {limits[key]:g}, got {value!r}", path=where
            )
