"""The corpus card (``corpus.toml``) as one typed schema: any bad value is one line naming the card and the field.

A card may come from a third party, so nothing in it is trusted: the name is an identifier (it
becomes part of paths), file paths stay inside the corpus, a checksum is 64 hex digits, a URL is
https, numbers are numbers, a split names a listed file, the format fits the task, published
references have their fields. Checks that span fields (a file listed twice, a split on an unlisted
file, a format of another task) are validators on the card, reported at the field they concern.
"""

from __future__ import annotations

import urllib.parse
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from ragorft.benchmarks.core.constrained import Fraction, NonNegFloat, NonNegInt, PosFloat, Text
from ragorft.benchmarks.core.names import NAME_PATTERN, is_name
from ragorft.benchmarks.core.schema import Schema
from ragorft.benchmarks.data.synthetic import GeneratorTable

__all__ = [
    "CardSchema",
    "FileSpec",
    "FormatTable",
    "Reference",
    "SplitSpec",
    "ENCODINGS",
    "FORMATS",
    "QA_FORMATS",
    "STRUCTURED_FORMATS",
    "TASKS",
]

Task = Literal["classification", "qa", "structured"]
FormatKind = Literal["csv", "clinc-json", "jsonl", "qa-json", "squad-json", "snips-json", "frames-jsonl"]
Encoding = Literal["utf-8", "latin-1", "cesu-8"]
TASKS: tuple[str, ...] = Task.__args__  # type: ignore[attr-defined]
FORMATS: tuple[str, ...] = FormatKind.__args__  # type: ignore[attr-defined]
ENCODINGS: tuple[str, ...] = Encoding.__args__  # type: ignore[attr-defined]
QA_FORMATS = ("qa-json", "squad-json")  # the formats of task = "qa" (benchmarks/data/qa.py)
STRUCTURED_FORMATS = ("snips-json", "frames-jsonl")  # task = "structured" (benchmarks/data/structured.py)
FORMAT_TASK = {**dict.fromkeys(QA_FORMATS, "qa"), **dict.fromkeys(STRUCTURED_FORMATS, "structured")}
SQUAD_KEYS = ("test_articles", "train_articles", "seed")


def _name(value: str) -> str:
    if not is_name(value):
        raise PydanticCustomError(
            "corpus_name",
            "corpus name must match {pattern} (lowercase letters, digits, '_', '.', '-')",
            {"pattern": NAME_PATTERN},
        )
    return value


def _relpath(rel: str) -> str:
    """Card paths are plain relative names: a card cannot reach outside its data folder."""
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or rel.strip() == "" or "\\" in rel:
        raise PydanticCustomError("inside_corpus", "file path must be relative and stay inside the corpus")
    return p.as_posix()


def _sha256(value: str) -> str:
    sha = value.lower()
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise PydanticCustomError("sha256", "sha256 must be 64 hex digits")
    return sha


