"""The results tables of README.md and docs/, written from the committed records (never typed by hand).

A number in the documentation is either generated here or absent, so a re-run of a suite changes
the tables and never leaves prose behind. ``python -m tools.readme_results``
rewrites every block between its markers: README's headline table from ``results/default/cells``,
docs/ladder.md's model-size ladder from ``results/ladder/cells`` and its engine table from the
``bench_engine`` runs in ``results/bench``, docs/knowledge.md's table from
``results/knowledge/cells`` (``--block NAME`` rewrites one); a suite without committed records gets
a line saying how to make them instead of a table. ``--check`` exits 1 when a block is
stale, and ``tests/tools/test_readme_results.py`` fails on a stale one. Each row names how many
test items the cell was scored on; cells of one corpus are compared only on the items both scored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ragorft.benchmarks.core.fmt import pct, pct_ci
from ragorft.benchmarks.decide.knowledge import is_knowledge
from ragorft.benchmarks.records.store import load_records

START = "<!-- results-table:start (python -m tools.readme_results) -->"
END = "<!-- results-table:end -->"
#: block name -> (start marker, end marker, default results folder)
BLOCKS = {
    "results": (START, END, "results/default"),
    "ladder": (
        "<!-- ladder-table:start (python -m tools.readme_results --block ladder) -->",
        "<!-- ladder-table:end -->",
        "results/ladder",
    ),
    "knowledge": (
        "<!-- knowledge-table:start (python -m tools.readme_results --block knowledge) -->",
        "<!-- knowledge-table:end -->",
        "results/knowledge",
    ),
    "engine": (
        "<!-- engine-table:start (python -m tools.readme_results --block engine) -->",
        "<!-- engine-table:end -->",
        "results/bench",
    ),
    "structured": (
        "<!-- structured-table:start (python -m tools.readme_results --block structured) -->",
        "<!-- structured-table:end -->",
        "results/structured",
    ),
    # the suite file's header: its measured cost, as TOML comment lines
    "structured-cost": (
        "# <!-- structured-cost:start (python -m tools.readme_results --block structured-cost) -->",
        "# <!-- structured-cost:end -->",
        "results/structured",
    ),
    "knowledge-cost": (
        "# <!-- knowledge-cost:start (python -m tools.readme_results --block knowledge-cost) -->",
        "# <!-- knowledge-cost:end -->",
        "results/knowledge",
    ),
}
#: block name -> the document that holds it (relative to the checkout)
DOCUMENTS = {
    "results": "README.md",
    "ladder": "docs/ladder.md",
    "knowledge": "docs/knowledge.md",
    "engine": "docs/ladder.md",
    "structured": "docs/structured.md",
    "structured-cost": "benchmarks/suites/structured.toml",
    "knowledge-cost": "benchmarks/suites/knowledge.toml",
}


def _cell(r: dict) -> str:
    m = r["metrics"]
    if is_knowledge([r]):  # a QA cell: its accuracy is SQuAD exact match; contains-gold, floor and F1 beside it
        floor = (m.get("chance_floor") or {}).get("floor")
        extra = f"contains-gold {pct(m['contains_gold'])}, " if m.get("contains_gold") is not None else ""
        extra += f"chance floor {pct(floor)}, " if floor is not None else ""
        return f"EM {pct_ci(m['exact_match'], *m['exact_match_ci'])}, {extra}F1 {pct(m['f1'])} ({r['n_test']})"
    text = f"{pct_ci(m['accuracy'], *m['accuracy_ci'])} ({r['n_test']})"
    if m.get("in_scope_accuracy") is not None:
        text += f"; in-scope {pct(m['in_scope_accuracy'])}, OOS {pct(m['oos_recall'])}"
    return text


def engine_block(results: Path) -> str:
    """One row per ``bench_engine`` run (``results/bench/engine-*.json``): the speed-up and what it cost."""
    start, end, _ = BLOCKS["engine"]
    lines = [
        "| model | strategy | corpus | ct2 compute | items x rounds | threads | ct2 / transformers speed | "
        "same answer | accuracy ct2 / transformers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("engine-*.json"))]
    for d in sorted(runs, key=lambda d: (d["strategy"], d["model"], d["compute_type"])):
        acc = d["accuracy"]
        metric = "EM " if d.get("accuracy_metric") == "exact_match" else ""
        lines.append(
            f"| {d['model']} | {d['strategy']} | {d['corpus']} | {d['compute_type']} | "
            f"{d['items']} x {len(d['seconds_per_query']['ctranslate2'])} | {d['threads']} | "
            f"{d['speedup']:.2f}x | {pct(d['same_label_rate'])} | "
            f"{metric}{pct(acc['ctranslate2'])} / {pct(acc['transformers'])} |"
        )
    return "\n".join([start, *lines, end])


def structured_block(records: list[dict]) -> list[str]:
    """One row per structured record: the task's four numbers, the items scored and the cell's cost
    (``busy``: other work took CPU during the cell, so its times are suspect, run/measure.py)."""
    lines = [
        "| run | budget | seed | frame EM | slot F1 | intent | valid JSON | items | cell s | training s | busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(records, key=lambda r: (r["run"], r["n_train"], r["seed"])):
        m, t = r["metrics"], r["timing"]
        lines.append(
            f"| {r['run']} | {r['budget_name']} | {r['seed']} | {pct_ci(m['frame_em'], *m['frame_em_ci'])} | "
            f"{pct(m['slot_f1'])} | {pct(m['intent_accuracy'])} | {pct(m['valid_json'])} | {r['n_test']} | "
            f"{t['cell_seconds']:,.0f} | {t['train_seconds']:,.0f} | {'yes' if t['load']['overloaded'] else 'no'} |"
        )
    return lines


def cost_block(records: list[dict]) -> list[str]:
    """The suite header's cost lines: per run, its cells and their wall times (``timing.cell_seconds``)."""
    by_run: dict[str, list[dict]] = {}
    for r in sorted(records, key=lambda r: (r["run"], r["n_train"], r["seed"])):
        by_run.setdefault(r["run"], []).append(r)
    lines = ["# Measured cost (the committed records' own cell wall times, this machine's CPU):"]
    for run, rs in by_run.items():
        secs = [r["timing"]["cell_seconds"] for r in rs]
        budgets = ", ".join(dict.fromkeys(r["budget_name"] for r in rs))
        if len({r["corpus"] for r in records}) > 1:  # a suite over several corpora: which ones ran
            budgets = ", ".join(sorted({r["corpus"] for r in rs})) + f"; {budgets}"
        each = f"{min(secs):,.0f}-{max(secs):,.0f} s each"
        lines.append(f"#   {run}: {len(rs)} cell{'s' * (len(rs) > 1)} ({budgets}), {each}, {sum(secs) / 60:.1f} min")
    total = sum(r["timing"]["cell_seconds"] for r in records)
    busy = sum(r["timing"]["load"]["overloaded"] for r in records)
    lines.append(f"#   all: {len(records)} cells, {total / 60:.1f} min of cell time; {busy} timed on a busy machine")
    return lines


