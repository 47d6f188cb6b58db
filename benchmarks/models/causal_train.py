"""Causal-LM fine-tuning with early stopping on dev: ``qa_lm.train_causal`` plus a dev check per epoch.

The same training as ``qa_lm.train_causal`` (the same rows, ``CausalTrainOptions``, Trainer
arguments and LoRA targets; a LoRA merged into the base afterwards), with a ``TrainerCallback``
that scores dev. Its own module so that only the QA fine-tunes import it: the structured
fine-tunes and closed-book/RAG, which import ``qa_lm``, keep their cells' keys. ``train_causal``
without a check trains exactly as this function does with ``check = None``; it can become a call
to this one when those cells are next re-keyed anyway.

Early stopping (``DevCheck``): after every ``every`` epochs the caller's dev score is computed on
the model as it is, the best epoch's trainable weights are kept (a copy in memory: the LoRA
matrices, or every weight for full fine-tuning), training stops once the score has not risen for
``patience`` checks, and the kept weights are put back. The learning-rate schedule spans the
maximum epochs, so stopping early is the same run cut short, not another schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragorft.benchmarks.models.classifier import LORA_TARGETS, count_params, torch_threads
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions, _Tokenised


@dataclass
class DevCheck:
    """Score the model on dev every ``every`` epochs (and after the last); ``patience`` None only
    records the curve (no stop, the last weights kept)."""

    score: Callable[[Any], float]
    patience: int | None = 2
    every: int = 1


def _early_stop(check: DevCheck, tokenizer: Any) -> Any:
    """A ``TrainerCallback`` running ``check`` at epoch ends, keeping the best weights."""
    from transformers import TrainerCallback

    class EarlyStop(TrainerCallback):
        def __init__(self) -> None:
            self.scores: list[dict[str, float]] = []
            self.best, self.best_epoch, self.waited = float("-inf"), 0, 0
            self.state: dict[str, Any] | None = None

        def on_epoch_end(self, args: Any, state: Any, control: Any, model: Any = None, **kw: Any) -> Any:
            epoch = round(state.epoch)
            if epoch % check.every and epoch < args.num_train_epochs:
                return control
            sides = tokenizer.padding_side, tokenizer.truncation_side
            model.eval()
            score = float(check.score(model))
            model.train()
            tokenizer.padding_side, tokenizer.truncation_side = sides  # the collator pads on the right
            self.scores.append({"epoch": epoch, "dev_score": score})
            if check.patience is None:
                self.best_epoch = epoch
            elif score > self.best:
                self.best, self.best_epoch, self.waited = score, epoch, 0
                self.state = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
            else:
                self.waited += 1
                control.should_training_stop = self.waited >= check.patience
            return control

        def restore(self, model: Any) -> None:
            import torch

            if self.state is None:
                return
            with torch.no_grad():
                for n, p in model.named_parameters():
                    if n in self.state:
                        p.copy_(self.state[n])

    return EarlyStop()


def _with_adapter(model: Any, method: str, options: CausalTrainOptions) -> Any:
    """``model`` wrapped in a peft LoRA (``method = "lora"``) on the attention and MLP projections, or as is."""
    if method == "full":
        return model
    if method != "lora":
        raise ValueError(f"method must be 'full' or 'lora', not {method!r}")
    from peft import LoraConfig, TaskType, get_peft_model

    family = getattr(model.config, "model_type", "")
    config = LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=options.dropout,
        target_modules=LORA_TARGETS.get(family, "all-linear"),
    )
    return get_peft_model(model, config)


def _arguments(options: CausalTrainOptions, work: Path, *, seed: int, cuda: bool, progress: bool) -> Any:
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(work),
        num_train_epochs=options.epochs,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=options.train_batch_size,
        lr_scheduler_type="cosine",
        warmup_steps=options.warmup_ratio,  # a float below 1 is a fraction of the total steps
        weight_decay=options.weight_decay,
        logging_strategy="epoch",
        save_strategy="no",
        train_sampling_strategy="group_by_length",
        bf16=cuda,
        use_cpu=not cuda,
        seed=seed,
        data_seed=seed,
        report_to=[],
        disable_tqdm=not progress,
        dataloader_num_workers=0,
    )


def train_early_stopped(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    method: str,
    options: CausalTrainOptions,
    work: Path,
    *,
    seed: int,
    cuda: bool,
    progress: bool,
    check: DevCheck | None = None,
) -> tuple[Any, dict[str, Any]]:
    """``qa_lm.train_causal`` with ``check``: epochs are a maximum, and the report's ``kept_epoch``
    is the epoch whose weights the returned model has (with its dev score in ``curves``)."""
    from transformers import DataCollatorForSeq2Seq, Trainer

    torch_threads()
    model.train()
    model = _with_adapter(model, method, options)
    trained, total = count_params(model)
    args = _arguments(options, work, seed=seed, cuda=cuda, progress=progress)
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    tokenizer.padding_side = "right"
    data = _Tokenised(tokenizer, pairs, options.max_length)
    stopper = _early_stop(check, tokenizer) if check is not None else None
    callbacks = [stopper] if stopper is not None else None
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=collator, callbacks=callbacks)
    t0 = time.perf_counter()
    out = trainer.train()
    wall = time.perf_counter() - t0
    curve = [{"epoch": round(r["epoch"]), "train_loss": r["loss"]} for r in trainer.state.log_history if "loss" in r]
    epochs_run = max([c["epoch"] for c in curve], default=options.epochs)
    kept = epochs_run
    if stopper is not None:
        stopper.restore(model)
        scores = {s["epoch"]: s["dev_score"] for s in stopper.scores}
        curve = [c | ({"dev_score": scores[c["epoch"]]} if c["epoch"] in scores else {}) for c in curve]
        kept = stopper.best_epoch or epochs_run
    if method == "lora":
        model = model.merge_and_unload()
    model.eval()
    report = {
        "method": method,
        "train_rows": len(data),
        "train_tokens": sum(len(r["input_ids"]) for r in data.rows),
        "curves": curve,
        "epochs_run": epochs_run,
        "kept_epoch": kept,
        "train_wall_s": wall,
        "train_examples_per_s": out.metrics.get("train_samples_per_second"),
        "params_trained": trained,
        "params_total": total,
    }
    return model, report
