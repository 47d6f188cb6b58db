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
from typing import Any

from ragorft import strategies
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.names import check_name
from ragorft.benchmarks.core.paths import CORPORA_DIR, SUITES_DIR, inside
from ragorft.benchmarks.core.tomlio import read_toml
from ragorft.benchmarks.data.cards import read_card

Budget = int | str  # examples per class, or "full"


@dataclass(frozen=True)
class Cell:
    corpus: str  # the corpus's name, from its card
    run: str  # the [[run]] name: a strategy plus options
    strategy: str
    options: dict[str, Any]
    budget: Budget
    seed: int
    max_test_items: int  # 0 = the whole test split
    corpus_ref: str = ""  # where its card is: a packaged corpus by name, any other by its card's absolute path
    timed_queries: int = 0  # the serving-timing sample (0 = the harness default; run/measure.timing_plan)

    @property
    def corpus_source(self) -> str:
        return self.corpus_ref or self.corpus

    @property
    def id(self) -> str:
        return f"{self.corpus}/{self.run}/{budget_name(self.budget)}/seed{self.seed}"


def budget_name(budget: Budget) -> str:
    return "full" if budget == "full" else f"{budget}shot"


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
    raise RagorftError(f"unknown suite '{name_or_path}' (known: {', '.join(known)})")


def _budget(value: Any, path: Path, where: str) -> Budget:
    if value == "full" or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    raise RagorftError(
        f'{where}: budget must be a positive integer (examples per class) or "full", got {value!r}', path=path
    )


def _list(table: dict[str, Any], key: str, default: list[Any], path: Path, where: str) -> list[Any]:
    value = table.get(key, default)
    if not isinstance(value, list) or not value:
        raise RagorftError(f"{where}: '{key}' must be a non-empty list", path=path)
    return value


def _budget_options(
    run: dict[str, Any], cls: Any, options: dict[str, Any], path: Path, where: str
) -> dict[str, dict[str, Any]]:
    """``budget_options``: option overrides for one budget (e.g. fewer epochs on full data).

    Why per budget and not a second run: a run is one row of the results tables; epochs that suit
    770 examples are wasted compute on 9,000, and splitting the run would split its row.
    """
    raw = run.get("budget_options", {})
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise RagorftError(f"{where}: 'budget_options' must map a budget to a table of options", path=path)
    out = {}
    for key, table in raw.items():
        digits = key.removesuffix("shot")
        name = budget_name(_budget(int(digits) if digits.isdigit() else key, path, where))
        cls.parse_options(options | table, where=f"{path} {where} budget_options.{key}")
        out[name] = table
    return out


TOP_KEYS = {"name", "description", "corpora", "budgets", "seeds", "max_test_items", "run", "requirement"}
TOP_KEYS |= {"test_sample_seed", "timed_queries"}
RUN_KEYS = {"strategy", "name", "options", "budget_options", "corpora", "budgets", "seeds", "max_test_items"}
RUN_KEYS |= {"timed_queries"}
#: fewest timed queries a suite may ask for: p50/p95 need a sample (the CLI's --timed-queries agrees)
MIN_TIMED_QUERIES = 8


def _non_negative(value: Any, what: str, path: Path) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RagorftError(f"{what} must be a non-negative integer, got {value!r}", path=path)
    return value


def _timed_queries(value: Any, what: str, path: Path) -> int:
    if 0 < _non_negative(value, what, path) < MIN_TIMED_QUERIES:
        raise RagorftError(f"{what} must be 0 (the default) or at least {MIN_TIMED_QUERIES}, got {value!r}", path=path)
    return value


def read_suite(name_or_path: str) -> Suite:
    """Read and check a suite file: every name, option and budget is refused here, before any run."""
    path = find_suite(name_or_path)
    raw = read_toml(path)
    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise RagorftError(f"unknown top-level key(s): {', '.join(sorted(unknown))}", path=path)
    name = check_name(raw.get("name", path.stem), "suite name", path=path)
    defaults = {
        "corpora": _list(raw, "corpora", [], path, "suite"),
        "budgets": _list(raw, "budgets", ["full"], path, "suite"),
        "seeds": _list(raw, "seeds", [0], path, "suite"),
        "max_test_items": _non_negative(raw.get("max_test_items", 0), "max_test_items", path),
        "timed_queries": _timed_queries(raw.get("timed_queries", 0), "timed_queries", path),
    }
    runs = raw.get("run", [])
    if not isinstance(runs, list) or not runs:
        raise RagorftError("a suite needs at least one [[run]] table", path=path)
    cells: list[Cell] = []
    seen: dict[str, str] = {}
    cards: dict[str, str] = {}  # corpus name -> where its card is: one card per name in a suite
    for i, run in enumerate(runs):
        cells += _run_cells(run, f"run[{i}]", defaults, seen, path, cards)
    requirement = raw.get("requirement", {})
    if not isinstance(requirement, dict):  # bench prices its report with it: refuse it before the run
        raise RagorftError(f"[requirement] must be a table, got {requirement!r}", path=path)
    return Suite(
        name=name,
        path=path,
        description=raw.get("description", ""),
        cells=cells,
        requirement=requirement,
        test_sample_seed=_non_negative(raw.get("test_sample_seed", 0), "test_sample_seed", path),
    )


