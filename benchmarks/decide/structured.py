"""The structured-output branch of the decision tree: is the gap to fine-tuning one of format and behaviour?

A team whose task is extraction (utterance -> JSON frame) asks whether prompting, with fixed or
retrieved demonstrations, is enough, or whether the model must be trained. The facts are in the
utterance, so a significant win of fine-tuning here is format and behaviour (writing the frame,
the slot conventions), not knowledge. The branch reads the records of one corpus at the
decision's budget, paired on the same test items (per-item frame exact match and per-item
valid-JSON, so McNemar's test applies), every comparison in one Holm family:

S1. Does a fine-tuned run beat every prompting and retrieved-demo run on frame exact match?
S2. ... on the valid-JSON rate of the raw outputs?
S3. The evidence: the best fine-tuned and the best prompting/RAG run side by side on frame EM,
    valid JSON and slot F1, read as "the base does not write the format" (a valid-JSON gap) or
    "it writes JSON but not the task's conventions" (an EM / slot-F1 gap with JSON level).
S4. Does a bigger base close the gap without training? A prompting/RAG run on a base larger than
    the fine-tuned run's that is not significantly worse than it on frame EM.

``add_structured_branch`` appends the steps and an ``S`` summary to a tree decision, as the
knowledge branch does for QA corpora.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ragorft.benchmarks.decide.render import Decision, Step
from ragorft.benchmarks.models.registry import nominal_params
from ragorft.benchmarks.score.stats import PairedComparison, compare, significant

PROMPTING = ("prompting", "rag")
TUNED = "fine-tune"
Seeds = list[dict[str, Any]]


@dataclass
class StructuredVerdict:
    recommended: str | None  # a run name, or None when fine-tuning does not win
    reason: str
    steps: list[Step] = field(default_factory=list)


def is_structured(records: list[dict[str, Any]]) -> bool:
    """Structured records carry per-item frame exact match under the headline ``frame_em``."""
    return bool(records) and all((r.get("metrics") or {}).get("headline") == "frame_em" for r in records)


def _role(seeds: Seeds) -> str:
    return seeds[0]["strategy_meta"]["role"]


def _on(seeds: Seeds, key: str) -> Seeds:
    """The seeds as paired tests read them, with ``key`` (``em`` or ``valid_json``) as per-item correctness."""
    out = []
    for r in seeds:
        per_item = r["metrics"]["per_item"]
        out.append(r | {"metrics": r["metrics"] | {"per_item": {"em": per_item[key]}}})
    return out


def _mean(seeds: Seeds, metric: str) -> float:
    return sum(float(r["metrics"][metric]) for r in seeds) / len(seeds)


def _params(seeds: Seeds) -> int | None:
    base = seeds[0]["strategy_meta"].get("base_model")
    return nominal_params(base) if base else None


def _side_by_side(name: str, seeds: Seeds) -> str:
    m = {k: 100 * _mean(seeds, k) for k in ("accuracy", "valid_json", "slot_f1", "intent_accuracy")}
    return (
        f"{name}: frame EM {m['accuracy']:.1f}%, valid JSON {m['valid_json']:.1f}%, "
        f"slot F1 {m['slot_f1']:.1f}%, intent {m['intent_accuracy']:.1f}%"
    )


def _reading(tuned: Seeds, prompted: Seeds) -> str:
    """What the gap is made of: JSON the base cannot write, or conventions it does not follow."""
    gap_json = _mean(tuned, "valid_json") - _mean(prompted, "valid_json")
    gap_em = _mean(tuned, "accuracy") - _mean(prompted, "accuracy")
    gap_f1 = _mean(tuned, "slot_f1") - _mean(prompted, "slot_f1")
    if gap_json >= 0.5 * max(gap_em, 0) and gap_json > 0.02:
        return "format: the prompted base often does not write a valid frame at all"
    if gap_f1 > 0.02:
        return "behaviour: the prompted base writes JSON but not the task's slot conventions (which words, which type)"
    return "behaviour: the prompted base writes JSON and similar slots but misses whole frames (intent or one slot)"


def _base(seeds: Seeds) -> str | None:
    return seeds[0]["strategy_meta"].get("base_model")


def _pairs(tuned: list[tuple[str, Seeds]], prompted: list[tuple[str, Seeds]]) -> tuple[list, list]:
    """(same-base pairs, pairs whose prompting base is nominally bigger), as (tuned run, prompting run)."""
    same, bigger = [], []
    for nt, st in tuned:
        for npr, sp in prompted:
            if _base(st) == _base(sp):
                same.append((nt, npr))
            elif (_params(st) or 0) and (_params(sp) or 0) > (_params(st) or 0):
                bigger.append((nt, npr))
    return same, bigger


def structured_branch(runs: dict[str, Seeds], *, seed: int = 0) -> StructuredVerdict:
    """Walk S1-S4 over ``runs`` (run name -> the records of its seeds, one corpus, one budget).

    Fine-tuning is compared with prompting on the *same* base (what training adds to that model);
    a prompting run on a bigger base is compared with the fine-tuned run for S4. All the tests,
    frame EM and valid JSON, are one Holm family.
    """
    tuned = sorted((n, s) for n, s in runs.items() if _role(s) == TUNED)
    prompted = sorted((n, s) for n, s in runs.items() if _role(s) in PROMPTING)
    same, bigger = _pairs(tuned, prompted)
    steps: list[Step] = []
    if not same:
        answer = "not measured: no fine-tuned run with a prompting or retrieved-demo run on its base at this budget"
        steps.append(Step("S1", "Does fine-tuning beat prompting on the same base?", answer))
        return StructuredVerdict(None, "not measured: no fine-tuned and prompting runs on one base", steps)
    raw: dict[tuple[str, str, str], PairedComparison] = {}
    for key, pairs in (("em", same), ("valid_json", same), ("em", bigger)):
        for nt, npr in pairs:
            raw[(key, nt, npr)] = compare(nt, _on(runs[nt], key), npr, _on(runs[npr], key), seed=seed)
    _, adjusted = significant([c.mcnemar_p for c in raw.values()])
    family = {k: c.in_family(p, len(raw)) for (k, c), p in zip(raw.items(), adjusted, strict=True)}

    def ask(step: str, question: str, key: str) -> list[str]:
        won = []
        for nt, _ in tuned:
            mine = [family[(key, nt, npr)] for t, npr in same if t == nt]
            if mine and all(not c.tie and c.difference > 0 for c in mine):
                won.append(nt)
        evidence = [family[(key, nt, npr)].verdict() for nt, npr in same]
        steps.append(Step(step, question, "yes: " + ", ".join(won) if won else "no", evidence))
        return won

    on_em = ask("S1", "Does fine-tuning beat every prompting/RAG run on its base on frame exact match?", "em")
    on_json = ask("S2", "Does fine-tuning beat every prompting/RAG run on its base on valid JSON?", "valid_json")
    winners = sorted(set(on_em) | set(on_json))
    best_t = max(winners or [t for t, _ in same], key=lambda n: _mean(runs[n], "accuracy"))
    best_p = max((npr for t, npr in same if t == best_t), key=lambda n: _mean(runs[n], "accuracy"))
    reading = _reading(runs[best_t], runs[best_p])
    evidence = [_side_by_side(best_t, runs[best_t]), _side_by_side(best_p, runs[best_p])]
    steps.append(Step("S3", "What is the gap made of (frame EM vs valid JSON vs slot F1)?", reading, evidence))
    closes = [(npr, family[("em", nt, npr)]) for nt, npr in bigger if nt == best_t]
    closes = [(n, c) for n, c in closes if c.tie or c.difference < 0]
    question = "Does prompting a bigger base close the gap without training?"
    if closes:
        name, c = max(closes, key=lambda nc: _mean(runs[nc[0]], "accuracy"))
        steps.append(Step("S4", question, f"yes: {name}", [c.verdict()]))
    else:
        measured = any(nt == best_t for nt, _ in bigger)
        steps.append(Step("S4", question, "no" if measured else "not measured: no prompting run on a bigger base"))
    kind = reading.split(":")[0]
    if not winners:
        return StructuredVerdict(None, "fine-tuning does not significantly beat prompting on its base: prompt", steps)
    if closes:
        return StructuredVerdict(name, f"a bigger base closes the {kind} gap without training: prompt it", steps)
    return StructuredVerdict(best_t, f"the gap is {kind}, not facts: fine-tune ({reading})", steps)


def add_structured_branch(decision: Decision, runs: dict[str, Seeds]) -> None:
    """Structured corpora: the decision also says whether the gap to fine-tuning is format or behaviour."""
    verdict = structured_branch(runs)
    decision.steps += verdict.steps
    reason = verdict.reason
    if decision.chosen and verdict.recommended and decision.chosen != verdict.recommended:
        reason += f" ({verdict.recommended}); the tree ships {decision.chosen}, the cheapest that clears the bar"
    decision.steps.append(Step("S", "Structured output: format, behaviour or enough prompting?", reason))
    decision.change = (decision.change + "; " if decision.change else "") + f"Structured branch: {reason}"


def add_if_structured(decision: Decision, candidates: list[Any]) -> None:
    """The tree's hook: for a structured corpus, the branch over its runs at the decision's budget."""
    at_budget = [c for c in candidates if c.record["budget_name"] == decision.budget]
    if is_structured([r for c in at_budget for r in c.records]):
        add_structured_branch(decision, {c.name: c.records for c in at_budget})
