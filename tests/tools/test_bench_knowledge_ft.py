"""The fine-tune cost projection reads each run's own stages, epochs, patience and grid from the suite."""

from __future__ import annotations

import pytest

from tools.bench_knowledge_ft import project

RATES = {"documents": 100.0, "qa": 100.0}


def _runs(method: str = "lora") -> dict[str, dict]:
    # 36,000 tokens an epoch at 100 tokens/s: 0.1 h per epoch of any stage
    out = project("knowledge", "synthetic_bios_para", "SmolLM2-135M-Instruct", method, RATES, lambda s, n: 36_000)
    return {r["run"]: r for r in out}


def test_an_early_stopped_run_costs_its_first_stopping_point_to_its_maximum() -> None:
    docs = _runs()["lora_docs"]  # 40 epochs at most, dev every 2, patience 3: 8 epochs at least; 3 rates
    assert docs["grid"] == 3
    assert docs["least_hours"] == pytest.approx(3 * 8 * 0.1) and docs["most_hours"] == pytest.approx(3 * 40 * 0.1)


def test_the_documents_stage_of_documents_then_qa_always_runs_whole() -> None:
    both = _runs()["lora_docs-docs-qa"]  # 20 document epochs, then QA: 10 at most, dev every epoch, patience 2
    assert both["least_hours"] == pytest.approx(3 * (20 + 3) * 0.1)
    assert both["most_hours"] == pytest.approx(3 * (20 + 10) * 0.1)


def test_runs_of_another_method_or_base_are_not_projected() -> None:
    lora = _runs()
    assert "full_ft_docs" not in lora and "lora_docs-qwen-coder-0.5b" not in lora
    assert "closed_book" not in lora and "rag_qa" not in lora
    assert set(_runs("full")) == {"full_ft_docs"}


def test_one_epoch_of_the_real_trainer_is_timed_on_a_seeded_sample(tmp_path) -> None:
    from tests.helpers.tiny_lm import build_tiny_llama
    from tools.bench_knowledge_ft import measure

    pairs = [("", f"Person {i} was born in city {i % 7} and works at firm {i % 5}.") for i in range(40)]
    model = build_tiny_llama(tmp_path / "lm", [t for _, t in pairs])
    timed = measure(str(model), "lora", pairs, 12, 0, 64)
    assert timed["rows"] == 12 and timed["tokens"] > 12 and timed["tokens_per_s"] > 0
