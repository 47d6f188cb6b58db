"""Structured-output corpora: an utterance and its gold frame ``{"intent": ..., "slots": {type: value}}``.

A card with ``task = "structured"`` reads one of two formats:

- ``snips-json``: the SNIPS NLU benchmark's files, ``{"<Intent>": [{"data": [{"text": ...},
  {"text": ..., "entity": "<slot type>"}, ...]}, ...]}``. The utterance is the concatenation of
  the parts; a part with ``entity`` is a slot value (stripped of surrounding spaces).
- ``frames-jsonl``: one object per line, ``{"text": ..., "target": {"intent": ..., "slots": {...}}}``
  (the card's ``text_column`` and ``target_column``): any text-to-frame corpus.

A slot type that occurs more than once in an utterance keeps every value, in utterance order, as a
list (``{"object_type": ["movie", "schedule"]}``): dropping one would make a correct prediction
count as wrong and the frame no longer describe the utterance. Scoring counts each (type, value)
pair once per occurrence.

Bytes are decoded strictly in the encoding the card declares per file. Latin-1 decodes every byte
string, so a UTF-8 file declared Latin-1 would load as mojibake: that is refused, naming the file.
``cesu-8`` is UTF-8 that writes a character beyond the BMP as two encoded surrogates (Java's
habit); the surrogates must pair up.

``parse_output`` reads a model's raw output as a frame, for scoring (score/structured.py) and for
the strategies' dev checks alike: valid JSON is the whole stripped output parsing as one JSON
object; slot values compare after casefolding and collapsing whitespace.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.schema import Schema, validate

__all__ = ["Frame", "FrameRow", "ParsedFrame", "canonical", "decode", "parse_output", "rows", "same_frame"]


Value = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]


class Frame(Schema):
    """A gold frame: an intent and slot values (one string, or a list when the type repeats)."""

    intent: Value
    slots: dict[Value, Value | list[Value]] = Field(default_factory=dict)


@dataclass(frozen=True)
class FrameRow:
    text: str
    intent: str
    target: str  # canonical JSON of the frame
    where: str


def canonical(frame: dict[str, Any]) -> str:
    """One spelling per frame (sorted keys, no spaces), so equal frames are equal strings."""
    return json.dumps(frame, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def decode(path: Path, raw: bytes, encoding: str) -> str:
    """The file's text in the declared encoding, strictly; one line naming the file otherwise."""
    try:
        if encoding == "utf-8":
            return raw.decode("utf-8-sig")
        if encoding == "cesu-8":
            return raw.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass").decode("utf-16")
        looks_utf8 = not raw.isascii() and _is_utf8(raw)
        if looks_utf8:
            raise RagorftError(
                "declared latin-1 but its non-ASCII bytes are UTF-8: reading it as latin-1 would be mojibake "
                "(declare encoding = 'utf-8' or 'cesu-8')",
                path=path,
            )
        return raw.decode(encoding)
    except UnicodeError as exc:
        start = getattr(exc, "start", "?")
        raise RagorftError(f"not {encoding} at byte {start} (the card's encoding for this file)", path=path) from exc


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


