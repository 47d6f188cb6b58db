"""The contract every registered strategy keeps, whoever wrote it: it says what it is (task, role,
base model option, adapter), its options are a strict schema whose defaults parse and whose
config round-trips, and it fits and predicts on a tiny corpus of its task, one answer per text.

Parametrized over ``strategies.names()``, so a new strategy is tested here without being listed:
a strategy missing from ``FIT`` below fails ``test_every_strategy_has_a_tiny_fit``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel
from ragorft import strategies
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.card_schema import TASKS
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.strategies.base import ROLES, StrategyOptions

from tests.helpers.knowledge import build_tiny_llama_for_bios, write_bios_corpus
from tests.helpers.loopback import SECRET, LoopbackServer
from tests.helpers.structured import build_tiny_llama_for_frames, write_structured_corpus
from tests.helpers.tiny_encoder import build_tiny_encoder

NAMES = strategies.names()
META = {"task", "role", "base_model", "adapter", "quantized"}

#: tiny options per strategy ("{encoder}", "{st_encoder}", "{lm}", "{url}" are filled in); every
#: registered strategy needs an entry. Slow: a real 4-bit base (bitsandbytes on CPU).
_CAUSAL = {"epochs": 1, "train_batch_size": 4, "max_length": 96}
_QA = {"model": "{lm}", "max_new_tokens": 4}
_RETRIEVE = {"k": 2, "embedding_model": "{st_encoder}"}
_FT = {"model": "{encoder}", "epochs": 1, "batch_size": 8, "max_length": 24}
FIT: dict[str, dict[str, Any]] = {
    "rag": {"k": 3, "embedding_model": "{st_encoder}"},
    "linear_probe": {"model": "{st_encoder}", "c_grid": [10.0], "max_iter": 200},
    "setfit": {"model": "{st_encoder}", "epochs": 1, "num_iterations": 1, "head_c_grid": [10.0], "max_length": 24},
    "full_ft": _FT,
    "lora": _FT,
    "qlora": _FT,
    "few_shot": {"model": "{lm}", "demos_per_label": 1, "measure_unconstrained": False},
    "rag_lm": {"model": "{lm}", "k": 2, "embedding_model": "{st_encoder}", "measure_unconstrained": False},
    "api_prompt": {"api_model": "tiny-local", "base_url": "{url}", "max_tokens": 6, "max_concurrency": 2},
    "closed_book": _QA,
    "rag_qa": _QA | _RETRIEVE,
    "lora_docs": _QA | _CAUSAL,
    "full_ft_docs": _QA | _CAUSAL,
    "lora_qa": _QA | _CAUSAL,
    "ft_rag": _QA | _CAUSAL | _RETRIEVE,
    "frame_tagger": {"embedding_model": "{st_encoder}", "c_grid": [10.0], "max_iter": 100},
    "few_shot_frames": {"model": "{lm}", "demos_per_intent": 1, "max_new_tokens": 8},
    "rag_frames": {"model": "{lm}", "k": 2, "embedding_model": "{st_encoder}", "max_new_tokens": 8},
    "lora_frames": {"model": "{lm}", "max_new_tokens": 8} | _CAUSAL,
    "full_ft_frames": {"model": "{lm}", "max_new_tokens": 8} | _CAUSAL,
}
SLOW = {"qlora"}


def _defaults(name: str) -> tuple[type[strategies.Strategy], Any]:
    cls = strategies.get(name)
    return cls, cls.parse_options({}, where="suite.toml")


@pytest.mark.parametrize("name", NAMES)
def test_metadata_is_declared_and_valid(name: str) -> None:
    cls, options = _defaults(name)
    assert cls.task in TASKS and cls.role in ROLES[cls.task]
    meta = cls.describe(options)
    assert set(meta) == META and json.loads(json.dumps(meta)) == meta
    assert meta["task"] == cls.task and meta["role"] == cls.role
    expected = getattr(options, cls.base_model_option) if cls.base_model_option else None
    assert meta["base_model"] == expected
    assert isinstance(meta["adapter"], bool) and isinstance(meta["quantized"], bool)
    assert not meta["quantized"] or meta["adapter"]  # a quantised base is only ever trained through adapters


@pytest.mark.parametrize("name", NAMES)
def test_default_options_parse_and_round_trip(name: str) -> None:
    cls, options = _defaults(name)
    assert isinstance(options, cls.Options) and issubclass(cls.Options, StrategyOptions)
    config = cls.config(options)
    assert json.loads(json.dumps(config)) == config  # plain JSON data: the cache key and the record
    assert cls.config(cls.parse_options(config)) == config
    assert cls.config(cls.parse_options(json.loads(json.dumps(config)))) == config


@pytest.mark.parametrize("name", NAMES)
def test_options_are_strict_and_closed(name: str) -> None:
    """An unknown option, and a TOML ``true`` or a string where a number goes, are refused in one line."""
    cls, options = _defaults(name)
    bad: list[dict[str, Any]] = [{"no_such_option": 1}]
    for field, value in cls.config(options).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            bad += [{field: True}, {field: str(value)}]
    for raw in bad:
        with pytest.raises(RagorftError) as err:
            cls.parse_options(raw, where="suite.toml", prefix="run[0].options")
        text = str(err.value)
        assert text.startswith(f"suite.toml: run[0].options.{next(iter(raw))}:") and "\n" not in text, text


@pytest.mark.parametrize("name", NAMES)
def test_options_are_frozen(name: str) -> None:
    _, options = _defaults(name)
    field = next(iter(type(options).model_fields))
    with pytest.raises(Exception, match="frozen"):
        setattr(options, field, getattr(options, field))


def test_a_strategy_that_does_not_say_what_it_is_is_refused_at_registration() -> None:
    class Opts(StrategyOptions):
        k: int = 1

    class Nameless(strategies.Strategy):
        name = "contract_nameless"
        Options = Opts
        task = "classification"
        # role, base_model_option and adapter missing

        def fit(self, train: Any) -> None: ...

        def predict(self, texts: Any) -> list[str]:
            return []

    with pytest.raises(RagorftError, match="must declare role, base_model_option, adapter"):
        strategies.register(Nameless)

    class WrongRole(Nameless):
        name = "contract_wrong_role"
        role = "rag"  # a QA role on a classification strategy
        base_model_option = None
        adapter = False

    with pytest.raises(RagorftError, match="role for task 'classification' must be one of"):
        strategies.register(WrongRole)

    class NotASchema(WrongRole):
        name = "contract_not_a_schema"
        role = "retrieval"
        Options: ClassVar[type] = BaseModel

    with pytest.raises(RagorftError, match="Options must subclass StrategyOptions"):
        strategies.register(NotASchema)
    assert not {"contract_nameless", "contract_wrong_role", "contract_not_a_schema"} & set(strategies.names())


def test_cross_field_rules_are_on_the_schema() -> None:
    with pytest.raises(RagorftError, match="chunk_overlap .* must be below chunk_size"):
        strategies.get("rag_qa").parse_options({"chunk_size": 50, "chunk_overlap": 50})


def test_every_strategy_has_a_tiny_fit() -> None:
    assert set(FIT) == set(NAMES)


# -- fit + predict on a tiny corpus of the strategy's task ---------------------------------------


@pytest.fixture(scope="module")
def encoders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("enc")
    return {
        "encoder": str(build_tiny_encoder(root / "bert")),
        "st_encoder": str(build_tiny_encoder(root / "st", sentence_transformer=True)),
    }


def _fill(options: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    return {k: v.format(**values) if isinstance(v, str) else v for k, v in options.items()}


def _fit_predict(name: str, options: dict[str, Any], card: Path, tmp_path: Path) -> tuple[list[str], list[Any]]:
    cls = strategies.get(name)
    data = load_corpus_data(str(card.parent), None)
    corpus = data.corpus
    pool, dev = data.pools(0)
    ctx = strategies.FitContext(
        corpus=corpus.name,
        corpus_key=corpus.key,
        labels=corpus.labels,
        seed=0,
        cache_dir=tmp_path / "cache",
        dev=dev,
        out_of_scope_label=corpus.card.out_of_scope_label,
        embed=Embedder(tmp_path / "cache", corpus.key, progress=False),
        progress=False,
        documents=corpus.documents,
    )
    assert corpus.card.task == cls.task
    strategy = cls(cls.parse_options(options, where="contract"), ctx)
    strategy.prepare(pool)
    strategy.fit(pool)
    test = corpus.test[:6]
    predictions = strategy.predict([ex.text for ex in test])
    strategy.report()
    return predictions, test


def _params(task: str) -> list[Any]:
    names = [n for n in NAMES if strategies.get(n).task == task]
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


@pytest.mark.parametrize("name", _params("classification"))
def test_classification_strategy_fits_and_predicts_one_label_per_text(
    name: str,
    tiny_corpus: Path,
    encoders: dict[str, str],
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = encoders | {"lm": str(model_dir), "url": ""}
    if name == "api_prompt":
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        with LoopbackServer(model_dir, inject=[]) as server:
            values["url"] = server.base_url
            predictions, test = _fit_predict(name, _fill(FIT[name], values), tiny_corpus, tmp_path)
    else:
        predictions, test = _fit_predict(name, _fill(FIT[name], values), tiny_corpus, tmp_path)
    labels = load_corpus_data(str(tiny_corpus.parent), None).corpus.labels
    assert len(predictions) == len(test) and all(p in labels for p in predictions)


@pytest.fixture(scope="module")
def bios_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bios")
    card = write_bios_corpus(root)
    return build_tiny_llama_for_bios(root / "lm", card, root / "mirror" / "bios")


@pytest.mark.parametrize("name", _params("qa"))
def test_qa_strategy_fits_and_answers_every_question(
    name: str, bios_lm: Path, encoders: dict[str, str], tmp_path: Path
) -> None:
    card = write_bios_corpus(tmp_path)
    predictions, test = _fit_predict(name, _fill(FIT[name], encoders | {"lm": str(bios_lm)}), card, tmp_path)
    assert len(predictions) == len(test) and all(isinstance(p, str) for p in predictions)


@pytest.fixture(scope="module")
def frames_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama_for_frames(tmp_path_factory.mktemp("frames") / "lm")


@pytest.mark.parametrize("name", _params("structured"))
def test_structured_strategy_writes_one_output_per_utterance(
    name: str, frames_lm: Path, encoders: dict[str, str], tmp_path: Path
) -> None:
    card = write_structured_corpus(tmp_path)
    predictions, test = _fit_predict(name, _fill(FIT[name], encoders | {"lm": str(frames_lm)}), card, tmp_path)
    assert len(predictions) == len(test) and all(isinstance(p, str) for p in predictions)
