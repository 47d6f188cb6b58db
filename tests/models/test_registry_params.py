"""The registry's nominal parameter counts are the real checkpoints', counted by loading them.

The decision compares base sizes by this number (never a record's params_total, which counts LoRA
adapters and halves with 4-bit packing), so it must be the checkpoint's own count.
"""

from __future__ import annotations

import numpy as np
import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models import registry


def test_minilm_params_is_the_loaded_models_count():
    from transformers import AutoModel

    try:
        path = registry.resolve("all-MiniLM-L6-v2")
    except RagorftError as exc:
        pytest.skip(str(exc))
    model = AutoModel.from_pretrained(path)
    assert registry.card("all-MiniLM-L6-v2").params == model.num_parameters()


def test_smollm2_params_is_the_checkpoints_tensor_count():
    """Counted over the GGUF's tensors (the checkpoint the converter loads; tied embeddings stored once)."""
    from gguf import GGUFReader
    from ragorft.benchmarks.models.lm import gguf_path

    card = registry.card("SmolLM2-135M-Instruct")
    try:
        path = gguf_path(card)
    except RagorftError as exc:
        pytest.skip(str(exc))
    total = sum(int(np.prod(t.shape)) for t in GGUFReader(path).tensors)
    assert card.params == total


def test_nominal_params_of_unknown_models_is_none():
    assert registry.nominal_params(None) is None and registry.nominal_params("no-such-model") is None


# all-mpnet-base-v2's config.json, the fields that size it (the checkpoint on the hub and in its part packages)
MPNET_CONFIG = {"vocab_size": 30527, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12}
MPNET_CONFIG |= {"intermediate_size": 3072, "max_position_embeddings": 514, "relative_attention_num_buckets": 32}


def test_mpnet_params_is_the_count_of_its_checkpoints_architecture():
    """Counted the way MiniLM's is (AutoModel, pooler included), on the meta device: no weights needed.

    The five part packages are not in every environment; with them, the loaded config must be this one.
    """
    import torch
    from transformers import MPNetConfig, MPNetModel

    try:
        path = registry.resolve("all-mpnet-base-v2")
    except RagorftError:
        path = None
    if path is not None:
        loaded = MPNetConfig.from_pretrained(path)
        assert {k: getattr(loaded, k) for k in MPNET_CONFIG} == MPNET_CONFIG
    with torch.device("meta"):
        model = MPNetModel(MPNetConfig(**MPNET_CONFIG))
    assert registry.card("all-mpnet-base-v2").params == model.num_parameters()
