"""bench_engine on a tiny corpus and a tiny model: one run, both engines, the ratio and the agreement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from tools import bench_engine


@pytest.fixture(autouse=True)
def _process_threads_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tool sets the process's thread count (env and torch) for its engines, as a CLI may; a test
    in the same process afterwards must see the count it started with (it is part of a cell's key)."""
    monkeypatch.setenv("RAGORFT_TORCH_THREADS", "1")  # registered: restored (or removed) at teardown
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_reports_a_ratio_and_full_agreement_at_float32(tiny_corpus: Path, model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "engine.json"
    args = ["--corpus", str(tiny_corpus), "--model", str(model_dir), "--strategy", "few_shot", "--budget", "3"]
    args += ["--items", "6", "--repeats", "2", "--compute-type", "float32", "--out", str(out)]
    result = bench_engine.main(args)
    assert result["speedup"] > 0 and len(result["seconds_per_query"]["ctranslate2"]) == 2
    # float32 compute: the engine's logits are the reference's up to rounding, so every label agrees
    assert result["same_label_rate"] == 1.0 and result["differing"] == []
    assert result["accuracy"]["ctranslate2"] == result["accuracy"]["transformers"]
    assert json.loads(out.read_text(encoding="utf-8"))["speedup"] == result["speedup"]


def test_knowledge_strategy_answers_agree_at_float32(tmp_path: Path) -> None:
    from tests.helpers.knowledge import build_tiny_llama_for_bios, write_bios_corpus

    card = write_bios_corpus(tmp_path)
    model = build_tiny_llama_for_bios(tmp_path / "lm", card, tmp_path / "mirror" / "bios")
    args = ["--corpus", str(card.parent), "--model", str(model), "--strategy", "rag_qa", "--budget", "full"]
    result = bench_engine.main([*args, "--items", "4", "--repeats", "1", "--compute-type", "float32"])
    assert result["same_label_rate"] == 1.0 and result["accuracy_metric"] == "exact_match"
    assert result["accuracy"]["ctranslate2"] == result["accuracy"]["transformers"]
    assert result["prefix_tokens"] > 0 and result["speedup"] > 0
