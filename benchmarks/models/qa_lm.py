"""Answering questions with a causal LM: the prompt and greedy generation.

Every knowledge strategy (closed-book, RAG, fine-tuned on documents or on QA pairs, FT+RAG) asks
the same model the same prompt, with or without retrieved context, so the strategies differ only
in what they add: the facts in the prompt or the facts in the weights.

- Prompt: the model's chat template (system instruction, then the context and the question as the
  user turn); a model without one gets a plain ``Context: ... Question: ... Answer:`` form.
- Generation: greedy, ``max_new_tokens`` short (answers are phrases); the answer is the first line
  of the new text. On the ctranslate2 engine by default (``generate_answers_ct2``: batches over the
  prompt prefix every question shares, cached once), or transformers ``generate`` in left-padded
  batches, the reference. Both feed the model the same token ids.

Fine-tuning lives in ``causal_train.py``: the strategies that never train (closed-book, RAG) do not
import it, so a training change leaves their cells' keys alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ragorft.benchmarks.core.log import get_logger

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
