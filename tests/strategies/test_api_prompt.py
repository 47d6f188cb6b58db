"""The `api_prompt` strategy end to end: a bench run against a loopback OpenAI-compatible server
backed by a tiny local model, with a key set that must appear in no output of the run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.strategies.api_prompt import to_label

from tests.helpers.loopback import SECRET, LoopbackServer

SUITE = """
name = "api"
corpora = ["{card}"]
budgets = [2]

[[run]]
strategy = "api_prompt"
options = {{ api_model = "tiny-local", base_url = "{url}", max_concurrency = 2, max_tokens = 6, k = {k} }}
"""


def test_answers_map_to_labels() -> None:
    labels = ["card_arrival", "lost_card"]
    by_lower = {lab.lower(): lab for lab in labels}
    assert to_label(" Lost_Card. ", labels, by_lower) == ("lost_card", True)
    assert to_label("card arrival", labels, by_lower) == ("card_arrival", False)
    assert to_label("", labels, by_lower)[1] is False


@pytest.mark.parametrize("k", [0, 3])
def test_bench_run_against_loopback_server_leaks_no_key(
    k: int,
    tiny_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    model_dir: Path,  # noqa: F811
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with LoopbackServer(model_dir, inject=[429]) as server:
        suite = tmp_path / "api.toml"
        suite.write_text(SUITE.format(card=tiny_corpus.parent, url=server.base_url, k=k))
        code = main(["bench", "--suite", str(suite), "--results-dir", str(tmp_path / "results"), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert all(a == f"Bearer {SECRET}" for a in server.auth)  # the key went to the server only
    records = list((tmp_path / "results" / "api" / "cells").glob("*.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text())
    extra = record["report"]
    assert set(record["predictions"]) <= {"card_arrival", "exchange_rate", "lost_card"}
    # scoring answers every test item; serving (run/measure.py) warms up with one batch and 4
    # single queries, then times each of its q queries singly and in batches, 3 times
    q = record["timing"]["latency_ms"]["n_queries"]
    serving = min(q, record["timing"]["serving_batch_size"]) + 4 + 3 * 2 * q
    assert 0.0 <= extra["invalid_label_rate"] <= 1.0 and extra["n_answers"] == record["n_test"] + serving
    assert record["cost"]["tokens_in"] > 0 and extra["api_model"] == "tiny-local"
    # every file the run wrote (records, tables, report, caches) and everything it printed
    written = [p for root in (tmp_path / "results", tmp_path / "cache") for p in root.rglob("*") if p.is_file()]
    assert written
    leaks = [str(p) for p in written if SECRET.encode() in p.read_bytes()]
    assert leaks == [] and SECRET not in out + err
