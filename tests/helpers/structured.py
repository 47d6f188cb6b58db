"""A tiny structured-output corpus in the SNIPS file format, written into tmp by the tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.corpora import sha256

# (intent, parts): a part is text, or (slot type, value). Three intents, distinct templates, so a
# tagger on word features and a retriever both have something to find.
CITIES = ["Paris", "Berlin", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Rome"]
TIMES = ["tomorrow", "tonight", "next week", "on monday"]
ARTISTS = ["Miles Davis", "Adele", "Bjork", "Nina Simone", "Prince", "Sting", "Enya", "Drake"]
SERVICES = ["spotify", "deezer"]
PARTY = ["two", "four", "six", "three"]


def _utterances(i: int) -> list[tuple[str, list]]:
    city, time, artist = CITIES[i % 8], TIMES[i % 4], ARTISTS[i % 8]
    return [
        ("GetWeather", ["what is the weather in ", ("city", city), " ", ("timeRange", time)]),
        ("PlayMusic", ["play some ", ("artist", artist), " on ", ("service", SERVICES[i % 2])]),
        ("BookRestaurant", ["book a table for ", ("party_size_number", PARTY[i % 4]), " in ", ("city", city)]),
    ]


def snips_file(items: list[tuple[str, list]], intent: str) -> dict:
    data = []
    for name, parts in items:
        if name != intent:
            continue
        data.append({"data": [{"text": p} if isinstance(p, str) else {"text": p[1], "entity": p[0]} for p in parts]})
    return {intent: data}


def frame(parts: list, intent: str) -> dict:
    return {"intent": intent, "slots": {p[0]: p[1] for p in parts if not isinstance(p, str)}}


INTENT_NAMES = ("GetWeather", "PlayMusic", "BookRestaurant")
TRAIN = [u for i in range(12) for u in _utterances(i)]
TEST = [u for i in range(12, 16) for u in _utterances(i)]


def write_structured_corpus(tmp_path: Path, *, name: str = "tiny_snips", encoding: str = "utf-8") -> Path:
    """Card + mirror of a SNIPS-format corpus (train and test files per intent); returns the card."""
    mirror = tmp_path / "mirror" / name
    mirror.mkdir(parents=True, exist_ok=True)
    files = {}
    for split, items in (("train", TRAIN), ("test", TEST)):
        for intent in INTENT_NAMES:
            path = mirror / f"{split}_{intent}.json"
            path.write_text(json.dumps(snips_file(items, intent), ensure_ascii=False), encoding="utf-8")
            files[path.name] = path
    lines = [f'name = "{name}"', 'task = "structured"', 'licence = "CC0-1.0"', "", "[format]", 'kind = "snips-json"']
    for rel, path in files.items():
        lines += ["", "[[files]]", f'path = "{rel}"', f'sha256 = "{sha256(path)}"']
        if encoding != "utf-8":
            lines.append(f'encoding = "{encoding}"')
    lines += ["", "[splits]"]
    for split in ("train", "test"):
        lines.append(f"{split} = [" + ", ".join(f'"{split}_{i}.json"' for i in INTENT_NAMES) + "]")
    card = tmp_path / "corpora" / name / "corpus.toml"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return card


def build_tiny_llama_for_frames(folder: Path) -> Path:
    """A tiny random causal LM whose tokenizer has seen the corpus's utterances and frames."""
    from tests.helpers.tiny_lm import build_tiny_llama

    texts = []
    for items in (TRAIN, TEST):
        for intent, parts in items:
            texts.append("".join(p if isinstance(p, str) else p[1] for p in parts))
            texts.append(json.dumps(frame(parts, intent)))
    return build_tiny_llama(folder, texts)
