"""The embedding rate a cache hit reports is embedding only: loading the model is not in it.

The rate prices re-embedding a rag index (score/costs.py). It once included loading the sentence
model, so the same 770 texts "took" 33.3 s in one cell and 8.2 s in another. Here the load is made
deliberately slow (the real load, then a pause) and the recorded rate must not contain the pause.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ragorft.benchmarks.models import embeddings

SLOW_LOAD_S = 5.0


def test_recorded_rate_excludes_model_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = embeddings.load_sentence_model
    embeddings._load_sentence_model.cache_clear()  # a cold load, cached per weights
    loaded: list[str] = []

    def slow_first_load(name: str, device: str = "cpu"):
        if not loaded:
            time.sleep(SLOW_LOAD_S)  # a cold load from disk: what the timing must leave out
            loaded.append(name)
        return real(name, device)

    monkeypatch.setattr(embeddings, "load_sentence_model", slow_first_load)
    store = embeddings.EmbeddingStore(tmp_path, "c", "all-MiniLM-L6-v2", progress=False)
    texts = [f"how do I change my card number {i}" for i in range(64)]  # >= 64: the rate is recorded
    store.ensure(texts)
    assert loaded and store.seconds_per_text is not None
    assert store.seconds_per_text * len(texts) < SLOW_LOAD_S  # 64 short texts embed in well under a second
    # the rate is stored with the cache, so a later cell that only reads the cache reports the same
    again = embeddings.EmbeddingStore(tmp_path, "c", "all-MiniLM-L6-v2", progress=False)
    again.ensure(texts)
    assert again.seconds_per_text == store.seconds_per_text
