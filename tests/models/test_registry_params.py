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
