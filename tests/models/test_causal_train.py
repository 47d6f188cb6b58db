"""Early stopping on dev: the best epoch's weights come back, training stops after ``patience``."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.models.causal_train import DevCheck, train_early_stopped
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.helpers.tiny_lm import build_tiny_llama

DOCS = [f"Person {i} was born in city {i % 3} and works for company {i % 4}." for i in range(8)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("lm") / "m", DOCS * 3)


def _train(folder: Path, scores: list[float], tmp_path: Path, patience: int | None, every: int = 1):
    model = AutoModelForCausalLM.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    seen: list[dict] = []

    def score(m) -> float:  # the dev score the caller would compute, scripted; weights kept per check
        seen.append({n: p.detach().clone() for n, p in m.named_parameters()})
        return scores[len(seen) - 1]

    opts = CausalTrainOptions(epochs=len(scores) * every, learning_rate=5e-3, train_batch_size=4, max_length=32)
    model, report = train_early_stopped(
        model, tok, [("", d) for d in DOCS], "full", opts, tmp_path, seed=0, cuda=False, progress=False,
        check=DevCheck(score, patience, every),
    )  # fmt: skip
    return model, report, seen


def test_stops_after_patience_and_returns_the_best_epoch(tiny: Path, tmp_path: Path) -> None:
    model, report, seen = _train(tiny, [0.2, 0.5, 0.4, 0.4, 0.9, 0.9], tmp_path, patience=2)
    assert report["epochs_run"] == 4 and report["kept_epoch"] == 2 and len(seen) == 4
    assert [c.get("dev_score") for c in report["curves"]] == [0.2, 0.5, 0.4, 0.4]
    assert all("train_loss" in c for c in report["curves"])
    now = dict(model.named_parameters())
    assert all(now[n].equal(p) for n, p in seen[1].items())  # epoch 2's weights, not the last epoch's
    assert not all(now[n].equal(p) for n, p in seen[3].items())


def test_without_patience_it_only_records_and_checks_every_n_epochs(tiny: Path, tmp_path: Path) -> None:
    model, report, seen = _train(tiny, [0.5, 0.1], tmp_path, patience=None, every=2)
    assert report["epochs_run"] == report["kept_epoch"] == 4 and len(seen) == 2
    assert [c["epoch"] for c in report["curves"] if "dev_score" in c] == [2, 4]
    now = dict(model.named_parameters())
    assert all(now[n].equal(p) for n, p in seen[1].items())  # the last weights: nothing restored
