"""Same seed, same predictions: every registered strategy, run twice on the tiny corpora in fresh
processes with the same seed, predicts the same labels and answers (and, where it scores them, the
same scores to the last bit), or differs on no more than the share it declares
(``Strategy.prediction_tolerance``, with its reason).

The two processes differ in what must not matter: the string hash seed (``PYTHONHASHSEED``, so any
iteration over a set of strings changes order), the order the cells run in (so a different cell
asks the embedding cache first) and the caches themselves (each starts empty). One process per
repetition runs every strategy, both repetitions at once: imports and tiny models are paid once
per process, not once per strategy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ragorft import strategies

from tests.helpers.knowledge import build_tiny_llama_for_bios, write_bios_corpus
from tests.helpers.loopback import SECRET, LoopbackServer
from tests.helpers.structured import build_tiny_llama_for_frames, write_structured_corpus
from tests.helpers.tiny_encoder import build_tiny_encoder
from tests.helpers.tiny_fits import FIT, SLOW, fill

ROOT = Path(__file__).resolve().parents[2]


def _cells(names: list[str], tmp_path: Path, tiny_corpus: Path, model_dir: Path, url: str) -> list[dict[str, Any]]:
    """The tiny cell of each strategy: the three-intent corpus or the bios QA corpus, tiny models."""
    values = {
        "encoder": str(build_tiny_encoder(tmp_path / "enc" / "bert")),
        "st_encoder": str(build_tiny_encoder(tmp_path / "enc" / "st", sentence_transformer=True)),
        "lm": str(model_dir),
        "url": url,
    }
    bios = write_bios_corpus(tmp_path)
    frames = write_structured_corpus(tmp_path)
    for data in (tmp_path / "mirror" / "tiny_snips").iterdir():  # beside the card: found without a mirror
        shutil.copy(data, frames.parent / data.name)
    corpus = {"classification": tiny_corpus, "qa": bios, "structured": frames}
    per_task = {"classification": values, "qa": values, "structured": values}
    if any(strategies.get(n).task == "qa" for n in names):
        bios_lm = build_tiny_llama_for_bios(tmp_path / "bios_lm", bios, tmp_path / "mirror" / "bios")
        per_task["qa"] = values | {"lm": str(bios_lm)}
    if any(strategies.get(n).task == "structured" for n in names):
        per_task["structured"] = values | {"lm": str(build_tiny_llama_for_frames(tmp_path / "frames_lm"))}
    cells = []
    for name in names:
        task = strategies.get(name).task
        options = fill(FIT[name], per_task[task])
        cells.append({"name": name, "options": options, "card": str(corpus[task].parent)})
    return cells


def _run_twice(cells: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    """Both repetitions at once, each a fresh process with its own cache, hash seed and cell order."""
    procs = []
    for rep, order, hash_seed in (("a", cells, "1"), ("b", cells[::-1], "2")):
        cache = tmp_path / rep / "cache"
        spec = tmp_path / f"{rep}.spec.json"
        spec.write_text(json.dumps({"cache": str(cache), "cells": order}), encoding="utf-8")
        env = os.environ | {"PYTHONHASHSEED": hash_seed, "RAGORFT_CACHE": str(cache), "OPENAI_API_KEY": SECRET}
        cmd = [sys.executable, "-m", "tests.helpers.repeat", str(spec), str(tmp_path / f"{rep}.out.json")]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    for proc in procs:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out.decode(errors="replace")[-4000:]
    return [json.loads((tmp_path / f"{rep}.out.json").read_text(encoding="utf-8")) for rep in "ab"]


def _check(names: list[str], tmp_path: Path, tiny_corpus: Path, model_dir: Path) -> None:
    with LoopbackServer(model_dir, inject=[]) as server:
        a, b = _run_twice(_cells(names, tmp_path, tiny_corpus, model_dir, server.base_url), tmp_path)
    problems = []
    for name in names:
        cls = strategies.get(name)
        first, second = a[name]["predictions"], b[name]["predictions"]
        assert len(first) == len(second) > 0
        differ = [i for i, (x, y) in enumerate(zip(first, second, strict=True)) if x != y]
        if len(differ) > cls.prediction_tolerance * len(first):
            shown = [(first[i], second[i]) for i in differ[:3]]
            problems.append(f"{name}: {len(differ)} of {len(first)} predictions differ, e.g. {shown}")
        elif cls.prediction_tolerance == 0 and a[name]["scores"] != b[name]["scores"]:
            scores = (a[name]["scores"][:2], b[name]["scores"][:2])
            problems.append(f"{name}: same predictions, different scores {scores[0]} vs {scores[1]}")
        for run in (a, b):
            declared = run[name]["determinism"]
            assert declared["prediction_tolerance"] == cls.prediction_tolerance
            assert declared["tolerance_reason"] == cls.tolerance_reason
            assert declared["seed"] == 0 and declared["thread_pools"]
    seconds = {name: (a[name]["seconds"], b[name]["seconds"]) for name in names}
    assert not problems, "; ".join(problems) + f" (fit + scoring seconds per strategy: {seconds})"


def test_every_strategy_predicts_the_same_in_two_fresh_processes(
    tiny_corpus: Path, model_dir: Path, tmp_path: Path
) -> None:
    _check([n for n in strategies.names() if n not in SLOW], tmp_path, tiny_corpus, model_dir)


@pytest.mark.slow
def test_slow_strategies_predict_the_same_in_two_fresh_processes(
    tiny_corpus: Path, model_dir: Path, tmp_path: Path
) -> None:
    """QLoRA's 4-bit base (bitsandbytes on CPU) is too slow for the fast suite."""
    _check(sorted(SLOW), tmp_path, tiny_corpus, model_dir)


def test_a_tolerance_needs_a_reason_and_a_share() -> None:
    from ragorft.benchmarks.core.errors import RagorftError
    from ragorft.strategies.base import check_metadata

    base = strategies.get("rag")
    for tolerance, reason in ((0.1, ""), (1.5, "why"), (0.0, "why")):
        cls = type("Loose", (base,), {"prediction_tolerance": tolerance, "tolerance_reason": reason})
        with pytest.raises(RagorftError, match="prediction_tolerance"):
            check_metadata(cls)
    for name in strategies.names():  # every registered one declares a valid tolerance (register checks)
        cls = strategies.get(name)
        assert 0.0 <= cls.prediction_tolerance <= 1.0 and (cls.prediction_tolerance > 0) == bool(cls.tolerance_reason)
