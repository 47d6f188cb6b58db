"""The openai backend against a loopback OpenAI-compatible server backed by a tiny local LM.

The server (started by the test on 127.0.0.1) renders the chat template, greedily generates with
a real transformers model and returns its usage; it answers the first two requests with a 429
and a 500 so the retries are exercised.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from ragorft.benchmarks.models.openai_backend import BudgetExceeded, OpenAIChat

from tests.conftest import INTENTS
from tests.tiny_lm import build_tiny_llama

SECRET = "sk-test-DO-NOT-LEAK-1234567890"


class LoopbackServer:
    def __init__(self, model_dir: Path, inject: list[int]):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tok = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        self.inject, self.lock = list(inject), threading.Lock()
        self.requests: list[dict] = []
        self.auth: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(body)
                    server.auth.append(self.headers.get("Authorization", ""))
                    status = server.inject.pop(0) if server.inject else 200
                if status != 200:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": f"injected {status}"}}).encode())
                    return
                reply = json.dumps(server.complete(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def generate(self, messages: list[dict], max_tokens: int) -> tuple[str, int, int]:
        ids = self.tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        with self.lock, torch.inference_mode():
            out = self.model.generate(**ids, max_new_tokens=max_tokens, do_sample=False)
        new = out[0, ids["input_ids"].shape[1] :]
        return self.tok.decode(new, skip_special_tokens=True), ids["input_ids"].shape[1], len(new)

    def complete(self, body: dict) -> dict:
        limit = body.get("max_completion_tokens") or body.get("max_tokens") or 16
        text, n_in, n_out = self.generate(body["messages"], limit)
        return {
            "id": f"cmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out},
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [t for texts in INTENTS.values() for t in texts] + list(INTENTS)
    return build_tiny_llama(tmp_path_factory.mktemp("lm") / "tiny", texts)


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
