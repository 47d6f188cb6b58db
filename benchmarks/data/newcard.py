"""``ragorft corpus init``: a checked corpus card, and its files beside it, from the data files a user has.

Why the files move beside the card: a card names files by checksum, and a user's corpus has no
mirror or download URL, so the card's own folder holds them (``cards.locate_file`` looks there
first). Files the loader reads as they are (UTF-8 CSV, JSON Lines with string fields, clinc-style
JSON, the QA formats) are copied unchanged; anything else (TSV or another delimiter, a JSON array
of records, Parquet, line-aligned text and label files, another encoding, several files of one
split, a test split carved from train) is written as one JSON Lines file per split with fields
``text`` and ``label``. The card is built as :class:`CardSchema` data and validated before it is
written; a column or split that cannot be told apart is an error listing the candidates, never a
guess.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import sha256_file, write_text
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.names import check_name
from ragorft.benchmarks.core.paths import CORPORA_DIR
from ragorft.benchmarks.core.schema import validate
from ragorft.benchmarks.data import ingest
from ragorft.benchmarks.data.card_schema import CardSchema
from ragorft.benchmarks.data.propose import propose_columns
from ragorft.benchmarks.data.tomlcard import card_toml

#: a corpus with no test file: this share of train (stratified, seeded) becomes the test split
TEST_FRACTION = 0.2
SPLITS = ("train", "dev", "test")


@dataclass
class Plan:
    """What ``init`` will write: the card's data, and per file where its bytes come from."""

    name: str
    task: str
    fmt: dict[str, Any]
    splits: dict[str, Any]
    copies: dict[str, Path] = field(default_factory=dict)  # file in the card folder -> the user's file
    converted: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # file -> JSONL rows
    notes: list[str] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    out_of_scope_label: str | None = None


def default_name(paths: list[Path]) -> str:
    """The folder's name (a file's folder), made an identifier; ``--name`` when that fails."""
    first = paths[0].resolve()
    base = first.name if first.is_dir() else first.parent.name
    name = "".join(c if c.isalnum() or c in "_.-" else "_" for c in base.lower()).strip("_.-")
    return check_name(name, "corpus name from the folder's name (pass --name)")


def plan(
    paths: list[Path],
    *,
    name: str,
    text_column: str | None = None,
    label_column: str | None = None,
    encoding: str | None = None,
    seed: int = 0,
) -> Plan:
    sources, notes = ingest.discover(paths)
    kinds = {s.path: _json_kind(s, encoding) if s.kind == "json" else s.kind for s in sources}
    whole = [s for s in sources if kinds[s.path] in ("clinc-json", "qa-json", "squad-json")]
    if whole:
        if len(sources) > 1:
            others = ", ".join(str(s.path) for s in sources if s is not whole[0])
            kind = kinds[whole[0].path]
            raise RagorftError(f"a {kind} file holds every split; also found {others}", path=whole[0].path)
        out = _whole_file(name, whole[0], kinds[whole[0].path], encoding)
    else:
        out = _classification(name, sources, text_column, label_column, encoding, seed)
    out.notes = notes + out.notes
    out.sources = [s.path for s in sources]
    return out


def _json_kind(source: ingest.Source, encoding: str | None) -> str:
    text, _ = ingest.decode(source.path, encoding)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RagorftError(f"malformed JSON: {exc.msg}", path=source.path, where=str(exc.lineno)) from None
    kind = ingest.json_kind(obj)
    if kind is None:
        raise RagorftError(
            "not a JSON layout ragorft reads (a list of records, clinc-style lists of [text, label], "
            "qa-json with 'documents', SQuAD with 'data')",
            path=source.path,
        )
    return "json" if kind == "records" else kind


