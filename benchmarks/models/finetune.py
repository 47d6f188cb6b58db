"""Shared fine-tuning machinery for the ``full_ft``, ``lora`` and ``qlora`` strategies.

One place builds a sequence-classification model (an encoder such as MiniLM, or a causal LM with
a classification head), wraps it for the strategy (all weights, LoRA, or LoRA on a 4-bit NF4
base), and trains it with transformers' ``Trainer``: dynamic padding through
``DataCollatorWithPadding``, length grouping, one evaluation per epoch on the dev split, and
``EarlyStoppingCallback`` on dev loss with the best epoch restored. Per-epoch curves, parameter
counts, throughput and sizes go into the strategy's report, which is what the decision tree reads
to tell "still learning" from "no improvement after tuning".

The trained model (or adapter) is saved content-addressed under the run cache together with a
manifest; ``fit`` serves that saved copy through ``load_finetuned``, so what is scored is what ships.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import canonical_json, sha256_text, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.data.sampling import stratified_order
from ragorft.benchmarks.models.classifier import (
    FinetuneOptions,
    LoraOptions,
    build_model,
    folder_bytes,
    model_source,
    torch_threads,
)
from ragorft.benchmarks.models.finetune_run import Trial, train_one
from ragorft.benchmarks.models.tuning import best_trial, learning_rate_grid, tuning_dev, tuning_report

log = get_logger(__name__)

MANIFEST = "ragorft_finetune.json"


def subset(examples: Sequence[Example], n: int, seed: int) -> list[Example]:
    """A seeded stratified subset of ``n`` examples (all of them when ``n`` is 0 or too large)."""
    if not n or n >= len(examples):
        return list(examples)
    order = stratified_order(examples, seed)[:n]
    return [examples[i] for i in sorted(order)]


@dataclass
class FinetuneResult:
    model: Any
    tokenizer: Any
    saved: Path
    extra: dict[str, Any]
    params_trained: int
    params_total: int


def cache_key(kind: str, folder: str, options: FinetuneOptions, labels: list[str], train: Sequence[Example]) -> str:
    parts = {
        "kind": kind,
        "base": folder,
        "options": options.model_dump(mode="json"),
        "labels": labels,
        "train": sha256_text(canonical_json([[ex.text, ex.label] for ex in train])),
    }
    return sha256_text(canonical_json(parts))[:24]


def finetune(
    kind: str,
    options: FinetuneOptions,
    train: Sequence[Example],
    dev: Sequence[Example] | None,
    labels: list[str],
    *,
    seed: int,
    cache_dir: Path,
    device: str = "cpu",
    progress: bool = False,
    extra_callbacks: Sequence[Any] = (),
) -> FinetuneResult:
    """Train a ``kind`` (full / lora / qlora) classifier per learning rate of the grid, keep the
    best on dev (``benchmarks.models.tuning``), save it content-addressed, report curves and tuning."""
    if not dev:
        raise RagorftError("fine-tuning needs a dev split for early stopping (the runner passes ctx.dev)")
    grid = learning_rate_grid(options.learning_rates, options.learning_rate)
    torch_threads()
    folder, family = model_source(options.model)
    train = subset(train, options.max_train_examples, seed)
    n_dev_available = len(dev)
    dev = tuning_dev(dev, options.max_dev_examples, len(labels), seed)
    key = cache_key(kind, folder, options, labels, train)
    saved = Path(cache_dir) / "finetuned" / f"{kind}-{key}"
    trials, best = _grid(
        kind, grid, options, folder, family, train, dev, labels, seed, device, progress, extra_callbacks, saved
    )
    chosen = best_trial(trials)
    # what is scored is the saved artefact a user would ship (for qlora a fresh 4-bit load, whose
    # quantisation state differs slightly from the trained model's after bitsandbytes' CPU repacking)
    model, _, _ = load_finetuned(saved, device)
    extra = _training_report(
        kind,
        options,
        family,
        train,
        dev,
        best.curves,
        best.out,
        sum(t["train_wall_s"] for t in trials),
        saved,
        folder,
        device,
    )
    extra["tuning"] = tuning_report(
        "learning_rate",
        grid,
        trials,
        chosen,
        n_dev=len(dev),
        n_dev_available=n_dev_available,
        max_epochs=options.epochs,
        patience=options.patience,
    )
    return FinetuneResult(model.eval(), best.tokenizer, saved, extra, best.trainable, best.total)


def _grid(
    kind: str,
    grid: Sequence[float],
    options: FinetuneOptions,
    folder: str,
    family: str,
    train: Sequence[Example],
    dev: Sequence[Example],
    labels: list[str],
    seed: int,
    device: str,
    progress: bool,
    extra_callbacks: Sequence[Any],
    saved: Path,
) -> tuple[list[dict[str, Any]], Trial]:
    """Train one trial per learning rate; the best so far is saved to ``saved`` and released.

    One model in memory at a time: the best so far waits on disk while the next rate trains
    (holding it doubled a 1.5B cell's peak).
    """
    trials: list[dict[str, Any]] = []
    best: Trial | None = None
    for lr in grid:
        trial = train_one(
            kind,
            options.model_copy(update={"learning_rate": lr}),
            folder,
            family,
            train,
            dev,
            labels,
            seed,
            device,
            progress,
            extra_callbacks,
        )
        trials.append(trial.summary(lr, options.epochs))
        if best is None or trials[-1]["dev_accuracy"] > best.dev_accuracy:
            save_finetuned(
                trial.trainer.model,
                trial.tokenizer,
                saved,
                kind=kind,
                base=folder,
                family=family,
                options=options,
                labels=labels,
            )
            best = trial.released()
        del trial
        gc.collect()
    assert best is not None
    return trials, best


def save_finetuned(
    model: Any,
    tokenizer: Any,
    folder: Path,
    *,
    kind: str,
    base: str,
    family: str,
    options: FinetuneOptions,
    labels: list[str],
) -> None:
    """Write the model (full) or adapter + head (lora/qlora) and a manifest, replacing atomically."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=_ensure(folder.parent)))
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    manifest = {
        "kind": kind,
        "base": base,
        "family": family,
        "labels": list(labels),
        "options": options.model_dump(mode="json"),
    }
    write_json(tmp / MANIFEST, manifest)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_finetuned(folder: Path, device: str = "cpu") -> tuple[Any, Any, list[str]]:
    """(model, tokenizer, labels) rebuilt from a folder written by ``save_finetuned``."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    manifest_path = Path(folder) / MANIFEST
    if not manifest_path.exists():
        raise RagorftError("not a ragorft fine-tune (no manifest)", path=str(manifest_path))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    labels = manifest["labels"]
    if manifest["kind"] == "full":
        model = AutoModelForSequenceClassification.from_pretrained(folder)
        return model.to(device).eval(), tokenizer, labels
    from peft import PeftModel

    options = LoraOptions(**manifest["options"])
    base, _ = build_model(manifest["kind"], manifest["base"], manifest["family"], labels, options, device, wrap=False)
    model = PeftModel.from_pretrained(base, folder)
    if manifest["kind"] != "qlora":  # a 4-bit base is placed by its device_map when it loads
        model = model.to(device)
    return model.eval(), tokenizer, labels


def predict_labels(
    model: Any, tokenizer: Any, labels: list[str], texts: Sequence[str], *, max_length: int, batch_size: int = 64
) -> list[str]:
    """Batched argmax over the classification head."""
    return predict_scores(model, tokenizer, labels, texts, max_length=max_length, batch_size=batch_size)[0]


def predict_scores(
    model: Any, tokenizer: Any, labels: list[str], texts: Sequence[str], *, max_length: int, batch_size: int = 64
) -> tuple[list[str], Any]:
    """(argmax label, its softmax probability) per text, batched in length order to pad little.

    The probability is over the real labels only (a padded head's unused outputs are dropped
    first); it is the confidence the out-of-scope threshold reads.
    """
    import numpy as np
    import torch

    device = next(model.parameters()).device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[str] = [""] * len(texts)
    conf = np.zeros(len(texts), dtype=np.float64)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx], truncation=True, max_length=max_length, padding=True, return_tensors="pt"
            ).to(device)
            probs = model(**enc).logits[:, : len(labels)].float().softmax(dim=-1)
            top, arg = probs.max(dim=-1)
            for i, j, p in zip(idx, arg.tolist(), top.tolist(), strict=True):
                out[i], conf[i] = labels[j], p
    return out, conf


def _training_report(
    kind: str,
    options: FinetuneOptions,
    family: str,
    train: Sequence[Example],
    dev: Sequence[Example],
    curves: list[dict[str, Any]],
    out: Any,
    wall: float,
    saved: Path,
    folder: str,
    device: str,
) -> dict[str, Any]:
    """What a fine-tune's record says about its training: curves, chosen epoch, speed, sizes."""
    best = max(curves, key=lambda r: r["dev_accuracy"]) if curves else None  # first of ties
    base_bytes = folder_bytes(Path(folder))
    saved_bytes = folder_bytes(saved)
    extra = {
        "kind": kind,
        "base_model": options.model,
        "family": family,
        "n_train_used": len(train),
        "n_dev_used": len(dev),
        "curves": curves,
        "chosen_epoch": best["epoch"] if best else None,
        "epochs_run": len(curves),
        "stopped_early": len(curves) < options.epochs,
        "train_examples_per_s": out.metrics.get("train_samples_per_second"),
        "train_wall_s": wall,
        "saved_path": str(saved),
        "saved_bytes": saved_bytes,
        "base_bytes": base_bytes,
        "saved_vs_base": saved_bytes / base_bytes if base_bytes else None,
        "device": device,
        "precision": "bf16" if device == "cuda" else "fp32",
    }
    if device == "cuda":
        import torch

        extra["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return extra
