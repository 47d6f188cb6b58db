"""Step 2 of the tree: why nothing clears the requirement. Each check adds its step with evidence.

A mixin of :class:`~ragorft.benchmarks.decide.tree.Tree`: each diagnosis reads the candidates at
the user's budget (``cands``), every run at every budget (``all``, the learning-curve evidence)
and the paired comparisons the tree computed. A diagnosis whose evidence is missing says so and
names the suite run that would give it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ragorft.benchmarks.core.fmt import pct
from ragorft.benchmarks.decide.candidates import Candidate
from ragorft.benchmarks.score.stats import MIN_LABEL_ITEMS, PairedComparison, errors_in_pairs, shared_confusions

if TYPE_CHECKING:
    from ragorft.benchmarks.decide.requirement import Requirement

SHARED_CONFUSION_RATE = 0.05  # a pair swapped on >= 5% of its common items by every candidate
MOST_ERRORS = 0.5  # shared confusions "explain most remaining errors" above this share
LITERATURE_PAIRS = {"banking77": ("card_arrival", "card_delivery_estimate")}  # Casanueva et al. 2020


def _fmt_pct(x: float) -> str:
    return pct(x, unit=True)


def bench_hint(corpus: str, run: str, budget: str) -> str:
    return f"`ragorft bench --suite <suite> --only '{corpus}/{run}/{budget}/*'` (with {budget} in the run's budgets)"


class Diagnoses:
    """The diagnoses of step 2; ``Tree`` provides the attributes and ``compare``/``add``."""

    corpus: str
    cands: list[Candidate]
    all: list[Candidate]
    budget: str
    req: Requirement
    confusions: list[Any]

    def compare(self, a: Candidate, b: Candidate) -> PairedComparison:  # provided by Tree
        raise NotImplementedError

    def add(self, step: str, question: str, answer: str, evidence: list[str] | None = None) -> None:
        raise NotImplementedError

    def bar_metric(self, c: Candidate) -> float:  # provided by Tree
        raise NotImplementedError

    # ---- label ambiguity
    def confusion_panel(self) -> tuple[list[Candidate], list[str]]:
        """The candidates whose common items leave labels with >= MIN_LABEL_ITEMS items, dropping the smallest."""
        panel = sorted(self.cands, key=lambda c: -c.n_items)
        notes = []
        while len(panel) >= 2:
            _, n_common, n_labels = shared_confusions({c.name: c.record for c in panel}, min_rate=SHARED_CONFUSION_RATE)
            if n_labels >= 2:  # a pair needs two labels with enough items
                return panel, notes
            notes.append(
                f"{len(panel)} candidates share {n_common} items: {n_labels} label(s) with "
                f">= {MIN_LABEL_ITEMS} of them; "
                f"dropping {panel[-1].name} ({panel[-1].n_items} items)"
            )
            panel = panel[:-1]
        return panel, notes

    def label_ambiguity(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Do label pairs every candidate swaps on the same items explain most remaining errors?"
        panel, notes = self.confusion_panel()
        literature = LITERATURE_PAIRS.get(self.corpus)
        if len(panel) < 2:
            self.add(
                step,
                q,
                "no evidence: fewer than two candidates share enough items per label",
                [
                    *notes,
                    f"a pair's rate needs >= {MIN_LABEL_ITEMS} common items per label: score more test items "
                    "(a larger max_test_items) for the candidates at this budget",
                    *self._literature_alone(literature),
                ],
            )
            return None
        found, n_common, n_labels = shared_confusions({c.name: c.record for c in panel}, min_rate=SHARED_CONFUSION_RATE)
        self.confusions = found
        evidence = [
            *notes,
            f"panel: {', '.join(c.name for c in panel)} on {n_common} common items, "
            f"{n_labels} labels with >= {MIN_LABEL_ITEMS} items each",
        ]
        evidence += [
            f"{a} <-> {b}: swapped by all {s.of} on {s.support} items: "
            + ", ".join(f"{k} {s.swaps[k]} ({100 * v:.0f}%)" for k, v in s.rates.items())
            for s in found[:8]
            for a, b in [s.labels]
        ]
        if literature:
            named = any(set(s.labels) == set(literature) for s in found)
            evidence.append(
                f"the pair the literature names, {literature[0]} / {literature[1]}, is "
                f"{'among' if named else 'NOT among'} them"
            )
        pairs = [s.labels for s in found]
        errors = sum(1 for g, p in zip(closest.record["gold"], closest.record["predictions"], strict=True) if g != p)
        shared = errors_in_pairs(closest.record, pairs)
        share = shared / errors if errors else 0.0
        evidence.append(f"{shared} of {closest.name}'s {errors} errors ({100 * share:.0f}%) fall in these pairs")
        if errors and share > MOST_ERRORS:
            self.add(step, q, "yes: label ambiguity", evidence)
            names = ", ".join(f"{a}/{b}" for a, b in pairs[:5])
            return (
                "label_ambiguity",
                f"fix the data (merge or relabel {names}): no model size will fix a label conflict",
            )
        self.add(step, q, f"no ({100 * share:.0f}% of errors, need > {100 * MOST_ERRORS:.0f}%)", evidence)
        return None

    def _literature_alone(self, literature: tuple[str, str] | None) -> list[str]:
        """With no panel, still say how often the largest candidate swaps the pair the literature names."""
        if not literature:
            return []
        big = max(self.cands, key=lambda c: c.n_items)
        gold, preds = big.record["gold"], big.record["predictions"]
        n = sum(1 for g in gold if g in literature)
        k = sum(1 for g, p in zip(gold, preds, strict=True) if g != p and {g, p} == set(literature))
        return [
            f"the pair the literature names, {literature[0]} / {literature[1]}, cannot be called shared; "
            f"{big.name} alone swaps it on {k} of its {n} items"
        ]

    # ---- capability ceiling
    def capability_ceiling(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Does accuracy rise with base size (same strategy, same budget) but stay flat with data or epochs?"
        by_strategy: dict[str, list[Candidate]] = {}
        for c in self.cands:
            if c.nominal_params:
                by_strategy.setdefault(c.record["strategy"], []).append(c)
        sized = {s: cs for s, cs in by_strategy.items() if len({c.nominal_params for c in cs}) >= 2}
        strategy = closest.record["strategy"]
        if not sized:
            self.add(
                step,
                q,
                "no evidence: no strategy was run on two base sizes at this budget",
                [
                    f"sizes at '{self.budget}' (nominal, model registry): "
                    + (
                        ", ".join(f"{c.name} {c.nominal_params:,}" for cs in by_strategy.values() for c in cs) or "none"
                    ),
                    self._size_hint(strategy),
                ],
            )
            return None
        strategy = strategy if strategy in sized else next(iter(sized))
        cs = sorted(sized[strategy], key=lambda c: c.nominal_params or 0)
        small, big = cs[0], cs[-1]
        by_size = self.compare(big, small)
        evidence = [
            f"{strategy}: {small.name} ({small.nominal_params:,} params) vs {big.name} "
            f"({big.nominal_params:,} params): {by_size.verdict()}"
        ]
        rises = not by_size.tie and by_size.difference > 0
        dev = big.dev_curve
        epochs_flat = None if not dev or len(dev) < 2 else dev[-1] - dev[-2] <= 0.01
        evidence.append(f"{big.name} dev curve: " + (", ".join(f"{100 * d:.1f}" for d in dev) if dev else "none"))
        if rises and epochs_flat:
            self.add(step, q, "yes: capability ceiling", evidence)
            return "capability_ceiling", (
                f"use a bigger base: {strategy} gains {100 * by_size.difference:+.1f} pts from "
                f"{small.nominal_params:,} to {big.nominal_params:,} params while its dev curve is flat"
            )
        self.add(step, q, "no" + ("" if rises else ": accuracy does not rise with size"), evidence)
        return None

    def _size_hint(self, strategy: str) -> str:
        """The suite run that would give a second size: a strategy at this budget whose other base ran elsewhere."""
        here_strategies = [strategy] + sorted({c.record["strategy"] for c in self.cands} - {strategy})
        for name in here_strategies:
            here = {c.nominal_params for c in self.cands if c.record["strategy"] == name}
            elsewhere = [c for c in self.all if c.record["strategy"] == name and c.nominal_params not in here]
            elsewhere = [c for c in elsewhere if c.nominal_params]
            if elsewhere:
                c = max(elsewhere, key=lambda c: (c.nominal_params or 0, c.n_train))
                ran = ", ".join(x.record["budget_name"] for x in self.all if x.run == c.run)
                return (
                    f"{c.run} ({c.base_model}, {c.nominal_params or 0:,} params) ran only at "
                    f"{ran}: run it at '{self.budget}' too: " + bench_hint(self.corpus, c.run, self.budget)
                )
        return (
            f"add a run of {strategy} on a second base from the model registry at '{self.budget}' "
            "(e.g. SmolLM2-135M-Instruct next to all-MiniLM-L6-v2)"
        )

    # ---- many tasks
    def many_tasks(self, step: str, closest: Candidate | None = None) -> tuple[str, str] | None:
        """N tasks on one deployment: what the chosen (or closest) candidate shares, sized from the records."""
        n = self.req.tasks
        q = f"Are there many tasks (--tasks {n})?"
        if n <= 1:
            self.add(step, q, "no: one task")
            return None
        if closest is not None and not int((closest.record.get("cost") or {}).get("params_trained") or 0):
            size = f"{closest.nominal_params:,} params" if closest.nominal_params else "size not in the registry"
            msg = (
                f"{closest.name} trains no weights: {n} tasks share one {closest.base_model} ({size}), "
                "with one index or prompt per task and no per-task model"
            )
            self.add(step, q, "yes", [msg])
            return "many_tasks", msg
        trained = int((closest.record.get("cost") or {}).get("params_trained") or 0) if closest else 0
        if closest is not None and not _is_adapter(closest) and 0 < trained < 0.01 * (closest.nominal_params or 0):
            msg = (  # a head on a frozen encoder (linear_probe, setfit's head): the base is shared as it is
                f"{closest.name} trains only a head ({trained:,} params) on a frozen {closest.base_model} "
                f"({closest.nominal_params:,} params): {n} tasks share one base with one head each "
                f"({n * trained:,} trained params in all), no per-task model"
            )
            self.add(step, q, "yes", [msg])
            return "many_tasks", msg
        adapters = [c for c in self.cands if _is_adapter(c) and c.nominal_params]
        if not adapters:
            self.add(step, q, f"yes, but no adapter (LoRA) result with a registered base size: one base + {n} adapters")
            return "many_tasks", f"one base + {n} LoRA adapters (no adapter result measured yet to size the saving)"
        a = max(adapters, key=lambda c: c.accuracy)
        bpp, why = a.bytes_per_param
        base, trained = a.nominal_params or 0, int(a.record["cost"]["params_trained"])
        full = n * base * bpp / 2**20
        shared = (base * bpp + n * trained * 4) / 2**20  # adapters (and heads) are trained and kept in fp32
        msg = (
            f"one base + {n} LoRA adapters: {shared:,.0f} MiB of weights instead of {full:,.0f} MiB for {n} full "
            f"fine-tunes (saves {full - shared:,.0f} MiB; from {a.name}: base {a.base_model} {base:,} params at "
            f"{bpp:g} bytes/param, {why}; {trained:,} trained params per task at 4 bytes)"
        )
        evidence = [msg]
        if closest is not None and closest is not a:
            cmp_ = self.compare(closest, a)
            evidence.append(cmp_.verdict())
            msg += (
                f"; the adapter run is not significantly less accurate than {closest.name}"
                if cmp_.tie or cmp_.difference < 0
                else f"; but {a.name} is {100 * cmp_.difference:.1f} pts less accurate than {closest.name} "
                f"(significant): weigh the memory against the errors"
            )
        self.add(step, q, "yes", evidence)
        return "many_tasks", msg


def _is_adapter(c: Candidate) -> bool:
    cost = c.record.get("cost") or {}
    return bool(c.record["strategy_meta"]["adapter"]) or (
        0 < int(cost.get("params_trained") or 0) < int(cost.get("params_total") or 0)
    )
