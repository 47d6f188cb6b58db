"""Answering questions with a causal LM: the prompt, greedy generation, and causal-LM fine-tuning.

Every knowledge strategy (closed-book, RAG, fine-tuned on documents or on QA pairs, FT+RAG) asks
the same model the same prompt, with or without retrieved context, so the strategies differ only
in what they add: the facts in the prompt or the facts in the weights.

- Prompt: the model's chat template (system instruction, then the context and the question as the
  user turn); a model without one gets a plain ``Context: ... Question: ... Answer:`` form.
- Generation: greedy, ``max_new_tokens`` short (answers are phrases); the answer is the first line
  of the new text. On the ctranslate2 engine by default (``generate_answers_ct2``: batches over the
  prompt prefix every question shares, cached once), or transformers ``generate`` in left-padded
  batches, the reference. Both feed the model the same token ids.
- Fine-tuning (``train_causal``): transformers ``Trainer`` on either raw documents (continued
  pre-training, loss on every token) or prompt + answer pairs (loss on the answer tokens only,
  prompt positions labelled -100), all weights or peft LoRA; a LoRA is merged into the base after
  training, so the tuned model is served exactly like a base model (and by RAG for FT+RAG).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.core.strategy_options import StrategyOptions
from ragorft.benchmarks.models.classifier import LORA_TARGETS, count_params, torch_threads

log = get_logger(__name__)

SYSTEM = "Answer the question with a short phrase taken from the facts you know or the context given. No explanation."
CONTEXT_BLOCK = "Context:\n{context}\n\n"
QUESTION = "Question: {question}"
PLAIN_ANSWER = "\nAnswer:"
#: fixed demonstrations of the answer format (general knowledge, not from any corpus), the same for
#: every strategy: a 135M model otherwise answers in sentences and exact match cannot credit it
DEMOS = (
    (
        "The Treaty of Versailles was signed on 28 June 1919.",
        "When was the Treaty of Versailles signed?",
        "28 June 1919",
    ),
    ("Hamlet is a tragedy written by William Shakespeare.", "Who wrote Hamlet?", "William Shakespeare"),
    ("Canberra is the capital city of Australia.", "What is the capital of Australia?", "Canberra"),
)


def _user(question: str, contexts: Sequence[str]) -> str:
    context = CONTEXT_BLOCK.format(context="\n\n".join(contexts)) if contexts else ""
    return context + QUESTION.format(question=question)


def build_prompt(tokenizer: Any, question: str, contexts: Sequence[str] = (), style: str = "plain") -> str:
    """The one prompt of every knowledge strategy; ``contexts`` are RAG's retrieved chunks.

    The format demonstrations carry a one-sentence context exactly when the real question does,
    so a RAG prompt and a closed-book prompt differ only by the retrieved context. ``style``
    "plain" is a text completion (``Question: ... Answer:``); "chat" uses the model's chat template
    (when it has one). Plain is the default: on six synthetic questions with their document as
    context, SmolLM2-135M-Instruct answered 3 exactly in plain form and 1 in chat form, where it
    answers in sentences that exact match cannot credit.
    """
    if style not in ("plain", "chat"):
        raise ValueError(f"prompt style must be 'plain' or 'chat', not {style!r}")
    demos = [(_user(q, [c] if contexts else []), a) for c, q, a in DEMOS]
    user = _user(question, contexts)
    if style == "chat" and getattr(tokenizer, "chat_template", None):
        messages = [{"role": "system", "content": SYSTEM}]
        for u, a in demos:
            messages += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
        messages.append({"role": "user", "content": user})
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    shots = "".join(f"{u}{PLAIN_ANSWER} {a}\n\n" for u, a in demos)
    return f"{SYSTEM}\n\n{shots}{user}{PLAIN_ANSWER}"


def answer_text(text: str) -> str:
    """The answer is the first non-empty line of what the model generated (it may go on)."""
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


@dataclass
class Generated:
    answers: list[str]
    tokens_in: int
    tokens_out: int


def generate_answers(
    model: Any, tokenizer: Any, prompts: Sequence[str], *, max_new_tokens: int, batch_size: int, max_prompt_tokens: int
) -> Generated:
    """Greedy answers to ``prompts`` in left-padded batches (prompts longer than allowed keep their end)."""
    import torch

    tokenizer.padding_side = "left"
    tokenizer.truncation_side = "left"  # the question is at the end: never cut it
    answers, tokens_in, tokens_out = [], 0, 0
    for start in range(0, len(prompts), batch_size):
        batch = list(prompts[start : start + batch_size])
        enc = tokenizer(
            batch,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=max_prompt_tokens,
            add_special_tokens=False,
        ).to(model.device)
        with torch.inference_mode():
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        new = out[:, enc["input_ids"].shape[1] :]
        tokens_in += int(enc["attention_mask"].sum())
        for row in new:
            ids = [t for t in row.tolist() if t != tokenizer.pad_token_id]
            tokens_out += len(ids)
            answers.append(answer_text(tokenizer.decode(ids, skip_special_tokens=True)))
    return Generated(answers, tokens_in, tokens_out)


def shared_prefix_ids(tokenizer: Any, prompts: Sequence[str], margin: int = 2) -> list[int]:
    """The token ids every one of ``prompts`` starts with, less ``margin`` tokens.

    Cut at the token level of whole prompts, not by tokenising the fixed text alone: BPE merges
    across the boundary ("\n\n" + "Question" tokenises differently from "\n\n" alone), and a
    prefix cached in another tokenisation would feed the model other ids than the reference. The
    margin keeps a boundary token a rarer continuation could merge into out of the prefix; a prompt
    that still does not start with it is run whole (``CT2Engine.complete``).
    """
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    n = 0
    while all(len(e) > n for e in encoded) and len({e[n] for e in encoded}) == 1:
        n += 1
    return encoded[0][: max(0, n - margin)]


def generate_answers_ct2(
    engine: Any, tokenizer: Any, prompts: Sequence[str], *, max_new_tokens: int, batch_size: int, max_prompt_tokens: int
) -> Generated:
    """``generate_answers`` on a ``CT2Engine``: the same ids in (a long prompt keeps its end), greedy out."""
    answers, tokens_in, tokens_out = [], 0, 0
    end = [tokenizer.eos_token_id]
    for start in range(0, len(prompts), batch_size):
        ids = [
            tokenizer(p, add_special_tokens=False)["input_ids"][-max_prompt_tokens:]
            for p in prompts[start : start + batch_size]
        ]
        for prompt, new in zip(ids, engine.complete(ids, max_new_tokens, end), strict=True):
            tokens_in += len(prompt)
            tokens_out += len(new)
            answers.append(answer_text(tokenizer.decode(new, skip_special_tokens=True)))
    return Generated(answers, tokens_in, tokens_out)


class CausalTrainOptions(StrategyOptions):
    """How a knowledge strategy trains its LM (suite options; defaults sized for a 2-core CPU)."""

    epochs: PositiveInt = 3
    learning_rate: PositiveFloat = 2e-4
    train_batch_size: PositiveInt = 8
    max_length: PositiveInt = 256
    #: QA-pair training only: a seeded subset of this many training questions (0 = all)
    max_train_examples: NonNegativeInt = 0
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    weight_decay: NonNegativeFloat = 0.0
    #: LoRA only (``method = "lora"``)
    rank: PositiveInt = 16
    alpha: PositiveInt = 32
    dropout: float = Field(0.05, ge=0, lt=1)


class _Tokenised:
    """Rows for ``Trainer``: input ids and labels (-100 where no loss is taken)."""

    def __init__(self, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int):
        self.rows = []
        for prefix, target in pairs:
            p = tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []
            t = tokenizer(target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            if not p:  # a document: consecutive windows, so a long paragraph is trained on whole
                for i in range(0, len(t), max_length):
                    self._add(t[i : i + max_length], t[i : i + max_length])
                continue
            p = p[-max(1, max_length - len(t)) :]  # a long prompt keeps its end (the question)
            self._add((p + t)[:max_length], ([-100] * len(p) + t)[:max_length])

    def _add(self, ids: list[int], labels: list[int]) -> None:
        self.rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.rows[i]


def train_causal(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    method: str,
    options: CausalTrainOptions,
    work: Path,
    *,
    seed: int,
    cuda: bool,
    progress: bool,
) -> tuple[Any, dict[str, Any]]:
    """Train on (prefix, target) pairs, loss on the target (prefix "" = a raw document); return (model, report).

    ``method`` is "full" (every weight) or "lora" (peft LoRA on the attention and MLP projections,
    merged into the base afterwards so it serves like a plain model).
    """
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    torch_threads()
    model.train()
    if method == "lora":
        from peft import LoraConfig, TaskType, get_peft_model

        family = getattr(model.config, "model_type", "")
        config = LoraConfig(
            task_type=TaskType.CAUSAL_LM,
            r=options.rank,
            lora_alpha=options.alpha,
            lora_dropout=options.dropout,
            target_modules=LORA_TARGETS.get(family, "all-linear"),
        )
        model = get_peft_model(model, config)
    elif method != "full":
        raise ValueError(f"method must be 'full' or 'lora', not {method!r}")
    trained, total = count_params(model)
    args = TrainingArguments(
        output_dir=str(work),
        num_train_epochs=options.epochs,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=options.train_batch_size,
        lr_scheduler_type="cosine",
        warmup_steps=options.warmup_ratio,  # a float below 1 is a fraction of the total steps
        weight_decay=options.weight_decay,
        logging_strategy="epoch",
        save_strategy="no",
        train_sampling_strategy="group_by_length",
        bf16=cuda,
        use_cpu=not cuda,
        seed=seed,
        data_seed=seed,
        report_to=[],
        disable_tqdm=not progress,
        dataloader_num_workers=0,
    )
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    tokenizer.padding_side = "right"
    data = _Tokenised(tokenizer, pairs, options.max_length)
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=collator)
    t0 = time.perf_counter()
    out = trainer.train()
    wall = time.perf_counter() - t0
    if method == "lora":
        model = model.merge_and_unload()
    model.eval()
    curve = [{"epoch": r["epoch"], "train_loss": r["loss"]} for r in trainer.state.log_history if "loss" in r]
    report = {
        "method": method,
        "train_rows": len(data),
        "train_tokens": sum(len(r["input_ids"]) for r in data.rows),
        "curves": curve,
        "train_wall_s": wall,
        "train_examples_per_s": out.metrics.get("train_samples_per_second"),
        "params_trained": trained,
        "params_total": total,
    }
    return model, report
