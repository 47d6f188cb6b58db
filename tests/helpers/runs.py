"""A small suite file over a test corpus, and records stripped of what legitimately varies."""

from __future__ import annotations

from pathlib import Path

SUITE = """
name = "t"
corpora = ["{card}"]
budgets = [2, 4, "full"]
seeds = [0, 1]

[[run]]
strategy = "rag"
options = {{ k = 3 }}
"""


def suite_file(tmp_path: Path, card: Path) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(SUITE.format(card=card.parent))
    return path


def stable(record: dict) -> dict:
    """A record without what legitimately differs between runs (timings, memory, provenance)."""
    return {k: v for k, v in record.items() if k not in ("timing", "memory", "provenance", "report")}
