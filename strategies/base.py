"""The one protocol every strategy implements, and what the runner hands it.

A strategy is configured by a dataclass of options (filled from the suite TOML; an unknown option
is an error), fitted on a training budget, asked for labels, and asked what it cost. The runner
times fit and predict and samples memory itself, so a strategy cannot misreport those; what only
the strategy knows (parameters trained, LM tokens, training curves) it returns in ``report()``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.options import check_value
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.embeddings import Embedder


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
    #: the uncached serving path (``embed.encode(model, texts)``); see benchmarks.embeddings
    embed: Embedder | None = None
    device: str = "cpu"
    progress: bool = True
    #: task "qa": the corpus's documents (``benchmarks.data.qa.Document``), the knowledge base
    documents: list[Any] = field(default_factory=list)


@dataclass
class Report:
    """What the strategy alone can tell about its own cost and behaviour."""

    params_trained: int = 0
    params_total: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Strategy(ABC):
    """Base class for strategies; subclasses set ``name`` and an ``Options`` dataclass."""

    name: ClassVar[str]
    Options: ClassVar[type]
    #: expected peak resident memory in MiB, so a scheduler never runs more than fits
    peak_memory_mb: ClassVar[int] = 2048
    #: devices the strategy can use; the runner picks the first available
    devices: ClassVar[tuple[str, ...]] = ("cpu",)
    #: CPU cores one cell uses (what the Ray executor reserves for it)
    cpus: ClassVar[int] = 1
    #: bump when the strategy's behaviour changes in a way its code fingerprint cannot see (a
    #: changed dependency outside ragorft, a remote API): part of every cell's cache key
    version: ClassVar[str] = "1"
    #: files besides Python modules that decide the strategy's numbers (prompt templates, probe
    #: texts): fingerprinted into the cache key with the modules its own module imports
    data_files: ClassVar[tuple[Path, ...]] = ()

    def __init__(self, options: Any, ctx: FitContext):
        self.options = options
        self.ctx = ctx

    @classmethod
    def parse_options(cls, raw: dict[str, Any], *, where: str = "") -> Any:
        """Build the Options dataclass from a TOML table; unknown, ill-typed or out-of-range keys are errors.

        Ranges are declared on the fields (``benchmarks.core.options.option``), so a suite is
        refused when it is read, not when a cell reaches the bad value.
        """
        known = {f.name: f for f in dataclasses.fields(cls.Options)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise RagorftError(
                f"strategy '{cls.name}' has no option(s) {', '.join(unknown)} (options: {', '.join(known)})",
                path=where or None,
            )
        defaults = cls.Options()
        for key, value in raw.items():
            default = getattr(defaults, key)
            numeric = isinstance(default, int | float) and not isinstance(default, bool)
            if default is not None and (
                (not isinstance(value, type(default)) and not (isinstance(default, float) and isinstance(value, int)))
                or (numeric and isinstance(value, bool))  # TOML true is no count
            ):
                raise RagorftError(
                    f"option '{key}' of '{cls.name}' must be {type(default).__name__}, got {value!r}",
                    path=where or None,
                )
            check_value(known[key], value, cls.name, where or None)
        return cls.Options(**raw)

    @classmethod
    def config(cls, options: Any) -> dict[str, Any]:
        """The effective options (defaults filled in) as plain data: the cache key and the record."""
        return dataclasses.asdict(options)

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
        """Return one label from ``ctx.labels`` per text."""

    def report(self) -> Report:
        return Report()
