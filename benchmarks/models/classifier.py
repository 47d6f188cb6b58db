"""Classification models to fine-tune: the options, the base (an encoder or a causal LM with a
classification head) and its wrapping for ``full``, ``lora`` or ``qlora`` (LoRA on a 4-bit NF4 base)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.core import env
from ragorft.benchmarks.core.strategy_options import StrategyOptions

#: encoder families (a sentence encoder with a classification head); anything else is a causal LM
ENCODER_FAMILIES = ("bert", "mpnet")
LORA_TARGETS = {
    "bert": ["query", "key", "value", "dense"],
    "mpnet": ["q", "k", "v", "o", "dense"],
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    # Qwen2 (the ladder's Qwen2.5-Coder bases) names its projections as Llama does
    "qwen2": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
}


class FinetuneOptions(StrategyOptions):
    """Options shared by every fine-tuning strategy (the suite TOML fills them)."""

    model: str = "all-MiniLM-L6-v2"
    epochs: PositiveInt = 4
    learning_rate: PositiveFloat = 1e-4
    #: the learning-rate grid chosen on dev (benchmarks.models.tuning); empty = [learning_rate].
    #: Zero is allowed: a run that cannot move (the tests' planted plateau)
    learning_rates: list[PositiveFloat] = []
    batch_size: PositiveInt = 32
    max_length: PositiveInt = 64
    warmup_ratio: float = Field(0.1, ge=0, le=1)
    weight_decay: NonNegativeFloat = 0.01
    #: epochs without dev-accuracy improvement before stopping (the best epoch is restored);
    #: ``epochs`` is then a maximum, not a fixed count
    patience: PositiveInt = 1
    #: 0 = every training example; otherwise a seeded stratified subset of this many
    max_train_examples: NonNegativeInt = 0
    #: 0 = the whole dev split; otherwise a seeded stratified subset (dev is evaluated every epoch)
    max_dev_examples: NonNegativeInt = 0
    #: "dynamic" pads each batch to its longest text; "max_length" pads everything to max_length
    padding: Literal["dynamic", "max_length"] = "dynamic"
    group_by_length: bool = True
    #: 0 = one output per label; larger pads the head so adapters of tasks with different label
    #: counts share one base shape (``ragorft adapters``); padded outputs are never predicted
    head_size: NonNegativeInt = 0


class LoraOptions(FinetuneOptions):
    learning_rate: PositiveFloat = 2e-4
    rank: PositiveInt = 16
    alpha: PositiveInt = 16
    dropout: float = Field(0.05, ge=0, lt=1)


def torch_threads() -> None:
    """Respect the shared machine: the cell's thread count (``core.env.threads``, two unless told otherwise)."""
    import torch

    torch.set_num_threads(env.threads())


def model_source(name: str) -> tuple[str, str]:
    """(local folder of HF weights, model family) for a registry name or a local folder.

    Causal LMs shipped as GGUF are converted once by ``ragorft.benchmarks.models.lm`` (the language-model
    strategies' loader); encoders are plain HF folders.
    """
    from ragorft.benchmarks.models.registry import card, registry, resolve

    if name in registry() and card(name).kind.startswith("causal-lm"):
        from ragorft.benchmarks.models import lm

        folder = lm.causal_lm_folder(name)
    else:
        folder = resolve(name)
    config = Path(folder) / "config.json"
    if not config.is_file():  # a hub id (RAGORFT_ALLOW_HUB=1): transformers resolves its config
        from transformers import AutoConfig

        return folder, AutoConfig.from_pretrained(folder, trust_remote_code=False).model_type
    cfg = json.loads(config.read_text(encoding="utf-8"))
    return folder, cfg.get("model_type", "")


def count_params(model: Any) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def folder_bytes(folder: Path, suffixes: tuple[str, ...] = (".safetensors", ".bin", ".gguf")) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file() and p.suffix in suffixes)


def nf4_kwargs(device: str) -> dict[str, Any]:
    """``from_pretrained`` arguments for QLoRA's 4-bit NF4 base (double quantisation); the
    forgetting probe loads its baseline the same way, so it measures tuning, not quantisation."""
    import torch
    from transformers import BitsAndBytesConfig

    compute = torch.bfloat16 if device == "cuda" else torch.float32
    config = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
        # heads stay in full precision: setting this list replaces transformers' default, which
        # keeps ``lm_head``; a 4-bit head tied to the embeddings gave the probe perplexities of 1e61
        llm_int8_skip_modules=["classifier", "score", "lm_head"],
    )
    return {"quantization_config": config, "device_map": {"": 0 if device == "cuda" else "cpu"}}


def build_model(
    kind: str, folder: str, family: str, labels: list[str], options: FinetuneOptions, device: str, *, wrap: bool = True
) -> tuple[Any, Any]:
    """(model ready to train, tokenizer) for ``kind`` in full / lora / qlora.

    ``wrap=False`` stops after loading the base (4-bit for qlora): what reloading an adapter needs.
    """
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
        kwargs |= nf4_kwargs(device)
    model = AutoModelForSequenceClassification.from_pretrained(folder, **kwargs)
    if kind == "qlora":  # also when reloading: it casts the unquantised weights, so inference must see it too
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    if kind == "full" or not wrap:
        return model, tokenizer
    from peft import LoraConfig, TaskType, get_peft_model

    assert isinstance(options, LoraOptions)
    head = ["classifier"] if family in ENCODER_FAMILIES else ["score"]
    config = LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=options.dropout,
        target_modules=LORA_TARGETS.get(family, "all-linear"),
        modules_to_save=head,
    )
    return get_peft_model(model, config), tokenizer
