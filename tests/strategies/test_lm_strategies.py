"""few_shot and rag_lm on a tiny locally built Llama: valid labels always, cache-exact, seeded demos."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from ragorft import strategies
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.models.label_decoding import LabelTrie, constrained_greedy
from ragorft.strategies.few_shot import select_demos

from tests.helpers.corpora import INTENTS
from tests.helpers.tiny_lm import build_tiny_llama

# labels that share token prefixes, as Banking77's do (card_arrival, card_delivery_estimate, ...)
LABELS = sorted(INTENTS) + ["card", "card_arrival_late", "exchange_rate_fee"]
TRAIN = [Example(t, lab) for lab, texts in INTENTS.items() for t in texts[:6]]
TEST = [t for texts in INTENTS.values() for t in texts[6:]]


@pytest.fixture(scope="module")
def tiny_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [t for texts in INTENTS.values() for t in texts] + LABELS
    return build_tiny_llama(tmp_path_factory.mktemp("lm") / "tiny", texts)


@pytest.fixture(scope="module")
def tiny_plain_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [t for texts in INTENTS.values() for t in texts] + LABELS
    return build_tiny_llama(tmp_path_factory.mktemp("lm") / "plain", texts, chat_template=False)


def make(name: str, model_dir: Path, tmp_path: Path, seed: int = 0, **options):
    cls = strategies.get(name)
    ctx = strategies.FitContext(
        corpus="tiny",
        corpus_key="tiny-key",
        labels=LABELS,
        seed=seed,
        cache_dir=tmp_path / "cache",
        embed=Embedder(tmp_path / "cache", "tiny-key", progress=False),
    )
    return cls(cls.parse_options({"model": str(model_dir), **options}), ctx)


def test_label_trie_tokens_share_prefixes(tiny_lm_dir: Path, tmp_path: Path) -> None:
    s = make("few_shot", tiny_lm_dir, tmp_path)
    s.fit(TRAIN)
    seqs = s._label_sequences()
    assert all(len(ids) >= 2 for ids in seqs.values())
    assert len(s.trie.root.children) < len(LABELS)  # some labels share their first token


@pytest.fixture(scope="module")
def tiny_tokenizer(tiny_lm_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_lm_dir)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.1, 50.0))
def test_constraint_never_emits_an_invalid_label(tiny_tokenizer, seed: int, scale: float) -> None:
    """Whatever the logits (random, any sharpness), the decoded tokens spell exactly one label."""
    tok = tiny_tokenizer
    seqs = {lab: tok.encode(lab, add_special_tokens=False) + [tok.eos_token_id] for lab in LABELS}
    trie = LabelTrie.build(seqs)
    gen = torch.Generator().manual_seed(seed)
    fed: list[int] = []

    def step(ids: list[int]) -> torch.Tensor:
        fed.extend(ids)
        return torch.randn(len(ids), len(tok), generator=gen) * scale

    label, n = constrained_greedy(trie, torch.randn(len(tok), generator=gen) * scale, step)
    assert label in LABELS
    assert fed == seqs[label][: len(fed)] and n == len(seqs[label])


@pytest.mark.parametrize("name", ["few_shot", "rag_lm"])
def test_prefix_cache_gives_the_same_predictions(name: str, tiny_lm_dir: Path, tmp_path: Path) -> None:
    preds, logits = {}, {}
    for use_cache in (True, False):
        s = make(
            name, tiny_lm_dir, tmp_path, prefix_cache=use_cache, measure_unconstrained=False, engine="transformers"
        )
        s.fit(TRAIN)
        preds[use_cache] = s.predict(TEST)
        suffix = s.tokenizer.encode(s._suffix_text(s.query_demos(TEST[:1])[0], TEST[0]), add_special_tokens=False)
        logits[use_cache] = s.runner.start(suffix)[1]
    assert preds[True] == preds[False]
    assert set(preds[True]) <= set(LABELS)
    torch.testing.assert_close(logits[True], logits[False], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("name", "prefix_cache", "plain"),
    [("few_shot", True, False), ("rag_lm", True, False), ("few_shot", False, False), ("few_shot", True, True)],
)
def test_batched_decoding_matches_one_query_at_a_time(
    name: str, prefix_cache: bool, plain: bool, tiny_lm_dir: Path, tiny_plain_lm_dir: Path, tmp_path: Path
) -> None:
    """Left-padded lockstep batches give every query the labels, unaided answers and token counts
    it gets alone (batches of 4 over unequal suffixes, the last batch short)."""
    model_dir = tiny_plain_lm_dir if plain else tiny_lm_dir
    runs = {}
    for batch in (1, 4):
        s = make(name, model_dir, tmp_path, prefix_cache=prefix_cache, batch_size=batch, engine="transformers")
        s.fit(TRAIN)
        runs[batch] = (s.predict(TEST), s.unconstrained_answers(), s.tokens_in, s.tokens_out)
        assert s.report().extra["batch_size"] == batch
    assert len({len(suffix) for suffix in s.seen.values()}) > 1 and len(TEST) % 4
    assert runs[4] == runs[1]
    assert set(runs[4][0]) <= set(LABELS)


@pytest.mark.parametrize(
    ("name", "prefix_cache", "plain"),
    [("few_shot", True, False), ("rag_lm", True, False), ("few_shot", False, False), ("rag_lm", True, True)],
)
def test_ctranslate2_engine_equals_the_transformers_reference(
    name: str, prefix_cache: bool, plain: bool, tiny_lm_dir: Path, tiny_plain_lm_dir: Path, tmp_path: Path
) -> None:
    """The fast engine (float32 compute, so the logits are the reference's up to rounding) gives
    every query the label, the unconstrained answer and the token counts transformers gives."""
    model_dir = tiny_plain_lm_dir if plain else tiny_lm_dir
    runs, reports = {}, {}
    extra = {"k": 3} if name == "rag_lm" else {}
    for engine in ("transformers", "ctranslate2"):
        s = make(name, model_dir, tmp_path, prefix_cache=prefix_cache, engine=engine, compute_type="float32", **extra)
        s.prepare(TRAIN)
        s.fit(TRAIN)
        runs[engine] = (s.predict(TEST), s.unconstrained_answers(), s.tokens_in, s.tokens_out)
        reports[engine] = s.report()
    assert runs["ctranslate2"] == runs["transformers"]
    assert set(runs["ctranslate2"][0]) <= set(LABELS)
    assert reports["ctranslate2"].extra["engine"] == "ctranslate2"
    # the engine's unconstrained answers came from the scoring pass's own generations
    assert reports["ctranslate2"].extra["unconstrained_in_scoring_pass"] == len(set(TEST))
    assert reports["transformers"].extra["unconstrained_in_scoring_pass"] == 0
    assert reports["ctranslate2"].params_total == reports["transformers"].params_total


def test_ctranslate2_trie_walk_resumes_after_a_divergence(tiny_lm_dir: Path, tmp_path: Path) -> None:
    """A random tiny model rarely writes a label unaided, so the walk must stop the greedy run at a
    divergence, choose among the trie children by that step's logits and resume: the chosen labels
    are the reference's even where the unaided answer is not a label."""
    s = make("few_shot", tiny_lm_dir, tmp_path, engine="ctranslate2", compute_type="float32")
    s.fit(TRAIN)
    preds = s.predict(TEST)
    rep = s.report()
    assert rep.extra["invalid_label_rate"] > 0  # the unaided model diverges from every label somewhere
    assert s.engine.generations > len(TEST)  # ... so some queries needed more than one generation
    ref = make("few_shot", tiny_lm_dir, tmp_path, engine="transformers", measure_unconstrained=False)
    ref.fit(TRAIN)
    assert ref.predict(TEST) == preds
    # a repeated text (the runner's timed queries) is decoded under the constraint alone
    before = s.engine.generations
    assert s.predict(TEST[:1]) == preds[:1] and s.free_in_scoring == len(set(TEST))
    assert s.engine.generations - before >= 1


def test_sliding_window_models_get_no_static_prompt() -> None:
    """ctranslate2 4.8.5 aborts after a static prompt on Gemma 3's sliding-window layers, so the
    engine feeds those models the whole prompt per query; full-attention models keep the cache."""
    from ragorft.benchmarks.models.ct2_engine import has_sliding_window

    gemma3 = {"layer_types": ["sliding_attention"] * 5 + ["full_attention"], "sliding_window": 512}
    qwen2 = {"layer_types": ["full_attention"] * 24, "sliding_window": 32768, "use_sliding_window": False}
    assert has_sliding_window(gemma3) and has_sliding_window({"text_config": gemma3})
    assert not has_sliding_window(qwen2) and not has_sliding_window({"use_sliding_window": False})
    assert has_sliding_window({"sliding_window": 4096}) and not has_sliding_window({"hidden_size": 32})


def test_int8_engine_gives_valid_labels_and_says_so(tiny_lm_dir: Path, tmp_path: Path) -> None:
    s = make("rag_lm", tiny_lm_dir, tmp_path, engine="ctranslate2", compute_type="int8", k=3)
    s.prepare(TRAIN)
    s.fit(TRAIN)
    assert set(s.predict(TEST)) <= set(LABELS)
    assert s.report().extra["compute_type"] == "int8"


def test_unknown_engine_is_refused_when_options_are_read(tiny_lm_dir: Path, tmp_path: Path) -> None:
    from ragorft.benchmarks.core.errors import RagorftError

    with pytest.raises(RagorftError, match="engine"):
        make("few_shot", tiny_lm_dir, tmp_path, engine="llamacpp")
    with pytest.raises(RagorftError, match="compute_type"):
        make("few_shot", tiny_lm_dir, tmp_path, compute_type="int3")


def test_demos_are_deterministic_per_seed() -> None:
    train = [Example(f"{lab} text {i}", lab) for lab in LABELS for i in range(10)]
    a = select_demos(train, LABELS, 2, "shuffled", seed=0)
    assert a == select_demos(train, LABELS, 2, "shuffled", seed=0)
    assert a != select_demos(train, LABELS, 2, "shuffled", seed=1)
    assert sorted(ex.label for ex in a) == sorted(LABELS * 2)
    grouped = select_demos(train, LABELS, 1, "grouped", seed=0)
    assert [ex.label for ex in grouped] == LABELS


def test_few_shot_reports_invalid_label_rate_and_tokens(tiny_lm_dir: Path, tmp_path: Path) -> None:
    s = make("few_shot", tiny_lm_dir, tmp_path, demos_per_label=2)
    s.fit(TRAIN)
    preds = s.predict(TEST)
    assert set(preds) <= set(LABELS)
    rep = s.report()
    assert rep.extra["n_fixed_demos"] == 2 * len(INTENTS)
    assert rep.extra["unconstrained_n"] == len(set(TEST))
    # a random tiny model almost never writes a label unaided: the constraint is what makes it valid
    assert 0.0 <= rep.extra["invalid_label_rate"] <= 1.0
    assert len(rep.extra["invalid_label_examples"]) == round(rep.extra["invalid_label_rate"] * len(set(TEST)))
    assert rep.tokens_in >= len(TEST) * rep.extra["prefix_tokens"] and rep.tokens_out >= 2 * len(TEST)


def test_plain_text_prompt_for_models_without_chat_template(tiny_plain_lm_dir: Path, tmp_path: Path) -> None:
    s = make("few_shot", tiny_plain_lm_dir, tmp_path)
    s.fit(TRAIN)
    assert not s.chat and s.prefix_text.startswith("Classify each message")
    assert set(s.predict(TEST)) <= set(LABELS)


def test_rag_lm_puts_the_nearest_examples_last(tiny_lm_dir: Path, tmp_path: Path) -> None:
    s = make("rag_lm", tiny_lm_dir, tmp_path, k=3, measure_unconstrained=False)
    s.prepare(TRAIN)
    s.fit(TRAIN)
    demos = s.query_demos(["please block my lost card, it was stolen"])[0]
    assert len(demos) == 3 and demos[-1].label == "lost_card"
    assert set(s.predict(TEST)) <= set(LABELS)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["Qwen2.5-Coder-0.5B-Instruct", "Qwen2.5-Coder-1.5B-Instruct"])
