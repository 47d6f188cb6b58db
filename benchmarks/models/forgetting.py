"""The forgetting probe: how much a fine-tune hurt the base model's language modelling.

Perplexity of the base causal LM and of the tuned body (under the base's LM head) on a shipped set
of general sentences; the relative change is what the report shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.models.classifier import nf4_kwargs
from ragorft.benchmarks.models.finetune import FinetuneOptions, FinetuneResult, model_source

log = get_logger(__name__)

PROBE_FILE = Path(__file__).with_name("forgetting_probe.txt")


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
            dtype = lm_head.weight.dtype if lm_head.weight.is_floating_point() else hidden.dtype
            logits = lm_head(hidden.to(dtype))[0, :-1].float()
            target = enc["input_ids"][0, 1:]
            nll += torch.nn.functional.cross_entropy(logits, target, reduction="sum").item()
            count += target.numel()
    return math.exp(nll / count)


def forgetting_check(
    result: FinetuneResult, options: FinetuneOptions, device: str = "cpu", kind: str = "lora"
) -> dict[str, Any]:
    """Perplexity of the base causal LM and of the tuned body on the probe set; relative change.

    For ``qlora`` the base is loaded in NF4 as the tuned model's was: against the fp32 base the
    change would include the quantisation error (it once read +78% for QLoRA against +38% LoRA).
    """
    from transformers import AutoModelForCausalLM

    folder, _ = model_source(options.model)
    if kind == "qlora":
        base = AutoModelForCausalLM.from_pretrained(folder, **nf4_kwargs(device)).eval()
    else:
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
        "baseline": "nf4 base" if kind == "qlora" else "base",
    }
