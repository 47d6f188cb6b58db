"""The knowledge prompt and the causal-LM training rows (loss only where it should be)."""

from __future__ import annotations

import pytest
from ragorft.benchmarks.models.qa_lm import DEMOS, _Tokenised, answer_text, build_prompt
from transformers import AutoTokenizer

from tests.helpers.tiny_lm import build_tiny_llama


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):
    texts = ["Question: who wrote it? Answer: somebody", "Context: a long document about things"] * 5
    return AutoTokenizer.from_pretrained(build_tiny_llama(tmp_path_factory.mktemp("lm") / "t", texts))


def test_prompt_has_context_only_for_rag_and_the_same_demos(tokenizer) -> None:
    closed = build_prompt(tokenizer, "Who is X?")
    rag = build_prompt(tokenizer, "Who is X?", ["X is a fictional person."])
    assert closed.endswith("Question: Who is X?\nAnswer:") and "Context:" not in closed
    assert "X is a fictional person." in rag and rag.count("Context:") == len(DEMOS) + 1
    assert all(a in closed and a in rag for _, _, a in DEMOS)
    chat = build_prompt(tokenizer, "Who is X?", style="chat")
    assert "<|im_start|>assistant" in chat and chat.count("<|im_start|>user") == len(DEMOS) + 1
    with pytest.raises(ValueError):
        build_prompt(tokenizer, "q", style="json")


def test_answer_is_the_first_non_empty_line() -> None:
    assert answer_text("\n  Paris \nQuestion: next") == "Paris"
    assert answer_text("   ") == ""


def test_training_rows_mask_the_prompt_and_window_documents(tokenizer) -> None:
    rows = _Tokenised(tokenizer, [("Question: who wrote it?\nAnswer:", " somebody")], max_length=64).rows
    (row,) = rows
    n_target = len(tokenizer(" somebody", add_special_tokens=False)["input_ids"]) + 1  # + eos
    assert row["labels"][-n_target:] == row["input_ids"][-n_target:]
    assert set(row["labels"][:-n_target]) == {-100}
    doc = " ".join(["a long document about things"] * 20)
    windows = _Tokenised(tokenizer, [("", doc)], max_length=16).rows
    total = len(tokenizer(doc, add_special_tokens=False)["input_ids"]) + 1
    assert len(windows) == -(-total // 16) and all(w["labels"] == w["input_ids"] for w in windows)
    assert sum(len(w["input_ids"]) for w in windows) == total
