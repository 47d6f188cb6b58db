"""Step 2 branches that read scopes and dev curves: out-of-scope items, under-training.

- out-of-scope: with an out-of-scope label on the card and most of the closest candidate's errors
  on gold out-of-scope items, the fix is abstention (a calibrated confidence threshold that
  answers out-of-scope), not more data: in-scope accuracy and OOS recall are shown side by side.
- under-trained: a candidate whose dev accuracy still rose at its last epoch by more than the
  noise of its dev set (1.96 standard errors) needs more epochs before more data or a bigger base.
"""

from __future__ import annotations

import math

from ragorft.benchmarks.decide.candidates import Candidate
from ragorft.benchmarks.decide.diagnoses import Diagnoses, _fmt_pct

OOS_MOST_ERRORS = 0.5  # out-of-scope items are "most" of the errors above this share


def dev_noise(accuracy: float, n_dev: int) -> float:
    """Half-width of a 95% interval of a dev accuracy on ``n_dev`` items: a rise smaller than this is noise."""
    return 1.96 * math.sqrt(max(accuracy * (1 - accuracy), 1e-12) / max(n_dev, 1))


class Branches(Diagnoses):
    """The branches that read scopes and dev curves; ``Tree`` subclasses this."""

    def out_of_scope(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Are most remaining errors out-of-scope items?"
        label = closest.oos_label
        if label is None:
            self.add(step, q, f"no: {self.corpus} has no out-of-scope label")
            return None
        gold, preds = closest.record["gold"], closest.record["predictions"]
        errors = [g for g, p in zip(gold, preds, strict=True) if g != p]
        oos_errors = sum(1 for g in errors if g == label)
        share = oos_errors / len(errors) if errors else 0.0
        evidence = [
            f"{oos_errors} of {closest.name}'s {len(errors)} errors ({100 * share:.0f}%) are gold '{label}' items"
        ]
        for c in self.cands:
            ins, oos = c.scoped(True), c.scoped(False)
            if ins and oos:
                evidence.append(
                    f"{c.name}: in-scope {_fmt_pct(ins[0])} [{100 * ins[1][0]:.1f}, {100 * ins[1][1]:.1f}], "
                    f"OOS recall {_fmt_pct(oos[0])} [{100 * oos[1][0]:.1f}, {100 * oos[1][1]:.1f}]"
                )
        if self.req.accuracy_on != "in_scope" and self.req.accuracy_bar is not None:
            ok = [c.name for c in self.cands if (c.scoped(True) or (0, (0, 0)))[1][0] >= self.req.accuracy_bar]
            evidence.append(
                f'judged on in-scope accuracy instead (accuracy_on = "in_scope"), '
                f"{', '.join(ok) or 'none'} would clear {_fmt_pct(self.req.accuracy_bar)}"
            )
        oos_short = (
            self.req.min_oos_recall is not None
            and (closest.scoped(False) or (0, (0, 0)))[1][0] < self.req.min_oos_recall
        )
        if errors and (share > OOS_MOST_ERRORS or oos_short):
            self.add(step, q, "yes: out-of-scope items", evidence)
            ins, oos = closest.scoped(True), closest.scoped(False)
            scores = (
                f"{closest.name}: in-scope {_fmt_pct(ins[0] if ins else 0)}, OOS recall "
                f"{_fmt_pct(oos[0] if oos else 0)}; {100 * share:.0f}% of its errors are out-of-scope items"
            )
            threshold = ((closest.record.get("report") or {}).get("abstention") or {}).get("threshold")
            if threshold is not None:  # it already abstains: a threshold is not the missing piece
                return "out_of_scope", (
                    f"improve out-of-scope detection: {closest.name} already abstains (threshold {threshold:.3g} "
                    f"calibrated on dev) and out-of-scope items are still most of its errors; move the threshold "
                    f"toward OOS recall if in-scope accuracy can give, or train on out-of-scope examples ({scores})"
                )
            return "out_of_scope", (
                f"add abstention: a confidence threshold calibrated on the dev set that answers '{label}' ({scores})"
            )
        self.add(step, q, f"no ({100 * share:.0f}% of errors, need > {100 * OOS_MOST_ERRORS:.0f}%)", evidence)
        return None

    def _rising(self, c: Candidate) -> tuple[bool | None, str]:
        dev = c.dev_curve
        if not dev or len(dev) < 2:
            return None, f"{c.name}: no per-epoch dev curve (not trained by epochs)"
        extra = c.record.get("report") or {}
        n_dev = int(extra.get("n_dev_used") or c.record.get("n_dev") or 0)
        gain, noise = dev[-1] - dev[-2], dev_noise(dev[-1], n_dev)
        early = bool(extra.get("stopped_early"))
        curve = ", ".join(f"{100 * d:.1f}" for d in dev)
        note = (
            f"{c.name}: dev accuracy by epoch {curve}; last epoch {100 * gain:+.1f} pts vs noise "
            f"±{100 * noise:.1f} ({n_dev} dev items){'; stopped early' if early else ''}"
        )
        return gain > noise and not early, note

    def under_trained(self, step: str, closest: Candidate) -> tuple[str, str] | None:
        q = "Was the dev curve still rising at the last epoch (beyond its noise)?"
        results = {c.name: self._rising(c) for c in self.cands}
        evidence = [note for _, note in results.values()]
        rising = [name for name, (r, _) in results.items() if r]
        if results[closest.name][0]:
            self.add(step, q, f"yes: {closest.name} is under-trained", evidence)
            return "under_trained", f"train {closest.name} longer (more epochs) before adding data or a bigger base"
        if rising:
            self.add(step, q, f"not for {closest.name}; still rising: {', '.join(rising)}", evidence)
            self.late = ("under_trained", f"{', '.join(rising)} stopped while still improving: train longer")
            return None
        self.add(step, q, "no" if any(r is not None for r, _ in results.values()) else "no evidence", evidence)
        return None
