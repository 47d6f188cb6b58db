"""Run tiny cells through the real harness in this process and write their predictions.

``python -m tests.helpers.repeat SPEC OUT``: SPEC is a JSON file ``{"cache": dir, "cells": [{"name",
"options", "card"}]}``; OUT gets ``{name: {"predictions", "scores", "determinism", "seconds"}}``.
The determinism test starts it twice, in fresh processes, and compares: each cell goes through
``run_cell`` (seeding, thread pools, the embedding cache) exactly as ``ragorft bench`` runs it.

``scores`` are the confidences behind the scoring pass's predictions, for strategies that score
(``scored``): on a tiny corpus labels hardly ever flip, while a different seed or summation order
shows in the scores' last bits.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core import env

env.apply()  # before numpy and torch load: the thread pools take the cell's thread count, as under the CLI


def recording(cls: Any) -> Any:
    """``cls`` keeping the scores ``scored`` returns inside its first ``predict`` (the scoring pass)."""

    class Recording(cls):
        scores: list[float] | None = None
        capturing = False

        def predict(self, texts: Sequence[str]) -> list[str]:
            self.capturing = Recording.scores is None
            try:
                return super().predict(texts)
            finally:
                self.capturing = False

        def scored(self, texts: Sequence[str]) -> Any:
            labels, conf = super().scored(texts)
            if self.capturing:
                Recording.scores = [float(x) for x in conf]
            return labels, conf

    return Recording


def main(spec_path: str, out_path: str) -> None:
    from ragorft import strategies
    from ragorft.benchmarks.core.log import silence_trainer_printer
    from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
    from ragorft.benchmarks.run.cellspec import Cell

    silence_trainer_printer()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    registered = strategies.get
    wrapped = {job["name"]: recording(registered(job["name"])) for job in spec["cells"]}
    strategies.get = wrapped.__getitem__  # run_cell looks the class up here
    out = {}
    for job in spec["cells"]:
        data = load_corpus_data(job["card"], None)
        cell = Cell(data.corpus.name, job["name"], job["name"], job["options"], "full", 0, 0, job["card"], 1)
        record = run_cell(cell, data, cache_dir=Path(spec["cache"]), progress=False)
        out[job["name"]] = {
            "predictions": record["predictions"],
            "scores": wrapped[job["name"]].scores,
            "determinism": record["provenance"]["determinism"],
            "seconds": round(record["timing"]["train_seconds"] + record["timing"]["scoring_seconds"], 2),
        }
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
