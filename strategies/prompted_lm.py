"""What few_shot and rag_lm share: prompting a local causal LM and decoding a valid label.

A prompt is a *prefix* that is the same for every query (instruction + label set, and for
few_shot the fixed demonstrations) and a per-query *suffix* (rag_lm's retrieved demonstrations,
then the query). The prefix is run through the model once and its KV cache reused for each
query, by the engine the ``engine`` option picks: transformers (``benchmarks/models/hf_engine.py``)
or ctranslate2 (``benchmarks/models/ct2_engine.py``), both a ``LabelEngine``
(``benchmarks/models/engine.py``). This module holds the strategy only.

The answer is decoded under the label trie (ragorft.benchmarks.models.label_decoding), so every prediction is a
label. What unconstrained greedy decoding would have answered (on the distinct texts predicted,
or the first ``unconstrained_items``) is reported as ``invalid_label_rate``: on ctranslate2 from
the scoring pass's own generation (the walk's greedy run continued), elsewhere from ``report()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import NonNegativeInt, PositiveInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.tomlio import read_toml
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.ct2_engine import ENGINES, STORAGE, CT2Engine, max_positions, shared_ct2
from ragorft.benchmarks.models.engine import LabelEngine
from ragorft.benchmarks.models.hf_engine import PrefixCachedLM, TransformersEngine, shared_lm
from ragorft.benchmarks.models.label_decoding import LabelTrie
from ragorft.strategies.base import Report, Strategy, StrategyOptions

PROMPTS_FILE = Path(__file__).with_name("prompts") / "intent.toml"
INVALID_EXAMPLES_KEPT = 10


class PromptedLMOptions(StrategyOptions):
    model: str = "SmolLM2-135M-Instruct"
    #: a table of strategies/prompts/intent.toml
    prompt: str = "intent"
    #: reuse the shared prefix's KV cache for every query (False: the whole prompt per query)
    prefix_cache: bool = True
    #: after timing, decode unconstrained greedily to report the invalid-label rate
    measure_unconstrained: bool = True
    #: ... on the first N distinct texts scored (0: all), a stratified prefix of the shared order:
    #: a weak prompt's free answers run to the length limit (1-shot SmolLM2: 4 of 11 minutes)
    unconstrained_items: NonNegativeInt = 0
    #: queries decoded together in one forward pass per step (1: one at a time). 1 by default:
    #: on 2 CPU cores batching measured 0.57x for few_shot on Banking77 (every row still reads and
    #: copies the 3,000-token prefix cache; only weight reads are shared) and ~1.0x for rag_lm
    #: (its ~300-token suffixes are compute-bound), results/bench/. It pays where a forward pass
    #: is bound by weight reads, i.e. short prompts on a GPU.
    batch_size: PositiveInt = 1
    #: "ctranslate2" (int8 weights, static prompt cache; benchmarks/models/ct2_engine.py) or
    #: "transformers" (fp32/bf16, the reference the engine is tested against)
    engine: Literal[ENGINES] = "ctranslate2"  # type: ignore[valid-type]
    #: the ctranslate2 compute type: "int8" (CPU default), "float32" (logits equal to the
    #: reference's up to rounding), "int8_float16" / "int8_bfloat16" / "bfloat16" (CUDA)
    compute_type: Literal[tuple(STORAGE)] = "int8"  # type: ignore[valid-type]


@cache
def prompt_templates(name: str) -> dict[str, str]:
    table = read_toml(PROMPTS_FILE)
    if name not in table:
        raise RagorftError(f"no prompt '{name}' (prompts: {', '.join(table)})", path=PROMPTS_FILE)
    return table[name]


class PromptedLM(Strategy):
    """Base of the LM strategies: subclasses choose the prefix demos and per-query demos."""

    task = "classification"
    role = "prompting"
    base_model_option = "model"
    adapter = False
    peak_memory_mb = 2500
    data_files = (PROMPTS_FILE,)

    # -- what subclasses decide -------------------------------------------------------------
    def fixed_demos(self, train: Sequence[Example]) -> list[Example]:
        return []

    def query_demos(self, texts: Sequence[str]) -> list[list[Example]]:
        return [[] for _ in texts]

    # -- prompt rendering --------------------------------------------------------------------
    def _setup_prompt(self) -> None:
        self.templates = prompt_templates(self.options.prompt)
        self.chat = bool(getattr(self.tokenizer, "chat_template", None))
        self.label_block = "\n".join(self.ctx.labels)

    def _messages(self, demos: Sequence[Example], text: str | None) -> list[dict[str, str]]:
        t = self.templates
        msgs = []
        for ex in demos:
            msgs.append({"role": "user", "content": t["user"].format(text=ex.text)})
            msgs.append({"role": "assistant", "content": ex.label})
        if text is not None:
            msgs.append({"role": "user", "content": t["user"].format(text=text)})
        return msgs

    def _render(self, demos: Sequence[Example], text: str | None, *, system: bool) -> str:
        """Text of the system message (if ``system``) + demos (+ the query with the answer cue)."""
        t = self.templates
        if self.chat:
            msgs = [{"role": "system", "content": t["system"].format(labels=self.label_block)}] if system else []
            msgs += self._messages(demos, text)
            if not msgs:
                return ""
            return self.tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=text is not None)
        out = t["plain_header"].format(labels=self.label_block) if system else ""
        out += "".join(t["plain_example"].format(text=ex.text, label=ex.label) for ex in demos)
        if text is not None:
            out += t["plain_query"].format(text=text)
        return out

    def _suffix_text(self, demos: Sequence[Example], text: str) -> str:
        """The part of the full prompt after the shared prefix (chat templates render whole dialogs)."""
        full = self._render([*self.prefix_demos, *demos], text, system=True)
        if not full.startswith(self.prefix_text):
            raise RagorftError(f"model '{self.options.model}': its chat template does not extend the prompt prefix")
        return full[len(self.prefix_text) :]

    def _label_sequences(self) -> dict[str, list[int]]:
        tok = self.tokenizer
        if self.chat:
            end = [tok.eos_token_id]
            return {lab: tok.encode(lab, add_special_tokens=False) + end for lab in self.ctx.labels}
        t = self.templates
        return {
            lab: tok.encode(t["plain_answer_prefix"] + lab + t["plain_answer_end"], add_special_tokens=False)
            for lab in self.ctx.labels
        }

    # -- the strategy protocol ---------------------------------------------------------------
    def fit(self, train: Sequence[Example]) -> None:
        import time

        o = self.options
        t0 = time.perf_counter()
        if o.engine == "transformers":
            self.model, self.tokenizer = shared_lm(o.model, self.ctx.device)
            self.n_params = sum(p.numel() for p in self.model.parameters())
            self.max_positions = getattr(self.model.config, "max_position_embeddings", None)
        else:
            folder, self.tokenizer, self.n_params = shared_ct2(o.model, o.compute_type)
            self.max_positions = max_positions(folder)
        self.load_seconds = time.perf_counter() - t0
        self._setup_prompt()
        self.prefix_demos = self.fixed_demos(train)
        self.prefix_text = self._render(self.prefix_demos, None, system=True)
        prefix_ids = self.tokenizer.encode(self.prefix_text, add_special_tokens=False)
        self.engine: LabelEngine
        if o.engine == "transformers":
            self.runner = PrefixCachedLM(self.model, prefix_ids, o.prefix_cache)
            tok = self.tokenizer
            pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
            self.engine = TransformersEngine(self.runner, self.model, pad, o.batch_size)
        else:
            self.runner = self.engine = CT2Engine(
                folder,
                self.tokenizer,
                prefix_ids,
                use_cache=o.prefix_cache,
                compute_type=o.compute_type,
                device=self.ctx.device,
            )
        self.trie = LabelTrie.build(self._label_sequences())
        self.seen: dict[str, list[int]] = {}
        self.free: dict[str, list[int]] = {}  # text -> its unconstrained answer's tokens
        self.free_in_scoring = 0  # of those, decoded with the constrained pass (ctranslate2)
        self.tokens_in = self.tokens_out = 0

    def _suffixes(self, texts: Sequence[str]) -> list[list[int]]:
        return [
            self.tokenizer.encode(self._suffix_text(demos, text), add_special_tokens=False)
            for text, demos in zip(texts, self.query_demos(texts), strict=True)
        ]

    def predict(self, texts: Sequence[str]) -> list[str]:
        suffixes = self._suffixes(texts)
        if self.options.measure_unconstrained and self.engine.answers_while_scoring:  # a ScoringAnswerEngine
            decoded = self._labels_and_answers(texts, suffixes)
        else:
            decoded = self.engine.labels(suffixes, self.trie)
        for text, suffix, (_, n_out) in zip(texts, suffixes, decoded, strict=True):
            self.seen.setdefault(text, suffix)
            self.tokens_in += len(self.runner.prefix_ids) + len(suffix)
            self.tokens_out += n_out
        return [label for label, _ in decoded]

    def _labels_and_answers(self, texts: Sequence[str], suffixes: list[list[int]]) -> list[tuple[str, int]]:
        """ctranslate2: a text's first prediction (the scoring pass) also keeps its unconstrained
        answer from the same generation (``CT2Engine.label_and_answer``); a text seen before (the
        runner's timed repeats) gets the constrained decode alone, so serving timings are pure."""
        stop, limit = self._free_rule()
        out, new = [], []
        for text, suffix in zip(texts, suffixes, strict=True):
            fresh = text not in self.seen and text not in new
            if fresh:
                new.append(text)
            if not fresh or not self._wants_free(len(self.seen) + len(new) - 1):
                out.append(self.engine.label(suffix, self.trie))
                continue
            label, n_out, answer = self.engine.label_and_answer(suffix, self.trie, stop, limit)
            if answer is not None:
                self.free[text] = answer
                self.free_in_scoring += 1
            out.append((label, n_out))
        return out

    def _wants_free(self, position: int) -> bool:
        """Whether the ``position``-th distinct text scored (from 0) is measured unconstrained."""
        return not self.options.unconstrained_items or position < self.options.unconstrained_items

    def _free_texts(self) -> list[str]:
        """The distinct texts measured unconstrained: the first ``unconstrained_items`` scored, or all."""
        return [text for position, text in enumerate(self.seen) if self._wants_free(position)]

    def _free_rule(self) -> tuple[set[int], int]:
        """Where an unconstrained answer ends: end of sequence (or the plain answer's end), or the
        longest label plus 4 tokens."""
        stop = {self.tokenizer.eos_token_id}
        if not self.chat:
            stop |= set(self.tokenizer.encode(self.templates["plain_answer_end"], add_special_tokens=False)[-1:])
        return stop, self.trie.max_depth + 4

    def unconstrained_answers(self) -> dict[str, str]:
        """Unconstrained greedy answers for the ``_free_texts`` (decoding those the scoring pass did not)."""
        stop, limit = self._free_rule()
        texts = self._free_texts()
        missing = [t for t in texts if t not in self.free]
        tokens = self.engine.greedy_all([self.seen[t] for t in missing], stop, limit)
        self.free |= dict(zip(missing, tokens, strict=True))
        return {t: self.tokenizer.decode(self.free[t], skip_special_tokens=True).strip() for t in texts}

    def report(self) -> Report:
        n_seen = max(len(self.seen), 1)
        extra: dict[str, Any] = {
            "model": self.options.model,
            "decoding": "label-trie greedy",
            "engine": self.options.engine,
            "compute_type": self.options.compute_type if self.options.engine == "ctranslate2" else "torch",
            "chat_template": self.chat,
            # the engine may decline the cache (ctranslate2 on sliding-window models): say what ran
            "prefix_cache": bool(getattr(self.runner, "use_cache", self.options.prefix_cache)),
            "batch_size": self.options.batch_size if self.runner.batchable else 1,
            "prefix_tokens": len(self.runner.prefix_ids),
            "mean_suffix_tokens": sum(len(s) for s in self.seen.values()) / n_seen,
            "n_fixed_demos": len(self.prefix_demos),
            "model_load_seconds": self.load_seconds,
        }
        if self.options.measure_unconstrained and self.seen:
            # decoded in the scoring pass (ctranslate2), so scoring_seconds includes their tokens
            extra["unconstrained_in_scoring_pass"] = self.free_in_scoring
            answers = self.unconstrained_answers()
            labels = set(self.ctx.labels)
            invalid = {t: a for t, a in answers.items() if a not in labels}
            extra["unconstrained_n"] = len(answers)
            extra["invalid_label_rate"] = len(invalid) / len(answers)
            extra["invalid_label_examples"] = [
                {"text": t, "answer": a} for t, a in list(invalid.items())[:INVALID_EXAMPLES_KEPT]
            ]
        return Report(
            params_total=self.n_params,
            tokens_in=self.tokens_in,
            tokens_out=self.tokens_out,
            extra=extra,
        )
