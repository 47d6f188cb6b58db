"""A tiny synthetic knowledge corpus (qa-json in a temporary mirror) and a tiny LM that can read it."""

from __future__ import annotations

import json
from pathlib import Path

from ragorft.benchmarks.data.synthetic import BiosParams, bios_bytes

from tests.helpers.corpora import sha256
from tests.helpers.tiny_lm import build_tiny_llama

CARD = """
name = "{name}"
task = "qa"
licence = "CC0-1.0"

[format]
kind = "qa-json"

[[files]]
path = "bios.json"
sha256 = "{sha}"

[splits]
train = {{ file = "bios.json", keys = ["train"] }}
dev = {{ file = "bios.json", keys = ["dev"] }}
test = {{ file = "bios.json", keys = ["test"] }}
"""


def write_bios_corpus(tmp_path: Path, *, entities: int = 12, paraphrases: int = 2, name: str = "bios") -> Path:
    """Generate the synthetic corpus small, put it in ``tmp/mirror/<name>``; return the card path."""
    data = tmp_path / "mirror" / name / "bios.json"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(bios_bytes(BiosParams(entities=entities, paraphrases=paraphrases)))
    folder = tmp_path / "corpora" / name
    folder.mkdir(parents=True, exist_ok=True)
    card = folder / "corpus.toml"
    card.write_text(CARD.format(name=name, sha=sha256(data)))
    return card


def build_tiny_llama_for_bios(folder: Path, card: Path, mirror: Path) -> Path:
    """A tiny Llama whose tokenizer was trained on the corpus's documents and questions."""
    obj = json.loads((mirror / "bios.json").read_text())
    texts = [d["text"] for d in obj["documents"]] + [q["question"] for s in ("train", "test") for q in obj[s]]
    return build_tiny_llama(folder, texts)
