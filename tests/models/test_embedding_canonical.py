"""A cached embedding depends on its text only, not on which cell filled the cache first.

A text's vector changes in its last bits with the batch it was encoded in (padding length, GEMM
shape), so a cache filled in request order made the same cell's predictions depend on the cells
that ran before it (two fresh default-suite runs disagreed on linear_probe@full). A store told its
corpus's texts embeds them all in one canonical pass, whatever it is asked first, and refills a
cache that was not filled that way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ragorft.benchmarks.core.atomic import read_json
from ragorft.benchmarks.models.embeddings import EmbeddingStore, encode

from tests.helpers.corpora import INTENTS
from tests.helpers.tiny_encoder import build_tiny_encoder

CORPUS = [t for texts in INTENTS.values() for t in texts]


@pytest.fixture(scope="module")
def st_encoder(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_tiny_encoder(tmp_path_factory.mktemp("st") / "st", sentence_transformer=True))


def _store(root: Path, model: str, corpus: list[str] | tuple[str, ...] = ()) -> EmbeddingStore:
    return EmbeddingStore(root, "c", model, progress=False, corpus_texts=corpus)


def test_vectors_do_not_depend_on_what_was_asked_first(tmp_path: Path, st_encoder: str) -> None:
    first, second = _store(tmp_path / "a", st_encoder, CORPUS), _store(tmp_path / "b", st_encoder, CORPUS[::-1])
    first.ensure(CORPUS[:3])  # one cell asks for a few texts, another for the rest
    first.ensure(CORPUS)
    second.ensure(CORPUS[-5:][::-1])
    canonical = encode(st_encoder, sorted(set(CORPUS)))
    rows = {t: i for i, t in enumerate(sorted(set(CORPUS)))}
    for text in CORPUS:
        assert np.array_equal(first([text]), second([text]))  # bit for bit
        assert np.array_equal(first([text])[0], canonical[rows[text]])


def test_a_cache_filled_in_request_order_is_refilled(tmp_path: Path, st_encoder: str) -> None:
    _store(tmp_path, st_encoder).ensure(CORPUS[:4])  # an older cache: no corpus pass
    store = _store(tmp_path, st_encoder, CORPUS)
    vectors = store(CORPUS[:4])
    assert store.canonical and len(store.rows) == len(set(CORPUS))
    assert np.array_equal(vectors, _store(tmp_path / "fresh", st_encoder, CORPUS)(CORPUS[:4]))
    meta = read_json(store.base.with_suffix(".json"))
    assert meta["corpus_fill"] == store.corpus_fill
    again = _store(tmp_path, st_encoder, CORPUS)  # read back from disk: no refill
    assert np.array_equal(again(CORPUS[:4]), vectors) and again.canonical


def test_texts_outside_the_corpus_are_embedded_after_the_corpus_pass(tmp_path: Path, st_encoder: str) -> None:
    store = _store(tmp_path, st_encoder, CORPUS)
    out = store(["not in the corpus", CORPUS[0]])
    assert out.shape[0] == 2 and len(store.rows) == len(set(CORPUS)) + 1


def test_a_store_without_the_corpus_keeps_the_canonical_pass(tmp_path: Path, st_encoder: str) -> None:
    canonical = _store(tmp_path, st_encoder, CORPUS)
    vectors = canonical(CORPUS)
    _store(tmp_path, st_encoder).ensure(["a tool's own text"])  # e.g. a tools/ script, no corpus given
    again = _store(tmp_path, st_encoder, CORPUS)
    assert np.array_equal(again(CORPUS), vectors) and again.canonical
