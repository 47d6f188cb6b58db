"""`ragorft try PATH...`: from data files to a recommendation in one command.

It makes the card (``corpus init``), writes a small suite sized for the data, prints the plan and
its ETA (the ``bench --plan`` estimator) before anything runs, runs the suite, writes the report
and prints what ``ragorft recommend`` prints. Every step is the command a user could run alone;
this only chains them, so the answer is the same one ``bench`` + ``recommend`` give.

The suite: retrieval, a linear probe, SetFit, one fine-tune (LoRA on the encoder) and one prompted
LM, on one encoder and one LM (``--encoder``, ``--lm``). Few-shot runs use 10 examples per label,
or fewer when the smallest label has fewer; the LM is scored on at most 200 test items; a corpus
of many labels prompts with retrieved examples (rag_lm) rather than one demo per label. A QA
corpus gets closed-book and retrieval-augmented answering.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ragorft.benchmarks.commands import bench, data_arg, data_dir
from ragorft.benchmarks.commands.corpus import init_args, init_corpus, use_corpora_dir
from ragorft.benchmarks.commands.recommend import cmd_recommend, requirement_args

ENCODER = "all-MiniLM-L6-v2"
LM = "SmolLM2-135M-Instruct"
SHOTS = 10  # examples per label of the few-shot runs, when every label has them
LM_ITEMS = 200  # test items an LM run is scored on: ~0.3 s a query on a CPU
MANY_LABELS = 20  # above this, one demo per label makes prompts too long: retrieved demos instead


def _toml(value: Any) -> str:
    import json

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def suite_runs(card_path: Path, encoder: str, lm: str, data: Path | None) -> tuple[list[dict[str, Any]], str]:
    """([[run]] tables sized for the corpus, a line saying how)."""
    from ragorft.benchmarks.run.cell import load_corpus_data

    corpus = load_corpus_data(str(card_path.parent), data).corpus
    retrieve = {"embedding_model": encoder}
    if corpus.card.task == "qa":
        lm_run = {"model": lm, "max_new_tokens": 16}
        runs = [
            {"strategy": "closed_book", "max_test_items": LM_ITEMS, "timed_queries": 16, "options": lm_run},
            {"strategy": "rag_qa", "max_test_items": LM_ITEMS, "timed_queries": 16, "options": lm_run | retrieve},
        ]
        return runs, f"QA: {len(corpus.documents)} documents, {len(corpus.test)} test questions"
    from collections import Counter

    from ragorft.benchmarks.data.sampling import split_dev

    pool = corpus.train if corpus.dev is not None else split_dev(corpus.train, 0)[0]
    smallest = min(Counter(ex.label for ex in pool).values())
    shots = min(SHOTS, smallest)
    lm_items = {"max_test_items": LM_ITEMS, "timed_queries": 16}
    if len(corpus.labels) > MANY_LABELS:
        prompted = {"strategy": "rag_lm", "budgets": [shots], **lm_items, "options": {"model": lm, "k": 10} | retrieve}
    else:
        prompted = {"strategy": "few_shot", "budgets": [1], **lm_items, "options": {"model": lm}}
    runs = [
        {"strategy": "rag", "options": {"k_grid": [1, 3, 5, 10]} | retrieve},
        {"strategy": "linear_probe", "options": {"model": encoder, "c_grid": [1.0, 10.0, 100.0]}},
        {"strategy": "setfit", "budgets": [shots], "options": {"model": encoder, "epochs": 2, "num_iterations": 5}},
        {"strategy": "lora", "budgets": [shots], "options": {"model": encoder, "epochs": 8, "patience": 1}},
        prompted,
    ]
    said = f"{len(corpus.labels)} labels, {len(pool)} training texts (smallest label {smallest}), few-shot at {shots}"
    return runs, said


def _chosen(runs: list[dict[str, Any]], wanted: str | None) -> list[dict[str, Any]]:
    """The runs ``--runs`` names (all without it); a name not among them is an error, not a smaller suite."""
    from ragorft.benchmarks.core.errors import RagorftError, did_you_mean

    if not wanted:
        return runs
    have = [r["strategy"] for r in runs]
    names = [w.strip() for w in wanted.split(",") if w.strip()]
    for name in names:
        if name not in have:
            hint = did_you_mean(name, have)
            raise RagorftError(f"--runs: no run '{name}'{hint} (this corpus gets: {', '.join(have)})")
    return [r for r in runs if r["strategy"] in names]


def write_suite(path: Path, name: str, corpus: str, budgets: list[Any], runs: list[dict[str, Any]]) -> Path:
    from ragorft.benchmarks.core.atomic import write_text

    lines = [
        "# Written by `ragorft try`: a small suite sized for this corpus. Edit and re-run with",
        f"# ragorft bench --suite {path}",
        f'name = "{name}"',
        f"corpora = [{_toml(corpus)}]",
        f"budgets = {_toml(budgets)}",
    ]
    for run in runs:
        lines += ["", "[[run]]", *(f"{k} = {_toml(v)}" for k, v in run.items())]
    write_text(path, "\n".join(lines) + "\n")
    return path


def cmd_try(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.core.names import check_name
    from ragorft.benchmarks.data.cards import read_card

    use_corpora_dir(args)
    card_path = init_corpus(args, reuse=True)
    card = read_card(card_path)
    runs, said = suite_runs(card_path, args.encoder, args.lm, data_dir(args))
    runs = _chosen(runs, args.runs)
    print(f"suite: {said}")
    name = check_name(f"try-{card.name}"[:64], "suite name")
    suite_path = write_suite(Path(args.results_dir) / f"{name}.toml", name, card.name, ["full"], runs)
    print(f"wrote {suite_path}")
    bench_args = argparse.Namespace(**vars(args))
    bench_args.suite, bench_args.only, bench_args.timed_queries = str(suite_path), None, None
    bench_args.ray_address, bench_args.plan = None, True
    bench.cmd_bench(bench_args)  # the plan and its ETA, up front
    if args.plan:
        return 0
    bench_args.plan = False
    bench.cmd_bench(bench_args)
    print(f"report: {Path(args.results_dir) / name / 'index.html'}")
    rec_args = argparse.Namespace(**vars(args))
    rec_args.suite, rec_args.corpus, rec_args.json = [str(suite_path)], None, False  # --suite is repeatable
    return cmd_recommend(rec_args)


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "try",
        help="data files to a recommendation: corpus init, a small suite sized for the data, bench, report, recommend",
    )
    init_args(t)
    t.add_argument("--encoder", default=ENCODER, help=f"the encoder of every non-LM run (default {ENCODER})")
    t.add_argument("--lm", default=LM, help=f"the prompted LM (default {LM})")
    t.add_argument("--runs", help="only these runs of the suite, comma-separated (e.g. rag,linear_probe)")
    t.add_argument("--results-dir", default="results", help="where the suite file, records and report go")
    t.add_argument("--cache-dir", help="default: $RAGORFT_CACHE or ~/.cache/ragorft")
    t.add_argument("--plan", action="store_true", help="stop after the plan: init, the suite and the ETA only")
    t.add_argument("--no-progress", action="store_true")
    t.add_argument("--executor", choices=["local", "inline", "ray"], default="local", help="as for bench")
    data_arg(t)
    requirement_args(t)
    t.set_defaults(func=cmd_try)
