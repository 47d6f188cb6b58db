"""The openai backend against a loopback OpenAI-compatible server backed by a tiny local LM.

The server (started by the test on 127.0.0.1) renders the chat template, greedily generates with
a real transformers model and returns its usage; it answers the first two requests with a 429
and a 500 so the retries are exercised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.models.openai_backend import BudgetExceeded, OpenAIChat

from tests.helpers.loopback import SECRET, LoopbackServer

CONVERSATIONS = [[{"role": "user", "content": t}] for t in ("I lost my card", "exchange rate for yen", "card arrival")]


def test_retries_429_and_500_and_answers_come_from_the_model(model_dir: Path, monkeypatch, capsys, caplog) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with LoopbackServer(model_dir, inject=[429, 500]) as server:
        chat = OpenAIChat(model="tiny-local", base_url=server.base_url, max_concurrency=1, max_tokens=6)
        answers = chat.complete(CONVERSATIONS)
        expected = [server.generate(conv, 6) for conv in CONVERSATIONS]
    assert len(server.requests) == len(CONVERSATIONS) + 2  # two injected failures, retried
    assert answers == [text for text, _, _ in expected]
    assert chat.tokens_in == sum(n for _, n, _ in expected) and chat.tokens_out == sum(n for _, _, n in expected)
    assert chat.spent_usd == 0.0  # not in the price table: a local server costs nothing
    assert all(a == f"Bearer {SECRET}" for a in server.auth)  # the key is sent to the server ...
    seen = capsys.readouterr().out + capsys.readouterr().err + caplog.text + repr(chat) + json.dumps(answers)
    assert SECRET not in seen  # ... and nowhere else


def test_budget_cap_stops_cleanly_with_finished_answers(model_dir: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    prices = tmp_path / "prices.toml"
    prices.write_text('[api."tiny-local"]\nusd_per_million_in = 1000.0\nusd_per_million_out = 1000.0\n')
    with LoopbackServer(model_dir, inject=[]) as server:
        chat = OpenAIChat(
            model="tiny-local", base_url=server.base_url, max_concurrency=1, max_tokens=4, budget_usd=1e-6
        )
        chat.prices_file = prices
        with pytest.raises(BudgetExceeded, match="budget of .* spent after 1 of 3") as err:
            chat.complete(CONVERSATIONS)
    assert len(server.requests) == 1
    assert err.value.answers[0] is not None and err.value.answers[1:] == [None, None]
    assert chat.spent_usd == pytest.approx((chat.tokens_in + chat.tokens_out) * 1000.0 / 1e6)


def test_missing_key_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from ragorft.benchmarks.core.errors import RagorftError

    with pytest.raises(RagorftError, match=r"\$OPENAI_API_KEY"):
        OpenAIChat(model="x", base_url="http://127.0.0.1:9/v1").complete(CONVERSATIONS[:1])


def test_unreachable_base_url_is_one_line_naming_it(monkeypatch) -> None:
    """Issue 19: an OpenAI-compatible server that is not there ended in a traceback."""
    import socket

    from ragorft.benchmarks.core.errors import RagorftError

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(RagorftError) as err:
        OpenAIChat(model="x", base_url=base_url, max_retries=0).complete(CONVERSATIONS[:1])
    assert f"cannot reach the OpenAI-compatible server at {base_url}" in str(err.value)
    assert "\n" not in str(err.value) and SECRET not in str(err.value)
