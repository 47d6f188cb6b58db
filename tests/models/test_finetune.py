"""Fine-tuning strategies on a tiny BERT the tests build (MiniLM's tokenizer, random weights).

Each strategy trains through the real Trainer/peft/bitsandbytes path and its loss falls; the saved
model reloads to the same predictions; early stopping fires on a planted plateau; one base serves
two tasks through swapped adapters.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from ragorft import strategies
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.classifier import FinetuneOptions, LoraOptions
from ragorft.benchmarks.models.finetune import finetune, load_finetuned, predict_labels, predict_scores
from ragorft.benchmarks.models.tuning import tuning_dev

from tests.helpers.corpora import INTENTS

SEED = 0


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 2-layer, 64-wide BERT with all-MiniLM-L6-v2's tokenizer, saved like any checkpoint."""
    import torch
    from ragorft.benchmarks.models.registry import resolve
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve("all-MiniLM-L6-v2"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def intents(first: int, last: int) -> list[Example]:
    return [Example(t, lab) for lab, texts in INTENTS.items() for t in texts[first:last]]


LABELS = sorted(INTENTS)


def options(cls: type, model: str, **kw: object) -> FinetuneOptions:
    defaults = {"epochs": 4, "batch_size": 8, "max_length": 24, "learning_rate": 3e-3, "patience": 4}
    return cls(model=model, **(defaults | kw))


@pytest.mark.parametrize("name", ["full_ft", "lora", pytest.param("qlora", marks=pytest.mark.slow)])
def test_strategy_trains_and_loss_falls(name: str, tiny_bert: str, tmp_path: Path) -> None:
    cls = strategies.get(name)
    opts = options(cls.Options, tiny_bert)
    ctx = strategies.FitContext(
        corpus="tiny", corpus_key="k", labels=LABELS, seed=SEED, cache_dir=tmp_path, dev=intents(6, 8), progress=False
    )
    strategy = cls(opts, ctx)
    strategy.fit(intents(0, 6))
    extra = strategy.report().extra
    curves = extra["curves"]
    assert len(curves) == opts.epochs
    assert curves[-1]["train_loss"] < curves[0]["train_loss"]
    report = strategy.report()
    if name == "full_ft":
        assert report.params_trained == report.params_total
    else:
        assert 0 < report.params_trained < report.params_total / 2
        assert extra["saved_bytes"] < extra["base_bytes"]
    predictions = strategy.predict([ex.text for ex in intents(6, 8)])
    assert set(predictions) <= set(LABELS)
    # the saved artefact rebuilds the same predictor
    model, tokenizer, labels = load_finetuned(Path(extra["saved_path"]))
    again = predict_labels(model, tokenizer, labels, [ex.text for ex in intents(6, 8)], max_length=opts.max_length)
    assert again == predictions


class _Watch:
    """A Trainer callback that keeps a weak reference to each trial's model and its predictions at
    the end of its training, and counts how many earlier trials' models are alive as each starts."""

    def __init__(self, folder: str, texts: list[str], max_length: int) -> None:
        from transformers import AutoTokenizer, TrainerCallback

        watch = self

        class Callback(TrainerCallback):
            def on_train_begin(self, args: object, state: object, control: object, **kw: object) -> None:
                gc.collect()
                watch.alive_at_start.append(sum(ref() is not None for ref in watch.refs))

            def on_train_end(
                self, args: object, state: object, control: object, model: object = None, **kw: object
            ) -> None:
                watch.refs.append(weakref.ref(model))
                labels, confidence = predict_scores(model, tokenizer, LABELS, texts, max_length=max_length)
                watch.predictions.append((labels, confidence.tolist()))

        tokenizer = AutoTokenizer.from_pretrained(folder)
        self.callback = Callback()
        self.refs: list[weakref.ref] = []
        self.predictions: list[tuple[list[str], list[float]]] = []
        self.alive_at_start: list[int] = []


@pytest.mark.parametrize(
    ("kind", "first_wins"),
    # qlora's planted winner wins on the tie rule (its 4-bit tiny BERT stays at chance on dev)
    [("lora", True), ("lora", False), pytest.param("qlora", True, marks=pytest.mark.slow)],
)
def test_grid_holds_one_model_and_serves_the_chosen_one(
    kind: str, first_wins: bool, tiny_bert: str, tmp_path: Path
) -> None:
    """While the next learning rate trains, the best so far waits on disk, not in memory; the model
    returned is the chosen trial's, reloaded from its saved copy: for lora the same predictions
    exactly; for qlora the same labels, the probabilities within bitsandbytes' repacking drift."""
    import numpy as np

    texts = [ex.text for ex in intents(6, 8)]
    opts = options(LoraOptions, tiny_bert, epochs=8, learning_rates=[1e-2, 1e-30] if first_wins else [1e-30, 1e-2])
    watch = _Watch(tiny_bert, texts, opts.max_length)
    result = finetune(
        kind,
        opts,
        intents(0, 6),
        intents(6, 8),
        LABELS,
        seed=SEED,
        cache_dir=tmp_path,
        extra_callbacks=[watch.callback],
    )
    trials = result.extra["tuning"]["trials"]
    assert result.extra["tuning"]["chosen"]["learning_rate"] == 1e-2
    if kind == "lora":  # won outright
        assert max(t["dev_accuracy"] for t in trials) > min(t["dev_accuracy"] for t in trials)
    assert watch.alive_at_start == [0, 0]
    gc.collect()
    assert [ref() for ref in watch.refs] == [None, None]
    labels, confidence = predict_scores(result.model, result.tokenizer, LABELS, texts, max_length=opts.max_length)
    chosen_labels, chosen_confidence = watch.predictions[0 if first_wins else 1]
    assert labels == chosen_labels
    if kind == "lora":
        assert confidence.tolist() == chosen_confidence
    else:
        assert np.allclose(confidence, chosen_confidence, rtol=0, atol=1e-3)
    assert watch.predictions[0] != watch.predictions[1]  # the two trials are told apart


def test_early_stopping_on_planted_plateau(tiny_bert: str, tmp_path: Path) -> None:
    # learning rate 1e-30 (below float32 resolution: no weight moves): dev loss cannot
    # improve after the first epoch, so patience 1 stops at epoch 2
    opts = options(LoraOptions, tiny_bert, learning_rates=[1e-30], patience=1, epochs=6)
    result = finetune("lora", opts, intents(0, 6), intents(6, 8), LABELS, seed=SEED, cache_dir=tmp_path)
    assert result.extra["epochs_run"] == 2
    assert result.extra["stopped_early"] is True
    assert result.extra["chosen_epoch"] == 1


def test_two_adapters_share_one_base(tiny_bert: str, tmp_path: Path) -> None:
    from ragorft.benchmarks.models.multi_adapter import MultiAdapterClassifier

    # task A: the three intents; task B: a two-label task with different labels on the same texts
    task_b = {"card_arrival": "card", "lost_card": "card", "exchange_rate": "money"}
    labels_b = ["card", "money"]
    train_b = [Example(ex.text, task_b[ex.label]) for ex in intents(0, 6)]
    dev_b = [Example(ex.text, task_b[ex.label]) for ex in intents(6, 8)]
    opts = options(LoraOptions, tiny_bert, head_size=3)
    a = finetune("lora", opts, intents(0, 6), intents(6, 8), LABELS, seed=SEED, cache_dir=tmp_path)
    b = finetune("lora", opts, train_b, dev_b, labels_b, seed=SEED, cache_dir=tmp_path)
    texts = [ex.text for ex in intents(6, 8)]
    alone_a = predict_labels(a.model, a.tokenizer, LABELS, texts, max_length=opts.max_length)
    alone_b = predict_labels(b.model, b.tokenizer, labels_b, texts, max_length=opts.max_length)

    served = MultiAdapterClassifier.load({"a": a.saved, "b": b.saved})
    assert served.predict("a", texts) == alone_a
    assert served.predict("b", texts) == alone_b
    assert served.predict("a", texts) == alone_a  # switching back restores task A exactly
    assert set(served.predict("b", texts)) <= set(labels_b)


@pytest.mark.slow
def test_causal_lm_lora_head_and_forgetting_probe(tmp_path: Path) -> None:
    """A tiny Llama gets a classification head and LoRA; the forgetting probe scores base and tuned."""
    import math

    from ragorft.benchmarks.models.forgetting import forgetting_check, probe_texts

    from tests.helpers.tiny_lm import build_tiny_llama

    texts = [ex.text for ex in intents(0, 8)] + probe_texts()
    folder = build_tiny_llama(tmp_path / "tiny-llama", texts)
    opts = options(LoraOptions, str(folder), epochs=3)
    result = finetune("lora", opts, intents(0, 6), intents(6, 8), LABELS, seed=SEED, cache_dir=tmp_path)
    assert result.extra["family"] == "llama"
    assert result.extra["curves"][-1]["train_loss"] < result.extra["curves"][0]["train_loss"]
    probe = forgetting_check(result, opts)
    assert probe["probe_sentences"] == len(probe_texts()) >= 30
    assert math.isfinite(probe["base_perplexity"]) and math.isfinite(probe["tuned_perplexity"])
    # LoRA moved the body: the tuned perplexity is a different number from the base one
    assert probe["tuned_perplexity"] != probe["base_perplexity"]


@pytest.mark.slow
def test_qlora_forgetting_baseline_is_a_working_nf4_language_model(tmp_path: Path) -> None:
    """The NF4 base the qlora probe compares against must model language about as well as the
    full-precision base (4-bit rounding, not garbage): its LM head once ran on hidden states cast to
    the packed weights' uint8, and the Qwen records read perplexities of 1e61."""
    from ragorft.benchmarks.models.forgetting import forgetting_check, probe_texts

    from tests.helpers.tiny_lm import build_tiny_llama

    texts = [ex.text for ex in intents(0, 8)] + probe_texts()
    folder = build_tiny_llama(tmp_path / "tiny-llama", texts, hidden_size=64)
    opts = options(LoraOptions, str(folder), epochs=1)
    result = finetune("qlora", opts, intents(0, 6), intents(6, 8), LABELS, seed=SEED, cache_dir=tmp_path)
    nf4 = forgetting_check(result, opts, kind="qlora")
    full = forgetting_check(result, opts, kind="lora")  # the same tuned body against the fp32 base
    assert nf4["baseline"] == "nf4 base" and full["baseline"] == "base"
    assert 0.5 < nf4["base_perplexity"] / full["base_perplexity"] < 2.0
    assert 0.5 < nf4["tuned_perplexity"] / full["tuned_perplexity"] < 2.0


def test_dev_subset_keeps_at_least_five_per_label() -> None:
    from collections import Counter

    dev = [Example(f"text {i}", f"label{i % 20}") for i in range(400)]  # 20 per label
    assert tuning_dev(dev, 0, 20, seed=0) == dev
    small = tuning_dev(dev, 40, 20, seed=0)  # asked for 2 per label: raised to 5
    assert len(small) == 100 and min(Counter(e.label for e in small).values()) == 5
    assert len(tuning_dev(dev[:60], 40, 20, seed=0)) == 60  # the whole split where it is smaller
    assert len(tuning_dev(dev, 200, 20, seed=0)) == 200


def test_training_prints_no_log_dicts_without_progress(tiny_bert: str, tmp_path: Path, capsys) -> None:
    """With bars off the Trainer's PrinterCallback printed every log dict into the bench output."""
    opts = options(LoraOptions, tiny_bert, epochs=1)
    result = finetune("lora", opts, intents(0, 6), intents(6, 8), LABELS, seed=SEED, cache_dir=tmp_path)
    out, err = capsys.readouterr()
    assert "'loss'" not in out + err and "'eval_loss'" not in out + err
    assert result.extra["curves"]  # the numbers are in the record instead


def test_learning_rate_grid_is_chosen_on_dev_and_recorded(tiny_bert: str, tmp_path: Path) -> None:
    from ragorft.benchmarks.models.tuning import RULE

    opts = options(FinetuneOptions, tiny_bert, learning_rates=[1e-30, 3e-3], epochs=3, patience=3)
    dev = intents(6, 8)
    result = finetune("full", opts, intents(0, 6), dev, LABELS, seed=SEED, cache_dir=tmp_path)
    tuning = result.extra["tuning"]
    assert tuning["rule"] == RULE and tuning["grid"] == [1e-30, 3e-3] and tuning["max_epochs"] == 3
    assert [t["learning_rate"] for t in tuning["trials"]] == [1e-30, 3e-3]
    best = max(t["dev_accuracy"] for t in tuning["trials"])
    chosen = next(t for t in tuning["trials"] if t["dev_accuracy"] == best)
    assert tuning["chosen"]["learning_rate"] == chosen["learning_rate"]
    # the kept model is the chosen trial at its best epoch: it scores the recorded dev accuracy
    predicted = predict_labels(result.model, result.tokenizer, LABELS, [ex.text for ex in dev], max_length=24)
    assert sum(p == ex.label for p, ex in zip(predicted, dev)) / len(dev) == pytest.approx(best)


def test_mpnet_encoder_fine_tunes_with_lora(tmp_path: Path) -> None:
    from tests.helpers.tiny_encoder import build_tiny_encoder

    folder = build_tiny_encoder(tmp_path / "tiny-mpnet", "mpnet")
    cls = strategies.get("lora")
    ctx = strategies.FitContext(
        corpus="tiny", corpus_key="k", labels=LABELS, seed=SEED, cache_dir=tmp_path, dev=intents(6, 8), progress=False
    )
    strategy = cls(options(cls.Options, str(folder), epochs=2), ctx)
    strategy.fit(intents(0, 6))
    extra = strategy.report().extra
    assert extra["family"] == "mpnet" and "forgetting" not in extra  # an encoder, not a causal LM
    assert 0 < strategy.report().params_trained < strategy.report().params_total / 2
    assert set(strategy.predict([ex.text for ex in intents(6, 8)])) <= set(LABELS)