def _distinct(values: list[Any], key: str, where: str, path: Path) -> list[Any]:
    """Refuse a repeated budget, seed or corpus: it would run (and count) one cell twice."""
    seen: set[str] = set()
    for value in values:
        if repr(value) in seen:
            raise RagorftError(f"{where}: {value!r} appears twice in '{key}'", path=path)
        seen.add(repr(value))
    return values


def _corpus_source(ref: str, cards: dict[str, str], where: str, path: Path) -> tuple[str, str]:
    """(corpus name, source): a packaged corpus by its name, any other card by its absolute path.

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
    return card.name, source


def _run_cells(
    run: Any, where: str, defaults: dict[str, Any], seen: dict[str, str], path: Path, cards: dict[str, str]
) -> list[Cell]:
    """The cells of one ``[[run]]`` table: its corpora x budgets x seeds, with its options."""
    if not isinstance(run, dict) or "strategy" not in run:
        raise RagorftError(f"{where}: needs 'strategy'", path=path)
    extra = set(run) - RUN_KEYS
    if extra:
        raise RagorftError(f"{where}: unknown key(s) {', '.join(sorted(extra))}", path=path)
    for key in ("strategy", "name"):
        if key in run and not isinstance(run[key], str):
            raise RagorftError(f"{where}: '{key}' must be a string, got {run[key]!r}", path=path)
    try:
        cls = strategies.get(run["strategy"])
    except RagorftError as exc:
        raise RagorftError(f"{where}: {exc}", path=path) from None
    options = run.get("options", {})
    if not isinstance(options, dict):
        raise RagorftError(f"{where}: 'options' must be a table, got {options!r}", path=path)
    cls.parse_options(options, where=f"{path} {where}")  # fail now, not mid-run
    per_budget = _budget_options(run, cls, options, path, where)
    run_name = check_name(run.get("name", run["strategy"]), f"{where}: run name", path=path)
    if run_name in seen:
        raise RagorftError(
            f"{where}: duplicate run name '{run_name}' (also {seen[run_name]}); give each a 'name'", path=path
        )
    seen[run_name] = where
    max_items = defaults["max_test_items"]
    run_items = _non_negative(run.get("max_test_items", max_items), f"{where}: max_test_items", path)
    if max_items and (run_items == 0 or run_items > max_items):
        run_items = max_items
    timed = _timed_queries(run.get("timed_queries", defaults["timed_queries"]), f"{where}: timed_queries", path)
    budgets = [_budget(b, path, where) for b in _list(run, "budgets", defaults["budgets"], path, where)]
    _distinct([budget_name(b) for b in budgets], "budgets", where, path)
    run_budgets = {budget_name(b) for b in budgets}
    if set(per_budget) - run_budgets:
        raise RagorftError(
            f"{where}: budget_options for {', '.join(sorted(set(per_budget) - run_budgets))}, "
            f"not among this run's budgets ({', '.join(sorted(run_budgets))})",
            path=path,
        )
    seeds = _distinct(_list(run, "seeds", defaults["seeds"], path, where), "seeds", where, path)
    for seed in seeds:
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise RagorftError(f"{where}: seed must be a non-negative integer, got {seed!r}", path=path)
    cells = []
    names: list[str] = []
    for ref in _list(run, "corpora", defaults["corpora"], path, where):
        if not isinstance(ref, str):
            raise RagorftError(f"{where}: corpora must be names or paths (strings), got {ref!r}", path=path)
        corpus, source = _corpus_source(ref, cards, where, path)
        names.append(corpus)
        for budget in budgets:
            opts = options | per_budget.get(budget_name(budget), {})
            cells += [
                Cell(corpus, run_name, run["strategy"], opts, budget, seed, run_items, source, timed) for seed in seeds
            ]
    _distinct(names, "corpora", where, path)
    return cells
