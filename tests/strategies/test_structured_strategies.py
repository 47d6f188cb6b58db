"""The structured strategies on a tiny SNIPS-format corpus: the tagger's spans, the shared JSON rule,
retrieved demos and the SFT tuning report, with tiny local models (tests/helpers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ragorft import strategies
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.score.structured import structured_metrics
from ragorft.strategies._structured import POLICY, first_object, object_end
from ragorft.strategies.frame_tagger import bio_tags, decode_spans, tokens

from tests.helpers.structured import build_tiny_llama_for_frames, write_structured_corpus
from tests.helpers.tiny_encoder import build_tiny_encoder


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("structured-models")
    return {
        "st": str(build_tiny_encoder(root / "st", sentence_transformer=True)),
        "lm": str(build_tiny_llama_for_frames(root / "lm")),
    }


def _run(name: str, options: dict[str, Any], tmp_path: Path) -> tuple[Any, list[str], list[Any]]:
    data = load_corpus_data(str(write_structured_corpus(tmp_path).parent), None)
    corpus = data.corpus
    pool, dev = data.pools(0)
    ctx = strategies.FitContext(
        corpus=corpus.name,
        corpus_key=corpus.key,
        labels=corpus.labels,
        seed=0,
        cache_dir=tmp_path / "cache",
        dev=dev,
        embed=Embedder(tmp_path / "cache", corpus.key, progress=False),
        progress=False,
    )
    cls = strategies.get(name)
    strategy = cls(cls.parse_options(options), ctx)
    strategy.prepare(pool)
    strategy.fit(pool)
    predictions = strategy.predict([ex.text for ex in corpus.test])
    return strategy, predictions, corpus.test


def test_first_object_cuts_where_the_first_json_object_closes() -> None:
    assert first_object(' {"a": "}{", "b": {"c": 1}} and then chatter') == '{"a": "}{", "b": {"c": 1}}'
    assert first_object('{"a": "say \\"}\\" here"}\n{"b": 2}') == '{"a": "say \\"}\\" here"}'
    assert first_object("Sure, here it is") == "Sure, here it is"
    assert first_object('{"unclosed": 1') == '{"unclosed": 1'


def test_tags_from_frames_decode_back_to_the_same_frames(tmp_path: Path) -> None:
    corpus = load_corpus_data(str(write_structured_corpus(tmp_path).parent), None).corpus
    for ex in corpus.train:
        frame = json.loads(ex.target)
        spans = tokens(ex.text)
        tags, missing = bio_tags(ex.text, spans, frame)
        assert missing == 0
        assert dict(decode_spans(ex.text, spans, tags)) == frame["slots"]
    text = "show movie and movie times"  # a repeated type, the same value twice: two spans
    spans = tokens(text)
    tags, missing = bio_tags(text, spans, {"slots": {"t": ["movie", "movie times"]}})
    assert missing == 0 and decode_spans(text, spans, tags) == [("t", "movie"), ("t", "movie times")]


def test_frame_tagger_learns_the_slots_and_always_writes_valid_json(tmp_path: Path, models: dict[str, str]) -> None:
    strategy, predictions, test = _run("frame_tagger", {"embedding_model": models["st"], "c_grid": [10.0]}, tmp_path)
    m = structured_metrics([ex.target for ex in test], predictions)
    assert m["valid_json"] == 1.0 and m["valid_frame"] == 1.0
    assert m["slot_recall"] >= 0.9  # templated utterances, values at the same positions
    report = strategy.report().extra
    assert report["tuning"]["knob"] == "C" and report["unaligned_values"] == 0


def test_generative_outputs_follow_the_one_json_rule(tmp_path: Path, models: dict[str, str]) -> None:
    options = {"model": models["lm"], "demos_per_intent": 1, "max_new_tokens": 8}
    strategy, predictions, test = _run("few_shot_frames", options, tmp_path)
    json_output = strategy.report().extra["json_output"]
    invalid = sum(not p.startswith("{") or not p.endswith("}") for p in predictions)
    assert json_output["policy"] == POLICY and json_output["outputs"] == len(test)
    # a random tiny LM writes no valid frame: every item was retried once, and still is invalid
    assert json_output["retried"] == len(test) and json_output["still_invalid"] >= invalid
    prompt = strategy.prompt("rain in Oslo", strategy.demos("rain in Oslo"))
    assert "GetWeather" in prompt and "timeRange" in prompt and prompt.count("<|im_start|>assistant") == 4


def test_rag_frames_puts_the_nearest_training_utterance_next_to_the_request(
    tmp_path: Path, models: dict[str, str]
) -> None:
    options = {"model": models["lm"], "k": 3, "embedding_model": models["st"], "max_new_tokens": 4}
    strategy, _, _ = _run("rag_frames", options, tmp_path)
    text = strategy.pool[5].text
    demos = strategy.demos(text)
    assert len(demos) == 3 and demos[-1].text == text


@pytest.mark.slow  # two LoRA trainings and their dev generations; the contract test fits lora_frames fast
def test_lora_frames_tunes_the_learning_rate_on_dev_frame_em(tmp_path: Path, models: dict[str, str]) -> None:
    options = {
        "model": models["lm"],
        "max_new_tokens": 4,
        "epochs": 1,
        "train_batch_size": 8,
        "max_length": 160,
        "learning_rates": [1e-3, 1e-2],
    }
    strategy, predictions, test = _run("lora_frames", options, tmp_path)
    report = strategy.report()
    tuning = report.extra["tuning"]
    assert [t["learning_rate"] for t in tuning["trials"]] == [1e-3, 1e-2]
    assert tuning["metric"] == "dev frame EM" and tuning["chosen"]["learning_rate"] in (1e-3, 1e-2)
    assert 0 < report.params_trained < report.params_total and len(predictions) == len(test)


def test_the_stop_rule_only_drops_what_greedy_decoding_writes_after(tmp_path: Path, models: dict[str, str]) -> None:
    """Decoding stops once the frame's object closes; on both engines that must equal decoding on
    and cutting (a random tiny LM never closes an object, so a length rule stands in for it)."""
    options = {"model": models["lm"], "demos_per_intent": 1, "max_new_tokens": 8}
    strategy, _, test = _run("few_shot_frames", options, tmp_path)
    tok = strategy.tokenizer
    ids = [tok(strategy.prompt(ex.text, strategy.demos(ex.text)), add_special_tokens=False)["input_ids"] for ex in test]
    ids = ids[:4] + [ids[0][1:]]  # the last one does not start with the cached prefix: decoded whole
    three = lambda tokens: len(tokens) >= 3  # noqa: E731
    on = strategy.engine.complete(ids, 8, [tok.eos_token_id])
    assert strategy.engine.complete(ids, 8, [tok.eos_token_id], until=three) == [o[:3] for o in on]
    assert any(len(o) > 3 for o in on)
    strategy._closed = lambda tokens: False
    on = strategy._generate_torch(ids)
    strategy._closed = three
    assert strategy._generate_torch(ids) == [o[:3] for o in on]
    assert object_end('  {"a": "}{", "b": [1]} then') == 23 and object_end('{"a": 1') is None