def test_real_ladder_model_engine_matches_reference(model: str, tmp_path: Path) -> None:
    """On the real Qwen bases (nox -s e2e installs their parts): the ctranslate2 engine in float32
    picks the reference's labels; in int8 every answer is still a label."""
    import importlib.util

    from ragorft.benchmarks.models import gguf_parts
    from ragorft.benchmarks.models.registry import card

    if any(importlib.util.find_spec(p.module) is None for p in gguf_parts.parts_of(card(model).get("parts"))):
        pytest.skip(f"{model}: part packages not installed")
    preds = {}
    for engine, compute in (("transformers", "int8"), ("ctranslate2", "float32"), ("ctranslate2", "int8")):
        s = make("rag_lm", Path(model), tmp_path, engine=engine, compute_type=compute, k=3, measure_unconstrained=False)
        s.prepare(TRAIN)
        s.fit(TRAIN)
        preds[(engine, compute)] = s.predict(TEST)
    assert preds[("ctranslate2", "float32")] == preds[("transformers", "int8")]
    assert set(preds[("ctranslate2", "int8")]) <= set(LABELS)


def test_few_shot_budget_says_what_the_prompt_saw(tiny_lm_dir: Path, tmp_path: Path) -> None:
    whole = make("few_shot", tiny_lm_dir, tmp_path, measure_unconstrained=False)
    whole.fit(TRAIN)  # 6 per label: the default puts the whole budget in the prompt
    rep = whole.report().extra
    assert rep["demos_per_label"] == rep["budget_per_label"] == 6 and rep["budget_used"] == 1.0
    one = make("few_shot", tiny_lm_dir, tmp_path, demos_per_label=1, measure_unconstrained=False)
    one.fit(TRAIN)
    rep1 = one.report().extra
    assert rep1["demos_per_label"] == 1 and rep1["budget_per_label"] == 6
    assert rep1["budget_used"] == pytest.approx(1 / 6) and rep1["prompt_tokens"] < rep["prompt_tokens"]


@pytest.mark.parametrize("engine", ["ctranslate2", "transformers"])
def test_unconstrained_items_measures_the_first_texts_scored_only(
    tiny_lm_dir: Path, tmp_path: Path, engine: str
) -> None:
    """``unconstrained_items = N`` measures the invalid-label rate on the first N distinct texts
    scored (a prefix of the shared test order) with the same answers a full measurement gives
    them, and leaves the labels alone."""
    full = make("few_shot", tiny_lm_dir, tmp_path, engine=engine, compute_type="float32")
    full.fit(TRAIN)
    bounded = make("few_shot", tiny_lm_dir, tmp_path, engine=engine, compute_type="float32", unconstrained_items=3)
    bounded.fit(TRAIN)
    texts = TEST + TEST[:2]  # repeats (the runner's timed queries) are not new texts
    assert bounded.predict(texts) == full.predict(texts)
    answers = full.unconstrained_answers()
    assert bounded.unconstrained_answers() == {t: answers[t] for t in list(dict.fromkeys(TEST))[:3]}
    rep = bounded.report()
    assert rep.extra["unconstrained_n"] == 3
    assert rep.extra["unconstrained_in_scoring_pass"] == (3 if engine == "ctranslate2" else 0)
