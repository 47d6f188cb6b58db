"""Corpus cards and the loader that turns a card into checked train/dev/test examples.

A corpus is a folder ``corpora/<name>/`` with a ``corpus.toml`` card and no data: the card names
each file with its public URL and sha256. A user's own corpus (``ragorft corpus init``) keeps its
files beside its card instead. Files come, in order, from the card's folder, a local mirror
(``--data-dir`` / ``RAGORFT_DATA``), the user's cache, or a download that is verified before it is
cached. A file whose checksum differs is an error naming the file: never a silent load.
"""

from __future__ import annotations

import csv
import io
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import parse_json, sha256_bytes, sha256_file, sha256_text, write_bytes
from ragorft.benchmarks.core.errors import RagorftError, did_you_mean
from ragorft.benchmarks.core.names import is_name
from ragorft.benchmarks.core.paths import cache_root, corpora_dirs, inside
from ragorft.benchmarks.core.schema import validate
from ragorft.benchmarks.core.tomlio import read_toml
from ragorft.benchmarks.data.card_schema import CardSchema, FileSpec, Reference, SplitSpec
from ragorft.benchmarks.data.synthetic import BiosParams

__all__ = ["Corpus", "CorpusCard", "Example", "FileSpec", "SplitSpec", "load_corpus", "read_card", "recorded_card"]


#: card fields no cell reads (prose, pricing, published numbers), hence out of :attr:`CorpusCard.key`;
#: every other field is in it (``generator`` through the checksum its generated file must match)
UNKEYED_CARD_FIELDS = ("title", "licence", "citation", "homepage", "costs", "references")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str = ""  # "path:row", so any later complaint can point at the row
    #: task "qa": every gold answer (``label`` is the first) and the documents that hold them
    answers: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    #: task "qa": the question's type ("" if the corpus names none) and its sampling stratum
    #: (type, else article or document): QA is stratified by these, never by the first answer
    qtype: str = ""
    stratum: str = ""
    #: task "structured": the gold frame as canonical JSON (``label`` is its intent, so budgets are per intent)
    target: str = ""


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
    cost_per_error: float | None = None  # [costs] cost_per_error: USD one wrong answer costs; None: not priced
    references: list[Reference] = field(default_factory=list)
    #: task "qa": the [format] table's squad-json keys (its article split) and [generator]
    format_options: dict[str, Any] = field(default_factory=dict)
    generator: BiosParams | None = None

    @property
    def card_path(self) -> Path:
        return self.folder / "corpus.toml"

    @property
    def key(self) -> str:
        """Identity of the data and of every card field a cell reads: the checksums, how they are
        read, the task and the out-of-scope label (a strategy abstains to it, scoring splits on
        it), not where they live. Costs, references and prose change no cell's numbers."""
        parts = [self.name, self.task, self.format, self.text_column, self.label_column]
        parts += [f"out_of_scope_label={self.out_of_scope_label!r}"]
        parts += [f"{p}={f.sha256}" for p, f in sorted(self.files.items())]
        parts += [
            f"{s}={'+'.join(v.paths)}:{','.join(v.keys)}" for s, v in sorted(self.splits.items())
        ]  # one file: the same part as before several were allowed
        parts += [f"{k}={v}" for k, v in sorted(self.format_options.items())]
        parts += [f"encoding:{p}={f.encoding}" for p, f in sorted(self.files.items()) if f.encoding != "utf-8"]
        return sha256_text("|".join(parts))[:16]


def known_cards() -> dict[str, Path]:
    """Every card found by name: the user's folders first, then the packaged cards (first of a name wins)."""
    found: dict[str, Path] = {}
    for root in corpora_dirs():
        try:
            folders = sorted(root.iterdir()) if root.is_dir() else []
        except OSError:  # an unreadable user folder hides nothing packaged
            continue
        for folder in folders:
            card = folder / "corpus.toml"
            if is_name(folder.name) and folder.name not in found and card.is_file():
                found[folder.name] = card
    return found


def find_card(name_or_path: str | Path) -> Path:
    """Accept a corpus name (``banking77``: the user's folders, then the packaged cards), a folder, or a card file."""
    p = Path(name_or_path)
    try:
        if p.is_file():
            return p
        if p.is_dir() and (p / "corpus.toml").is_file():
            return p / "corpus.toml"
    except (ValueError, OSError):  # a NUL byte or an over-long name is no corpus either
        pass
    known = known_cards()
    if str(name_or_path) in known:
        return known[str(name_or_path)]
    hint = did_you_mean(str(name_or_path), known)
    raise RagorftError(f"unknown corpus '{name_or_path}'{hint} (known: {', '.join(sorted(known))})")


