"""Names that become parts of paths: corpus, run and suite names from cards and suites.

A name from a card or a suite is joined into the data mirror, the download cache, the results
folder and a record's file name. A third-party card is untrusted input, so a name is an
identifier, not a path: lowercase letters, digits, ``_``, ``.`` and ``-``, starting with a letter
or digit, at most 64 characters. That excludes ``/``, ``\\``, ``..`` as a whole name, leading dots
(hidden files), whitespace, NUL and anything a filesystem or a shell treats specially, and it
keeps file names the same on case-insensitive filesystems. Every path built from a name is still
checked to stay inside its root (:func:`ragorft.benchmarks.core.paths.inside`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ragorft.benchmarks.core.errors import RagorftError

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)


def is_name(value: object) -> bool:
    """True for a string that matches :data:`NAME_PATTERN` (``re.fullmatch``: no trailing newline)."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def check_name(value: object, what: str, *, path: str | Path | None = None) -> str:
    """``value`` when it is an identifier; otherwise one line naming the file and the rule."""
    if not is_name(value):
        raise RagorftError(
            f"{what} must match {NAME_PATTERN} (lowercase letters, digits, '_', '.', '-'), got {value!r}", path=path
        )
    return value  # type: ignore[return-value]