def _frame(intent: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for kind, value in pairs:
        if kind not in slots:
            slots[kind] = value
        elif isinstance(slots[kind], list):
            slots[kind].append(value)
        else:
            slots[kind] = [slots[kind], value]
    return {"intent": intent, "slots": slots}


def _load(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RagorftError(f"malformed JSON: {exc.msg}", path=path, where=str(exc.lineno)) from exc


def _snips(path: Path, text: str) -> Iterator[FrameRow]:
    obj = _load(path, text)
    if not isinstance(obj, dict) or not obj:
        raise RagorftError("a snips-json file is an object {intent: [utterances]}", path=path)
    for intent, items in obj.items():
        if not isinstance(items, list):
            raise RagorftError("must be a list of utterances", path=path, where=intent)
        for i, item in enumerate(items):
            where = f"{intent}[{i}]"
            data = item.get("data") if isinstance(item, dict) else None
            if not isinstance(data, list) or not data:
                raise RagorftError("utterance needs a non-empty 'data' list of parts", path=path, where=where)
            pieces, pairs = [], []
            for j, part in enumerate(data):
                if not isinstance(part, dict) or not isinstance(part.get("text"), str):
                    raise RagorftError(f"part {j} needs a string 'text'", path=path, where=where)
                pieces.append(part["text"])
                if "entity" in part:
                    kind, value = part["entity"], part["text"].strip()
                    if not isinstance(kind, str) or not kind.strip() or not value:
                        raise RagorftError(f"part {j}: empty slot type or value", path=path, where=where)
                    pairs.append((kind.strip(), " ".join(value.split())))
            yield _row(path, "".join(pieces), _frame(intent.strip(), pairs), where)


def _jsonl(path: Path, text: str, text_column: str, target_column: str) -> Iterator[FrameRow]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagorftError(f"malformed JSON: {exc.msg}", path=path, where=str(n)) from exc
        if not isinstance(obj, dict) or text_column not in obj or target_column not in obj:
            raise RagorftError(
                f"line must be an object with '{text_column}' and '{target_column}'", path=path, where=str(n)
            )
        if not isinstance(obj[text_column], str):
            raise RagorftError(f"'{text_column}' must be a string", path=path, where=str(n))
        yield _row(path, obj[text_column], obj[target_column], str(n), prefix=target_column)


def _row(path: Path, text: str, frame: Any, where: str, prefix: str = "frame") -> FrameRow:
    if not text.strip():
        raise RagorftError("empty text", path=path, where=where)
    checked = validate(Frame, frame, path=f"{path}:{where}", prefix=prefix)
    return FrameRow(" ".join(text.split()), checked.intent, canonical(checked.model_dump()), where)


def rows(path: Path, text: str, fmt: str, text_column: str, options: dict[str, Any]) -> list[FrameRow]:
    """Every utterance of one file, with its frame, in file order."""
    if fmt == "snips-json":
        return list(_snips(path, text))
    return list(_jsonl(path, text, text_column, str(options.get("target_column", "target"))))


# -- reading a model's output as a frame (scoring and the strategies' dev checks) --------------

INVALID_INTENT = "<no intent>"


@dataclass(frozen=True)
class ParsedFrame:
    valid_json: bool
    valid_frame: bool
    intent: str
    slots: Counter  # (type, normalised value) -> occurrences


def _norm(value: Any) -> str:
    return " ".join(str(value).casefold().split())


def _pairs(slots: Any) -> tuple[Counter, bool]:
    """(type, value) occurrences of a slots object, and whether it was a well-formed one."""
    if not isinstance(slots, dict):
        return Counter(), False
    out: Counter = Counter()
    ok = True
    for kind, value in slots.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, dict | list) or v is None:
                ok = False
                continue
            ok = ok and isinstance(v, str)
            if _norm(v):
                out[(str(kind).strip(), _norm(v))] += 1
    return out, ok


def parse_output(raw: str) -> ParsedFrame:
    """The frame an output stands for, and whether it was valid JSON and a well-formed frame."""
    try:
        obj = json.loads(raw.strip())
    except (json.JSONDecodeError, ValueError):
        return ParsedFrame(False, False, INVALID_INTENT, Counter())
    if not isinstance(obj, dict):
        return ParsedFrame(True, False, INVALID_INTENT, Counter())
    intent = obj.get("intent")
    slots, slots_ok = _pairs(obj.get("slots", {}))
    good_intent = isinstance(intent, str) and bool(intent.strip())
    return ParsedFrame(True, good_intent and slots_ok, intent.strip() if good_intent else INVALID_INTENT, slots)


def same_frame(a: ParsedFrame, b: ParsedFrame) -> bool:
    """Whole-frame exact match: the intent and every (type, value) occurrence."""
    return a.intent == b.intent and a.slots == b.slots