def _https(url: str) -> str:
    """A download URL: https only (a local mirror, RAGORFT_DATA, covers local files)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() != "https" or not parts.netloc:
        raise PydanticCustomError("https_url", "must be an https:// URL")
    return url


def _split_table(value: Any) -> Any:
    if isinstance(value, str):
        return {"file": value}
    if isinstance(value, list) and value:  # several files make one split (SNIPS: one file per intent)
        return {"file": value[0], "more_files": value[1:]}
    if not isinstance(value, dict):
        raise PydanticCustomError("split", "must be a file name, a list of file names or a table with 'file'")
    return value


CorpusName = Annotated[Text, AfterValidator(_name)]
RelPath = Annotated[Text, AfterValidator(_relpath)]


class FileSpec(Schema):
    """``[[files]]``: a relative path (listed once), its sha256 and an optional https URL."""

    path: RelPath
    sha256: Annotated[Text, AfterValidator(_sha256)]
    url: Annotated[Text, AfterValidator(_https)] | None = None
    #: how the bytes are decoded, strictly: a wrong one is an error naming the file, never mojibake
    encoding: Encoding = "utf-8"


class SplitSpec(Schema):
    """One split: a listed file and, for clinc-json and the QA formats, which lists in it make the split."""

    file: RelPath
    keys: tuple[Text, ...] = ()
    more_files: tuple[RelPath, ...] = ()  # further files whose rows join the split, in order

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.file, *self.more_files)


class FormatTable(Schema):
    """``[format]``: how the files are read; squad-json also says how its articles are cut."""

    kind: FormatKind
    text_column: Text = "text"
    label_column: Text = "label"
    target_column: Text = "target"  # frames-jsonl: the field holding the gold frame object
    test_articles: NonNegInt | None = None
    train_articles: NonNegInt | None = None
    seed: NonNegInt | None = None

    @model_validator(mode="after")
    def _squad_keys_only_for_squad(self) -> FormatTable:
        if self.kind != "squad-json":
            for key in SQUAD_KEYS:
                if getattr(self, key) is not None:
                    raise PydanticCustomError(
                        "squad_only", "'{key}' is a squad-json key, not one of {kind}", {"key": key, "kind": self.kind}
                    )
        return self

    @property
    def options(self) -> dict[str, int]:
        """The squad-json keys the card sets (part of the corpus key)."""
        return {k: getattr(self, k) for k in SQUAD_KEYS if getattr(self, k) is not None}


class Costs(Schema):
    #: positive: at zero volume every strategy costs its training alone and the decision says nothing
    monthly_queries: PosFloat = 1_000_000
    cost_per_error: NonNegFloat | None = None  # USD one wrong answer costs the user; None: not priced


class Reference(Schema):
    """``[[references]]``: a published number (not produced by ragorft), with its source."""

    system: Text
    source: Text
    accuracy: Fraction
    budget: Text = ""
    metric: Text = "accuracy"


SplitName = Literal["train", "dev", "test"]


class CardSchema(Schema):
    """The whole ``corpus.toml``."""

    name: CorpusName
    task: Task
    title: Text = ""
    licence: Text = "unknown"
    citation: Text = ""
    homepage: Text = ""
    out_of_scope_label: Text | None = None
    format: FormatTable
    files: list[FileSpec] = Field(min_length=1)
    splits: dict[SplitName, Annotated[SplitSpec, BeforeValidator(_split_table)]]
    costs: Costs = Costs()
    references: list[Reference] = []
    generator: GeneratorTable | None = None

    @field_validator("format")
    @classmethod
    def _format_fits_task(cls, fmt: FormatTable, info: ValidationInfo) -> FormatTable:
        task = info.data.get("task")
        if task is not None and FORMAT_TASK.get(fmt.kind, "classification") != task:
            raise PydanticCustomError(
                "format_task",
                "format '{kind}' does not fit task '{task}' (qa formats: {qa}; structured formats: {st})",
                {"kind": fmt.kind, "task": task, "qa": ", ".join(QA_FORMATS), "st": ", ".join(STRUCTURED_FORMATS)},
            )
        return fmt

    @field_validator("splits")
    @classmethod
    def _splits_use_listed_files(cls, splits: dict[str, SplitSpec], info: ValidationInfo) -> dict[str, SplitSpec]:
        missing = [s for s in ("train", "test") if s not in splits]
        if missing:
            raise PydanticCustomError("split_missing", "missing split '{split}'", {"split": missing[0]})
        listed = {f.path for f in info.data.get("files") or ()}
        for split, spec in splits.items():
            for file in spec.paths:
                if listed and file not in listed:
                    raise PydanticCustomError(
                        "split_file",
                        "split '{split}' uses '{file}', which is not in [[files]]",
                        {"split": split, "file": file},
                    )
        return splits

    def duplicate_file(self) -> tuple[int, str] | None:
        """The first ``[[files]]`` entry that repeats an earlier path (it would replace its checksum)."""
        seen: set[str] = set()
        for i, f in enumerate(self.files):
            if f.path in seen:
                return i, f.path
            seen.add(f.path)
        return None
