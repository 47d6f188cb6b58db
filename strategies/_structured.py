"""What the generative structured-output strategies share: one prompt, one decoder, one JSON rule.

``few_shot_frames`` (fixed demos), ``rag_frames`` (the k nearest training utterances with their
frames as demos), ``lora_frames`` and ``full_ft_frames`` (SFT on utterance -> frame, loss on the
answer only) ask the same LM the same prompt and differ only in the demos and the weights:

- The prompt: an instruction naming the intents (the corpus's) and the slot types (those in the
  training budget: a strategy knows only what its budget shows), then demos as user/assistant
  turns under the model's chat template (``Request: ... JSON: ...`` without one), then the request.
  The answer is the gold frame as canonical one-line JSON (benchmarks/data/structured.py).
- Decoding: greedy; the output is what the model wrote, cut where its first JSON object closes
  when it starts with one (a stop rule, the same for every strategy: a model that goes on to
  chat after the object is not penalised for the chatter, one that never writes an object is).
- JSON validity, enforced the same way for every generative strategy: the output is parsed
  (``parse_output``); an output that is not a valid frame is asked for once more, with the bad
  answer and a one-line correction in the prompt; the second output stands, valid or not.
  ``report["json_output"]`` records the policy and how many items needed the retry.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.data.structured import parse_output, same_frame
from ragorft.benchmarks.models.classifier import torch_threads
from ragorft.benchmarks.models.ct2_engine import ENGINES, STORAGE, CT2Engine, convert_trained
from ragorft.benchmarks.models.lm import causal_lm_folder, load_causal_lm
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions, shared_prefix_ids, train_causal
from ragorft.benchmarks.models.tuning import best_trial, learning_rate_grid, tuning_dev, tuning_report
from ragorft.strategies.base import Report, Strategy, StrategyOptions

Engine = Literal[ENGINES]  # type: ignore[valid-type]
Storage = Literal[tuple(STORAGE)]  # type: ignore[valid-type]

SYSTEM = (
    "Turn the request into one JSON object on one line: "
    '{{"intent": <one of {intents}>, "slots": {{<slot type>: <words copied from the request>}}}}. '
    "Slot types: {types}. Leave out slot types the request does not mention. No explanation."
)
RETRY = "That is not one valid JSON object of that form. Answer again with only the JSON object."
POLICY = "parse; one retry with the invalid output and a correction in the prompt; the second output stands"


class FrameLMOptions(StrategyOptions):
    model: str = "SmolLM2-135M-Instruct"
    #: a SNIPS frame is 20-60 tokens of JSON; a longer cap only costs time on runaway outputs
    max_new_tokens: PositiveInt = 96
    batch_size: PositiveInt = 8
    #: a longer prompt keeps its end (the request)
    max_prompt_tokens: PositiveInt = 2048
    engine: Engine = "ctranslate2"
    #: free text (not a label choice): float32, as for the QA strategies (int8 rounding compounds)
    compute_type: Storage = "float32"


class FrameTrainOptions(FrameLMOptions, CausalTrainOptions):
    #: the instruction names 39 slot types: prompt + frame is ~300 tokens on SmolLM2's tokenizer
    max_length: PositiveInt = 384
    #: learning rates tried (the one rule, benchmarks/models/tuning.py), empty: ``learning_rate`` alone
    learning_rates: list[PositiveFloat] = Field(default_factory=list)
    #: dev items each candidate is scored on (frame exact match); 0 = the whole dev split
    max_dev_examples: NonNegativeInt = 70


def first_object(text: str) -> str:
    """``text`` up to where its first top-level JSON object closes, when it starts with ``{``."""
    s = text.strip()
    if not s.startswith("{"):
        return s
    depth, quoted, escaped = 0, False, False
    for i, ch in enumerate(s):
        if quoted:
            escaped, quoted = (False, quoted) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            quoted = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return s[: i + 1]
    return s


class FrameLM(Strategy):
    """Base of the generative structured strategies; subclasses choose demos and whether to train."""

    task = "structured"
    base_model_option = "model"
    adapter = False
    devices = ("cuda", "cpu")
    peak_memory_mb = 3000
    #: "lora" or "full" for the strategies that train; None for the prompting ones
    method: ClassVar[str | None] = None
    #: True when every prompt carries the same demos (they then belong to the cached prefix)
    fixed_demos: ClassVar[bool] = False

    def demos(self, text: str) -> list[Example]:
        """The demonstrations shown before ``text`` (none by default: a trained model needs none)."""
        return []

    def prepare(self, train: Sequence[Example]) -> None:
        causal_lm_folder(self.options.model)  # a packaged GGUF is converted once, before the timed fit

    def fit(self, train: Sequence[Example]) -> None:
        torch_threads()
        self.types = sorted({k for ex in train for k in json.loads(ex.target)["slots"]})
        self.system = SYSTEM.format(intents=", ".join(self.ctx.labels), types=", ".join(self.types) or "none")
        self.tokens_in = self.tokens_out = 0
        self.json_counts = {"outputs": 0, "retried": 0, "still_invalid": 0}
        self.extra: dict[str, Any] = {"slot_types_in_prompt": len(self.types)}
        self.model, self.tokenizer = load_causal_lm(self.options.model, self.ctx.device)
        self.params = (0, sum(p.numel() for p in self.model.parameters()))
        if self.method:
            self._train_tuned(train)
        self.engine = self._engine(trained=bool(self.method))

    def _messages(self, text: str, demos: Sequence[Example]) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": self.system}]
        for ex in demos:
            messages += [{"role": "user", "content": ex.text}, {"role": "assistant", "content": ex.target}]
        return messages + [{"role": "user", "content": text}]

    def prompt(self, text: str, demos: Sequence[Example], bad: str | None = None) -> str:
        """The prompt for ``text``; with ``bad`` (an invalid first output), the retry's prompt."""
        if getattr(self.tokenizer, "chat_template", None):
            messages = self._messages(text, demos)
            if bad is not None:
                messages += [{"role": "assistant", "content": bad}, {"role": "user", "content": RETRY}]
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        shots = "".join(f"Request: {ex.text}\nJSON: {ex.target}\n\n" for ex in demos)
        retry = f" {bad}\n{RETRY}\nJSON:" if bad is not None else ""
        return f"{self.system}\n\n{shots}Request: {text}\nJSON:{retry}"

    def _lead(self) -> str:
        """What precedes the answer in a training target: a space after "JSON:" in the plain form."""
        return "" if getattr(self.tokenizer, "chat_template", None) else " "

    def _train_tuned(self, train: Sequence[Example]) -> None:
        """SFT on (prompt, frame) pairs for each learning rate of the grid; keep the best on dev EM."""
        o = self.options
        grid = learning_rate_grid(o.learning_rates, o.learning_rate)
        dev = tuning_dev(self.ctx.dev or [], o.max_dev_examples, len(self.ctx.labels), self.ctx.seed)
        pairs = [(self.prompt(ex.text, []), self._lead() + ex.target) for ex in train]
        trials, best_model, best_score = [], None, -1.0
        for lr in grid:
            model, _ = load_causal_lm(o.model, self.ctx.device)
            opts = CausalTrainOptions.model_validate(
                {k: getattr(o, k) for k in CausalTrainOptions.model_fields} | {"learning_rate": lr}
            )
            with tempfile.TemporaryDirectory(prefix="ragorft-frames-") as work:
                model, report = train_causal(
                    model, self.tokenizer, pairs, self.method, opts, Path(work),
                    seed=self.ctx.seed, cuda=self.ctx.device == "cuda", progress=self.ctx.progress,
                )  # fmt: skip
            self.model, self.engine = model, None
            score = self._dev_em(dev) if dev else 0.0
            trials.append({"learning_rate": lr, "dev_accuracy": score, "curves": report["curves"]})
            if score > best_score:
                best_model, best_score, kept = model, score, report
        self.model = best_model
        self.params = (kept.pop("params_trained"), kept.pop("params_total"))
        chosen = best_trial(trials)
        self.extra |= {k: v for k, v in kept.items() if k != "curves"}
        self.extra["tuning"] = tuning_report(
            "learning_rate", grid, trials, chosen, n_dev=len(dev), n_dev_available=len(self.ctx.dev or [])
        ) | {"epochs": "fixed (no early stopping: each dev check is a generation pass)", "metric": "dev frame EM"}

    def _dev_em(self, dev: Sequence[Example]) -> float:
        outputs = self._generate([self.prompt(ex.text, self.demos(ex.text)) for ex in dev])
        hits = [same_frame(parse_output(out), parse_output(ex.target)) for out, ex in zip(outputs, dev, strict=True)]
        return sum(hits) / len(hits)

    def _engine(self, trained: bool) -> CT2Engine | None:
        """The ctranslate2 engine over the model as it now is (None: transformers ``generate``)."""
        o = self.options
        self.extra |= {"engine": o.engine, "compute_type": o.compute_type if o.engine == "ctranslate2" else "torch"}
        if o.engine != "ctranslate2":
            return None
        converted = None
        if trained:
            self._work = tempfile.TemporaryDirectory(prefix="ragorft-ct2-")  # lives as long as the strategy
            converted = convert_trained(self.model, self.tokenizer, Path(self._work.name), o.compute_type)
        probes = [self.prompt(t, self.demos(t) if self.fixed_demos else []) for t in ("alpha beta", "gamma delta?")]
        prefix = shared_prefix_ids(self.tokenizer, probes)
        self.extra["prefix_tokens"] = len(prefix)
        folder = causal_lm_folder(o.model)
        return CT2Engine(folder, self.tokenizer, prefix, compute_type=o.compute_type, device=self.ctx.device,
                         converted=converted)  # fmt: skip

    def _generate(self, prompts: Sequence[str]) -> list[str]:
        """Greedy outputs, cut at the first closed JSON object; prompts too long keep their end."""
        o, tok = self.options, self.tokenizer
        ids = [tok(p, add_special_tokens=False)["input_ids"][-o.max_prompt_tokens :] for p in prompts]
        out: list[list[int]] = []
        if getattr(self, "engine", None) is not None:
            for start in range(0, len(ids), o.batch_size):
                out += self.engine.complete(ids[start : start + o.batch_size], o.max_new_tokens, [tok.eos_token_id])
        else:
            out = self._generate_torch(ids)
        self.tokens_in += sum(len(i) for i in ids)
        self.tokens_out += sum(len(n) for n in out)
        return [first_object(tok.decode(n, skip_special_tokens=True)) for n in out]

    def _generate_torch(self, ids: list[list[int]]) -> list[list[int]]:
        import torch

        o, tok, out = self.options, self.tokenizer, []
        for start in range(0, len(ids), o.batch_size):
            batch = ids[start : start + o.batch_size]
            width = max(len(b) for b in batch)
            pad = tok.pad_token_id
            x = torch.tensor([[pad] * (width - len(b)) + b for b in batch], device=self.model.device)
            mask = torch.tensor([[0] * (width - len(b)) + [1] * len(b) for b in batch], device=self.model.device)
            with torch.inference_mode():
                gen = self.model.generate(input_ids=x, attention_mask=mask, max_new_tokens=o.max_new_tokens,
                                          do_sample=False, pad_token_id=pad, eos_token_id=tok.eos_token_id)  # fmt: skip
            out += [[t for t in row.tolist() if t not in (pad, tok.eos_token_id)] for row in gen[:, width:]]
        return out

    def predict(self, texts: Sequence[str]) -> list[str]:
        demos = [self.demos(t) for t in texts]
        outputs = self._generate([self.prompt(t, d) for t, d in zip(texts, demos, strict=True)])
        bad = [i for i, out in enumerate(outputs) if not parse_output(out).valid_frame]
        if bad:
            again = self._generate([self.prompt(texts[i], demos[i], outputs[i]) for i in bad])
            for i, out in zip(bad, again, strict=True):
                outputs[i] = out
        if not self.json_counts["outputs"]:  # the scoring pass (the runner's first call), not the timing sample
            still = sum(not parse_output(outputs[i]).valid_frame for i in bad)
            self.json_counts = {"outputs": len(texts), "retried": len(bad), "still_invalid": still}
        return outputs

    def report(self) -> Report:
        extra = self.extra | {"json_output": {"policy": POLICY, **self.json_counts}}
        return Report(self.params[0], self.params[1], self.tokens_in, self.tokens_out, extra)
