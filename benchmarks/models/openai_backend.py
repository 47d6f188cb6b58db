"""Chat completions from any OpenAI-compatible server (vLLM, llama.cpp, Ollama, a provider).

Through langchain-openai's ``ChatOpenAI``: the key comes from the environment only
(``OPENAI_API_KEY``, or the variable named by ``api_key_env``) and is never written to results or
logs. Retries with exponential backoff on 429 and 5xx are the OpenAI client's (``max_retries``);
concurrency is bounded by langchain's ``max_concurrency``. Cost is the usage tokens the server
returns times the price table in ``prices.toml``; a per-run budget in dollars stops the run
cleanly (:class:`BudgetExceeded`, with the answers finished so far) once it is spent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.paths import PRICES_FILE
from ragorft.benchmarks.core.tomlio import read_toml


class BudgetExceeded(RagorftError):
    """The run's dollar budget is spent; ``answers`` holds the replies that finished."""

    def __init__(self, message: str, answers: list[str | None]):
        super().__init__(message)
        self.answers = answers


def price(model: str, prices_file: Path = PRICES_FILE) -> tuple[float, float]:
    """(input, output) dollars per million tokens; (0, 0) for a model not in the table.

    Reads the ``[api.<model>]`` tables of the same prices.toml the scorer uses.
    """
    table = read_toml(prices_file).get("api", {})
    row = table.get(model, {})
    try:
        return float(row.get("usd_per_million_in", 0.0)), float(row.get("usd_per_million_out", 0.0))
    except (TypeError, ValueError):
        raise RagorftError(f"prices for '{model}' must be numbers", path=prices_file) from None


@dataclass
class OpenAIChat:
    model: str
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = 4
    max_retries: int = 4
    budget_usd: float = float("inf")
    max_tokens: int = 16
    prices_file: Path = PRICES_FILE
    spent_usd: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        if self._client is None:
            from langchain_openai import ChatOpenAI
            from pydantic import SecretStr

            key = os.environ.get(self.api_key_env)
            if not key:
                raise RagorftError(f"the openai backend reads its key from ${self.api_key_env}, which is not set")
            self._client = ChatOpenAI(
                model=self.model,
                base_url=self.base_url,
                api_key=SecretStr(key),
                temperature=0.0,
                max_tokens=self.max_tokens,
                max_retries=self.max_retries,
            )
        return self._client

    def _batch(self, messages: list[list[tuple[str, str]]], step: int) -> list[Any]:
        """One batch through langchain; a server that cannot be reached is one line naming it."""
        import openai

        try:
            return self.client().batch(messages, config={"max_concurrency": step})
        except openai.APIConnectionError as exc:  # after the client's own retries
            where = self.base_url or "the provider's default endpoint"
            raise RagorftError(f"cannot reach the OpenAI-compatible server at {where}: {exc}") from exc

    def complete(self, conversations: list[list[dict[str, str]]]) -> list[str]:
        """Answer each conversation; batches of ``max_concurrency`` run concurrently.

        The budget is checked between batches, so a run overshoots by at most one batch.
        """
        p_in, p_out = price(self.model, self.prices_file)
        answers: list[str | None] = [None] * len(conversations)
        step = max(1, self.max_concurrency)
        for start in range(0, len(conversations), step):
            if self.spent_usd >= self.budget_usd:
                raise BudgetExceeded(
                    f"budget of ${self.budget_usd:.4f} spent after {start} of {len(conversations)} queries", answers
                )
            batch = conversations[start : start + step]
            replies = self._batch([[(m["role"], m["content"]) for m in conv] for conv in batch], step)
            for i, reply in enumerate(replies):
                usage = reply.usage_metadata or {}
                n_in, n_out = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
                self.tokens_in += n_in
                self.tokens_out += n_out
                self.spent_usd += (n_in * p_in + n_out * p_out) / 1e6
                answers[start + i] = str(reply.content)
        return [a or "" for a in answers]
