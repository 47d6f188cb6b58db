"""Two tiny local sentence encoders with different weights, built once for the package's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.tiny_encoder import build_tiny_encoder


def perturb(folder: Path, seed: int = 1) -> None:
    """New weights in place: same files, same names, other numbers."""
    import torch
    from safetensors.torch import load_file, save_file

    path = next(folder.rglob("model.safetensors"))
    tensors = load_file(path)
    torch.manual_seed(seed)
    save_file({k: v + 0.5 * torch.randn_like(v) if v.is_floating_point() else v for k, v in tensors.items()}, path)


@pytest.fixture(scope="package")
def encoders(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("enc")
    a = build_tiny_encoder(root / "a", sentence_transformer=True)
    b = shutil.copytree(a, root / "b")
    perturb(b, seed=2)
    return a, b
