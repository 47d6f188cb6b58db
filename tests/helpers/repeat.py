"""Run tiny cells through the real harness in this process and write their predictions.

``python -m tests.helpers.repeat SPEC OUT``: SPEC is a JSON file ``{"cache": dir, "cells": [{"name",
"options", "card"}]}``; OUT gets ``{name: {"predictions", "determinism"}}``. The determinism test
starts it twice, in fresh processes, and compares: each cell goes through ``run_cell`` (seeding,
thread pools, the embedding cache) exactly as ``ragorft bench`` runs it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ragorft.benchmarks.core import env

env.apply()  # before numpy and torch load: the thread pools take the cell's thread count, as under the CLI


def main(spec_path: str, out_path: str) -> None:
    from ragorft.benchmarks.core.log import silence_trainer_printer
    from ragorft.benchmarks.run.cell import load_corpus_data, run_cell
    from ragorft.benchmarks.run.cellspec import Cell

    silence_trainer_printer()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    out = {}
    for job in spec["cells"]:
        data = load_corpus_data(job["card"], None)
        cell = Cell(data.corpus.name, job["name"], job["name"], job["options"], "full", 0, 0, job["card"], 1)
        record = run_cell(cell, data, cache_dir=Path(spec["cache"]), progress=False)
        out[job["name"]] = {"predictions": record["predictions"], "determinism": record["provenance"]["determinism"]}
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
