"""The ladder and gpu suites: every run names a registry model and valid options; the ladder puts
each prompting strategy on three bases at one budget, the evidence the size plot needs."""

from __future__ import annotations

from collections import defaultdict

from ragorft import strategies
from ragorft.benchmarks.models.registry import registry
from ragorft.benchmarks.run.suite import find_suite, read_suite


def test_ladder_runs_each_prompting_strategy_on_three_bases_on_shared_items() -> None:
    suite = read_suite(find_suite("ladder"))
    bases: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for cell in suite.cells:
        cls = strategies.get(cell.strategy)
        cls.parse_options(cell.options)  # unknown or ill-typed options fail here
        assert cell.options["model"] in registry()
        assert cell.max_test_items == 1000
        bases[(cell.corpus, cell.strategy, str(cell.budget))].add(cell.options["model"])
    for corpus in ("banking77", "clinc150"):
        for strategy in ("rag_lm", "few_shot"):
            assert len(bases[(corpus, strategy, "10")]) == 3
    assert bases[("banking77", "lora", "10")] == {
        "SmolLM2-135M-Instruct",
        "Qwen2.5-Coder-0.5B-Instruct",
        "Qwen2.5-Coder-1.5B-Instruct",
    }
    assert bases[("banking77", "qlora", "10")] == {"Qwen2.5-Coder-0.5B-Instruct", "Qwen2.5-Coder-1.5B-Instruct"}


def test_gpu_suite_names_a_hub_only_7b_base_with_qlora() -> None:
    suite = read_suite(find_suite("gpu"))
    qlora = [c for c in suite.cells if c.strategy == "qlora"]
    assert qlora and all(c.options["model"] == "Qwen2.5-7B-Instruct" for c in qlora)
    card = registry()["Qwen2.5-7B-Instruct"]
    assert card.hub_id and not card.module  # never offline: RAGORFT_ALLOW_HUB=1 only
    for cell in suite.cells:
        strategies.get(cell.strategy).parse_options(cell.options)
