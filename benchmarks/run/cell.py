"""One cell: fit a strategy on a budget, predict the test items, time it, sample its memory.

The cell does not score: its record keeps the predictions and everything scoring needs (the gold
labels or every gold answer, the corpus's labels, what a retriever returned), and score/record.py
computes the metrics from the record alone, so a changed metric never re-runs a cell.

``run_cell`` is a plain function of its inputs, so any executor (a fresh process per cell, this
process, Ray) can call it and the records are the same whichever ran them (apart from timings).

Two prediction runs per cell, on purpose: the whole test set once for *scoring* (every item the
suite names, untimed apart from ``scoring_seconds``), and the fixed timed sample of run/measure.py
for *serving* cost and latency, the same for every strategy. Timing the whole test set instead
would make an LM cell on 3,080 items take hours per repeat.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil
from ragorft import strategies
from ragorft.benchmarks import __version__
from ragorft.benchmarks.data.cards import Corpus, load_corpus
from ragorft.benchmarks.data.sampling import sample_budget, split_dev, stratified_order
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.run import measure
from ragorft.benchmarks.run.cellspec import Cell, budget_name

#: 3: no metrics computed in the cell; a ``scoring`` block holds what score/record.py needs
RECORD_SCHEMA = 3
#: packages whose version can change a number a cell computes (scores, timings, memory)
COMPUTING_PACKAGES = (
    "torch",
    "transformers",
    "peft",
    "sentence-transformers",
    "faiss-cpu",
    "bitsandbytes",
    "setfit",
    "scikit-learn",
    "scipy",
    "numpy",
    "accelerate",
    "ctranslate2",  # the prompting strategies' default engine
)


def package_versions() -> dict[str, str]:
    """Python, ragorft and every computing package (``absent`` where not installed)."""
    out = {"python": platform.python_version(), "ragorft": __version__}
    for name in COMPUTING_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def machine() -> dict[str, Any]:
    info_ = {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }
    try:
        import torch

        if torch.cuda.is_available():
            info_["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info_


def pick_device(supported: Iterable[str]) -> str:
    if os.environ.get("RAGORFT_DEVICE"):
        return os.environ["RAGORFT_DEVICE"]
    if "cuda" in supported:
        try:
            import torch

            if torch.cuda.is_available():
                return "cuda"
        except ImportError:
            pass
    return "cpu"


def seed_everything(seed: int) -> dict[str, Any]:
    """Seed every generator a strategy may draw from; return the settings for the record."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    settings: dict[str, Any] = {"seed": seed}
    try:
        import torch

        torch.set_num_threads(measure.cell_threads())
        torch.manual_seed(seed)
        settings |= {
            "torch_deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
            "torch_num_threads": torch.get_num_threads(),
            "cudnn_deterministic": torch.backends.cudnn.deterministic,
        }
    except ImportError:
        pass
    return settings


@dataclass
class CorpusData:
    """A loaded corpus with the per-seed splits every strategy of a cell shares."""

    corpus: Corpus
    test_order: list[int]

    def pools(self, seed: int) -> tuple[list, list]:
        """(train pool, dev): the corpus's own dev split, or a seeded 10% carved out of train."""
        if self.corpus.dev is not None:
            return self.corpus.train, self.corpus.dev
        return split_dev(self.corpus.train, seed)


def load_corpus_data(name: str, data_dir: Path | None, test_sample_seed: int = 0) -> CorpusData:
    corpus = load_corpus(name, data_dir)
    return CorpusData(corpus, stratified_order(corpus.test, test_sample_seed))


