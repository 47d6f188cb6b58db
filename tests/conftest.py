"""Shared fixtures: small corpora written by the tests, and an isolated cache per test.

No test reaches a network: corpus files come from temporary folders the tests write (or from the
local mirror of the real corpora, where present), models from packages or tiny local builds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A three-intent CSV corpus: 6 train and 2 test texts per label; returns the card path.

    The card lives in ``tmp/corpora/tiny``; its data mirror is ``tmp/mirror/tiny``.
    """
    mirror = tmp_path / "mirror" / "tiny"
    train = [(t, lab) for lab, texts in INTENTS.items() for t in texts[:6]]
    test = [(t, lab) for lab, texts in INTENTS.items() for t in texts[6:]]
    files = {"train.csv": write_csv(mirror / "train.csv", train), "test.csv": write_csv(mirror / "test.csv", test)}
    folder = tmp_path / "corpora" / "tiny"
    folder.mkdir(parents=True)
    return write_card(folder, name="tiny", files=files)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own cache and mirror, so nothing leaks between tests or from the user."""
    monkeypatch.setenv("RAGORFT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RAGORFT_DATA", str(tmp_path / "mirror"))


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address) -> None:  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"test tried to open a non-loopback socket to {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a socket to anything but loopback (no downloads, no telemetry)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


def write_json(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path
