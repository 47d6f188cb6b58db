"""What a bench run would do, before it does it: per cell cached / stale (and why) / new, and how long.

One estimator for both readers, ``ragorft bench --plan`` and the bench's progress line: a cell's
time is its own last record's measured ``timing.cell_seconds``; else the mean over the previous
records of the same run at the same budget (other seeds), then of the same strategy with the same
options and base model at that budget, on that corpus, their scoring pass scaled by test items
(another budget or other options train on other data: ``ft_rag`` on documents trains for hours where
on QA it trains for minutes); else the closest record of the same strategy anywhere (another suite
of the results folder, the committed results, the cache; the same base first, since a 1.5B cell
costs many times a 135M one and no item count corrects that), scaled by what drives each part of its
time (training examples at the cell's budget and learning rates tried, test items, timed queries)
and said to be an extrapolation naming that record, so a corpus nothing has run on yet still gets an
ETA, naming the record's CPU where it is another model than this machine's (torch trains at other
speeds on another CPU, and no factor between two models is known); else unknown (said, not guessed).
An ETA from the cells finished so far misleads when cells differ by orders of magnitude (an LM cell
next to a retrieval one), so the records' own times are used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, NonNegativeFloat, NonNegativeInt, PositiveInt, ValidationError
from ragorft import strategies
from ragorft.benchmarks.core.atomic import CorruptFile, canonical_json, read_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.paths import PACKAGE_ROOT
from ragorft.benchmarks.core.schema import Schema
from ragorft.benchmarks.data.sampling import sample_budget
from ragorft.benchmarks.run import measure
from ragorft.benchmarks.run.cell import CorpusData, cpu_model
from ragorft.benchmarks.run.cellspec import Cell, budget_name

RESULTS = "results"  # the committed results of a checkout, beside benchmarks/ (absent from a wheel)


def resolve(cell: Cell, timed_queries: int | None = None) -> Cell:
    """The cell as its job carries it: the timing sample it will use, written into it."""
    return replace(cell, timed_queries=int(timed_queries or cell.timed_queries or measure.TIMED_QUERIES))


def record_filename(cell: Cell) -> str:
    return f"{cell.corpus}__{cell.run}__{budget_name(cell.budget)}__seed{cell.seed}.json"


def check_budget(cell: Cell, data: CorpusData, suite_path: Path) -> None:
    """Refuse a budget larger than the smallest class of the cell's training pool now, before any
    cell runs, with the same draw the cell would make (data/sampling.sample_budget)."""
    if cell.budget == "full":
        return
    pool, _ = data.pools(cell.seed)
    try:
        sample_budget(pool, cell.budget, cell.seed, source=f"{cell.corpus} train")
    except RagorftError as exc:
        raise RagorftError(f"{cell.id}: {exc}", path=suite_path) from None


def n_items(cell: Cell, data: CorpusData) -> int:
    return len(data.test_order[: cell.max_test_items or None])


def _seconds(record: dict[str, Any]) -> float | None:
    value = (record.get("timing") or {}).get("cell_seconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


class Latency(Schema):
    """The serving timings' size and per-query time, as a record keeps them (run/measure.serving_timing)."""

    model_config = ConfigDict(extra="ignore")
    p50: NonNegativeFloat = 0.0  # milliseconds
    n_queries: NonNegativeInt = 0
    repeats: PositiveInt = 1


class Timing(Schema):
    """The timing fields an estimate reads from a record (any schema: the rest is not looked at)."""

    model_config = ConfigDict(extra="ignore")
    cell_seconds: NonNegativeFloat
    train_seconds: NonNegativeFloat = 0.0
    scoring_seconds: NonNegativeFloat | None = None  # absent in old records: all but training scales by items
    scoring_items: PositiveInt | None = None
    predict_seconds_per_query: NonNegativeFloat = 0.0
    latency_ms: Latency | None = None


