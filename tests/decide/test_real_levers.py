"""The levers on the committed records, several suites at once: expectations derived from the records.

Nothing is run and no number is written down: a re-run that moves a number moves the expectation with
it. A suite whose results are not committed (grid and ladder were withdrawn pending a re-run) is
skipped with that reason; the hand-made records of test_levers.py cover their situations meanwhile.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.decide import Requirement, recommend
from ragorft.benchmarks.models.registry import nominal_params
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.score.pricing import load_prices
from ragorft.benchmarks.score.stats import compare

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"


def cells_of(*suites: str, corpus: str = "banking77") -> list[tuple[str, dict]]:
    missing = [s for s in suites if not (RESULTS / s / "cells").is_dir()]
    if missing:
        pytest.skip(f"no committed results/{', results/'.join(missing)} (withdrawn pending a re-run)")
    return [c for s in suites for c in load_cells(RESULTS / s) if c[1]["corpus"] == corpus]


def above_every_candidate(cells, budget: int) -> float:
    """A bar just above the best lower bound at the budget: nothing clears, so step 2 runs."""
    best = max(row["accuracy_lo"] for row in recommend(cells, Requirement(budget=budget), prices=load_prices()).table)
    return min(best + 0.005, 0.999)


def step(decision: dict, name: str) -> dict:
    return next(s for s in decision["steps"] if s["step"] == name)


def test_default_and_nightly_pooled_by_the_cli_count_a_shared_seed_once(capsys, monkeypatch):
    cells = cells_of("default", "nightly")
    monkeypatch.chdir(ROOT)
    bar = above_every_candidate(cells, 10)
    argv = ["recommend", "--suite", "default", "--suite", "nightly", "--corpus", "banking77", "--budget", "10"]
    assert main([*argv, "--accuracy-bar", f"{bar:.4f}", "--json"]) == 0
    (d,) = json.loads(capsys.readouterr().out)
    measured = step(d, "0")["evidence"]
    assert "records of suites default, nightly: every record of the corpus is evidence" in measured
    by_suite: dict[tuple, dict[str, dict]] = {}
    for _, r in cells:
        key = (r["run"], r["budget_name"], r["seed"], json.dumps(r["options"], sort_keys=True))
        by_suite.setdefault(key, {})[r["suite"]] = r
    shared = [v for v in by_suite.values() if len(v) == 2]
    for both in shared:  # the same run, options and seed in both suites: counted once (more items, else the first)
        n_default, n_nightly = (len(both[s]["test_items"]) for s in ("default", "nightly"))
        dropped = both["default"] if n_default < n_nightly else both["nightly"]
        assert any(line.startswith(f"{dropped['cell_id']} in suite '{dropped['suite']}'") for line in measured)
    assert d["verdict"] != "undiagnosed"
    data = step(d, "2e")
    if data["answer"].startswith("yes"):
        assert d["verdict"] in ("too_little_data", "other_strategy", "capability_ceiling")


def _pooled(cells, run: str, budget: str) -> list[dict]:
    return [r for _, r in cells if r["run"] == run and r["budget_name"] == budget]


def test_grid_linear_probe_on_two_encoders_is_size_evidence_ranked_against_data():
    cells = cells_of("grid")
    small, big = _pooled(cells, "linear_probe", "10shot"), _pooled(cells, "mpnet-linear_probe", "10shot")
    full = _pooled(cells, "linear_probe", "full")
    assert small and big and full, "grid runs linear_probe on MiniLM and MPNet at 10-shot and on all the data"
    d = recommend(cells, Requirement(budget=10, accuracy_bar=above_every_candidate(cells, 10)), prices=load_prices())
    text = d.to_text()
    size = compare("big", big, "small", small)
    per_param = size.difference / math.log2(nominal_params("all-mpnet-base-v2") / nominal_params("all-MiniLM-L6-v2"))
    assert "all-MiniLM-L6-v2 (22,713,216 params, encoder)" in text and "all-mpnet-base-v2 (" in text
    assert f"{100 * per_param:+.1f} pts per doubling of the parameters" in text
    data = compare("full", full, "10shot", small)
    if size.mcnemar_p < 0.001 and data.mcnemar_p < 0.001 and size.difference > 0 and data.difference > 0:
        assert "per step, " in text and " is the bigger lever" in text  # both levers measured: ranked
        assert d.verdict in ("too_little_data", "capability_ceiling", "other_strategy")


def test_ladder_prompted_runs_are_sized_on_causal_lms_only():
    cells = cells_of("ladder")
    d = recommend(cells, Requirement(budget=10, accuracy_bar=above_every_candidate(cells, 10)), prices=load_prices())
    size = next(s for s in d.steps if s.step == "2f")
    prompted = [line for line in size.evidence if line.startswith(("rag_lm at", "few_shot at"))]
    assert prompted, "ladder runs rag_lm and few_shot on three causal LMs"
    assert all("causal LM" in line and "encoder" not in line for line in prompted)