def run_cell(
    cell: Cell,
    data: CorpusData,
    *,
    cache_dir: Path,
    embedder: Embedder | None = None,
    progress: bool = True,
    process_start_mb: float | None = None,
) -> dict[str, Any]:
    """Fit and score one cell; return its record (without writing it).

    ``process_start_mb``: the resident memory of the process when it started (a fresh process
    per cell); the record's ``peak_increase_mb`` is measured from it, or from the cell's own
    start when the cell shares a process with others.
    """
    corpus = data.corpus
    cls = strategies.get(cell.strategy)
    options = cls.parse_options(cell.options)
    pool, dev = data.pools(cell.seed)
    train = sample_budget(pool, cell.budget, cell.seed, source=f"{corpus.name} train")
    items = data.test_order[: cell.max_test_items or None]
    test = [corpus.test[i] for i in items]
    device = pick_device(cls.devices)
    embedder = embedder or Embedder(cache_dir, corpus.key, device=device, progress=progress)
    ctx = strategies.FitContext(
        corpus=corpus.name,
        corpus_key=corpus.key,
        labels=corpus.labels,
        seed=cell.seed,
        cache_dir=cache_dir,
        dev=dev,
        out_of_scope_label=corpus.card.out_of_scope_label,
        embed=embedder,
        device=device,
        progress=progress,
        documents=corpus.documents,
        gold_doc_ids={ex.text: tuple(ex.doc_ids) for ex in test},
    )
    determinism = seed_everything(cell.seed)
    strategy = cls(options, ctx)
    timing, predictions, memory = _measure(strategy, train, test, device, process_start_mb, cell.timed_queries)
    if len(predictions) != len(test):
        raise RuntimeError(f"{cell.id}: strategy returned {len(predictions)} predictions for {len(test)} texts")
    report = strategy.report()
    extra = dict(report.extra)
    scoring = scoring_inputs(corpus, test, predictions, extra, cell.id)
    gold = [ex.target if corpus.card.task == "structured" else ex.label for ex in test]  # structured: the frame
    return {
        "schema": RECORD_SCHEMA,
        "cell_id": cell.id,
        "corpus": corpus.name,
        "corpus_key": corpus.key,
        "corpus_source": cell.corpus_source,  # where the card was found: recommend/report read its costs there
        "run": cell.run,
        "strategy": cell.strategy,
        "options": cls.config(options),
        "strategy_meta": cls.describe(options),
        "budget": cell.budget,
        "budget_name": budget_name(cell.budget),
        "seed": cell.seed,
        "n_train": len(train),
        "n_train_labels": len({ex.label for ex in train}),
        "n_labels": len(corpus.labels),
        "n_dev": len(dev),
        "n_test": len(test),
        "test_items": items,
        "gold": gold,
        "predictions": predictions,
        "scoring": scoring,
        "timing": timing,
        "memory": memory,
        "cost": {
            "params_trained": report.params_trained,
            "params_total": report.params_total,
            "tokens_in": report.tokens_in,
            "tokens_out": report.tokens_out,
        },
        "report": extra,
        "provenance": provenance(device, determinism),
    }


def train_answer_counts(train: list) -> dict[str, dict[str, int]]:
    """How often each first gold answer occurs among the training questions, per question type."""
    counts: dict[str, dict[str, int]] = {}
    for ex in train:
        per_type = counts.setdefault(ex.qtype, {})
        per_type[ex.label] = per_type.get(ex.label, 0) + 1
    return {t: dict(sorted(c.items())) for t, c in sorted(counts.items())}


