"""Tiny options per registered strategy: what the contract and determinism tests fit on the tiny
corpora. "{encoder}", "{st_encoder}", "{lm}" and "{url}" are filled in by the tests; every
registered strategy needs an entry (tests/strategies/test_contract.py checks it).
"""

from __future__ import annotations

from typing import Any

_CAUSAL = {"epochs": 1, "train_batch_size": 4, "max_length": 96, "learning_rates": []}
_QA = {"model": "{lm}", "max_new_tokens": 4}
_RETRIEVE = {"k": 2, "embedding_model": "{st_encoder}"}
_FT = {"model": "{encoder}", "epochs": 1, "batch_size": 8, "max_length": 24}
FIT: dict[str, dict[str, Any]] = {
    "rag": {"k": 3, "embedding_model": "{st_encoder}"},
    "linear_probe": {"model": "{st_encoder}", "c_grid": [10.0, 1000.0], "max_iter": 200},
    # the default suite's path (epochs with early stopping, capped steps, a head C grid) at a rate
    # that moves a tiny body, so the determinism test sees training that matters
    "setfit": {
        "model": "{st_encoder}",
        "epochs": 2,
        "num_iterations": 1,
        "max_steps_per_epoch": 2,
        "learning_rate": 1e-3,
        "head_c_grid": [10.0, 1000.0],
        "max_length": 24,
    },
    "full_ft": _FT,
    "lora": _FT,
    "qlora": _FT,
    "few_shot": {"model": "{lm}", "demos_per_label": 1, "measure_unconstrained": False},
    "rag_lm": {"model": "{lm}", "k": 2, "embedding_model": "{st_encoder}", "measure_unconstrained": False},
    "api_prompt": {"api_model": "tiny-local", "base_url": "{url}", "max_tokens": 6, "max_concurrency": 2},
    "closed_book": _QA,
    "rag_qa": _QA | _RETRIEVE,
    "lora_docs": _QA | _CAUSAL,
    "full_ft_docs": _QA | _CAUSAL,
    "lora_qa": _QA | _CAUSAL,
    "ft_rag": _QA | _CAUSAL | _RETRIEVE,
    "frame_tagger": {"embedding_model": "{st_encoder}", "c_grid": [10.0], "max_iter": 100},
    "few_shot_frames": {"model": "{lm}", "demos_per_intent": 1, "max_new_tokens": 8},
    "rag_frames": {"model": "{lm}", "k": 2, "embedding_model": "{st_encoder}", "max_new_tokens": 8},
    "lora_frames": {"model": "{lm}", "max_new_tokens": 8} | _CAUSAL,
    "full_ft_frames": {"model": "{lm}", "max_new_tokens": 8} | _CAUSAL,
}
SLOW = {"qlora"}


def fill(options: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """``options`` with the placeholders replaced by ``values`` (model folders, the server URL)."""
    return {k: v.format(**values) if isinstance(v, str) else v for k, v in options.items()}
