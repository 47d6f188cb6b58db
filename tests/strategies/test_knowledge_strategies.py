"""Every knowledge strategy runs end to end (run_cell) on a tiny synthetic corpus with a tiny LM."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
from ragorft.benchmarks.run.suite import Cell
from ragorft.benchmarks.score.record import score_record  # metrics come from the record, outside the cell

from tests.helpers.knowledge import build_tiny_llama_for_bios, write_bios_corpus

TRAIN = {"epochs": 1, "train_batch_size": 4, "max_length": 96, "learning_rates": []}
RUNS = {
    "closed_book": {},
    "rag_qa": {"k": 2},
    "lora_docs": TRAIN,
    "full_ft_docs": TRAIN,
    "lora_qa": TRAIN,
    "ft_rag": {**TRAIN, "k": 2, "train_on": "documents", "tune": "full"},
}


@pytest.fixture
def bios(tmp_path: Path) -> tuple[Path, Path]:
    card = write_bios_corpus(tmp_path)
    model = build_tiny_llama_for_bios(tmp_path / "lm", card, tmp_path / "mirror" / "bios")
    return card, model


@pytest.mark.parametrize("strategy", sorted(RUNS))
def test_strategy_runs_and_is_scored(strategy: str, bios: tuple[Path, Path], tmp_path: Path) -> None:
    card, model = bios
    options = {"model": str(model), "max_new_tokens": 4, **RUNS[strategy]}
    cell = Cell("bios", strategy, strategy, options, "full", 0, 6, str(card.parent))
    data = load_corpus_data(str(card.parent), None)
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    m = score_record(record)
    assert record["n_test"] == 6 and len(record["predictions"]) == 6
    assert all(isinstance(p, str) for p in record["predictions"])
    assert 0.0 <= m["exact_match"] <= m["f1"] + 1e-12 <= 1.0 + 1e-12
    assert m["accuracy"] == m["exact_match"] and m["headline"] == "exact_match"
    assert len(m["per_item"]["em"]) == 6
    assert record["cost"]["tokens_in"] > 0
    if strategy in ("rag_qa", "ft_rag"):
        r = m["retrieval"]
        assert r["k"] == 2 and r["n_with_gold"] == 6 and 0.0 <= r["recall_at_k"] <= 1.0
        assert 0.0 <= m["ragas"]["id_context_precision"] <= 1.0 and 0.0 <= r["gold_in_context"] <= 1.0
        # the record keeps retrieved ids, not chunk texts
        assert all(set(v) == {"doc_ids"} for v in record["report"]["retrieval"].values())
        # renderings of one person (ids person#n) count once: k different people in every prompt
        for v in record["report"]["retrieval"].values():
            people = [d.split("#")[0] for d in v["doc_ids"]]
            assert len(people) == len(set(people)) == 2
        types = [data.corpus.test[i].qtype for i in record["test_items"]]
        assert record["scoring"]["question_types"] == types
    if strategy not in ("closed_book", "rag_qa"):
        assert record["cost"]["params_trained"] > 0
        assert record["report"]["train_rows"] > 0
        assert record["report"]["forgetting"]["base_perplexity"] > 1.0
        lora = strategy in ("lora_docs", "lora_qa")
        assert (record["cost"]["params_trained"] < record["cost"]["params_total"]) == lora


def test_oracle_puts_the_gold_document_in_the_prompt(bios: tuple[Path, Path], tmp_path: Path) -> None:
    """rag_qa with ``oracle = true``: the reader's ceiling, one gold rendering per question, no index."""
    card, model = bios
    options = {"model": str(model), "max_new_tokens": 4, "oracle": True}
    cell = Cell("bios", "rag_qa", "rag_qa", options, "full", 0, 6, str(card.parent))
    data = load_corpus_data(str(card.parent), None)
    record = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    m = score_record(record)
    assert m["retrieval"]["recall_at_k"] == 1.0 and m["retrieval"]["k"] == 1
    assert record["report"]["oracle"] is True and "chunks" not in record["report"]
    assert record["strategy_meta"]["role"] == "oracle"  # a ceiling, never a candidate
    for i, got in zip(record["test_items"], record["scoring"]["retrieved"], strict=True):
        assert got["doc_ids"] == [data.corpus.test[i].doc_ids[0]]


@pytest.mark.parametrize(
    ("strategy", "options", "message"),
    [
        ("ft_rag", {"tune": "qlora"}, "options.tune: Input should be 'lora' or 'full'"),
        (
            "ft_rag",
            {"train_on": "web"},
            "options.train_on: Input should be 'documents', 'qa', 'documents+qa' or 'generated'",
        ),
        ("rag_qa", {"prompt_style": "json"}, "options.prompt_style: Input should be 'plain' or 'chat'"),
        ("lora_docs", {"epochs": "4"}, "options.epochs: Input should be a valid integer"),
        ("closed_book", {"engine": "llama.cpp"}, "options.engine: Input should be"),
    ],
)
def test_bad_options_are_refused_when_read(strategy: str, options: dict, message: str) -> None:
    from ragorft import strategies
    from ragorft.benchmarks.core.errors import RagorftError

    with pytest.raises(RagorftError) as err:
        strategies.get(strategy).parse_options(options)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("strategy", "extra"),
    [("closed_book", {}), ("rag_qa", {}), ("full_ft_docs", {}), ("closed_book", {"max_prompt_tokens": 24})],
)
def test_ctranslate2_answers_equal_the_transformers_reference(
    strategy: str, extra: dict, bios: tuple[Path, Path], tmp_path: Path
) -> None:
    """float32 compute: the same ids in, the same greedy answers out, for the base model (cached
    conversion) and for a model trained in the cell (converted in fit), in batches over the cached
    prefix or, for prompts cut to ``max_prompt_tokens``, whole; int8 is measured by
    tools/bench_engine.py, not asserted."""
    card, model = bios
    data = load_corpus_data(str(card.parent), None)
    records = {}
    for engine in ("transformers", "ctranslate2"):
        options = {"model": str(model), "max_new_tokens": 4, "engine": engine, "compute_type": "float32", **extra}
        cell = Cell("bios", strategy, strategy, options | RUNS[strategy], "full", 0, 6, str(card.parent))
        records[engine] = run_cell(cell, data, cache_dir=tmp_path / "cache", progress=False)
    ref, fast = records["transformers"], records["ctranslate2"]
    assert fast["predictions"] == ref["predictions"]
    assert fast["cost"]["tokens_in"] == ref["cost"]["tokens_in"]
    assert fast["report"]["engine"] == "ctranslate2" and ref["report"]["engine"] == "transformers"
    assert 0 < fast["report"]["prefix_tokens"] < fast["cost"]["tokens_in"] / 6 or extra


def test_shared_prefix_is_cut_on_whole_prompts_tokens(bios: tuple[Path, Path]) -> None:
    from ragorft.benchmarks.models.lm import load_tokenizer
    from ragorft.benchmarks.models.qa_lm import shared_prefix_ids

    tok = load_tokenizer(str(bios[1]))
    prompts = ["Known facts. Question: who was born first?", "Known facts. Question: when did it end?"]
    prefix = shared_prefix_ids(tok, prompts, margin=1)
    for p in prompts:
        assert tok(p, add_special_tokens=False)["input_ids"][: len(prefix)] == prefix
    assert 0 < len(prefix) < len(tok(prompts[0], add_special_tokens=False)["input_ids"])
