"""Small corpora the tests write themselves, and where the local mirror of the real ones is."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIRROR = Path(os.environ.get("RAGORFT_DATA", ROOT.parent / "shared" / "corpora"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Intent-like texts: three labels, distinct vocabulary, so a real embedding model separates them.
INTENTS = {
    "card_arrival": [
        "when will my new card arrive",
        "my card has not arrived yet",
        "how long does card delivery take",
        "I am still waiting for my card",
        "where is the card you sent me",
        "has my bank card been posted",
        "track the delivery of my card",
        "the card still has not come in the mail",
    ],
    "exchange_rate": [
        "what is the exchange rate for euros",
        "how much is one dollar in pounds",
        "which rate do you use to convert currency",
        "is the currency conversion rate fair",
        "tell me today's exchange rate",
        "what rate applies when I pay abroad",
        "how do you calculate foreign exchange",
        "exchange rate for japanese yen please",
    ],
    "lost_card": [
        "I lost my card",
        "my wallet with my card was stolen",
        "someone stole my debit card",
        "I cannot find my card anywhere",
        "please block my lost card",
        "my card is missing, what do I do",
        "report a stolen card",
        "I think I left my card at the shop and it is gone",
    ],
}


def write_csv(path: Path, rows: list[tuple[str, str]], header: tuple[str, str] = ("text", "category")) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_card(
    folder: Path,
    *,
    name: str,
    files: dict[str, Path],
    fmt: str = "csv",
    splits: str | None = None,
    extra: str = "",
    text_column: str = "text",
    label_column: str = "category",
) -> Path:
    """Write a corpus card for files already in ``folder`` (the card's own mirror)."""
    lines = [
        f'name = "{name}"',
        'task = "classification"',
        'licence = "CC0-1.0"',
        extra,
        "",
        "[format]",
        f'kind = "{fmt}"',
        f'text_column = "{text_column}"',
        f'label_column = "{label_column}"',
        "",
    ]
    for rel, path in files.items():
        lines += ["[[files]]", f'path = "{rel}"', f'sha256 = "{sha256(path)}"', ""]
    lines += ["[splits]", splits or 'train = "train.csv"\ntest = "test.csv"']
    card = folder / "corpus.toml"
    card.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return card


def write_json(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def build_tiny_llama_for_intents(folder: Path) -> Path:
    from tests.helpers.tiny_lm import build_tiny_llama

    texts = [t for texts in INTENTS.values() for t in texts] + list(INTENTS)
    return build_tiny_llama(folder, texts)
