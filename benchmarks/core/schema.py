"""One way to validate anything ragorft reads: pydantic v2 models with ``extra="forbid"``.

Every file a user or a third party writes (suites, corpus cards, requirements, prices, the model
registry, cell records, strategy options) is read through :func:`validate`, so a bad value ends
the same way everywhere: one :class:`RagorftError` line naming the file and the field, exit 2.
Why one base class: a misspelt key must be an error, not a silently ignored setting, and a
hand-written checker per file drifts from the data it checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from ragorft.benchmarks.core.errors import RagorftError

__all__ = ["Schema", "validate", "validate_as", "first_error"]

M = TypeVar("M", bound=BaseModel)


class Schema(BaseModel):
    """Base of every schema: unknown keys refused, numbers never silently coerced from strings."""

    model_config = ConfigDict(extra="forbid", strict=False, validate_default=True, allow_inf_nan=False)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(value: Any, limit: int = 200) -> str:
    """The offending value as the line shows it: whole when short, cut when it is a whole record."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def first_error(exc: ValidationError, prefix: str = "") -> str:
    """The first error of ``exc`` as ``field: message (got value)``, one line."""
    err = exc.errors(include_url=False)[0]
    loc = _loc(tuple(err.get("loc", ())))
    where = ".".join(p for p in (prefix, loc) if p)
    msg = err.get("msg", "invalid value")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    if not loc and err.get("type") == "value_error":  # a check over the whole object names its own field
        return f"{prefix + ': ' if prefix else ''}{msg.removeprefix('Value error, ')}"
    shown = "" if err.get("type") in ("missing",) else f" (got {_short(err.get('input'))})"
    more = len(exc.errors()) - 1
    tail = f"; +{more} more" if more > 0 else ""
    return f"{where or 'value'}: {msg}{shown}{tail}"


def validate(model: type[M], data: Any, *, path: str | Path | None = None, prefix: str = "") -> M:
    """``model`` from ``data``, or one line naming ``path`` and the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RagorftError(first_error(exc, prefix), path=path) from None


def validate_as(tp: Any, data: Any, *, path: str | Path | None = None, prefix: str = "") -> Any:
    """Like :func:`validate` for any type pydantic understands (``list[Model]``, ``dict[str, Model]``)."""
    try:
        return TypeAdapter(tp).validate_python(data)
    except ValidationError as exc:
        raise RagorftError(first_error(exc, prefix), path=path) from None
