"""``api_prompt``: few-shot or retrieval-augmented prompting of a remote model over an OpenAI API.

The same prompt as ``few_shot`` / ``rag_lm`` (strategies/prompts), sent as chat messages through
ragorft.benchmarks.models.openai_backend (langchain-openai's ChatOpenAI: any OpenAI-compatible server, vLLM,
llama.cpp, Ollama or a provider). A remote model cannot be constrained to the label set, so an
answer that is not a label is counted (``invalid_label_rate``) and mapped to the most similar
label by string similarity: the accuracy then shows what a deployment would get, and the rate
shows what it costs. The key is read from the environment and never written anywhere; the
dollar cost comes from the usage tokens the server returns x ``prices.toml``, and a cell stops
cleanly at ``budget_usd`` (cells already finished are kept).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.openai_backend import OpenAIChat
from ragorft.strategies import register
from ragorft.strategies._retrieval import NearestExamples
from ragorft.strategies.base import Report, Strategy, StrategyOptions
from ragorft.strategies.few_shot import select_demos
from ragorft.strategies.prompted_lm import INVALID_EXAMPLES_KEPT, PROMPTS_FILE, prompt_templates


class ApiPromptOptions(StrategyOptions):
    api_model: str = "gpt-4o-mini"
    #: "" = the provider's default endpoint
    base_url: str = Field("", pattern=r"^(https?://[^\s/]+(/\S*)?)?$")
    #: the environment variable holding the key (the key itself never goes in a suite)
    api_key_env: str = "OPENAI_API_KEY"
    prompt: str = "intent"
    #: 0: fixed seeded demos (few_shot); k > 0: the k nearest training examples per query (rag_lm)
    k: NonNegativeInt = 0
    demos_per_label: PositiveInt = 1
    order: Literal["shuffled", "grouped"] = "shuffled"
    embedding_model: str = "all-MiniLM-L6-v2"
    max_concurrency: PositiveInt = 4
    max_retries: NonNegativeInt = 4
    max_tokens: PositiveInt = 16
    #: dollars one cell may spend; reaching it stops the run with a one-line error
    budget_usd: PositiveFloat = 1.0


def to_label(answer: str, labels: Sequence[str], by_lower: dict[str, str]) -> tuple[str, bool]:
    """(label, whether the answer already was one): exact up to case and spaces, else the closest."""
    key = answer.strip().strip(".").strip().lower()
    if key in by_lower:
        return by_lower[key], True
    close = difflib.get_close_matches(key, list(by_lower), n=1, cutoff=0.0)
    return (by_lower[close[0]] if close else labels[0]), False


@register
class ApiPrompt(Strategy):
    name = "api_prompt"
    Options = ApiPromptOptions
    task = "classification"
    role = "prompting"
    base_model_option = "api_model"
    adapter = False
    peak_memory_mb = 1200
    data_files = (PROMPTS_FILE,)
    prediction_tolerance = 1.0
    tolerance_reason = (
        "a remote model: its server decides (batching, hardware, silent model updates); temperature 0 "
        "makes a provider's answers likely, not certain, to repeat"
    )

    def prepare(self, train: Sequence[Example]) -> None:
        if self.options.k:
            self.ctx.embed.store(self.options.embedding_model).ensure([ex.text for ex in train])

    def fit(self, train: Sequence[Example]) -> None:
        o = self.options
        self.templates = prompt_templates(o.prompt)
        self.system = self.templates["system"].format(labels="\n".join(self.ctx.labels))
        self.by_lower = {lab.lower(): lab for lab in self.ctx.labels}
        if o.k:
            self.nearest = NearestExamples(self.ctx.embed, o.embedding_model, train)
            self.fixed: list[Example] = []
        else:
            self.fixed = select_demos(train, self.ctx.labels, o.demos_per_label, o.order, self.ctx.seed)
        self.chat = OpenAIChat(
            model=o.api_model,
            base_url=o.base_url or None,
            api_key_env=o.api_key_env,
            max_concurrency=o.max_concurrency,
            max_retries=o.max_retries,
            budget_usd=o.budget_usd,
            max_tokens=o.max_tokens,
        )
        self.invalid: dict[str, str] = {}
        self.n_answers = self.n_invalid = 0

    def _demos(self, texts: Sequence[str]) -> list[list[Example]]:
        if not self.options.k:
            return [self.fixed for _ in texts]
        return self.nearest.demos(texts, self.options.k)

    def _conversation(self, demos: Sequence[Example], text: str) -> list[dict[str, str]]:
        user = self.templates["user"]
        msgs = [{"role": "system", "content": self.system}]
        for ex in demos:
            msgs += [{"role": "user", "content": user.format(text=ex.text)}, {"role": "assistant", "content": ex.label}]
        return [*msgs, {"role": "user", "content": user.format(text=text)}]

    def predict(self, texts: Sequence[str]) -> list[str]:
        conversations = [self._conversation(d, t) for d, t in zip(self._demos(texts), texts, strict=True)]
        answers = self.chat.complete(conversations)
        out = []
        for text, answer in zip(texts, answers, strict=True):
            label, valid = to_label(answer, self.ctx.labels, self.by_lower)
            self.n_answers += 1
            if not valid:
                self.n_invalid += 1
                self.invalid.setdefault(text, answer)
            out.append(label)
        return out

    def report(self) -> Report:
        extra: dict[str, Any] = {
            "api_model": self.options.api_model,
            # dollars and tokens cover every answer, the runner's latency sample included
            "cost_usd": self.chat.spent_usd,
            "n_answers": self.n_answers,
            "decoding": "unconstrained; non-labels mapped to the most similar label",
            "invalid_label_rate": self.n_invalid / max(self.n_answers, 1),
            "invalid_label_examples": [
                {"text": t, "answer": a} for t, a in list(self.invalid.items())[:INVALID_EXAMPLES_KEPT]
            ],
        }
        return Report(tokens_in=self.chat.tokens_in, tokens_out=self.chat.tokens_out, extra=extra)
