"""Sentence embeddings, computed once per (corpus, model weights) and reused by every cell.

All texts of a corpus (train, dev, test) are embedded in one pass and stored as one ``.npy`` with
a checksummed index beside it; every budget, seed and strategy then looks rows up by text. The
store is named by the model's weights (registry sha256, a local folder's content digest), not its
name alone: a local model rewritten in place gets fresh vectors. A damaged cache file is reported
with its path and recomputed, never trusted.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from ragorft.benchmarks.core.atomic import CorruptFile, read_json, sha256_bytes, write_bytes, write_json
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.models import registry as models

log = get_logger(__name__)

BATCH_SIZE = 64


def load_sentence_model(name: str, device: str = "cpu"):
    """Load a sentence-transformers model from the registry (offline unless the hub is allowed).

    Cached per weights, not per name: a local folder whose weights changed is loaded again.
    """
    return _load_sentence_model(name, device, models.weights_id(name))


@cache
def _load_sentence_model(name: str, device: str, weights: str | None):
    from sentence_transformers import SentenceTransformer

    path = models.resolve(name)
    trust = models.registry()[name].trust_remote_code if name in models.registry() else False
    return SentenceTransformer(path, device=device, trust_remote_code=trust)


def encode(name: str, texts: Sequence[str], *, device: str = "cpu", progress: bool = False) -> np.ndarray:
    model = load_sentence_model(name, device)
    vecs = model.encode(
        list(texts),
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=progress,
    )
    return np.asarray(vecs, dtype=np.float32)


class EmbeddingStore:
    """Embeddings of one corpus under one model, looked up by text."""

    def __init__(self, cache_dir: Path, corpus_key: str, model: str, device: str = "cpu", progress: bool = True):
        self.weights = models.weights_id(model) or "unknown"
        safe = f"{model.replace('/', '__')}@{self.weights.removeprefix('unverified:').replace('/', '__')[:16]}"
        self.base = Path(cache_dir) / "embeddings" / corpus_key / safe
        self.model = model
        self.device = device
        self.progress = progress
        self.rows: dict[str, int] = {}
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        #: measured encode time per text when the cache was filled: the cost a cache hit hides
        self.seconds_per_text: float | None = None

    def _load(self) -> bool:
        index, data = self.base.with_suffix(".json"), self.base.with_suffix(".npy")
        if not index.exists() or not data.exists():
            return False
        try:
            meta = read_json(index)
            raw = data.read_bytes()
            if meta.get("npy_sha256") != sha256_bytes(raw):
                raise CorruptFile(f"{data}: checksum mismatch")
            if meta.get("weights") != self.weights:
                raise CorruptFile(f"{index}: made by other weights of '{self.model}'")
            matrix = np.load(io.BytesIO(raw), allow_pickle=False)
        except (CorruptFile, ValueError, OSError) as exc:
            log.warning(f"{exc}; recomputing embeddings")
            return False
        self.rows = {t: i for i, t in enumerate(meta["texts"])}
        self.matrix = matrix
        self.seconds_per_text = meta.get("seconds_per_text")
        return True

    def ensure(self, texts: Sequence[str]) -> None:
        """Make sure every text has a row: load the cache, embed what is missing, save.

        A file lock serialises processes (Ray workers) filling the same store, and the cache is
        re-read under it, so concurrent cells never overwrite each other's rows.
        """
        if not self.rows:
            self._load()
        if all(t in self.rows for t in texts):
            return
        from filelock import FileLock

        self.base.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.base) + ".lock"):
            self._load()
            missing = list(dict.fromkeys(t for t in texts if t not in self.rows))
            if not missing:
                return
            load_sentence_model(self.model, self.device)  # loading is not embedding: keep it out of the timing
            t0 = time.perf_counter()
            new = encode(self.model, missing, device=self.device, progress=self.progress and len(missing) > 256)
            if len(missing) >= 64 or self.seconds_per_text is None:
                self.seconds_per_text = (time.perf_counter() - t0) / len(missing)
            start = len(self.rows)
            self.matrix = new if self.matrix.size == 0 else np.vstack([self.matrix, new])
            for i, t in enumerate(missing):
                self.rows[t] = start + i
            buf = io.BytesIO()
            np.save(buf, self.matrix, allow_pickle=False)
            raw = buf.getvalue()
            write_bytes(self.base.with_suffix(".npy"), raw)
            texts_in_order = sorted(self.rows, key=self.rows.__getitem__)
            write_json(
                self.base.with_suffix(".json"),
                {
                    "model": self.model,
                    "weights": self.weights,
                    "npy_sha256": sha256_bytes(raw),
                    "seconds_per_text": self.seconds_per_text,
                    "texts": texts_in_order,
                },
            )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.ensure(texts)
        return self.matrix[[self.rows[t] for t in texts]]


class Embedder:
    """``ctx.embed``: cached embeddings of a corpus's texts, one store per model.

    The cache is for training-side work (embedding the training pool once for every budget,
    seed and strategy). Serving must not hit it: a strategy embeds its queries with
    :meth:`encode`, so measured latency is what a deployment would see.
    """

    def __init__(self, cache_dir: Path, corpus_key: str, device: str = "cpu", progress: bool = True):
        self.cache_dir, self.corpus_key, self.device, self.progress = cache_dir, corpus_key, device, progress
        self.stores: dict[str, EmbeddingStore] = {}

    def store(self, model: str) -> EmbeddingStore:
        key = f"{model}@{models.weights_id(model)}"  # a long-lived process sees a rewritten local model
        if key not in self.stores:
            self.stores[key] = EmbeddingStore(self.cache_dir, self.corpus_key, model, self.device, self.progress)
        return self.stores[key]

    def __call__(self, model: str, texts: Sequence[str]) -> np.ndarray:
        return self.store(model)(texts)

    def encode(self, model: str, texts: Sequence[str]) -> np.ndarray:
        """Embed without the cache: the serving path, timed as a deployment would run it."""
        return encode(model, texts, device=self.device)


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
