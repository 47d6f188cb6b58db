"""Step 2 of the tree: why nothing clears the requirement. Each check adds its step with evidence.

A mixin of :class:`~ragorft.benchmarks.decide.tree.Tree` so each diagnosis reads the same
candidates, paired comparisons and shared confusions the tree computed once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragorft.benchmarks.core.fmt import pct
from ragorft.benchmarks.decide.candidates import Candidate
from ragorft.benchmarks.score.stats import PairedComparison, SharedConfusion, errors_in_pairs

if TYPE_CHECKING:
    from ragorft.benchmarks.decide.requirement import Requirement

SHARED_CONFUSION_RATE = 0.05  # a pair confused on >= 5% of its items by (nearly) every strategy
MOST_ERRORS = 0.5  # shared confusions "explain most remaining errors" above this share
EPOCH_PLATEAU = 0.01  # dev accuracy gaining less than 1 point over the last half of epochs is flat
DEFAULT_BYTES_PER_PARAM = 2  # bf16 weights when a record does not say


def _fmt_pct(x: float) -> str:
    return pct(x, unit=True)


class Diagnoses:
    """The diagnoses of step 2; ``Tree`` provides ``cands``, ``req``, ``confusions``, ``compare`` and ``add``."""

    cands: list[Candidate]
    req: Requirement
    confusions: list[SharedConfusion]

    def compare(self, a: Candidate, b: Candidate) -> PairedComparison:  # provided by Tree
        raise NotImplementedError

    def add(self, step: str, question: str, answer: str, evidence: list[str] | None = None) -> None:
        raise NotImplementedError

    def label_ambiguity(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Do confusions every strategy shares explain most remaining errors?"
        if len(self.cands) < 2:
            self.add(step, q, "no evidence: needs at least two strategies to call a confusion shared")
            return None
        pairs = [s.labels for s in self.confusions]
        errors = int(
            sum(1 for g, p in zip(closest.record["gold"], closest.record["predictions"], strict=True) if g != p)
        )
        shared = errors_in_pairs(closest.record, pairs)
        evidence = [
            f"{a} <-> {b}: confused by {s.confused_by}/{s.of} strategies, rates "
            + ", ".join(f"{k} {100 * v:.0f}%" for k, v in s.rates.items())
            for s in self.confusions[:8]
            for a, b in [s.labels]
        ]
        if not self.confusions:
            evidence.append(
                "no label pair is confused by (nearly) every strategy on "
                f">= {100 * SHARED_CONFUSION_RATE:.0f}% of its items"
            )
        share = shared / errors if errors else 0.0
        evidence.append(f"{shared} of {closest.name}'s {errors} errors ({100 * share:.0f}%) fall in these pairs")
        if self.req.accuracy_bar is not None:
            n = len(closest.record["gold"])
            gap = max(0.0, self.req.accuracy_bar - closest.accuracy_ci[0]) * n
            evidence.append(f"the gap from its lower bound to the bar is about {gap:.0f} items of {n}")
        if errors and share > MOST_ERRORS:
            self.add(step, q, "yes: label ambiguity", evidence)
            names = ", ".join(f"{a}/{b}" for a, b in pairs[:5])
            return (
                "label_ambiguity",
                f"fix the data (merge or relabel {names}): no model size will fix a label conflict",
            )
        self.add(step, q, f"no ({100 * share:.0f}% of errors, need > {100 * MOST_ERRORS:.0f}%)", evidence)
        return None

    def _curve(self, run: str) -> list[Candidate]:
        return sorted((c for c in self.cands if c.record["run"] == run), key=lambda c: c.n_train)

    def too_little_data(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Is the learning curve still rising at the largest budget?"
        curve = self._curve(closest.record["run"])
        if len(curve) < 2:
            self.add(step, q, f"no evidence: {closest.record['run']} was run at one budget only (no budget sweep)")
            return None
        prev, last = curve[-2], curve[-1]
        cmp_ = self.compare(last, prev)
        evidence = [
            " -> ".join(f"{c.record['budget_name']} (n={c.n_train}) {_fmt_pct(c.accuracy)}" for c in curve),
            cmp_.verdict(),
        ]
        if cmp_.difference_ci[0] > 0:
            self.add(step, q, "yes: too little data", evidence)
            return (
                "too_little_data",
                f"collect more labelled data: {closest.record['run']} still gains "
                f"{100 * cmp_.difference:+.1f} pts from {prev.record['budget_name']} to {last.record['budget_name']}"
                " (or a bigger base + LoRA)",
            )
        self.add(step, q, "no: the last budget step is flat (a tie or a loss)", evidence)
        return None

    def _epochs_flat(self, cand: Candidate) -> tuple[bool | None, str]:
        extra = cand.record.get("report") or {}
        epochs = extra.get("epochs") or extra.get("curves")  # fine-tune strategies write "curves"
        if not isinstance(epochs, list) or len(epochs) < 2:
            return None, f"{cand.name}: no per-epoch dev curve in its record"
        try:
            dev = [float(e["dev_accuracy"]) for e in epochs]
        except (KeyError, TypeError, ValueError):
            return None, f"{cand.name}: per-epoch records lack dev_accuracy"
        half = len(dev) // 2
        gain = dev[-1] - max(dev[:half] or dev[:1])
        curve = ", ".join(f"{100 * d:.1f}" for d in dev)
        flat = gain < EPOCH_PLATEAU
        return flat, f"{cand.name}: dev accuracy by epoch {curve}; last half gains {100 * gain:+.1f} pts"

    def capability_ceiling(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Does accuracy rise with model size but stay flat with more data or epochs?"
        sized = [c for c in self.cands if c.model_params]
        sizes = sorted({c.model_params for c in sized})
        if len(sizes) < 2:
            self.add(
                step,
                q,
                "no evidence: the results hold fewer than two model sizes",
                [f"model sizes known for: {', '.join(c.name for c in sized) or 'none'}"],
            )
            return None
        best_at = {
            s: max((c for c in sized if c.model_params == s), key=lambda c: (c.accuracy, c.n_train)) for s in sizes
        }
        small, big = best_at[sizes[0]], best_at[sizes[-1]]
        by_size = self.compare(big, small)
        evidence = [
            "best by size: "
            + ", ".join(f"{s:,} params {best_at[s].name} {_fmt_pct(best_at[s].accuracy)}" for s in sizes),
            by_size.verdict(),
        ]
        rises = by_size.difference_ci[0] > 0
        curve = self._curve(big.record["run"])
        data_flat: bool | None = None
        if len(curve) >= 2:
            data_cmp = self.compare(curve[-1], curve[-2])
            data_flat = data_cmp.difference_ci[0] <= 0
            evidence.append(f"more data for {big.record['run']}: {data_cmp.verdict()}")
        else:
            evidence.append(f"{big.record['run']}: one budget only, no data curve")
        epochs_flat, note = self._epochs_flat(curve[-1])
        evidence.append(note)
        flat_known = [x for x in (data_flat, epochs_flat) if x is not None]
        if not flat_known:
            self.add(step, q, "no evidence: neither a budget sweep nor a dev curve for the largest model", evidence)
            return None
        if rises and any(flat_known):
            self.add(step, q, "yes: capability ceiling", evidence)
            return (
                "capability_ceiling",
                f"use a bigger base model: accuracy rises {100 * by_size.difference:+.1f} pts from {sizes[0]:,} to "
                f"{sizes[-1]:,} params while more data/epochs are flat",
            )
        self.add(step, q, "no" + ("" if rises else ": accuracy does not rise with size"), evidence)
        return None

    def many_tasks(self, step: str, closest: Candidate | None = None) -> tuple[str, str] | None:
        n = self.req.tasks
        q = f"Are there many tasks (--tasks {n})?"
        if n <= 1:
            self.add(step, q, "no: one task")
            return None
        adapters = [
            c
            for c in self.cands
            if 0 < int((c.record.get("cost") or {}).get("params_trained") or 0) < (c.model_params or 0)
        ]
        if not adapters:
            self.add(
                step,
                q,
                f"yes, but no adapter (LoRA) result to size the saving: one base + {n} adapters is the shape to try",
            )
            return "many_tasks", f"one base + {n} LoRA adapters (no adapter result measured yet to size the saving)"
        a = max(adapters, key=lambda c: c.accuracy)
        extra = a.record.get("report") or {}
        bpp = extra.get("bytes_per_param", DEFAULT_BYTES_PER_PARAM)
        total, trained = a.model_params or 0, int(a.record["cost"]["params_trained"])
        full = n * total * bpp / 2**20
        shared = (total + n * trained) * bpp / 2**20
        msg = (
            f"one base + {n} LoRA adapters: {shared:,.0f} MiB of weights instead of {full:,.0f} MiB for {n} full "
            f"fine-tunes (saves {full - shared:,.0f} MiB at {bpp} bytes/param; from {a.name}: {total:,} params, "
            f"{trained:,} trained)"
        )
        self.add(step, q, "yes", [msg])
        return "many_tasks", msg