def _whole_file(name: str, source: ingest.Source, kind: str, encoding: str | None) -> Plan:
    """clinc-json, qa-json, squad-json: one file with every split, copied as it is."""
    text, enc = ingest.decode(source.path, encoding)
    if enc != "utf-8":
        raise RagorftError(f"a {kind} file must be UTF-8 (found {enc})", path=source.path)
    obj = json.loads(text)
    rel = source.path.name
    fmt: dict[str, Any] = {"kind": kind}
    oos = None
    if kind == "squad-json":
        n = len(obj["data"])
        if n < 2:
            raise RagorftError("a SQuAD file needs two articles at least (test and train)", path=source.path)
        test = min(4, max(1, n // 3))  # the packaged SQuAD card's 4 and 8, fewer for a small file
        fmt |= {"test_articles": test, "train_articles": min(8, n - test), "seed": 0}
        splits = {"train": {"file": rel, "keys": ["train"]}, "test": {"file": rel, "keys": ["test"]}}
    else:
        groups: dict[str, list[str]] = defaultdict(list)
        for key in obj:
            if key == "documents":
                continue
            split = ingest.SPLIT_WORDS.get(key.lower().rsplit("_", 1)[-1])
            if split is None:
                raise RagorftError(f"list '{key}' names no split (train, val/dev, test)", path=source.path)
            groups[split].append(key)
        splits = {s: {"file": rel, "keys": groups[s]} for s in SPLITS if s in groups}
        oos_keys = [k for k in obj if k.lower().startswith("oos")]
        if kind == "clinc-json" and oos_keys:
            labels = {item[1] for k in oos_keys for item in obj[k]}
            oos = labels.pop() if len(labels) == 1 else None
    task = "classification" if kind == "clinc-json" else "qa"
    out = Plan(name, task, fmt, splits, copies={rel: source.path}, out_of_scope_label=oos)
    shown = ", ".join(f"{s}={'+'.join(v['keys'])}" for s, v in splits.items())
    out.notes.append(f"{source.path}: {kind}, splits {shown}")
    return out


def _classification(
    name: str,
    sources: list[ingest.Source],
    text_column: str | None,
    label_column: str | None,
    encoding: str | None,
    seed: int,
) -> Plan:
    tables = [ingest.read_table(s, encoding) for s in sources]
    if all(s.kind == "lines" for s in sources):  # no columns to choose: the files say which is which
        text_col, label_col, said = "text", "label", "texts from the text files, labels from the label files"
    else:
        text_col, label_col, said = propose_columns(tables, text_column, label_column)
    by_split: dict[str, list[ingest.Table]] = defaultdict(list)
    for t in tables:
        by_split[t.source.split or ""].append(t)
    if "" in by_split and len(tables) > 1:
        names = ", ".join(str(t.source.path) for t in by_split[""])
        raise RagorftError(
            f"cannot tell the split of {names}: name the files train/dev/test (train.csv, test/seq.in) or pass one file"
        )
    if "" in by_split:
        by_split = {"train": by_split.pop("")}
    if "train" not in by_split:
        raise RagorftError(f"no training file among {', '.join(str(t.source.path) for t in tables)}")
    rows = {s: _rows(ts, text_col, label_col) for s, ts in by_split.items()}
    notes = [f"{t.source.path}: {_describe(t.source)}, {len(t.rows)} rows, {t.source.split or 'train'}" for t in tables]
    notes.append(said)
    if "test" not in rows:
        rows["train"], rows["test"] = carve(rows["train"], TEST_FRACTION, seed)
        notes.append(f"no test file: a stratified {TEST_FRACTION:.0%} of train (seed {seed}) is the test split")
    if "dev" not in rows:
        notes.append("no dev file: strategies that need one carve a seeded, stratified 10% of train")
    if _native(tables, by_split, text_col, label_col):
        kind = tables[0].source.kind
        copies = {by_split[s][0].source.path.name: by_split[s][0].source.path for s in SPLITS if s in by_split}
        splits = {s: by_split[s][0].source.path.name for s in SPLITS if s in by_split}
        fmt = {"kind": kind, "text_column": text_col, "label_column": label_col}
        return Plan(name, "classification", fmt, splits, copies=copies, notes=notes + ["files copied unchanged"])
    converted = {f"{s}.jsonl": rows[s] for s in SPLITS if s in rows}
    splits = {s: f"{s}.jsonl" for s in SPLITS if s in rows}
    fmt = {"kind": "jsonl", "text_column": "text", "label_column": "label"}
    notes.append("written as JSON Lines (text, label), one file per split, UTF-8")
    return Plan(name, "classification", fmt, splits, converted=converted, notes=notes)


def _describe(source: ingest.Source) -> str:
    if source.kind == "lines":
        return f"line-aligned with {source.label_path}"
    delim = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(source.delimiter, repr(source.delimiter))
    kind = f"{source.kind} ({delim})" if source.kind in ("csv", "tsv") else source.kind
    return kind + ("" if source.encoding == "utf-8" else f", encoding {source.encoding}")


def _rows(tables: list[ingest.Table], text_col: str, label_col: str) -> list[dict[str, str]]:
    """Every row as {"text", "label"}: strings, stripped, non-empty, or an error at its file and line."""
    out = []
    for t in tables:
        for row, where in zip(t.rows, t.where, strict=True):
            pair = {}
            for key, col in (("text", text_col), ("label", label_col)):
                value = row.get(col)
                if isinstance(value, bool) or not isinstance(value, str | int):
                    if not (isinstance(value, float) and value.is_integer()):
                        shown = _shown(value)
                        raise RagorftError(f"{key} column '{col}' is {shown}, not a string or integer", path=where)
                    value = int(value)
                value = str(value).strip()
                if not value:
                    raise RagorftError(f"empty {key} (column '{col}')", path=where)
                pair[key] = value
            out.append(pair)
    return out


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {value!r}"[:60]


def _native(tables: list[ingest.Table], by_split: dict[str, list[ingest.Table]], text_col: str, label_col: str) -> bool:
    """True when the loader reads the user's files as they are: copy them, keep their checksums."""
    kinds = {t.source.kind for t in tables}
    if kinds not in ({"csv"}, {"jsonl"}) or any(len(ts) != 1 for ts in by_split.values()) or "" in by_split:
        return False
    if "test" not in by_split or len({t.source.path.name for t in tables}) != len(tables):
        return False
    if any(t.source.encoding != "utf-8" or t.source.delimiter != "," for t in tables):
        return False
    return all(isinstance(r.get(c), str) for t in tables for r in t.rows for c in (text_col, label_col))


def carve(rows: list[dict[str, str]], fraction: float, seed: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(train, test): per label a seeded ``fraction`` to test; a label seen once stays in train."""
    import numpy as np

    by_label: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_label[r["label"]].append(i)
    rng = np.random.default_rng(seed)
    held: set[int] = set()
    for label in sorted(by_label):
        idx = by_label[label]
        k = int(round(len(idx) * fraction)) if len(idx) > 1 else 0
        held |= {idx[j] for j in rng.permutation(len(idx))[: max(k, 1 if len(idx) > 1 else 0)]}
    if not held:
        raise RagorftError("too few rows to carve a test split: give a test file")
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def write(
    p: Plan, corpora_dir: Path, *, licence: str | None = None, force: bool = False, allow_shadow: bool = False
) -> Path:
    """Write the card and its files into ``corpora_dir/<name>/`` (all or nothing); returns the card's path."""
    if not allow_shadow and (CORPORA_DIR / p.name / "corpus.toml").is_file():
        raise RagorftError(f"'{p.name}' is a packaged corpus; a card of that name would hide it (pass --name)")
    target = corpora_dir / p.name
    if target.exists() and not force:
        raise RagorftError(f"corpus '{p.name}' exists (pass --force to replace it)", path=target)
    if target.exists() and not (target / "corpus.toml").is_file():
        raise RagorftError("exists and is no corpus folder: not replaced", path=target)
    corpora_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{p.name}.init-", dir=corpora_dir))
    try:
        folder = work / p.name
        folder.mkdir()
        for rel, src in p.copies.items():
            shutil.copyfile(src, folder / rel)
        for rel, rows in p.converted.items():
            write_text(folder / rel, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        files = [{"path": rel, "sha256": sha256_file(folder / rel)} for rel in sorted([*p.copies, *p.converted])]
        card: dict[str, Any] = {"name": p.name, "task": p.task, "licence": licence or "unknown"}
        if p.out_of_scope_label:
            card["out_of_scope_label"] = p.out_of_scope_label
        card |= {"format": p.fmt, "files": files, "splits": p.splits}
        spec = validate(CardSchema, card, path=folder / "corpus.toml")
        write_text(folder / "corpus.toml", card_toml(spec, p.sources, p.notes, licence_given=licence is not None))
        if target.exists():
            shutil.rmtree(target)
        os.replace(folder, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / "corpus.toml"
