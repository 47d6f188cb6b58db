"""The one protocol every strategy implements, and what the runner hands it.

A strategy is configured by a pydantic options schema (filled from the suite TOML; an unknown or
ill-typed option is an error when the suite is read), says what it is on the class (the task it
serves, its role in the decision, the option naming its base model), is fitted on a training
budget, asked for labels, and asked what it cost. The runner
times fit and predict and samples memory itself, so a strategy cannot misreport those; what only
the strategy knows (parameters trained, LM tokens, training curves) it returns in ``report()``.

A new strategy, in full (``strategies/majority.py``; the registry imports every module here)::

    from ragorft.strategies import register
    from ragorft.strategies.base import Strategy, StrategyOptions


    class MajorityOptions(StrategyOptions):
        pass


    @register
    class Majority(Strategy):
        # always the most frequent training label: the floor every strategy must beat
        name = "majority"
        Options = MajorityOptions
        task = "classification"
        role = "retrieval"
        base_model_option = None
        adapter = False

        def fit(self, train):
            from collections import Counter

            self.label = Counter(ex.label for ex in train).most_common(1)[0][0]

        def predict(self, texts):
            return [self.label] * len(texts)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.schema import validate
from ragorft.benchmarks.core.strategy_options import StrategyOptions
from ragorft.benchmarks.data.card_schema import TASKS
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.models.registry import local_model

__all__ = ["FitContext", "Report", "Strategy", "StrategyOptions", "ROLES", "TASKS", "check_metadata"]

#: the roles a strategy may play, per task: what the decision compares it as
ROLES: dict[str, tuple[str, ...]] = {
    "classification": ("retrieval", "probe", "prompting", "fine-tune"),
    #: "oracle": the gold document in the prompt (a ceiling to read results against, never shipped)
    "qa": ("closed_book", "rag", "ft_docs", "ft_qa", "ft_rag", "oracle"),
    #: utterance -> JSON frame: a non-LM floor, demos under a template, retrieved demos, trained
    "structured": ("baseline", "prompting", "rag", "fine-tune"),
}


@dataclass
class FitContext:
    """Everything a strategy may use besides its training examples."""

    corpus: str
    corpus_key: str
    labels: list[str]
    seed: int
    cache_dir: Path
    dev: list[Example] | None = None
    out_of_scope_label: str | None = None
    #: cached, L2-normalised sentence embeddings of corpus texts (``embed(model, texts)``) and
    #: the uncached serving path (``embed.encode(model, texts)``); see ragorft.benchmarks.models.embeddings
    embed: Embedder | None = None
    device: str = "cpu"
    progress: bool = True
    #: task "qa": the corpus's documents (``ragorft.benchmarks.data.qa.Document``), the knowledge base
    documents: list[Any] = field(default_factory=list)
    #: task "qa": each test question's gold document ids, by question text. Only an oracle reads
    #: it (``rag_qa``'s ``oracle = true``: the reader's ceiling with the gold document in the prompt)
    gold_doc_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Report:
    """What the strategy alone can tell about its own cost and behaviour."""

    params_trained: int = 0
    params_total: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Strategy(ABC):
    """Base class for strategies; subclasses set ``name``, an ``Options`` schema and their metadata.

    The metadata (``task``, ``role``, ``base_model_option``, ``adapter``) is what the suite reader,
    the decision and the tables read instead of a list of strategy names kept elsewhere: a new
    strategy declares it once here, and :func:`ragorft.strategies.register` refuses one that does not.
    """

    name: ClassVar[str]
    Options: ClassVar[type[StrategyOptions]]
    #: the corpus task it serves (a card's ``task``): "classification", "qa" or "structured"
    task: ClassVar[str]
    #: what the decision compares it as (``ROLES[task]``)
    role: ClassVar[str]
    #: the option that names the base model, None when it has none
    base_model_option: ClassVar[str | None]
    #: True when it trains adapters on a frozen base
    adapter: ClassVar[bool]
    #: True when the base it trains on is quantised (QLoRA's 4-bit NF4)
    quantized: ClassVar[bool] = False
    #: expected peak resident memory in MiB, so a scheduler never runs more than fits
    peak_memory_mb: ClassVar[int] = 2048
    #: devices the strategy can use; the runner picks the first available
    devices: ClassVar[tuple[str, ...]] = ("cpu",)
    #: CPU cores one cell uses (what the Ray executor reserves for it)
    cpus: ClassVar[int] = 1
    #: bump when the strategy's behaviour changes in a way its code fingerprint cannot see (a
    #: changed dependency outside ragorft, a remote API): part of every cell's cache key
    version: ClassVar[str] = "1"
    #: the share of test predictions two runs of the same cell (same key, same machine, fresh
    #: processes) may disagree on, with the reason when it is not 0. 0 = equal: every generator is
    #: seeded from the cell's seed and every thread pool fixed (run/cell.seed_everything);
    #: tests/strategies/test_determinism.py holds each strategy to its declaration. Across
    #: machines whose CPUs pick other float kernels, see docs/measurement.md.
    prediction_tolerance: ClassVar[float] = 0.0
    tolerance_reason: ClassVar[str] = ""
    #: files besides Python modules that decide the strategy's numbers (prompt templates, probe
    #: texts): fingerprinted into the cache key with the modules its own module imports
    data_files: ClassVar[tuple[Path, ...]] = ()

    def __init__(self, options: Any, ctx: FitContext):
        self.options = options
        self.ctx = ctx

    @classmethod
    def parse_options(cls, raw: dict[str, Any], *, where: str | Path = "", prefix: str = "options") -> Any:
        """The ``Options`` schema from a TOML table: one line naming ``where`` (the file) and the
        bad option as ``prefix.name`` (a suite passes ``run[i].options``). An option naming an
        existing path must be a model (``registry.local_model``): the cache key reads it whole."""
        options = validate(cls.Options, raw, path=where or None, prefix=prefix)
        for name, value in options:
            try:
                local_model(value)
            except RagorftError as exc:
                raise RagorftError(f"{prefix}.{name}: {exc}", path=where or None) from None
        return options

    @classmethod
    def config(cls, options: Any) -> dict[str, Any]:
        """The effective options (defaults filled in) as plain data: the cache key and the record."""
        return options.model_dump(mode="json")

    @classmethod
    def describe(cls, options: Any) -> dict[str, Any]:
        """What this strategy is, with these options: the ``strategy_meta`` of every record."""
        base = getattr(options, cls.base_model_option) if cls.base_model_option else None
        return {
            "task": cls.task,
            "role": cls.role,
            "base_model": base,
            "adapter": cls.adapter,
            "quantized": cls.quantized,
        }

    def prepare(self, train: Sequence[Example]) -> None:
        """Untimed work whose result is cached across cells (e.g. embedding the training texts).

        Called before ``fit`` is timed, so a cell's train time does not depend on which cell
        happened to fill a cache first. Report what it hides in ``report()`` (see ``rag``).
        """

    @abstractmethod
    def fit(self, train: Sequence[Example]) -> None:
        """Learn from the training budget (and ``ctx.dev`` where the strategy tunes on it)."""

    @abstractmethod
    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return one label from ``ctx.labels`` per text (task "structured": the raw output, a JSON frame)."""

    def report(self) -> Report:
        return Report()


