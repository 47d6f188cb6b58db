"""Suites: a TOML grid of corpora x strategies x training budgets x seeds, expanded into cells.

A suite names its test-item sample once (``max_test_items``) so every strategy is scored on the
same items; a ``[[run]]`` entry may ask for fewer, and takes a prefix of the same seeded,
stratified order, so cheaper and dearer strategies still share items for paired comparisons.
Likewise ``timed_queries`` (suite-wide or per run) sizes the serving-timing sample: a generative
cell at ~0.3-0.8 s a query spends more on 64 x 3 timed queries than on its scored items, while a
classifier's timing costs seconds, so each run can ask for the sample its cost allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from ragorft import strategies
from ragorft.benchmarks.core.atomic import canonical_json
from ragorft.benchmarks.core.errors import RagorftError, did_you_mean
from ragorft.benchmarks.core.names import NAME_PATTERN, check_name, is_name
from ragorft.benchmarks.core.paths import CORPORA_DIR, SUITES_DIR, inside
from ragorft.benchmarks.core.schema import Schema, validate
from ragorft.benchmarks.core.tomlio import read_toml
from ragorft.benchmarks.data.cards import read_card
from ragorft.benchmarks.run.cellspec import Cell, budget_name


@dataclass
class Suite:
    name: str
    path: Path
    description: str
    cells: list[Cell]
    requirement: dict[str, Any] = field(default_factory=dict)
    test_sample_seed: int = 0


def find_suite(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.is_file():
        return p
    named = SUITES_DIR / f"{name_or_path}.toml"
    if named.is_file():
        return named
    known = sorted(x.stem for x in SUITES_DIR.glob("*.toml"))
    hint = did_you_mean(name_or_path, known)
    raise RagorftError(f"unknown suite '{name_or_path}'{hint} (known: {', '.join(known)}, or a suite file's path)")


def _name(what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not is_name(value):
            raise ValueError(f"{what} must match {NAME_PATTERN} (lowercase letters, digits, '_', '.', '-')")
        return value

    return AfterValidator(check)


def _timed(value: int) -> int:
    if 0 < value < MIN_TIMED_QUERIES:
        raise ValueError(f"timed_queries must be 0 (the default) or at least {MIN_TIMED_QUERIES}")
    return value


#: fewest timed queries a suite may ask for: p50/p95 need a sample (the CLI's --timed-queries agrees)
MIN_TIMED_QUERIES = 8
RunName = Annotated[str, _name("run name")]
SuiteName = Annotated[str, _name("suite name")]


def _one_budget_message(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        raise ValueError('budget must be a positive integer (examples per class) or "full"') from None


def _budget_of_key(key: str) -> str:
    """The budget name a ``budget_options`` or ``budget_seeds`` key stands for: "full", "2shot" or "2" (ASCII digits
    only: ``str.isdigit`` also accepts "²", which ``int`` does not)."""
    digits = key.removesuffix("shot")
    if key == "full":
        return key
    if digits.isascii() and digits.isdigit() and int(digits) > 0:
        return budget_name(int(digits))
    raise ValueError(
        'a budget_options or budget_seeds key is a budget: "full", or a positive count such as "2shot" or "2"'
    )


def _budget_key(key: str) -> str:
    _budget_of_key(key)
    return key  # as written, so a later message names the key the user wrote


#: examples per class, or the whole training split
BudgetValue = Annotated[PositiveInt | Literal["full"], WrapValidator(_one_budget_message)]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]
TimedQueries = Annotated[NonNegativeInt, AfterValidator(_timed)]


class _Strict(Schema):
    model_config = ConfigDict(strict=True)


class RunTable(_Strict):
    """One ``[[run]]``: a strategy, its options, and what it overrides of the suite's grid."""

    strategy: str
    name: RunName | None = None
    options: dict[str, Any] = {}
    #: option overrides for one budget (e.g. fewer epochs on full data). Why per budget and not a
    #: second run: a run is one row of the results tables; epochs that suit 770 examples are
    #: wasted compute on 9,000, and splitting the run would split its row
    budget_options: dict[Annotated[str, AfterValidator(_budget_key)], dict[str, Any]] = {}
    #: seeds for one budget, for the same reason: repeat the budgets whose cells are cheap (three
    #: seeds at 10 per class) without repeating the ones that cost an hour, in one row
    budget_seeds: dict[Annotated[str, AfterValidator(_budget_key)], list[Seed]] = {}
    corpora: list[str] | None = Field(None, min_length=1)
    budgets: list[BudgetValue] | None = Field(None, min_length=1)
    seeds: list[Seed] | None = Field(None, min_length=1)
    max_test_items: NonNegativeInt | None = None
    timed_queries: TimedQueries | None = None


class SuiteTable(_Strict):
    """A suite file: the grid every run inherits, and the runs."""

    name: SuiteName | None = None
    description: str = ""
    corpora: list[str] = Field(min_length=1)
    budgets: list[BudgetValue] = Field(["full"], min_length=1)
    seeds: list[Seed] = Field([0], min_length=1)
    max_test_items: NonNegativeInt = 0
    timed_queries: TimedQueries = 0
    test_sample_seed: Seed = 0
    #: priced and checked by ``decide.requirement`` when a report is made
    requirement: dict[str, Any] = {}
    run: list[RunTable] = Field(min_length=1)


