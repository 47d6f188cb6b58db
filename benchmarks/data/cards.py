"""Corpus cards and the loader that turns a card into checked train/dev/test examples.

A corpus is a folder ``corpora/<name>/`` with a ``corpus.toml`` card and no data: the card names
each file with its public URL and sha256. Files come, in order, from a local mirror
(``--data-dir`` / ``RAGORFT_DATA``), the user's cache, or a download that is verified before it is
cached. A file whose checksum differs is an error naming the file: never a silent load.
"""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import sha256_bytes, sha256_file, sha256_text, write_bytes
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.paths import CORPORA_DIR, cache_root
from ragorft.benchmarks.core.tomlio import read_toml

FORMATS = ("csv", "clinc-json", "jsonl")
TASKS = ("classification",)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str = ""  # "path:row", so any later complaint can point at the row


@dataclass(frozen=True)
class FileSpec:
    path: str
    sha256: str
    url: str | None = None


@dataclass(frozen=True)
class SplitSpec:
    file: str
    keys: tuple[str, ...] = ()  # for clinc-json: which top-level lists make the split


@dataclass
class CorpusCard:
    name: str
    task: str
    folder: Path
    licence: str
    citation: str
    files: dict[str, FileSpec]
    format: str
    splits: dict[str, SplitSpec]
    text_column: str = "text"
    label_column: str = "label"
    out_of_scope_label: str | None = None
    monthly_queries: float = 1_000_000
    references: list[dict[str, Any]] = field(default_factory=list)

    @property
    def card_path(self) -> Path:
        return self.folder / "corpus.toml"

    @property
    def key(self) -> str:
        """Identity of the data: the checksums and how they are read, not where they live."""
        parts = [self.name, self.format, self.text_column, self.label_column]
        parts += [f"{p}={f.sha256}" for p, f in sorted(self.files.items())]
        parts += [f"{s}={v.file}:{','.join(v.keys)}" for s, v in sorted(self.splits.items())]
        return sha256_text("|".join(parts))[:16]


def _require(table: dict[str, Any], key: str, kind: type, where: Path) -> Any:
    if key not in table:
        raise RagorftError(f"missing key '{key}'", path=where)
    value = table[key]
    if not isinstance(value, kind):
        raise RagorftError(f"'{key}' must be {kind.__name__}, got {type(value).__name__}", path=where)
    return value


def _safe_relpath(rel: str, card: Path) -> str:
    """Card paths are plain relative names: a card cannot reach outside its data folder."""
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts or rel.strip() == "" or "\\" in rel:
        raise RagorftError(f"file path '{rel}' must be relative and stay inside the corpus", path=card)
    return p.as_posix()


def find_card(name_or_path: str | Path) -> Path:
    """Accept a corpus name (``banking77``), a folder, or a card file."""
    p = Path(name_or_path)
    try:
        if p.is_file():
            return p
        if p.is_dir() and (p / "corpus.toml").is_file():
            return p / "corpus.toml"
        named = CORPORA_DIR / str(name_or_path) / "corpus.toml"
        if named.is_file():
            return named
    except (ValueError, OSError):  # a NUL byte or an over-long name is no corpus either
        pass
    known = sorted(d.name for d in CORPORA_DIR.iterdir() if (d / "corpus.toml").is_file())
    raise RagorftError(f"unknown corpus '{name_or_path}' (known: {', '.join(known)})")


def read_card(name_or_path: str | Path) -> CorpusCard:
    path = find_card(name_or_path)
    raw = read_toml(path)
    name = _require(raw, "name", str, path)
    task = _require(raw, "task", str, path)
    if task not in TASKS:
        raise RagorftError(f"task '{task}' not supported (supported: {', '.join(TASKS)})", path=path)
    files: dict[str, FileSpec] = {}
    for i, entry in enumerate(_require(raw, "files", list, path)):
        if not isinstance(entry, dict) or "path" not in entry or "sha256" not in entry:
            raise RagorftError(f"files[{i}] needs 'path' and 'sha256'", path=path)
        rel = _safe_relpath(str(entry["path"]), path)
        sha = str(entry["sha256"]).lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise RagorftError(f"files[{i}] sha256 is not 64 hex digits", path=path)
        files[rel] = FileSpec(rel, sha, entry.get("url"))
    fmt = _require(raw, "format", dict, path)
    kind = _require(fmt, "kind", str, path)
    if kind not in FORMATS:
        raise RagorftError(f"format '{kind}' unknown (known: {', '.join(FORMATS)})", path=path)
    splits: dict[str, SplitSpec] = {}
    for split, spec in _require(raw, "splits", dict, path).items():
        if split not in ("train", "dev", "test"):
            raise RagorftError(f"split '{split}' must be train, dev or test", path=path)
        spec = {"file": spec} if isinstance(spec, str) else spec
        rel = _safe_relpath(str(spec.get("file", "")), path)
        if rel not in files:
            raise RagorftError(f"split '{split}' uses '{rel}', which is not in [[files]]", path=path)
        splits[split] = SplitSpec(rel, tuple(spec.get("keys", ())))
    for needed in ("train", "test"):
        if needed not in splits:
            raise RagorftError(f"missing split '{needed}'", path=path)
    costs = raw.get("costs", {})
    return CorpusCard(
        name=name,
        task=task,
        folder=path.parent,
        licence=str(raw.get("licence", "unknown")),
        citation=str(raw.get("citation", "")),
        files=files,
        format=kind,
        splits=splits,
        text_column=str(fmt.get("text_column", "text")),
        label_column=str(fmt.get("label_column", "label")),
        out_of_scope_label=raw.get("out_of_scope_label"),
        monthly_queries=float(costs.get("monthly_queries", 1_000_000)),
        references=list(raw.get("references", [])),
    )


