"""Shared fine-tuning machinery for the ``full_ft``, ``lora`` and ``qlora`` strategies.

One place builds a sequence-classification model (an encoder such as MiniLM, or a causal LM with
a classification head), wraps it for the strategy (all weights, LoRA, or LoRA on a 4-bit NF4
base), and trains it with transformers' ``Trainer``: dynamic padding through
``DataCollatorWithPadding``, length grouping, one evaluation per epoch on the dev split, and
``EarlyStoppingCallback`` on dev loss with the best epoch restored. Per-epoch curves, parameter
counts, throughput and sizes go into the strategy's report, which is what the decision tree reads
to tell "still learning" from "no improvement after tuning".

The trained model (or adapter) is saved content-addressed under the run cache together with a
manifest, so ``load_finetuned`` rebuilds exactly the predictor that ``fit`` produced.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
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
    count_params,
    folder_bytes,
    model_source,
    torch_threads,
)

log = get_logger(__name__)

MANIFEST = "ragorft_finetune.json"
MIN_DEV_PER_LABEL = 5


def subset(examples: Sequence[Example], n: int, seed: int) -> list[Example]:
    """A seeded stratified subset of ``n`` examples (all of them when ``n`` is 0 or too large)."""
    if not n or n >= len(examples):
        return list(examples)
    order = stratified_order(examples, seed)[:n]
    return [examples[i] for i in sorted(order)]


def dev_subset(dev: Sequence[Example], max_examples: int, n_labels: int, seed: int) -> list[Example]:
    """The dev items early stopping and the flat-curve check read every epoch: ``max_examples``
    (0 = all), but never fewer than ``MIN_DEV_PER_LABEL`` per label (77-154 items over 77 labels
    once decided when to stop), or the whole dev split where it is smaller."""
    if not max_examples:
        return list(dev)
    return subset(dev, max(max_examples, MIN_DEV_PER_LABEL * n_labels), seed)


class _Texts:
    """A tokenised list of examples in the shape ``Trainer`` expects (a torch-style dataset)."""

    def __init__(self, tokenizer: Any, texts: Sequence[str], labels: Sequence[int] | None, options: FinetuneOptions):
        pad = "max_length" if options.padding == "max_length" else False
        enc = tokenizer(list(texts), truncation=True, max_length=options.max_length, padding=pad)
        self.rows = [
            {k: enc[k][i] for k in enc.keys()} | ({"labels": labels[i]} if labels is not None else {})
            for i in range(len(texts))
        ]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.rows[i]


def _curves(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per epoch: train loss, dev loss, dev accuracy (from the Trainer's log)."""
    rows: dict[int, dict[str, Any]] = {}
    for entry in log_history:
        if "epoch" not in entry:
            continue
        epoch = int(round(entry["epoch"]))
        row = rows.setdefault(epoch, {"epoch": epoch})
        if "loss" in entry:
            row["train_loss"] = entry["loss"]
        if "eval_loss" in entry:
            row["dev_loss"] = entry["eval_loss"]
            row["dev_accuracy"] = entry.get("eval_accuracy")
    return [rows[e] for e in sorted(rows) if "dev_loss" in rows[e]]


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
        "options": asdict(options),
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
    """Train a ``kind`` (full / lora / qlora) classifier; save it content-addressed; report curves."""
    import numpy as np
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer, set_seed

    if options.padding not in ("dynamic", "max_length"):
        raise RagorftError(f"padding must be 'dynamic' or 'max_length', not {options.padding!r}")
    torch_threads()
    set_seed(seed)
    folder, family = model_source(options.model)
    train = subset(train, options.max_train_examples, seed)
    if not dev:
        raise RagorftError("fine-tuning needs a dev split for early stopping (the runner passes ctx.dev)")
    dev = dev_subset(dev, options.max_dev_examples, len(labels), seed)
    label_id = {lab: i for i, lab in enumerate(labels)}
    model, tokenizer = build_model(kind, folder, family, labels, options, device)
    train_ds = _Texts(tokenizer, [e.text for e in train], [label_id[e.label] for e in train], options)
    dev_ds = _Texts(tokenizer, [e.text for e in dev], [label_id[e.label] for e in dev], options)
    trainable, total = count_params(model)

    def accuracy(pred: Any) -> dict[str, float]:
        scores = pred.predictions[:, : len(labels)]
        return {"accuracy": float((np.argmax(scores, axis=-1) == pred.label_ids).mean())}

    work = Path(tempfile.mkdtemp(prefix="ragorft-ft-"))
    cuda = device == "cuda"
    args = training_arguments(options, work, seed=seed, cuda=cuda, progress=progress)
    collator = DataCollatorWithPadding(tokenizer, padding="longest") if options.padding == "dynamic" else None
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=dev_ds,
        data_collator=collator,
        compute_metrics=accuracy,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=options.patience), *extra_callbacks],
    )
    if not progress:  # with tqdm off the Trainer prints every log dict; the curves are in the record
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    t0 = time.perf_counter()
    out = trainer.train()
    wall = time.perf_counter() - t0
    curves = _curves(trainer.state.log_history)
    shutil.rmtree(work, ignore_errors=True)

    key = cache_key(kind, folder, options, labels, train)
    saved = Path(cache_dir) / "finetuned" / f"{kind}-{key}"
    save_finetuned(
        trainer.model, tokenizer, saved, kind=kind, base=folder, family=family, options=options, labels=labels
    )
    extra = _training_report(kind, options, family, train, dev, curves, out, wall, saved, folder, device)
    model = trainer.model.eval()
    return FinetuneResult(model, tokenizer, saved, extra, trainable, total)


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
        "options": asdict(options),
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
        return model.eval(), tokenizer, labels
    from peft import PeftModel

    options = LoraOptions(**manifest["options"])
    base, _ = build_model(manifest["kind"], manifest["base"], manifest["family"], labels, options, device, wrap=False)
    model = PeftModel.from_pretrained(base, folder)
    return model.eval(), tokenizer, labels


def predict_labels(
    model: Any, tokenizer: Any, labels: list[str], texts: Sequence[str], *, max_length: int, batch_size: int = 64
) -> list[str]:
    """Batched argmax over the classification head, in length order to pad little."""
    import torch

    device = next(model.parameters()).device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[str] = [""] * len(texts)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx], truncation=True, max_length=max_length, padding=True, return_tensors="pt"
            ).to(device)
            logits = model(**enc).logits[:, : len(labels)]
            for i, j in zip(idx, logits.argmax(dim=-1).tolist(), strict=True):
                out[i] = labels[j]
    return out


def training_arguments(options: FinetuneOptions, work: Path, *, seed: int, cuda: bool, progress: bool) -> Any:
    """One evaluation and checkpoint per epoch on dev, the best epoch (by dev loss) restored at the end."""
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(work),
        num_train_epochs=options.epochs,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=options.batch_size * 2,
        lr_scheduler_type="cosine",
        warmup_steps=options.warmup_ratio,  # a float below 1 is a fraction of the total steps
        weight_decay=options.weight_decay,
        eval_strategy="epoch",
        save_strategy="epoch",
        logging_strategy="epoch",
        save_total_limit=1,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        train_sampling_strategy="group_by_length" if options.group_by_length else "random",
        bf16=cuda,
        use_cpu=not cuda,
        seed=seed,
        data_seed=seed,
        report_to=[],
        disable_tqdm=not progress,
        dataloader_num_workers=0,
        save_only_model=True,
    )


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
    best = min(curves, key=lambda r: r["dev_loss"]) if curves else None
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
