"""Step 2 of the tree: why nothing clears the requirement. Each check adds its step with evidence.

A mixin of :class:`~ragorft.benchmarks.decide.tree.Tree`: each diagnosis reads the candidates at
the user's budget (``cands``), every record of the corpus at every budget and from every suite
given (``all``) and the paired comparisons the tree computed. The two levers (more data, a bigger
base) are measured on all of it (levers.py) and ranked into the cheapest route to the bar, so a
verdict is "undiagnosed" only when no record bears on it. A diagnosis whose evidence is missing
says so and names the run that would give it (suggest.py: a command on a suite that exists).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ragorft.benchmarks.core.fmt import pct
from ragorft.benchmarks.decide.candidates import Candidate
from ragorft.benchmarks.decide.levers import OUT_OF_REACH, Lever, Route, data_levers, route_text, size_levers
from ragorft.benchmarks.decide.suggest import data_hint, size_hint
from ragorft.benchmarks.score.stats import MIN_LABEL_ITEMS, PairedComparison, errors_in_pairs, shared_confusions

if TYPE_CHECKING:
    from ragorft.benchmarks.decide.requirement import Requirement

SHARED_CONFUSION_RATE = 0.05  # a pair swapped on >= 5% of its common items by every candidate
MOST_ERRORS = 0.5  # shared confusions "explain most remaining errors" above this share
LITERATURE_PAIRS = {"banking77": ("card_arrival", "card_delivery_estimate")}  # Casanueva et al. 2020


def _fmt_pct(x: float) -> str:
    return pct(x, unit=True)


class Diagnoses:
    """The diagnoses of step 2; ``Tree`` provides the attributes and ``compare``/``add``."""

    corpus: str
    cands: list[Candidate]
    all: list[Candidate]
    budget: str
    req: Requirement
    confusions: list[Any]
    levers: dict[str, list[Lever]]  # "data", "size": filled by steps 2e and 2f, ranked by 2g
    hints: list[str]  # the runs that would give the evidence a step found missing

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

    # ---- the two levers (levers.py measures them on every record of the corpus, every suite)
    def data_lever(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Does more data raise accuracy (one recipe at two or more budgets, seeds pooled, every suite given)?"
        found = self.levers["data"] = data_levers(self.all, self.budget, self.compare, getattr(self, "memo", None))
        hint = data_hint(self.corpus, closest, self.budget)
        if not found:
            self.hints.append(f"for data evidence, {hint}")
            self.add(
                step,
                q,
                f"no evidence: no recipe run at '{self.budget}' was measured at another budget on shared test items",
                [hint],
            )
            return None
        rising = [lv for lv in found if lv.rises]
        answer = (
            f"yes: {len(rising)} of {len(found)} recipe(s) gain significantly with more data"
            if rising
            else "no recipe's gain with more data is significant"
        )
        mine = any(closest in lv.points for lv in found)
        self.add(step, q, answer, [lv.line() for lv in found] + ([] if mine else [f"{closest.name}: {hint}"]))
        return None

    def size_lever(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Does a bigger base raise accuracy (one strategy and its options on two or more registry-sized bases)?"
        found = self.levers["size"] = size_levers(self.all, self.budget, self.compare, getattr(self, "memo", None))
        hint = size_hint(self.corpus, closest, self.budget, self.all)
        if not found:
            bases = sorted({(c.nominal_params or 0, c.base_model) for c in self.all if c.nominal_params})
            self.hints.append(f"for size evidence, {hint}")
            self.add(
                step,
                q,
                "no evidence: no strategy was run on two base sizes",
                [
                    "bases in the records (nominal, model registry): "
                    + (", ".join(f"{name} {size:,}" for size, name in bases) or "none"),
                    hint,
                ],
            )
            return None
        rising = [lv for lv in found if lv.rises]
        answer = (
            f"yes: {len(rising)} of {len(found)} strategy(ies) gain significantly with a bigger base"
            if rising
            else "no strategy's gain with a bigger base is significant"
        )
        mine = any(lv.what == closest.record["strategy"] for lv in found)
        self.add(step, q, answer, [lv.line() for lv in found] + ([] if mine else [f"{closest.name}: {hint}"]))
        return None

    def routes(self, rising: list[Lever]) -> list[Route]:
        """Each rising lever grown from its candidate at the user's budget: a size lever from its biggest base."""
        out, grown = [], set()
        for lv in rising:  # size levers at the user's budget come first: one route per strategy and options
            if lv.kind == "size":
                if lv.points[0].size_recipe()[::2] in grown:
                    continue
                grown.add(lv.points[0].size_recipe()[::2])
            if lv.kind == "data":
                start = next(c for c in lv.points if c.record["budget_name"] == self.budget)
            else:
                recipe = lv.points[0].size_recipe()
                same = [
                    c
                    for c in self.cands
                    if c.nominal_params and (c.size_recipe()[0], c.size_recipe()[2]) == (recipe[0], recipe[2])
                ]
                if not same:
                    continue
                start = max(same, key=lambda c: c.nominal_params or 0)
            bar = self.req.accuracy_bar
            need = None if bar is None else bar - self.bar_metric(start)
            if need is None or need > 0:
                out.append(Route(lv, start, need, self._cleared(lv, start)))
        return sorted(out, key=Route.sort_key)

    def _cleared(self, lv: Lever, start: Candidate) -> tuple[Candidate, float] | None:
        """The smallest measured budget of the start's recipe past it whose lower bound clears the accuracy bar."""
        bar = self.req.accuracy_bar
        if lv.kind != "data" or bar is None:
            return None
        more = sorted(
            (c for c in self.all if c.recipe() == start.recipe() and c.n_train > start.n_train), key=lambda c: c.n_train
        )
        return next(((c, self.bar_metric(c)) for c in more if self.bar_metric(c) >= bar), None)

    def rank_levers(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Which measured lever reaches the bar in the fewest doublings (gain per doubling of data, of parameters)?"
        levers = self.levers["data"] + self.levers["size"]
        if not levers:
            self.add(step, q, "no evidence: neither lever was measured")
            return None
        rising = [lv for lv in levers if lv.rises]
        if not rising:
            self.add(step, q, "neither lever raised accuracy significantly", [lv.line() for lv in levers])
            return "plateau", (
                "look beyond data and base size: in these records neither more data nor a bigger base raised "
                "accuracy significantly ("
                + "; ".join(f"{lv.what} {lv.gain_text()}" for lv in levers)
                + ")"
                + "".join(f"; {h}" for h in self.hints)
            )
        per = {kind: self._per_step(kind, closest) for kind in ("data", "size")}
        evidence = [
            f"{kind}: {lv.what} {lv.gain_text()}"
            if lv
            else f"{kind}: {'no significant gain' if self.levers[kind] else 'not measured'}"
            for kind, lv in per.items()
        ]
        d, z = per["data"], per["size"]
        if d and z:
            (top, a), (_, b) = sorted((("data", d), ("size", z)), key=lambda kv: -kv[1].gain)
            evidence.append(f"per step, {top} is the bigger lever: {100 * a.gain:+.1f} vs {100 * b.gain:+.1f} pts")
        routes = self.routes(rising)
        evidence += [route_text(r, self.budget) for r in routes]
        if not routes:
            self.add(
                step, q, "no route: the levers' candidates at this budget already clear the accuracy bar", evidence
            )
            return None
        if not any(r.reachable for r in routes):
            self.add(step, q, f"none: every measured route needs more than {OUT_OF_REACH} doublings", evidence)
            return "plateau", (
                f"no measured lever reaches the bar: {route_text(routes[0], self.budget)}"
                + "".join(f"; {h}" for h in self.hints)
            )
        best = routes[0]
        other = next((r for r in routes[1:] if r.lever.kind != best.lever.kind and r.reachable), None)
        verdict = (
            "other_strategy"
            if best.start.family != closest.family
            else ("too_little_data" if best.lever.kind == "data" else "capability_ceiling")
        )
        steps = "" if best.steps is None else f", {best.steps:.1f} doubling(s)"
        self.add(step, q, f"{verdict}: {best.start.name} along the {best.lever.unit}{steps}", evidence)
        rec = route_text(best, self.budget, lead=True)
        if best.start.family != closest.family:
            rec = f"switch to {best.start.family} ({best.start.name}) and {rec}"
        return verdict, rec + (f"; or {route_text(other, self.budget)}" if other else "") + "".join(
            f"; {h}" for h in self.hints
        )

    def undiagnosed(self, closest: Candidate) -> str:
        """The answer when no record bears on why: the closest candidate, and the runs that would tell."""
        return (
            "no candidate clears the requirement and no record bears on why: the closest is "
            f"{closest.name} (lower bound {_fmt_pct(self.bar_metric(closest))}); "
            + "; ".join(self.hints or ["no run of its recipe at another budget or on another base to measure"])
        )

    def _per_step(self, kind: str, closest: Candidate) -> Lever | None:
        """The lever's gain per doubling: the closest's recipe (or strategy) when measured, else the largest."""
        rising = [lv for lv in self.levers[kind] if lv.rises]
        own = [
            lv for lv in rising if (closest in lv.points if kind == "data" else lv.what == closest.record["strategy"])
        ]
        return own[0] if own else max(rising, key=lambda x: x.gain, default=None)

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