def check_metadata(cls: type[Strategy]) -> None:
    """Refuse a strategy class that does not say what it is (see :class:`Strategy`)."""
    name = getattr(cls, "name", None)
    missing = [a for a in ("name", "Options", "task", "role", "base_model_option", "adapter") if not hasattr(cls, a)]
    if missing:
        raise RagorftError(f"strategy {name or cls.__qualname__!r} must declare {', '.join(missing)} on its class")
    if not (isinstance(cls.Options, type) and issubclass(cls.Options, StrategyOptions)):
        raise RagorftError(f"strategy '{name}': Options must subclass StrategyOptions, got {cls.Options!r}")
    if cls.task not in ROLES:
        raise RagorftError(f"strategy '{name}': task must be one of {', '.join(ROLES)}, got {cls.task!r}")
    if cls.role not in ROLES[cls.task]:
        allowed = ", ".join(ROLES[cls.task])
        raise RagorftError(f"strategy '{name}': role for task {cls.task!r} must be one of {allowed}, got {cls.role!r}")
    if cls.base_model_option is not None and cls.base_model_option not in cls.Options.model_fields:
        raise RagorftError(f"strategy '{name}': base_model_option {cls.base_model_option!r} is not one of its options")
    if not isinstance(cls.adapter, bool) or not isinstance(cls.quantized, bool):
        raise RagorftError(f"strategy '{name}': adapter and quantized must be True or False")
    tolerance = cls.prediction_tolerance
    if not isinstance(tolerance, float) or not 0.0 <= tolerance <= 1.0 or (tolerance > 0) != bool(cls.tolerance_reason):
        raise RagorftError(
            f"strategy '{name}': prediction_tolerance must be a share in [0, 1], with a tolerance_reason "
            f"exactly when it is above 0 (got {tolerance!r})"
        )