def projection_lines(bench: Path) -> list[str]:
    """The fine-tunes' projected training hours (``tools.bench_knowledge_ft`` records), for cells too dear to run."""
    lines = []
    for path in sorted(bench.glob("knowledge-ft-cost-*.json")):
        p = json.loads(path.read_text())
        rate = ", ".join(f"{t['tokens_per_s']:.0f} {src} tokens/s" for src, t in p["timed_one_epoch"].items())
        lines.append(
            f"# Projected fine-tune training, {p['model']} {p['method']} on {p['corpus']} ({rate}; {path.name}):"
        )
        for r in p["projected_training"]:
            lines.append(f"#   {r['run']}: {r['least_hours']:.1f}-{r['most_hours']:.1f} h ({r['grid']} learning rates)")
    return lines


def block(results: Path, name: str = "results") -> str:
    """The Markdown table: one row per run x budget, one column per corpus (accuracy %, 95% CI, items).

    The ladder's and knowledge blocks add the records' own compute time (training plus the untimed
    scoring pass; the serving-timing plan comes on top), since their cells are the slow ones.
    """
    if name == "engine":
        return engine_block(results)
    start, end, _ = BLOCKS[name]
    if name.endswith("-cost") and not any((results / "cells").glob("*.json")):
        return "\n".join([start, "# Measured cost: no committed records (run the suite, then this block).", end])
    if name in ("structured", "structured-cost", "knowledge-cost") and any((results / "cells").glob("*.json")):
        records = load_records(results)
        lines = structured_block(records) if name == "structured" else cost_block(records)
        if name == "knowledge-cost":
            lines += projection_lines(results.parent / "bench")
        return "\n".join([start, *lines, end])
    if not any((results / "cells").glob("*.json")):
        # no records, no numbers: the block says how to make them rather than keep a stale table
        suite = results.name
        return "\n".join(
            [
                start,
                f"No records of the {suite} suite are committed: run "
                f"`nox -s bench -- --suite {suite}`, then `python -m tools.readme_results --block {name}`.",
                end,
            ]
        )
    records = load_records(results)
    corpora = sorted({r["corpus"] for r in records})
    rows: dict[tuple[str, str], dict[str, str]] = {}
    # the ladder's rows go by base size (its point); the other blocks' by run name
    size = (lambda r: r["cost"]["params_total"]) if name == "ladder" else (lambda r: 0)
    for r in sorted(records, key=lambda r: (size(r), r["run"], r["n_train"])):
        rows.setdefault((r["run"], r["budget_name"]), {})[r["corpus"]] = _cell(r)
    lines = [
        "| run | budget | " + " | ".join(f"{c} (items)" for c in corpora) + " |",
        "|---|---|" + "---|" * len(corpora),
    ]
    # a QA strategy cannot run on an intent corpus nor the reverse: "-" there, "not run" only for a gap
    qa_corpora = {r["corpus"] for r in records if is_knowledge([r])}
    qa_runs = {r["run"] for r in records if is_knowledge([r])}
    for (run, budget), by_corpus in rows.items():
        cells = [by_corpus.get(c, "not run" if (run in qa_runs) == (c in qa_corpora) else "-") for c in corpora]
        lines.append(f"| {run} | {budget} | " + " | ".join(cells) + " |")
    return "\n".join([start, *lines, *_time_line(records, name), end])


