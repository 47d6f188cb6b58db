"""A validated :class:`CardSchema` written back as ``corpus.toml``, with the fields a person must fill in marked.

The standard library reads TOML but does not write it; a card has few shapes (strings, numbers,
lists of strings, tables, arrays of tables), so this writes exactly those. Strings are TOML basic
strings: JSON's escapes are TOML's, except DEL, which TOML wants escaped too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ragorft.benchmarks.data.card_schema import CardSchema


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def card_toml(spec: CardSchema, sources: list[Path], notes: list[str], *, licence_given: bool) -> str:
    """The card as TOML: a header saying where it came from, then the fields in the order people read them."""
    lines = ["# Corpus card written by `ragorft corpus init` from:"]
    lines += [f"#   {_comment(str(p))}" for p in sources]
    lines += [f"# {_comment(n)}" for n in notes]
    lines += ["# Check it, fill in what is marked, then: ragorft corpus validate " + spec.name, ""]
    lines += [f"name = {_value(spec.name)}", f"task = {_value(spec.task)}", f"title = {_value(spec.title)}"]
    mark = "" if licence_given else "  # fill in: the data's licence, an SPDX id such as CC-BY-4.0"
    lines += [f"licence = {_value(spec.licence)}{mark}"]
    lines += [f"citation = {_value(spec.citation)}  # fill in: where the data comes from"]
    lines += [f"homepage = {_value(spec.homepage)}"]
    if spec.out_of_scope_label is not None:
        lines.append(f"out_of_scope_label = {_value(spec.out_of_scope_label)}")
    fmt = spec.format.model_dump(exclude_none=True)
    if spec.format.kind not in ("csv", "jsonl"):
        fmt = {k: v for k, v in fmt.items() if k not in ("text_column", "label_column")}
    lines += ["", "[format]", *(f"{k} = {_value(v)}" for k, v in fmt.items())]
    for f in spec.files:
        lines += ["", "[[files]]", f"path = {_value(f.path)}", f"sha256 = {_value(f.sha256)}"]
    lines += ["", "[splits]"]
    for split, s in spec.splits.items():
        value = _value(s.file) if not s.keys else f"{{ file = {_value(s.file)}, keys = {_value(list(s.keys))} }}"
        lines.append(f"{split} = {value}")
    volume = f"monthly_queries = {spec.costs.monthly_queries:.0f}"
    lines += ["", "[costs]", f"{volume}  # your volume: what recommend prices"]
    lines += ["# cost_per_error = 0.5  # USD one wrong answer costs you"]
    return "\n".join(lines) + "\n"