def scoring_inputs(corpus: Corpus, test: list, predictions: list[str], extra: dict[str, Any], cell_id: str) -> dict:
    """What score/record.py needs besides gold and predictions, so scoring never loads the corpus.

    Classification: the corpus's labels (macro-F1 is over all of them) and its out-of-scope label.
    Structured: the corpus's intents; ``gold`` holds each item's frame (canonical JSON).
    QA: every gold answer and gold document per item, each item's question type, the corpus's
    training answers counted per type (the chance floor's guesser learns from them only: the
    whole train split, whatever a strategy's budget), and for a strategy that retrieved
    (``extra["retrieval"]``, by question text) the retrieved ids and contexts per item with the
    gold documents' texts; ``extra["retrieval"]`` then keeps the ids only (one copy of the texts).
    """
    if corpus.card.task == "structured":  # predictions are raw outputs: scoring parses them (valid-JSON rate)
        return {"task": "structured", "labels": list(corpus.labels), "out_of_scope_label": None}
    if corpus.card.task != "qa":
        invalid = sorted(set(predictions) - set(corpus.labels))
        if invalid:
            raise RuntimeError(f"{cell_id}: strategy predicted labels not in the corpus: {invalid[:5]}")
        return {
            "task": corpus.card.task,
            "labels": list(corpus.labels),
            "out_of_scope_label": corpus.card.out_of_scope_label,
        }
    out: dict[str, Any] = {
        "task": "qa",
        "labels": [],
        "out_of_scope_label": None,
        "answers": [list(ex.answers) for ex in test],
        "gold_doc_ids": [list(ex.doc_ids) for ex in test],
        "question_types": [ex.qtype for ex in test],
        "train_answers": train_answer_counts(corpus.train),
        "retrieved": None,
        "documents": None,
    }
    retrieval = extra.get("retrieval")
    if retrieval:
        got = [retrieval.get(ex.text) or {} for ex in test]
        out["retrieved"] = [
            {"doc_ids": list(r.get("doc_ids", [])), "contexts": list(r.get("contexts", []))} for r in got
        ]
        wanted = {d for ex in test for d in ex.doc_ids}
        out["documents"] = {d.id: d.text for d in corpus.documents if d.id in wanted}
        extra["retrieval"] = {q: {"doc_ids": r.get("doc_ids", [])} for q, r in retrieval.items()}
    return out


def _measure(
    strategy: Any, train: list, test: list, device: str, process_start_mb: float | None, timed_queries: int = 0
) -> tuple[dict[str, Any], list[str], dict]:
    """prepare + fit (timed), predict every test text (scoring), then the serving timings
    (``timed_queries``: the cell's own timing plan, run/measure.timing_plan).

    Memory is sampled around all of it, ``prepare`` included: what prepare loads (an embedding
    model, an index) is part of what the cell needs to run.
    """
    texts = [ex.text for ex in test]
    cuda = device == "cuda"
    if cuda:
        import torch

        torch.cuda.reset_peak_memory_stats()
    before = measure.load_average()
    with measure.PeakMemory() as mem:
        with measure.Contention() as train_contention:
            strategy.prepare(train)
            t0 = time.perf_counter()
            strategy.fit(train)
            train_seconds = time.perf_counter() - t0
        after_train = measure.load_average()
        with measure.Contention() as serve_contention:
            t0 = time.perf_counter()
            predictions = strategy.predict(texts)
            scoring_seconds = time.perf_counter() - t0
            serving = measure.serving_timing(strategy.predict, measure.timed_sample(texts, timed_queries))
    start = mem.start_mb if process_start_mb is None else process_start_mb
    memory = {
        "process_start_rss_mb": round(start, 1),
        "start_rss_mb": round(mem.start_mb, 1),
        "peak_rss_mb": round(mem.peak_mb, 1),
        "peak_increase_mb": round(mem.peak_mb - start, 1),
        "own_process": process_start_mb is not None,
    }
    if cuda:
        import torch

        memory["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    timing = {
        "train_seconds": train_seconds,
        **serving,
        "scoring_seconds": scoring_seconds,
        "scoring_items": len(texts),
        "load": measure.load_record(before, after_train, measure.load_average(), train_contention, serve_contention),
    }
    return timing, predictions, memory


def provenance(device: str, determinism: dict[str, Any]) -> dict[str, Any]:
    """What a reader needs to reproduce a record: the command, versions, machine and settings."""
    return {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "versions": package_versions(),
        "machine": machine(),
        "device": device,
        "determinism": determinism,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
    }