def read_card(name_or_path: str | Path) -> CorpusCard:
    """The card, validated by :class:`CardSchema`: one line naming the card and the field on any bad value."""
    path = find_card(name_or_path)
    spec = validate(CardSchema, read_toml(path), path=path)
    if spec.name != path.parent.name:  # the mirror and cache are laid out by name: one name, one folder
        raise RagorftError(
            f"name: corpus name '{spec.name}' differs from its folder's name '{path.parent.name}'", path=path
        )
    dup = spec.duplicate_file()
    if dup is not None:
        raise RagorftError(f"files[{dup[0]}].path: '{dup[1]}' is listed twice in [[files]]", path=path)
    fmt = spec.format
    return CorpusCard(
        name=spec.name,
        task=spec.task,
        folder=path.parent,
        licence=spec.licence,
        citation=spec.citation,
        files={f.path: f for f in spec.files},
        format=fmt.kind,
        splits=dict(spec.splits),
        text_column=fmt.text_column,
        label_column=fmt.label_column,
        out_of_scope_label=spec.out_of_scope_label,
        monthly_queries=spec.costs.monthly_queries,
        cost_per_error=spec.costs.cost_per_error,
        references=list(spec.references),
        format_options=fmt.options | ({"target_column": fmt.target_column} if fmt.kind == "frames-jsonl" else {}),
        generator=spec.generator,
    )


def recorded_card(corpus: str, source: str | None = None) -> CorpusCard:
    """The card of the corpus a record names: where the run found it (``source``), else by name.

    Why the source: a corpus run from a path outside corpora/ would otherwise lose its [costs]
    and [[references]] in ``recommend`` and the report (priced at the 1M default instead).
    A card found at ``source`` whose name is not ``corpus`` is not this corpus's card.
    """
    for ref in dict.fromkeys(x for x in (source, corpus) if x):
        try:
            card = read_card(ref)
        except RagorftError:
            continue
        if card.name == corpus:
            return card
    raise RagorftError(f"no corpus card for '{corpus}'" + (f" (looked at {source})" if source else ""))


def default_data_dir() -> Path | None:
    env = os.environ.get("RAGORFT_DATA")
    return Path(env) if env else None


def _download(url: str, dest: Path, spec: FileSpec) -> None:
    if urllib.parse.urlsplit(url).scheme.lower() != "https":  # file://, http://, ftp:// never reach urlopen
        raise RagorftError(f"refusing to download {url!r}: only https:// URLs", path=spec.path)
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
    # beside the card first: a user's corpus carries its files (a packaged card folder holds none)
    candidates = [inside(card.folder, rel, what="corpus file")]
    if data_dir is not None:
        candidates.append(inside(Path(data_dir), card.name, rel, what="corpus file"))
    cached = inside(cache_root() / "corpora", card.name, rel, what="corpus file")
    candidates.append(cached)
    for cand in candidates:
        if cand.is_file():
            got = sha256_file(cand)
            if got != spec.sha256:
                raise RagorftError(f"checksum mismatch: sha256 {got}, {card.card_path} says {spec.sha256}", path=cand)
            return cand
    if card.generator is not None:  # a corpus the project generates: made here, checked like a download
        from ragorft.benchmarks.data.synthetic import generate_into

        generate_into(card.generator, cached, spec.sha256, card.card_path)
        return cached
    if not download or not spec.url:
        looked = ", ".join(str(c) for c in candidates)
        raise RagorftError(
            f"'{rel}' not found (looked in {looked}) and no download allowed or no url", path=card.card_path
        )
    _download(spec.url, cached, spec)
    return cached


def _read_text(path: Path, encoding: str = "utf-8") -> str:
    """The file's text in the card's encoding for it, decoded strictly (data/structured.decode)."""
    if encoding != "utf-8":
        from ragorft.benchmarks.data.structured import decode

        return decode(path, path.read_bytes(), encoding)
    try:
        return path.read_bytes().decode("utf-8-sig")  # tolerate a BOM, refuse other encodings
    except UnicodeDecodeError as exc:
        raise RagorftError(f"not UTF-8 at byte {exc.start}", path=path) from exc


