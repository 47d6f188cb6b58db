"""One exception type for every user-facing failure.

The CLI turns a :class:`RagorftError` into one line on stderr and exit status 2, so that
bad input never ends in a traceback (unless ``--debug``) and never in a silently wrong number.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class RagorftError(Exception):
    """A problem the user can fix: names the file (and row or line) where it is."""

    def __init__(self, message: str, *, path: str | Path | None = None, where: str | None = None):
        self.path = str(path) if path is not None else None
        self.where = where
        super().__init__(message)

    def __str__(self) -> str:
        head = ""
        if self.path:
            head = self.path + (f":{self.where}" if self.where else "") + ": "
        # one line whatever the data quoted in it holds (a label or header with a newline in it)
        return (head + super().__str__()).replace("\r", "\\r").replace("\n", "\\n")


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or ``""``: a typo gets its fix in the same line."""
    import difflib

    close = difflib.get_close_matches(str(value), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