class Basis(Schema):
    """A record as another cell's estimate reads it."""

    model_config = ConfigDict(extra="ignore")
    corpus: str
    run: str
    strategy: str
    budget_name: str = "?"
    options: dict[str, Any] = {}
    n_train: NonNegativeInt | None = None
    n_test: PositiveInt
    timing: Timing
    strategy_meta: dict[str, Any] | None = None  # its base_model (records before strategy metadata: none)
    report: dict[str, Any] = {}  # its train_wall_s, where the strategy reports the optimiser's own time
    provenance: dict[str, Any] = {}  # its machine's cpu_model

    @property
    def cpu(self) -> str | None:
        return (self.provenance.get("machine") or {}).get("cpu_model")

    @property
    def name(self) -> str:
        return f"{self.corpus}/{self.run}/{self.budget_name}"

    def timed(self) -> tuple[float, int]:
        """(seconds the serving timings took, timed queries): repeats x queries x (one query + its share of a batch)."""
        lat = self.timing.latency_ms or Latency()
        return lat.repeats * lat.n_queries * (lat.p50 / 1000 + self.timing.predict_seconds_per_query), lat.n_queries

    def scaled(self, size: Size) -> float:
        """This record's cell time for a cell of ``size``: training scaled by training examples,
        prediction by test items, the serving timings by timed queries; the rest (process start,
        model loading, ``prepare``) does not shrink with the data and is kept as measured. Where the
        strategy reports the optimiser's own wall time (``report.train_wall_s``) only that part of
        ``fit`` is scaled: the dev passes that choose the learning rate score a fixed dev set. All of
        ``fit`` is scaled by the number of learning rates tried: each is a training run and a dev pass."""
        t = self.timing
        timed, queries = self.timed()
        scoring = t.scoring_seconds if t.scoring_seconds is not None else t.cell_seconds - t.train_seconds - timed
        scoring = max(scoring, 0.0)
        rest = max(t.cell_seconds - t.train_seconds - scoring - timed, 0.0)
        wall = self.report.get("train_wall_s")
        usable = isinstance(wall, int | float) and not isinstance(wall, bool) and 0 <= wall <= t.train_seconds
        optimiser = float(wall) if usable else t.train_seconds
        ratio = size.train / self.n_train if size.train is not None and self.n_train else 1.0
        mine = grid_size(self.options)
        trials = size.trials / mine if size.trials is not None and mine else 1.0
        train = (t.train_seconds - optimiser + optimiser * ratio) * trials
        items = scoring * size.items / (t.scoring_items or self.n_test)
        serve = timed * size.timed / queries if queries and size.timed else timed
        return rest + train + items + serve


@dataclass(frozen=True)
class Size:
    """What a cell's time grows with: test items scored, training examples at its budget, timed queries."""

    items: int
    train: int | None = None  # None: not known, the training time taken as measured
    timed: int = 0
    trials: int | None = None  # learning rates tried (None: not known, taken as the record's)


@dataclass(frozen=True)
class Estimate:
    seconds: float
    source: str = ""  # "": the cell's own record or its run's records on this corpus; else the record scaled


def size(cell: Cell, data: CorpusData) -> Size:
    """The cell's cost drivers, as the cell will meet them (data/sampling.sample_budget's counts)."""
    pool, _ = data.pools(cell.seed)
    train = len(pool) if cell.budget == "full" else int(cell.budget) * len({ex.label for ex in pool})
    _, options = identity(cell)
    trials = grid_size(json.loads(options)) if options is not None else None
    return Size(n_items(cell, data), train, int(cell.timed_queries or measure.TIMED_QUERIES), trials)


def grid_size(options: dict[str, Any]) -> int | None:
    """How many learning rates a trainable strategy's options try (None: not a list in the options,
    a single rate or a default grid the options do not spell out)."""
    grid = options.get("learning_rates")
    return len(grid) if isinstance(grid, list) and grid else None


def record_folders(results_dir: Path, cache_dir: Path) -> list[Path]:
    """Where records of other suites and corpora are: every suite of the results folder, the
    committed results of a checkout, and the cache (every cell this machine has computed)."""
    found = [*sorted(Path(results_dir).glob("*/cells")), *sorted((PACKAGE_ROOT / RESULTS).glob("*/cells"))]
    return [*found, Path(cache_dir) / "cells"]


