"""Which column holds the text and which the label, told from the data and said aloud, never guessed.

A column whose name says it (``text``, ``utterance``; ``label``, ``intent``) is taken when it is
the only one; otherwise a text column is the only one of free text (mostly distinct, several
words) and a label column the only one of repeated short values. Two candidates, or none, is an
error that lists them and names the flag that settles it: a silently wrong column would make
every number after it wrong.
"""

from __future__ import annotations

from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.ingest import Table

TEXT_NAMES = ("text", "sentence", "utterance", "query", "question", "content", "input", "review", "message")
TEXT_NAMES += ("comment", "body", "document", "prompt", "seq", "seq.in", "utterances", "texts", "sentences")
LABEL_NAMES = ("label", "labels", "intent", "category", "class", "target", "tag", "topic", "sentiment", "y")
LABEL_NAMES += ("gold", "intent_label", "label_text", "class_name", "category_name", "intent_name")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _profile(tables: list[Table], col: str) -> tuple[bool, float, float, int]:
    """(every value a string or integer, distinct share, mean words, distinct values) of ``col``."""
    values = [r.get(col) for t in tables for r in t.rows]
    if not values or not all(_scalar(v) for v in values):
        return False, 0.0, 0.0, 0
    strings = [str(v) for v in values]
    distinct = len(set(strings))
    return True, distinct / len(strings), sum(len(s.split()) for s in strings) / len(strings), distinct


def _pick(what: str, flag: str, named: list[str], free: list[str], columns: list[str], where: str) -> tuple[str, str]:
    if len(named) == 1:
        return named[0], f"{what} column '{named[0]}' (its name)"
    if len(named) > 1:
        shown = ", ".join(repr(c) for c in named)
        raise RagorftError(f"cannot tell the {what} column: {shown} all could be; pass {flag}", path=where)
    if len(free) == 1:
        return free[0], f"{what} column '{free[0]}' (the only column that looks like one)"
    shown = ", ".join(repr(c) for c in (free or columns))
    raise RagorftError(f"cannot tell the {what} column: candidates {shown}; pass {flag}", path=where)


def propose_columns(tables: list[Table], text: str | None, label: str | None) -> tuple[str, str, str]:
    """(text column, label column, a sentence saying how each was chosen), the flags first."""
    columns = [c for c in tables[0].columns if all(c in t.columns for t in tables)]
    for flag, given in (("--text-column", text), ("--label-column", label)):
        for t in tables:
            if given is not None and given not in t.columns:
                shown = ", ".join(repr(c) for c in t.columns)
                raise RagorftError(f"no column '{given}' ({flag}); columns: {shown}", path=t.source.path)
    where = str(tables[0].source.path)
    profiles = {c: _profile(tables, c) for c in columns}
    said = []
    if text is None:
        named = [c for c in columns if c.lower() in TEXT_NAMES and c != label]
        free = [c for c, p in profiles.items() if p[0] and p[1] > 0.5 and p[2] >= 2 and c != label]
        text, why = _pick("text", "--text-column", named, free, columns, where)
        said.append(why)
    else:
        said.append(f"text column '{text}' (--text-column)")
    if label is None:
        rest = [c for c in columns if c != text]
        named = [c for c in rest if c.lower() in LABEL_NAMES]
        free = [c for c in rest if profiles[c][0] and 2 <= profiles[c][3] and profiles[c][1] <= 0.5]
        label, why = _pick("label", "--label-column", named, free, rest, where)
        said.append(why)
    else:
        said.append(f"label column '{label}' (--label-column)")
    if text == label:
        raise RagorftError(f"text and label are the same column '{text}'", path=where)
    return text, label, "; ".join(said)
