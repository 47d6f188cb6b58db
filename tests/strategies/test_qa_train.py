"""The QA fine-tunes' tuning rule, training sources, exposures and cloze probe, on a tiny corpus and LM."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.bios_facts import HELD_OUT_QUESTIONS
from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
from ragorft.benchmarks.run.suite import Cell

from tests.helpers.knowledge import build_tiny_llama_for_bios, write_bios_corpus

TINY = {"max_new_tokens": 4, "train_batch_size": 4, "max_length": 96, "cloze_facts": 20}
PEOPLE, RENDERINGS = 12, 2


@pytest.fixture
def bios(tmp_path: Path) -> tuple[Path, Path]:
    card = write_bios_corpus(tmp_path, entities=PEOPLE, paraphrases=RENDERINGS)
    return card, build_tiny_llama_for_bios(tmp_path / "lm", card, tmp_path / "mirror" / "bios")


def _report(bios: tuple[Path, Path], tmp_path: Path, strategy: str, options: dict) -> dict:
    card, model = bios
    cell = Cell("bios", strategy, strategy, {"model": str(model), **TINY, **options}, "full", 0, 6, str(card.parent))
    record = run_cell(cell, load_corpus_data(str(card.parent), None), cache_dir=tmp_path / "cache", progress=False)
    return record["report"]


def test_grid_and_early_stopping_choose_on_dev_and_record_every_curve(bios, tmp_path: Path) -> None:
    report = _report(bios, tmp_path, "lora_docs", {"learning_rates": [1e-4, 1e-2], "epochs": 2, "patience": 1})
    tuning = report["tuning"]
    assert tuning["grid"] == [1e-4, 1e-2] and len(tuning["trials"]) == 2 and "contains-gold" in tuning["metric"]
    scores = [t["dev_score"] for t in tuning["trials"]]
    assert tuning["chosen"]["learning_rate"] == tuning["grid"][scores.index(max(scores))]  # first of ties
    for trial in tuning["trials"]:
        (curve,) = trial["curves"].values()
        assert all("train_loss" in c and 0.0 <= c["dev_score"] <= 1.0 for c in curve)
        kept = next(c["dev_score"] for c in curve if c["epoch"] == trial["kept_epoch"])
        assert kept == trial["dev_score"] == max(c["dev_score"] for c in curve)
    # each document-trained fact: every rendering of its person, once per kept epoch
    assert report["exposures_per_fact"]["documents"] == RENDERINGS * report["kept_epoch"]
    assert report["exposures_per_fact"]["qa"] == 0
    memo = report["memorisation"]
    assert 0 < memo["facts"] == 20 <= memo["facts_available"] and 0.0 <= memo["share"] <= 1.0
    assert 0 < memo["people_without_training_qa"]["facts"] < memo["facts"]


def test_generated_qa_covers_every_person_with_held_out_templates(bios, tmp_path: Path) -> None:
    report = _report(bios, tmp_path, "lora_docs", {"train_on": "generated", "learning_rates": [], "epochs": 1})
    assert report["train_on"] == "generated"
    assert report["train_rows"] == PEOPLE * sum(len(q) for q in HELD_OUT_QUESTIONS.values())
    trained = {t for v in report["question_templates"].values() for t in v["trained"]}
    tested = {v["tested"] for v in report["question_templates"].values()}
    assert trained and not trained & tested
    assert report["exposures_per_fact"]["qa"] == 2 * report["kept_epoch"]


def test_documents_then_qa_runs_two_stages_and_stops_only_the_second(bios, tmp_path: Path) -> None:
    options = {"train_on": "documents+qa", "learning_rates": [], "epochs": 1, "doc_epochs": 2}
    report = _report(bios, tmp_path, "lora_docs", options)
    curves = report["curves"]
    assert list(curves) == ["documents", "qa"]
    assert len(curves["documents"]) == 2 and not any("dev_score" in c for c in curves["documents"])
    assert all("dev_score" in c for c in curves["qa"])
    exposures = report["exposures_per_fact"]
    assert exposures["documents"] == RENDERINGS * 2 and exposures["qa_of_training_people"] == report["kept_epoch"]


def test_generated_needs_templated_documents(bios, tmp_path: Path) -> None:
    from ragorft import strategies
    from ragorft.benchmarks.data.qa import Document
    from ragorft.strategies.base import FitContext

    cls = strategies.get("lora_docs")
    options = cls.parse_options({"model": str(bios[1]), "train_on": "generated", **TINY})
    docs = [Document("0-0", "The Normans gave their name to Normandy, a region in France.")]
    ctx = FitContext("squad", "squad", [], 0, tmp_path, dev=[], documents=docs)
    with pytest.raises(RagorftError) as err:
        cls(options, ctx).fit([])
    assert "train_on = 'generated' needs documents rendered from the synthetic generator" in str(err.value)
    assert "\n" not in str(err.value)


def test_dev_about_untrained_documents_records_but_never_stops(bios, tmp_path: Path) -> None:
    """SQuAD's dev asks about other articles than the documents trained on: its curve cannot see
    facts being injected, so it is recorded and every epoch up to the maximum runs."""
    from dataclasses import replace

    from ragorft import strategies
    from ragorft.strategies.base import FitContext

    card, model = bios
    corpus = load_corpus_data(str(card.parent), None).corpus
    dev = [replace(ex, doc_ids=("another-article-0",)) for ex in corpus.dev]
    cls = strategies.get("lora_docs")
    options = cls.parse_options({"model": str(model), **TINY, "learning_rates": [], "epochs": 3, "patience": 1})
    ctx = FitContext("bios", "bios", [], 0, tmp_path, dev=dev, documents=corpus.documents)
    strategy = cls(options, ctx)
    strategy.fit(corpus.train)
    tuning = strategy.report().extra["tuning"]
    assert tuning["dev_on_trained_documents"] == 0.0 and tuning["early_stopping"] is False
    (trial,) = tuning["trials"]
    assert trial["epochs_run"] == trial["kept_epoch"] == 3
    assert [c["epoch"] for c in trial["curves"]["documents"] if "dev_score" in c] == [1, 2, 3]