def read_suite(name_or_path: str) -> Suite:
    """Read and check a suite file: every name, option and budget is refused here, before any run."""
    path = find_suite(name_or_path)
    table = validate(SuiteTable, read_toml(path), path=path)
    name = check_name(table.name if table.name is not None else path.stem, "suite name", path=path)
    cells: list[Cell] = []
    seen: dict[str, str] = {}
    cards: dict[str, str] = {}  # corpus name -> where its card is: one card per name in a suite
    for i, run in enumerate(table.run):
        cells += _run_cells(run, f"run[{i}]", table, seen, path, cards)
    _distinct_identities(cells, seen, path)
    return Suite(
        name=name,
        path=path,
        description=table.description,
        cells=cells,
        requirement=table.requirement,
        test_sample_seed=table.test_sample_seed,
    )


def _distinct_identities(cells: list[Cell], where: dict[str, str], path: Path) -> None:
    """Refuse two runs whose cells are the same computation under two names: the same strategy
    with the same *effective* options (defaults filled in) on the same corpus, budget, seed and
    items share one cache key, so the second's file would hold the first's cell and run name."""
    seen: dict[tuple[Any, ...], Cell] = {}
    for cell in cells:
        cls = strategies.get(cell.strategy)
        effective = canonical_json(cls.config(cls.parse_options(cell.options)))
        identity = (cell.corpus, cell.strategy, effective, budget_name(cell.budget), cell.seed)
        identity += (cell.max_test_items, cell.timed_queries)
        other = seen.setdefault(identity, cell)
        if other.run != cell.run:
            raise RagorftError(
                f"{where[cell.run]} ({cell.run}): same strategy and effective options as {where[other.run]} "
                f"({other.run}) on {cell.corpus}/{budget_name(cell.budget)}/seed{cell.seed}: one computation "
                "under two names; remove one or change its options",
                path=path,
            )


def _distinct(values: list[Any], key: str, where: str, path: Path) -> list[Any]:
    """Refuse a repeated budget, seed or corpus: it would run (and count) one cell twice."""
    seen: set[str] = set()
    for value in values:
        if repr(value) in seen:
            raise RagorftError(f"{where}: {value!r} appears twice in '{key}'", path=path)
        seen.add(repr(value))
    return values


def _corpus_source(ref: str, cards: dict[str, str], where: str, path: Path) -> tuple[Any, str]:
    """(card, source): a packaged corpus by its name, any other card by its absolute path.

    The source goes into every record, so ``recommend`` and the report find the same card later;
    two different cards with one name in a suite are refused (corpora are held by name in a run).
    """
    card = read_card(ref)
    packaged = inside(CORPORA_DIR, card.name, "corpus.toml")
    source = card.name if card.card_path.resolve() == packaged else str(card.card_path.resolve())
    if cards.setdefault(card.name, source) != source:
        raise RagorftError(
            f"{where}: two corpora named '{card.name}' ({cards[card.name]} and {source}); "
            "rename one card and its folder",
            path=path,
        )
    return card, source


def _budget_options(run: RunTable, cls: Any, path: Path, where: str) -> dict[str, dict[str, Any]]:
    """``budget_options`` keyed by budget name ("2shot", "full"), each checked with the run's options."""
    out = {}
    for key, table in run.budget_options.items():  # keys checked by RunTable
        cls.parse_options(run.options | table, where=path, prefix=f"{where}.budget_options.{key}")
        out[_budget_of_key(key)] = table
    return out


def _run_cells(
    run: RunTable, where: str, suite: SuiteTable, seen: dict[str, str], path: Path, cards: dict[str, str]
) -> list[Cell]:
    """The cells of one ``[[run]]`` table: its corpora x budgets x seeds, with its options."""
    try:
        cls = strategies.get(run.strategy)
    except RagorftError as exc:
        raise RagorftError(f"{where}: {exc}", path=path) from None
    cls.parse_options(run.options, where=path, prefix=f"{where}.options")  # fail now, not mid-run
    per_budget = _budget_options(run, cls, path, where)
    run_name = run.name or check_name(run.strategy, f"{where}: run name", path=path)
    if run_name in seen:
        raise RagorftError(
            f"{where}: duplicate run name '{run_name}' (also {seen[run_name]}); give each a 'name'", path=path
        )
    seen[run_name] = where
    max_items = suite.max_test_items
    run_items = max_items if run.max_test_items is None else run.max_test_items
    if max_items and (run_items == 0 or run_items > max_items):
        run_items = max_items
    timed = suite.timed_queries if run.timed_queries is None else run.timed_queries
    budgets = run.budgets or suite.budgets
    _distinct([budget_name(b) for b in budgets], "budgets", where, path)
    run_budgets = {budget_name(b) for b in budgets}
    seeds = _distinct(run.seeds or suite.seeds, "seeds", where, path)
    per_budget_seeds = {_budget_of_key(k): v for k, v in run.budget_seeds.items()}
    for key, table in (("budget_options", per_budget), ("budget_seeds", per_budget_seeds)):
        if set(table) - run_budgets:
            raise RagorftError(
                f"{where}: {key} for {', '.join(sorted(set(table) - run_budgets))}, "
                f"not among this run's budgets ({', '.join(sorted(run_budgets))})",
                path=path,
            )
    for key, values in per_budget_seeds.items():
        _distinct(values, f"budget_seeds.{key}", where, path)
    cells = []
    names: list[str] = []
    for ref in run.corpora or suite.corpora:
        card, source = _corpus_source(ref, cards, where, path)
        if card.task != cls.task:
            raise RagorftError(
                f"{where} ({run_name}): strategy '{run.strategy}' serves task '{cls.task}', "
                f"corpus '{card.name}' is task '{card.task}'",
                path=path,
            )
        names.append(card.name)
        for budget in budgets:
            opts = run.options | per_budget.get(budget_name(budget), {})
            cells += [
                Cell(card.name, run_name, run.strategy, opts, budget, seed, run_items, source, timed)
                for seed in per_budget_seeds.get(budget_name(budget), seeds)
            ]
    _distinct(names, "corpora", where, path)
    return cells
