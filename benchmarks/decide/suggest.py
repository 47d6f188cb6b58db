"""Runnable suggestions for missing evidence: a `ragorft bench` command on a suite that exists.

A hint names a ``[[run]]`` of a suite in benchmarks/suites that would give the evidence: the
same run with the same options at other budgets (data), or the same strategy on a base of the
same kind with another registered size (size): an encoder for a probe, a causal LM for a prompted
run. A suite that does not read (a corpus not installed) is skipped. When no suite has such a
run, the hint names the registry model to add, and the suite the records came from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from ragorft import strategies
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.paths import SUITES_DIR
from ragorft.benchmarks.decide.candidates import SIZED_TO_THE_DATA, Candidate, base_kind
from ragorft.benchmarks.models.registry import nominal_params, registry
from ragorft.benchmarks.run.cellspec import budget_name
from ragorft.benchmarks.run.suite import read_suite

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuiteRun:
    """One suite's ``[[run]]`` on one corpus: its budgets and effective options, as a record would hold them."""

    suite: str
    corpus: str
    run: str
    strategy: str
    budgets: tuple[str, ...]
    options: tuple[tuple[str, str], ...]  # effective options, less the base and what is sized to the data
    base_model: str | None


def _budget_order(name: str) -> float:
    return float("inf") if name == "full" else float(name.removesuffix("shot") or 0)


@cache
def suite_runs() -> tuple[SuiteRun, ...]:
    """Every run of every suite in benchmarks/suites, per corpus."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in sorted(SUITES_DIR.glob("*.toml")):
        try:
            suite = read_suite(str(path))
        except RagorftError as exc:
            log.info("suggestions skip %s: %s", path.name, exc)
            continue
        for cell in suite.cells:
            entry = found.setdefault((suite.name, cell.corpus, cell.run), {"cell": cell, "budgets": set()})
            entry["budgets"].add(budget_name(cell.budget))
    out = []
    for (suite_name, corpus, run), entry in found.items():
        cell = entry["cell"]
        cls = strategies.get(cell.strategy)
        parsed = cls.parse_options(cell.options)
        base = cls.describe(parsed).get("base_model")
        opts = {k: v for k, v in cls.config(parsed).items() if v != base and k not in SIZED_TO_THE_DATA}
        budgets = tuple(sorted(entry["budgets"], key=_budget_order))
        out.append(SuiteRun(suite_name, corpus, run, cell.strategy, budgets, _key(opts), base))
    return tuple(out)


def _key(opts: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in opts.items()))


def _options_but_base(c: Candidate) -> tuple[tuple[str, str], ...]:
    opts = c.record.get("options") or {}
    return _key({k: v for k, v in opts.items() if v != c.base_model and k not in SIZED_TO_THE_DATA})


def bench_command(suite: str, corpus: str, run: str, budget: str = "*") -> str:
    return f"`ragorft bench --suite {suite} --only '{corpus}/{run}/{budget}/*'`"


def suite_exists(name: str) -> bool:
    return (SUITES_DIR / f"{name}.toml").is_file()


def _in_suite(c: Candidate, corpus: str, budget: str) -> str:
    """A command on the candidate's own suite when it exists, else what to add where."""
    if c.suite and suite_exists(c.suite):
        return bench_command(c.suite, corpus, c.run, budget)
    return f"add it to a suite (its records name suite '{c.suite or '?'}', which is not in benchmarks/suites)"


def data_hint(corpus: str, c: Candidate, budget: str) -> str:
    """The suite run that has ``c``'s recipe at other budgets, else where to add budgets."""
    mine = _options_but_base(c)
    same = [
        r
        for r in suite_runs()
        if (r.corpus, r.strategy, r.options, r.base_model) == (corpus, c.record["strategy"], mine, c.base_model)
        and set(r.budgets) - {budget}
    ]
    if same:  # the recipe at other budgets, whatever the run is called there: the most budgets first
        r = max(same, key=lambda r: (len(r.budgets), r.run == c.run))
        return f"{r.run} runs this recipe at {', '.join(r.budgets)} in suite '{r.suite}': " + bench_command(
            r.suite, corpus, r.run
        )
    return f"add budgets around '{budget}' to run '{c.run}' (e.g. budgets = [5, 10, 20, \"full\"]): " + _in_suite(
        c, corpus, "*"
    )


def size_hint(corpus: str, c: Candidate, budget: str, everything: list[Candidate]) -> str:
    """A run of ``c``'s strategy on a base of its kind with another registered size: in the records at another
    budget, else in a suite, else the registry model to add."""
    kind, size, mine = c.base_kind, c.nominal_params, _options_but_base(c)
    elsewhere = [
        x
        for x in everything
        if x.record["strategy"] == c.record["strategy"]
        and x.base_kind == kind
        and x.nominal_params not in (None, size)
        and not any(y.recipe() == x.recipe() and y.record["budget_name"] == budget for y in everything)
    ]
    if elsewhere:
        x = max(elsewhere, key=lambda x: (_options_but_base(x) == mine, x.nominal_params or 0, x.n_train))
        ran = ", ".join(y.record["budget_name"] for y in everything if y.run == x.run and y.recipe() == x.recipe())
        return (
            f"{x.run} ({x.base_model}, {x.nominal_params or 0:,} params, {kind}) ran only at {ran}: "
            f"run it at '{budget}' too: " + _in_suite(x, corpus, budget)
        )
    found = []
    for r in suite_runs():
        if r.corpus != corpus or r.strategy != c.record["strategy"] or base_kind(r.base_model) != kind:
            continue
        params = nominal_params(r.base_model)
        if params is None or params == size:
            continue
        card = registry()[str(r.base_model)]
        offline = bool(card.package or card.parts) and not card.opt_in  # runs here without a hub or a flag
        # the same options, at the user's budget, offline, the next size up from the candidate's
        found.append(
            ((r.options != mine, budget not in r.budgets, not offline, params < (size or 0), params), r, params)
        )
    if found:
        _, r, params = min(found, key=lambda f: f[0])
        at = budget if budget in r.budgets else "*"
        differ = "" if r.options == mine else "; its other options differ from " + c.name + "'s"
        return (
            f"{r.run} runs {c.record['strategy']} on {r.base_model} ({params:,} params, {kind}) in suite "
            f"'{r.suite}' at {', '.join(r.budgets)}{differ}: " + bench_command(r.suite, corpus, r.run, at)
        )
    others = sorted(
        (m.params or 0, name)
        for name, m in registry().items()
        if base_kind(name) == kind and m.params and m.params != size and not m.opt_in
    )
    what = f"an {kind}" if kind == "encoder" else f"a {kind}" if kind else "a base the model registry sizes"
    if not others or kind is None:
        return f"add a run of {c.record['strategy']} on {what} of another size to a suite, at '{budget}'"
    params, name = next(((p, n) for p, n in others if p > (size or 0)), others[-1])
    return (
        f"add a [[run]] of {c.record['strategy']} on {name} ({params:,} params, {what} like {c.base_model}) "
        f"at '{budget}' to suite '{c.suite or '<suite>'}', with {c.name}'s other options"
    )