class Estimator:
    """Seconds per cell from the previous records of a suite's results folder (any schema) and,
    for a cell with none on its corpus, from a record of its strategy anywhere in ``elsewhere``."""

    def __init__(self, out_dir: Path, elsewhere: list[Path] | None = None, cpu: str | None = None):
        self.cpu = cpu if cpu is not None else cpu_model()  # training speed differs between CPU models
        self.by_file: dict[str, dict[str, Any]] = {}
        for path in sorted(Path(out_dir).glob("*.json")) if Path(out_dir).is_dir() else []:
            try:
                self.by_file[path.name] = read_json(path)
            except CorruptFile:
                continue
        self.out_dir = Path(out_dir)
        self.elsewhere = [Path(f) for f in elsewhere or []]
        self._others: list[Basis] | None = None  # read on first need: a suite with records never reads them

    def add(self, cell: Cell, record: dict[str, Any]) -> None:
        """A record computed in this run informs the estimates of the cells after it."""
        self.by_file[record_filename(cell)] = record
        if self._others is not None and (basis := _basis(record)) is not None:
            self._others.append(basis)

    def seconds(self, cell: Cell, size: Size | int) -> float | None:
        found = self.estimate(cell, size)
        return None if found is None else found.seconds

    def estimate(self, cell: Cell, size: Size | int) -> Estimate | None:
        size = size if isinstance(size, Size) else Size(size)
        own = self.by_file.get(record_filename(cell))
        if own is not None and _seconds(own) is not None:
            return Estimate(_seconds(own))
        model, options = identity(cell)
        for same in ("run", "strategy"):
            scaled = [
                _by_items(r, size.items)
                for r in self.by_file.values()
                if r.get("corpus") == cell.corpus
                and r.get(same) == getattr(cell, same)
                and r.get("budget_name") == budget_name(cell.budget)
                and (same == "run" or (_record_base(r) in (None, model) and _same_options(r, options)))
                and _seconds(r) is not None
                and isinstance(r.get("n_test"), int)
                and r["n_test"] > 0
            ]
            if scaled:
                return Estimate(sum(scaled) / len(scaled))
        return self._extrapolate(cell, size, model)

    def _extrapolate(self, cell: Cell, size: Size, model: str | None) -> Estimate | None:
        """The closest record of the cell's strategy anywhere, scaled: its base ``model`` first, then
        its corpus, then the fewest differing options, then the same budget, then the nearest in size."""
        candidates = [b for b in self.others() if b.strategy == cell.strategy]
        if not candidates:
            return None

        def rank(b: Basis) -> tuple:
            far = abs(math.log(max(size.items, 1) / b.n_test))
            if size.train and b.n_train:
                far += abs(math.log(size.train / b.n_train))
            other_budget = b.budget_name != budget_name(cell.budget)
            other_base = (b.strategy_meta or {}).get("base_model") not in (None, model)
            other_cpu = b.cpu not in (None, self.cpu)
            return (other_base, b.corpus != cell.corpus, len(_differ(cell, b)), other_budget, other_cpu, far, b.name)

        best = min(candidates, key=rank)
        differ = _differ(cell, best)
        source = f"scaled from {best.name}" + (f", other {', '.join(differ)}" if differ else "")
        if best.cpu not in (None, self.cpu):
            source += f", measured on another CPU ({best.cpu}; this one: {self.cpu})"
        return Estimate(best.scaled(size), source)

    def others(self) -> list[Basis]:
        """Every readable record of ``elsewhere`` and this suite's own, once each (a record is in the
        cache and in its results folder)."""
        if self._others is None:
            seen: set[str] = set()
            self._others = []
            records = [*self.by_file.values()]
            for folder in dict.fromkeys(f.resolve() for f in self.elsewhere if f.is_dir()):
                if folder == self.out_dir.resolve():
                    continue
                for path in sorted(folder.glob("*.json")):
                    try:
                        records.append(read_json(path))
                    except CorruptFile:
                        continue
            for record in records:
                basis = _basis(record)
                ident = str(record.get("key") or id(record)) + str(record.get("cell_id"))
                if basis is not None and ident not in seen:
                    seen.add(ident)
                    self._others.append(basis)
        return self._others


def _basis(record: dict[str, Any]) -> Basis | None:
    try:
        return Basis.model_validate(record)
    except ValidationError:  # a record an estimate cannot read is no basis, not an error of the plan
        return None


def _by_items(record: dict[str, Any], items: int) -> float:
    """A record of the same training (same run or options, same budget) for a cell scoring ``items``
    test items: only its scoring pass grows with them, not its loading, training or serving timings
    (a record that cannot be read part by part: all of it, by items)."""
    basis = _basis(record)
    if basis is None:
        return float(_seconds(record) or 0.0) * items / record["n_test"]
    return basis.scaled(Size(items))


def _record_base(record: dict[str, Any]) -> str | None:
    """The base model a record ran (None: a record from before strategy metadata, taken as any)."""
    return (record.get("strategy_meta") or {}).get("base_model")


def identity(cell: Cell) -> tuple[str | None, str | None]:
    """(base model, effective options) of the cell, parsed once: the base its strategy's
    ``describe`` writes into the record's ``strategy_meta.base_model`` (its default where the suite
    names none), and its options with the strategy's defaults filled in, as the record stores them
    (canonical JSON). (None, None) for an unknown strategy or options that do not validate: the
    suite check reports those, not the plan."""
    try:
        cls = strategies.get(cell.strategy)
        options = cls.parse_options(cell.options)
    except RagorftError:
        return None, None
    return cls.describe(options)["base_model"], canonical_json(cls.config(options))


def _same_options(record: dict[str, Any], options: str | None) -> bool:
    return options is not None and canonical_json(record.get("options")) == options


def _differ(cell: Cell, basis: Basis) -> list[str]:
    """The suite's options for the cell that the record ran with other values (or without)."""
    return sorted(k for k, v in cell.options.items() if basis.options.get(k, object()) != v)


@dataclass(frozen=True)
class PlannedCell:
    cell_id: str
    status: str  # "cached", "stale" or "new"
    why: str  # stale: key.explain's reason
    seconds: float | None  # None: cached (nothing to run) or unknown
    source: str = ""  # an extrapolation: the record it is scaled from (Estimate.source)


def eta(estimates: list[float | None]) -> tuple[float, int]:
    """(known seconds summed, how many cells have no estimate)."""
    return sum(x for x in estimates if x is not None), sum(x is None for x in estimates)
