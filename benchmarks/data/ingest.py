"""Reading a user's data files as they come, for ``ragorft corpus init``: which format, which split, which rows.

The loader (``cards``) reads only what a card can describe. A user's data arrives in whatever
layout its source used: CSV, TSV or another delimiter, JSON Lines, a JSON array of records, Parquet,
clinc-style JSON, the QA formats, or line-aligned text and label files (``train/seq.in`` beside
``train/label``). This module finds those files, names their split from the file or folder name,
and reads each into rows that remember their file and line, so every complaint points at the line
the user must fix. Nothing here is read by a benchmark cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError

#: file names of line-aligned layouts: one text per line beside one label per line
TEXT_FILES = ("seq.in", "text", "text.txt", "texts.txt", "sentences.txt", "input.txt", "utterances.txt")
LABEL_FILES = ("label", "labels", "label.txt", "labels.txt", "intent.txt", "intents.txt")
TABULAR = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
PARQUET = (".parquet", ".pq")
#: words in a file or folder name that say its split
SPLIT_WORDS = {"train": "train", "training": "train", "dev": "dev", "valid": "dev", "validation": "dev"}
SPLIT_WORDS |= {"val": "dev", "validate": "dev", "test": "test", "testing": "test", "eval": "test"}
SKIPPED = re.compile(r"^(readme|licen[cs]e|copying|notice|citation|changelog)(\..*)?$|\.(md|toml|py|sh|zip|gz)$")


@dataclass
class Source:
    """One data file (or a line-aligned pair) and the split its name gives."""

    path: Path
    kind: str  # csv, tsv, jsonl, json, parquet, lines; json becomes records, clinc-json, qa-json or squad-json
    split: str | None
    label_path: Path | None = None  # kind "lines": the label file
    delimiter: str = ","
    encoding: str = "utf-8"


@dataclass
class Table:
    """The rows of one source as column -> value, each with ``file:line`` for messages."""

    source: Source
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    where: list[str] = field(default_factory=list)


def split_of(path: Path, root: Path, *, root_too: bool = False) -> str | None:
    """train / dev / test from the words of the file's name, else of its folders below ``root``.

    ``root`` itself counts only for line-aligned files (``seq.in`` says nothing, its folder does):
    the folder a user names may be called anything (``test_data/``).
    """
    names = [path.name.split(".")[0]]
    names += [p.name for p in path.parents if root in p.parents]
    if root_too:
        names.append(root.name)
    for name in names:
        found = {SPLIT_WORDS[w] for w in re.split(r"[^a-z]+", name.lower()) if w in SPLIT_WORDS}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise RagorftError(f"the name says splits {', '.join(sorted(found))}: rename it", path=path)
    return None


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        return "parquet"
    return TABULAR.get(suffix)


def discover(paths: list[Path]) -> tuple[list[Source], list[str]]:
    """(the data sources under ``paths``, notes on files left out). A file named explicitly is never skipped."""
    sources: list[Source] = []
    notes: list[str] = []
    for given in paths:
        if not given.exists():
            raise RagorftError("no such file or folder", path=given)
        if given.is_file():
            sources += _sources_in(given.parent, [given], given.parent, notes, explicit=True)
            continue
        folders = sorted({p.parent for p in given.rglob("*") if p.is_file()} | {given})
        for folder in folders:
            if any(part.startswith(".") for part in folder.relative_to(given).parts):
                continue
            files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
            sources += _sources_in(folder, files, given, notes, explicit=False)
    if not sources:
        raise RagorftError("no data files found (csv, tsv, jsonl, json, parquet, or seq.in + label)", path=paths[0])
    return sources, notes


def _sources_in(folder: Path, files: list[Path], root: Path, notes: list[str], *, explicit: bool) -> list[Source]:
    """The sources among ``files`` of one folder: a text/label pair, then tabular files."""
    out = []
    by_name = {p.name.lower(): p for p in files}
    texts = [by_name[n] for n in TEXT_FILES if n in by_name]
    labels = [by_name[n] for n in LABEL_FILES if n in by_name]
    used: set[Path] = set()
    if texts and labels:
        if len(texts) > 1 or len(labels) > 1:
            both = ", ".join(p.name for p in texts + labels)
            raise RagorftError(f"more than one text or label file here ({both}): keep one of each", path=folder)
        out.append(Source(texts[0], "lines", split_of(texts[0], root, root_too=True), label_path=labels[0]))
        used = {texts[0], labels[0]}
    for path in files:
        if path in used:
            continue
        kind = _kind(path)
        if kind is None:
            if explicit:
                raise RagorftError("not a data file ragorft reads (csv, tsv, jsonl, json, parquet)", path=path)
            if not SKIPPED.search(path.name.lower()) and path.name.lower() not in ("seq.out",):
                notes.append(f"skipped {path} (not a data file ragorft reads)")
            continue
        out.append(Source(path, kind, split_of(path, root)))
    return out


def decode(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a BOM tolerated), else UTF-16 with a BOM, else cp1252; ``encoding`` forces one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RagorftError(f"cannot read: {exc.strerror or exc}", path=path) from None
    tries = [encoding] if encoding else ["utf-8-sig", "utf-16", "cp1252"]
    for enc in tries:
        if enc == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(enc), "utf-8" if enc == "utf-8-sig" else enc
        except UnicodeDecodeError as exc:
            if encoding:
                raise RagorftError(f"not {encoding} at byte {exc.start}", path=path) from None
        except LookupError:
            raise RagorftError(f"unknown encoding {encoding!r}", path=path) from None
    raise RagorftError("neither UTF-8, UTF-16 nor cp1252: pass --encoding", path=path)


def json_kind(obj: Any) -> str | None:
    """Which JSON layout ``obj`` is: records, clinc-json, qa-json, squad-json, or None."""
    if isinstance(obj, list) and obj and all(isinstance(r, dict) for r in obj):
        return "records"
    if not isinstance(obj, dict) or not obj:
        return None
    if isinstance(obj.get("documents"), list):
        return "qa-json"
    data = obj.get("data")
    if isinstance(data, list) and data and all(isinstance(a, dict) and "paragraphs" in a for a in data):
        return "squad-json"
    pairs = all(isinstance(v, list) and all(isinstance(i, list) and len(i) == 2 for i in v) for v in obj.values())
    return "clinc-json" if pairs else None


def read_table(source: Source, encoding: str | None = None) -> Table:
    """The rows of a classification source (not clinc-json or QA: those are copied as they are)."""
    if source.kind == "parquet":
        return _read_parquet(source)
    text, source.encoding = decode(source.path, encoding)
    if source.kind == "lines":
        return _read_lines(source, text, encoding)
    if source.kind == "jsonl":
        return _read_jsonl(source, text)
    if source.kind == "json":
        return _read_records(source, text)
    return _read_delimited(source, text)


def _read_delimited(source: Source, text: str) -> Table:
    path = source.path
    if not text.strip():
        raise RagorftError("empty file", path=path)
    if source.kind == "tsv":
        source.delimiter = "\t"
    else:
        try:
            source.delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            source.delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=source.delimiter)
    table = Table(source, list(reader.fieldnames or []))
    if len(set(table.columns)) != len(table.columns) or any(not c for c in table.columns):
        raise RagorftError(f"header has empty or repeated column names ({table.columns})", path=path, where="1")
    try:
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise RagorftError("wrong number of fields", path=path, where=str(reader.line_num))
            table.rows.append(row)
            table.where.append(f"{path}:{reader.line_num}")
    except csv.Error as exc:
        raise RagorftError(f"malformed: {exc}", path=path, where=str(reader.line_num)) from None
    return table


def _read_jsonl(source: Source, text: str) -> Table:
    table = Table(source, [])
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagorftError(f"malformed JSON: {exc.msg}", path=source.path, where=str(n)) from None
        if not isinstance(obj, dict):
            raise RagorftError("line is not a JSON object", path=source.path, where=str(n))
        table.columns += [k for k in obj if k not in table.columns]
        table.rows.append(obj)
        table.where.append(f"{source.path}:{n}")
    if not table.rows:
        raise RagorftError("empty file", path=source.path)
    return table


def _read_records(source: Source, text: str) -> Table:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RagorftError(f"malformed JSON: {exc.msg}", path=source.path, where=str(exc.lineno)) from None
    if json_kind(obj) != "records":
        raise RagorftError("a JSON list of records, clinc-style or a QA file was expected", path=source.path)
    table = Table(source, [])
    for i, row in enumerate(obj):
        table.columns += [k for k in row if k not in table.columns]
        table.rows.append(row)
        table.where.append(f"{source.path}:[{i}]")
    return table


def _read_lines(source: Source, text: str, encoding: str | None) -> Table:
    assert source.label_path is not None
    labels, _ = decode(source.label_path, encoding or source.encoding)
    texts, tags = text.splitlines(), labels.splitlines()
    if len(texts) != len(tags):
        raise RagorftError(
            f"{len(tags)} labels for the {len(texts)} lines of {source.path}: the files must be line-aligned",
            path=source.label_path,
        )
    table = Table(source, ["text", "label"])
    for n, (t, lab) in enumerate(zip(texts, tags, strict=True), 1):
        if not t.strip() or not lab.strip():
            bad = (source.path, "text") if not t.strip() else (source.label_path, "label")
            raise RagorftError(f"empty {bad[1]}", path=bad[0], where=str(n))
        table.rows.append({"text": t, "label": lab})
        table.where.append(f"{source.path}:{n}")
    return table


def _read_parquet(source: Source) -> Table:
    try:
        import pandas as pd

        frame = pd.read_parquet(source.path)
    except ImportError:
        raise RagorftError("reading Parquet needs pandas and pyarrow", path=source.path) from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own types for a damaged file
        raise RagorftError(f"cannot read Parquet: {exc}", path=source.path) from None
    table = Table(source, [str(c) for c in frame.columns])
    for i, row in enumerate(frame.to_dict(orient="records")):
        table.rows.append({str(k): v for k, v in row.items()})
        table.where.append(f"{source.path}:row {i}")
    return table