def _time_line(records: list[dict], name: str) -> list[str]:
    """What the cells cost, from the records: each cell's whole wall time in its own process
    (``timing.cell_seconds``: imports, loading, fitting, scoring, timing) summed, where every record
    has it; the ladder's and knowledge blocks also give training + scoring (their records predate it)."""
    whole = [r["timing"].get("cell_seconds") for r in records]
    parts = []
    if name in ("ladder", "knowledge"):
        seconds = sum(r["timing"]["train_seconds"] + r["timing"]["scoring_seconds"] for r in records)
        parts.append(f"training + scoring {seconds / 60:.0f} min in the records")
    if records and all(s is not None for s in whole):
        total = sum(whole)
        parts.append(f"the cells' wall times sum to {total:,.0f} s ({total / 60:.1f} min)")
    return ["", f"{len(records)} cells; " + "; ".join(parts) + "."] if parts else []


def rewrite(doc: Path, results: Path, name: str = "results") -> tuple[str, str]:
    start, end, _ = BLOCKS[name]
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    return text, head + block(results, name) + tail


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--block", choices=sorted(BLOCKS), help="rewrite only this block (default: every block)")
    p.add_argument("--file", help="the document holding the block (default: the block's own, DOCUMENTS)")
    p.add_argument("--results", help="the suite's results folder (default: the block's own)")
    p.add_argument("--check", action="store_true", help="exit 1 when a block is stale; write nothing")
    args = p.parse_args(argv)
    if (args.file or args.results) and not args.block:
        p.error("--file and --results name one block's document and records: give --block too")
    stale = False
    for name in [args.block] if args.block else list(BLOCKS):
        doc = Path(args.file or DOCUMENTS[name])
        old, new = rewrite(doc, Path(args.results or BLOCKS[name][2]), name)
        stale |= old != new
        if not args.check:
            doc.write_text(new, encoding="utf-8")
    return int(stale and args.check)


if __name__ == "__main__":
    sys.exit(main())