def default_data_dir() -> Path | None:
    env = os.environ.get("RAGORFT_DATA")
    return Path(env) if env else None


def _download(url: str, dest: Path, spec: FileSpec) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - https URLs from cards
            data = resp.read()
    except OSError as exc:
        raise RagorftError(f"cannot download {url}: {exc}", path=spec.path) from exc
    got = sha256_bytes(data)
    if got != spec.sha256:
        raise RagorftError(f"checksum mismatch for download {url}: got {got}, card says {spec.sha256}", path=spec.path)
    write_bytes(dest, data)


def locate_file(card: CorpusCard, rel: str, data_dir: Path | None = None, *, download: bool = True) -> Path:
    """Find ``rel`` and verify its checksum; mirror first, then cache, then the card's URL."""
    spec = card.files[rel]
    data_dir = data_dir or default_data_dir()
    candidates = []
    if data_dir is not None:
        candidates.append(Path(data_dir) / card.name / rel)
    cached = cache_root() / "corpora" / card.name / rel
    candidates.append(cached)
    for cand in candidates:
        if cand.is_file():
            got = sha256_file(cand)
            if got != spec.sha256:
                raise RagorftError(f"checksum mismatch: sha256 {got}, {card.card_path} says {spec.sha256}", path=cand)
            return cand
    if not download or not spec.url:
        looked = ", ".join(str(c) for c in candidates)
        raise RagorftError(
            f"'{rel}' not found (looked in {looked}) and no download allowed or no url", path=card.card_path
        )
    _download(spec.url, cached, spec)
    return cached


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")  # tolerate a BOM, refuse other encodings
    except UnicodeDecodeError as exc:
        raise RagorftError(f"not UTF-8 at byte {exc.start}", path=path) from exc


def _rows_csv(card: CorpusCard, path: Path) -> Iterator[tuple[str, str, str]]:
    text = _read_text(path)
    if not text.strip():
        raise RagorftError("empty file", path=path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = reader.fieldnames or []
    for col in (card.text_column, card.label_column):
        if col not in cols:
            raise RagorftError(f"missing column '{col}' (columns: {', '.join(map(repr, cols))})", path=path, where="1")
    try:
        for row in reader:
            where = str(reader.line_num)
            if None in row or any(v is None for v in row.values()):
                raise RagorftError("wrong number of fields", path=path, where=where)
            yield row[card.text_column], row[card.label_column], where
    except csv.Error as exc:
        raise RagorftError(f"malformed CSV: {exc}", path=path, where=str(reader.line_num)) from exc


def _rows_jsonl(card: CorpusCard, path: Path) -> Iterator[tuple[str, str, str]]:
    text = _read_text(path)
    if not text.strip():
        raise RagorftError("empty file", path=path)
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagorftError(f"malformed JSON: {exc.msg}", path=path, where=str(n)) from exc
        if not isinstance(obj, dict):
            raise RagorftError("line is not a JSON object", path=path, where=str(n))
        for col in (card.text_column, card.label_column):
            if col not in obj:
                raise RagorftError(f"missing field '{col}'", path=path, where=str(n))
        yield obj[card.text_column], obj[card.label_column], str(n)


def _rows_clinc(path: Path, keys: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    try:
        obj = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise RagorftError(f"malformed JSON: {exc.msg}", path=path, where=f"{exc.lineno}") from exc
    if not isinstance(obj, dict):
        raise RagorftError("top level must be an object of split lists", path=path)
    for key in keys:
        if key not in obj:
            raise RagorftError(f"missing split list '{key}' (has: {', '.join(obj)})", path=path)
        for i, item in enumerate(obj[key]):
            if not (isinstance(item, list) and len(item) == 2):
                raise RagorftError("item must be [text, label]", path=path, where=f"{key}[{i}]")
            yield item[0], item[1], f"{key}[{i}]"


@dataclass
class Corpus:
    card: CorpusCard
    train: list[Example]
    test: list[Example]
    dev: list[Example] | None
    labels: list[str]

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def key(self) -> str:
        return self.card.key


def read_split(card: CorpusCard, split: str, data_dir: Path | None = None, *, download: bool = True) -> list[Example]:
    spec = card.splits[split]
    path = locate_file(card, spec.file, data_dir, download=download)
    if card.format == "csv":
        rows = _rows_csv(card, path)
    elif card.format == "jsonl":
        rows = _rows_jsonl(card, path)
    else:
        rows = _rows_clinc(path, spec.keys or (split,))
    out = []
    for text, label, where in rows:
        if not isinstance(text, str) or not isinstance(label, str):
            raise RagorftError("text and label must be strings", path=path, where=where)
        if not text.strip():
            raise RagorftError("empty text", path=path, where=where)
        if not label.strip():
            raise RagorftError("empty label", path=path, where=where)
        out.append(Example(text.strip(), label.strip(), f"{path}:{where}"))
    if not out:
        raise RagorftError(f"split '{split}' has no rows", path=path)
    return out


def load_corpus(name_or_path: str | Path, data_dir: Path | None = None, *, download: bool = True) -> Corpus:
    """Load and check a corpus; anything that would make its numbers wrong is an error here."""
    card = read_card(name_or_path)
    splits = {s: read_split(card, s, data_dir, download=download) for s in card.splits}
    labels = sorted({e.label for e in splits["train"]})
    known = set(labels)
    for split in ("dev", "test"):
        for ex in splits.get(split, []):
            if ex.label not in known:
                raise RagorftError(f"label {ex.label!r} in {split} is absent from train", path=ex.source)
    return Corpus(card, splits["train"], splits["test"], splits.get("dev"), labels)
