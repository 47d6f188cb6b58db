"""`ragorft try`: line-aligned files to a report and a recommendation, on tiny local models (no real training)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main

from tests.helpers.corpora import INTENTS
from tests.helpers.tiny_encoder import build_tiny_encoder


def _line_aligned(root: Path) -> Path:
    """INTENTS as ``train/seq.in`` + ``train/label`` and ``test/...``: 6 train and 2 test texts per label."""
    for split, part in (("train", slice(0, 6)), ("test", slice(6, 8))):
        rows = [(t, lab) for lab, texts in INTENTS.items() for t in texts[part]]
        (root / split).mkdir(parents=True)
        (root / split / "seq.in").write_text("".join(t + "\n" for t, _ in rows), encoding="utf-8")
        (root / split / "label").write_text("".join(lab + "\n" for _, lab in rows), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def st_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_encoder(tmp_path_factory.mktemp("enc") / "st", sentence_transformer=True)


def _try(tmp_path: Path, encoder: Path, lm: Path | str, *extra: str) -> list[str]:
    data = _line_aligned(tmp_path / "my_intents")
    results = tmp_path / "results"
    argv = ["try", str(data), "--encoder", str(encoder), "--lm", str(lm), "--results-dir", str(results)]
    return [*argv, "--executor", "inline", "--no-progress", "--licence", "CC0-1.0", *extra]


def _check_report_and_recommendation(tmp_path: Path, out: str, cells: int, capsys: pytest.CaptureFixture) -> None:
    results = tmp_path / "results"
    eta = out.index(f"try-my_intents: {cells} cells (0 cached, 0 stale, {cells} new); ETA")
    assert out.index("report: ") > eta  # the plan and its ETA before any cell runs
    assert len(list((results / "try-my_intents" / "cells").glob("*.json"))) == cells
    assert (results / "try-my_intents" / "index.html").is_file()
    recommend = main(["recommend", "--suite", str(results / "try-my_intents.toml"), "--results-dir", str(results)])
    assert recommend == 0 and capsys.readouterr().out in out  # the same text `ragorft recommend` prints


def test_try_one_run_then_again_from_the_cache(tmp_path: Path, st_encoder: Path, capsys) -> None:
    argv = _try(tmp_path, st_encoder, "unused-lm", "--runs", "rag")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "my_intents/rag/full/seed0" in out and "few_shot" not in out
    _check_report_and_recommendation(tmp_path, out, 1, capsys)
    # again: the card (maybe filled in since) is kept, and the cell comes from the cache
    assert main([*argv, "--plan"]) == 0
    again = capsys.readouterr().out
    assert "(the same data)" in again and "1 cells (1 cached, 0 stale, 0 new)" in again


def test_try_refuses_a_run_it_does_not_have(tmp_path: Path, st_encoder: Path, capsys) -> None:
    assert main(_try(tmp_path, st_encoder, "unused-lm", "--runs", "rag,setfitt")) == 2
    err = capsys.readouterr().err
    assert "--runs: no run 'setfitt' (did you mean 'setfit'?)" in err and err.count("\n") == 1
    assert not (tmp_path / "results" / "try-my_intents").exists()


@pytest.mark.slow  # five cells, a SetFit and a LoRA fit among them: a minute on two loaded cores
def test_try_runs_the_five_families(tmp_path: Path, st_encoder: Path, model_dir: Path, capsys) -> None:
    assert main(_try(tmp_path, st_encoder, model_dir)) == 0
    out = capsys.readouterr().out
    for run in ("rag/full", "linear_probe/full", "setfit/5shot", "lora/5shot", "few_shot/1shot"):
        assert f"my_intents/{run}/seed0" in out
    _check_report_and_recommendation(tmp_path, out, 5, capsys)
