"""One training run of a fine-tune: one learning rate, up to ``epochs`` epochs, early stopping.

``benchmarks.models.finetune`` runs one of these per learning rate of the grid and keeps the best
on dev (``benchmarks.models.tuning``). A run is transformers' ``Trainer``: dynamic padding through
``DataCollatorWithPadding``, length-grouped batches, a cosine schedule with warmup, one dev
evaluation per epoch and ``EarlyStoppingCallback`` on dev accuracy with the best epoch restored.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.classifier import FinetuneOptions, build_model, count_params
from ragorft.benchmarks.models.tuning import still_rising


class Texts:
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


def epoch_curves(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
class Trial:
    trainer: Any
    tokenizer: Any
    curves: list[dict[str, Any]]
    out: Any
    wall: float
    trainable: int
    total: int

    def released(self) -> Trial:
        """This trial without its trainer (and so its model): its curves and counts stay for the report."""
        return replace(self, trainer=None)

    @property
    def dev_accuracy(self) -> float:
        return max((r["dev_accuracy"] for r in self.curves), default=0.0)

    def summary(self, lr: float, max_epochs: int) -> dict[str, Any]:
        accs = [r["dev_accuracy"] for r in self.curves]
        return {
            "learning_rate": lr,
            "dev_accuracy": self.dev_accuracy,
            "chosen_epoch": 1 + accs.index(self.dev_accuracy) if accs else None,
            "epochs_run": len(self.curves),
            "hit_max_epochs_still_rising": still_rising(accs, max_epochs),
            "train_wall_s": self.wall,
        }


def train_one(
    kind: str,
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
) -> Trial:
    """One learning rate: train up to ``epochs`` with early stopping on dev accuracy, best epoch restored."""
    import numpy as np
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer, set_seed

    set_seed(seed)
    label_id = {lab: i for i, lab in enumerate(labels)}
    model, tokenizer = build_model(kind, folder, family, labels, options, device)
    train_ds = Texts(tokenizer, [e.text for e in train], [label_id[e.label] for e in train], options)
    dev_ds = Texts(tokenizer, [e.text for e in dev], [label_id[e.label] for e in dev], options)
    trainable, total = count_params(model)

    def accuracy(pred: Any) -> dict[str, float]:
        scores = pred.predictions[:, : len(labels)]
        return {"accuracy": float((np.argmax(scores, axis=-1) == pred.label_ids).mean())}

    work = Path(tempfile.mkdtemp(prefix="ragorft-ft-"))
    args = training_arguments(options, work, seed=seed, cuda=device == "cuda", progress=progress)
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
    curves = epoch_curves(trainer.state.log_history)
    shutil.rmtree(work, ignore_errors=True)
    return Trial(trainer, tokenizer, curves, out, wall, trainable, total)


def training_arguments(options: FinetuneOptions, work: Path, *, seed: int, cuda: bool, progress: bool) -> Any:
    """One evaluation and checkpoint per epoch on dev, the best epoch (by dev accuracy) restored at the end.

    Dev accuracy, not dev loss, decides: on few-shot budgets the loss rises (over-confidence)
    epochs before the accuracy stops rising, and accuracy is what the grid chooses by too.
    """
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
        metric_for_best_model="eval_accuracy",
        greater_is_better=True,
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
