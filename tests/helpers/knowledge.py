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


# ---- hand-made QA records for the knowledge branch (tests/decide/test_knowledge.py)

QA_ITEMS = 60
QA_GOLDS = [[f"answer {i}"] for i in range(QA_ITEMS)]


def qa_record(
    strategy: str,
    right: int,
    *,
    contains: int = 0,
    floor: float | None = None,
    options: dict | None = None,
) -> dict:
    """A scored QA record answering the first ``right`` questions exactly and the next ``contains``
    with the gold inside a longer answer; ``floor``: the corpus's chance floor in its metrics."""
    from ragorft.benchmarks.score.qa import qa_metrics

    from tests.helpers.records import strategy_meta

    preds = [
        g[0] if i < right else f"it is {g[0]} I think" if i < right + contains else "no idea"
        for i, g in enumerate(QA_GOLDS)
    ]
    metrics = qa_metrics(QA_GOLDS, preds)
    metrics["chance_floor"] = None if floor is None else {"floor": floor}
    return {
        "cell_id": strategy,
        "strategy": strategy,
        "strategy_meta": strategy_meta(strategy, options),
        "test_items": list(range(QA_ITEMS)),
        "gold": [g[0] for g in QA_GOLDS],
        "predictions": preds,
        "metrics": metrics,
    }


def qa_tree_record(strategy: str, run: str, right: int, seconds_per_query: float = 0.1, **kw) -> dict:
    """A QA record as the tree reads it: a run of one corpus with its serving cost."""
    rec = qa_record(strategy, right, **kw)
    rec |= {"corpus": "kb", "run": run, "budget_name": "full", "budget": "full", "seed": 0}
    rec["timing"] = {"train_seconds": 1.0, "predict_seconds_per_query": seconds_per_query, "latency_ms": {}}
    return rec