def _rows_csv(card: CorpusCard, path: Path, encoding: str) -> Iterator[tuple[str, str, str]]:
    text = _read_text(path, encoding)
    if not text.strip():
        raise RagorftError("empty file", path=path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = reader.fieldnames or []
    for col in (card.text_column, card.label_column):
        if col not in cols:
            raise RagorftError(f"missing column '{col}' (columns: {', '.join(map(repr, cols))})", path=path, where="1")
    twice = sorted({c for c in cols if cols.count(c) > 1})
    if twice:  # DictReader would keep the last of them silently
        raise RagorftError(f"column {twice[0]!r} appears twice in the header", path=path, where="1")
    try:
        for row in reader:
            where = str(reader.line_num)
            if None in row or any(v is None for v in row.values()):
                raise RagorftError("wrong number of fields", path=path, where=where)
            yield row[card.text_column], row[card.label_column], where
    except csv.Error as exc:
        raise RagorftError(f"malformed CSV: {exc}", path=path, where=str(reader.line_num)) from exc


def _rows_jsonl(card: CorpusCard, path: Path, encoding: str) -> Iterator[tuple[str, str, str]]:
    text = _read_text(path, encoding)
    if not text.strip():
        raise RagorftError("empty file", path=path)
    # lines end at "\n" only: str.splitlines also cuts at U+2028 and other separators valid inside a JSON string
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        obj = parse_json(line, path=path, line=n)
        if not isinstance(obj, dict):
            raise RagorftError("line is not a JSON object", path=path, where=str(n))
        for col in (card.text_column, card.label_column):
            if col not in obj:
                raise RagorftError(f"missing field '{col}'", path=path, where=str(n))
        yield obj[card.text_column], obj[card.label_column], str(n)


def _rows_clinc(path: Path, keys: tuple[str, ...], encoding: str) -> Iterator[tuple[str, str, str]]:
    obj = parse_json(_read_text(path, encoding), path=path)
    if not isinstance(obj, dict):
        raise RagorftError("top level must be an object of split lists", path=path)
    for key in keys:
        if key not in obj:
            raise RagorftError(f"missing split list '{key}' (has: {', '.join(obj)})", path=path)
        if not isinstance(obj[key], list):
            raise RagorftError(f"'{key}' must be a list of [text, label] items", path=path, where=key)
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
    #: task "qa": the knowledge base the questions are about
    documents: list[Any] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def key(self) -> str:
        return self.card.key


def _split_rows(card: CorpusCard, rel: str, keys: tuple[str, ...], path: Path) -> Iterator[tuple[str, str, str]]:
    encoding = card.files[rel].encoding
    if card.format == "csv":
        return _rows_csv(card, path, encoding)
    if card.format == "jsonl":
        return _rows_jsonl(card, path, encoding)
    return _rows_clinc(path, keys, encoding)


def read_split(card: CorpusCard, split: str, data_dir: Path | None = None, *, download: bool = True) -> list[Example]:
    spec = card.splits[split]
    if card.task == "structured":
        from ragorft.benchmarks.data import structured

        out = []
        for rel in spec.paths:
            path = locate_file(card, rel, data_dir, download=download)
            text = _read_text(path, card.files[rel].encoding)
            rows = structured.rows(path, text, card.format, card.text_column, card.format_options)
            out += [Example(r.text, r.intent, f"{path}:{r.where}", target=r.target) for r in rows]
        if not out:
            raise RagorftError(f"split '{split}' has no rows", path=card.card_path)
        return out
    if card.task == "qa":
        from ragorft.benchmarks.data import qa

        if spec.more_files:
            raise RagorftError(f"splits.{split}: a QA split is one file", path=card.card_path)
        path = locate_file(card, spec.file, data_dir, download=download)
        text = _read_text(path, card.files[spec.file].encoding)
        rows = qa.split_rows(path, text, card.format, card.format_options, spec.keys or (split,))
        return [
            Example(r.question, r.answers[0], f"{path}:{r.where}", r.answers, r.doc_ids, qtype=r.qtype, stratum=r.group)
            for r in rows
        ]
    out = []
    for rel in spec.paths:
        path = locate_file(card, rel, data_dir, download=download)
        for text, label, where in _split_rows(card, rel, spec.keys or (split,), path):
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
    if card.task == "qa":
        from ragorft.benchmarks.data import qa

        path = locate_file(card, card.splits["test"].file, data_dir, download=download)
        encoding = card.files[card.splits["test"].file].encoding
        documents = qa.documents(path, _read_text(path, encoding), card.format, card.format_options)
        return Corpus(card, splits["train"], splits["test"], splits.get("dev"), [], documents)
    labels = sorted({e.label for e in splits["train"]})
    known = set(labels)
    for split in ("dev", "test"):
        for ex in splits.get(split, []):
            if ex.label not in known:
                raise RagorftError(f"label {ex.label!r} in {split} is absent from train", path=ex.source)
    return Corpus(card, splits["train"], splits["test"], splits.get("dev"), labels)
