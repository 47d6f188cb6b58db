"""The one TOML reader: an unreadable or malformed file is a one-line error naming the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RagorftError("no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RagorftError(f"cannot read: {exc}", path=path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RagorftError(f"invalid TOML: {exc}", path=path) from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise RagorftError("invalid TOML: nested too deeply", path=path) from None
