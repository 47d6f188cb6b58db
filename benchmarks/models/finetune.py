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
import math
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

log = get_logger(__name__)

MANIFEST = "ragorft_finetune.json"
PROBE_FILE = Path(__file__).with_name("forgetting_probe.txt")
LORA_TARGETS = {
    "bert": ["query", "key", "value", "dense"],
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
}


@dataclass
class FinetuneOptions:
    """Options shared by every fine-tuning strategy (the suite TOML fills them)."""

    model: str = "all-MiniLM-L6-v2"
    epochs: int = 4
    learning_rate: float = 1e-4
    batch_size: int = 32
    max_length: int = 64
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    #: epochs without dev-loss improvement before stopping (the best epoch is restored)
    patience: int = 1
    #: 0 = every training example; otherwise a seeded stratified subset of this many
    max_train_examples: int = 0
    #: 0 = the whole dev split; otherwise a seeded stratified subset (dev is evaluated every epoch)
    max_dev_examples: int = 0
    #: "dynamic" pads each batch to its longest text; "max_length" pads everything to max_length
    padding: str = "dynamic"
    group_by_length: bool = True
    #: 0 = one output per label; larger pads the head so adapters of tasks with different label
    #: counts share one base shape (``ragorft adapters``); padded outputs are never predicted
    head_size: int = 0


@dataclass
class LoraOptions(FinetuneOptions):
    learning_rate: float = 2e-4
    rank: int = 16
    alpha: int = 16
    dropout: float = 0.05


def torch_threads() -> None:
    """Respect the shared machine: at most two CPU threads unless told otherwise."""
    import torch

    torch.set_num_threads(int(os.environ.get("RAGORFT_TORCH_THREADS", "2")))


def model_source(name: str) -> tuple[str, str]:
    """(local folder of HF weights, model family) for a registry name or a local folder.

    Causal LMs shipped as GGUF are converted once by ``benchmarks.lm`` (the language-model
    strategies' loader); encoders are plain HF folders.
    """
    from ragorft.benchmarks.models.registry import card, registry, resolve

    if name in registry() and card(name).kind.startswith("causal-lm"):
        from ragorft.benchmarks.models import lm

        folder = lm.causal_lm_folder(name)
    else:
        folder = resolve(name)
    cfg = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    return folder, cfg.get("model_type", "")


def subset(examples: Sequence[Example], n: int, seed: int) -> list[Example]:
    """A seeded stratified subset of ``n`` examples (all of them when ``n`` is 0 or too large)."""
    if not n or n >= len(examples):
        return list(examples)
    order = stratified_order(examples, seed)[:n]
    return [examples[i] for i in sorted(order)]


def count_params(model: Any) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def folder_bytes(folder: Path, suffixes: tuple[str, ...] = (".safetensors", ".bin", ".gguf")) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and p.suffix in suffixes)


def build_model(
    kind: str, folder: str, family: str, labels: list[str], options: FinetuneOptions, device: str, *, wrap: bool = True
) -> tuple[Any, Any]:
    """(model ready to train, tokenizer) for ``kind`` in full / lora / qlora.

    ``wrap=False`` stops after loading the base (4-bit for qlora): what reloading an adapter needs.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    names = list(labels) + [f"_unused_{i}" for i in range(len(labels), options.head_size)]
    kwargs: dict[str, Any] = {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {lab: i for i, lab in enumerate(names)},
        "pad_token_id": tokenizer.pad_token_id,
    }
    if kind == "qlora":
        from transformers import BitsAndBytesConfig

        compute = torch.bfloat16 if device == "cuda" else torch.float32
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute,
            llm_int8_skip_modules=["classifier", "score"],
        )
        kwargs["device_map"] = {"": 0 if device == "cuda" else "cpu"}
    model = AutoModelForSequenceClassification.from_pretrained(folder, **kwargs)
    if kind == "full" or not wrap:
        return model, tokenizer
    from peft import LoraConfig, TaskType, get_peft_model, prepare_model_for_kbit_training

    if kind == "qlora":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    assert isinstance(options, LoraOptions)
    head = ["classifier"] if family == "bert" else ["score"]
    config = LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=options.dropout,
        target_modules=LORA_TARGETS.get(family, "all-linear"),
        modules_to_save=head,
    )
    return get_peft_model(model, config), tokenizer


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
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer, TrainingArguments, set_seed

    if options.padding not in ("dynamic", "max_length"):
        raise RagorftError(f"padding must be 'dynamic' or 'max_length', not {options.padding!r}")
    torch_threads()
    set_seed(seed)
    folder, family = model_source(options.model)
    train = subset(train, options.max_train_examples, seed)
    if not dev:
        raise RagorftError("fine-tuning needs a dev split for early stopping (the runner passes ctx.dev)")
    dev = subset(dev, options.max_dev_examples, seed)
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
    args = TrainingArguments(
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
    t0 = time.perf_counter()
    out = trainer.train()
    wall = time.perf_counter() - t0
    curves = _curves(trainer.state.log_history)
    best = min(curves, key=lambda r: r["dev_loss"]) if curves else None
    shutil.rmtree(work, ignore_errors=True)

    key = cache_key(kind, folder, options, labels, train)
    saved = Path(cache_dir) / "finetuned" / f"{kind}-{key}"
    save_finetuned(
        trainer.model, tokenizer, saved, kind=kind, base=folder, family=family, options=options, labels=labels
    )
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
        "precision": "bf16" if cuda else "fp32",
    }
    if cuda:
        import torch

        extra["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
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


def probe_texts() -> list[str]:
    """The shipped general-knowledge sentences the forgetting check scores."""
    return [line.strip() for line in PROBE_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def perplexity(backbone: Any, lm_head: Any, tokenizer: Any, texts: Sequence[str]) -> float:
    """Token-level perplexity of ``texts`` through ``backbone`` (a decoder body) and ``lm_head``.

    Splitting body and head lets the check score a classification fine-tune as a language model:
    the tuned body (with its LoRA deltas or updated weights) under the base model's LM head.
    """
    import torch

    device = next(backbone.parameters()).device
    nll, count = 0.0, 0
    with torch.inference_mode():
        for text in texts:
            enc = tokenizer(text, return_tensors="pt").to(device)
            hidden = backbone(**enc).last_hidden_state
            logits = lm_head(hidden.to(lm_head.weight.dtype))[0, :-1].float()
            target = enc["input_ids"][0, 1:]
            nll += torch.nn.functional.cross_entropy(logits, target, reduction="sum").item()
            count += target.numel()
    return math.exp(nll / count)


def forgetting_check(result: FinetuneResult, options: FinetuneOptions, device: str = "cpu") -> dict[str, Any]:
    """Perplexity of the base causal LM and of the tuned body on the probe set; relative change."""
    from transformers import AutoModelForCausalLM

    folder, _ = model_source(options.model)
    base = AutoModelForCausalLM.from_pretrained(folder).to(device).eval()
    texts = probe_texts()
    base_ppl = perplexity(base.model, base.lm_head, result.tokenizer, texts)
    tuned = result.model.get_base_model() if hasattr(result.model, "get_base_model") else result.model
    tuned_ppl = perplexity(tuned.model, base.lm_head, result.tokenizer, texts)
    log.info(f"forgetting probe: perplexity base {base_ppl:.2f}, tuned {tuned_ppl:.2f}")
    return {
        "probe_sentences": len(texts),
        "base_perplexity": base_ppl,
        "tuned_perplexity": tuned_ppl,
        "relative_change": tuned_ppl / base_ppl - 1.0,
    }
