"""One frozen base serving one LoRA adapter per corpus, vs one full model each (a benchmark, not a command).

    python -m tools.bench_adapters --corpora banking77 clinc150 --budget 10

Trains (or reuses, content-addressed) a LoRA adapter per corpus on the same base, loads them all
into one peft model, and measures what the "many tasks -> one base + swappable adapters" branch
rests on: parameter memory of base + N adapters vs N full models, process RSS for both, the time to
switch adapters, and that the served predictions equal each adapter's own.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ragorft.benchmarks.commands import data_arg, data_dir
from ragorft.benchmarks.core import env
from ragorft.benchmarks.core.cliargs import OneLineParser, number
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import configure
from ragorft.benchmarks.core.paths import inside


def _param_bytes(model: object) -> int:
    seen, total = set(), 0
    for p in model.parameters():  # type: ignore[attr-defined]
        if p.data_ptr() not in seen:
            seen.add(p.data_ptr())
            total += p.numel() * p.element_size()
    return total


def _train_each(args: argparse.Namespace, data: dict, opts: Any, cache_dir: Path) -> tuple[dict, dict, dict]:
    """One LoRA adapter per corpus: (trained results, test examples, each adapter's own predictions)."""
    from ragorft.benchmarks.data.sampling import sample_budget
    from ragorft.benchmarks.models.finetune import finetune, predict_labels

    budget = "full" if args.budget == "full" else int(args.budget)  # checked by budget_arg
    trained, tests, alone = {}, {}, {}
    for name, d in data.items():
        pool, dev = d.pools(args.seed)
        train = sample_budget(pool, budget, args.seed, source=f"{name} train")
        result = finetune("lora", opts, train, dev, d.corpus.labels, seed=args.seed, cache_dir=cache_dir)
        trained[name] = result
        tests[name] = [d.corpus.test[i] for i in d.test_order[: args.max_test_items or None]]
        texts = [ex.text for ex in tests[name]]
        alone[name] = predict_labels(result.model, result.tokenizer, d.corpus.labels, texts, max_length=opts.max_length)
    return trained, tests, alone


def _serve(saved: dict, tests: dict, alone: dict, switches: int) -> dict[str, Any]:
    """Load every adapter on one base; check predictions equal each adapter alone; time switches."""
    import psutil
    from ragorft.benchmarks.models.multi_adapter import MultiAdapterClassifier

    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    served = MultiAdapterClassifier.load(saved)
    out: dict[str, Any] = {"rss_multi": proc.memory_info().rss - rss0, "multi_bytes": _param_bytes(served.model)}
    same, accuracy = {}, {}
    for name, examples in tests.items():
        got = served.predict(name, [ex.text for ex in examples])
        same[name] = got == alone[name]
        accuracy[name] = sum(g == ex.label for g, ex in zip(got, examples, strict=True)) / len(examples)
    names = list(tests)
    switch_times, one_query = [], []
    for i in range(switches):
        t0 = time.perf_counter()
        served.switch(names[i % len(names)])
        switch_times.append(time.perf_counter() - t0)
    for i in range(20):
        name = names[i % len(names)]
        t0 = time.perf_counter()
        served.predict(name, [tests[name][0].text])
        one_query.append(time.perf_counter() - t0)
    out |= {"same": same, "accuracy": accuracy, "switches": switch_times, "one_query": one_query}
    out["base_folder"] = served.model.get_base_model().name_or_path
    return out


def cmd_adapters(args: argparse.Namespace) -> int:
    import psutil
    from ragorft.benchmarks.core.atomic import write_json
    from ragorft.benchmarks.core.log import get_logger
    from ragorft.benchmarks.core.paths import cache_root
    from ragorft.benchmarks.models.classifier import LoraOptions, torch_threads
    from ragorft.benchmarks.run.cell import load_corpus_data
    from transformers import AutoModelForSequenceClassification

    log = get_logger(__name__)
    torch_threads()
    cache_dir = Path(args.cache_dir) if args.cache_dir else cache_root()
    data = {name: load_corpus_data(name, data_dir(args)) for name in args.corpora}
    head = max(len(d.corpus.labels) for d in data.values())
    opts = LoraOptions(
        model=args.model,
        epochs=args.epochs,
        head_size=head,
        max_train_examples=args.max_train_examples,
        max_dev_examples=args.max_dev_examples,
    )
    trained, tests, alone = _train_each(args, data, opts, cache_dir)
    adapter_bytes = {name: r.extra["saved_bytes"] for name, r in trained.items()}
    saved = {name: r.saved for name, r in trained.items()}
    full_model_bytes = _param_bytes(trained[args.corpora[0]].model.get_base_model())
    del trained
    gc.collect()
    served = _serve(saved, tests, alone, args.switches)
    gc.collect()
    proc = psutil.Process()
    rss1 = proc.memory_info().rss
    names = list(data)
    fulls = [AutoModelForSequenceClassification.from_pretrained(served["base_folder"], num_labels=head) for _ in names]
    rss_full = proc.memory_info().rss - rss1
    del fulls
    n, multi_bytes = len(names), served["multi_bytes"]
    record = {
        "model": args.model,
        "corpora": names,
        "budget": args.budget,
        "epochs": args.epochs,
        "n_test": {k: len(v) for k, v in tests.items()},
        "served_equals_alone": served["same"],
        "served_accuracy": served["accuracy"],
        "param_bytes_base_plus_adapters": multi_bytes,
        "param_bytes_n_full_models": n * full_model_bytes,
        "param_memory_ratio_full_over_adapters": n * full_model_bytes / multi_bytes,
        "adapter_file_bytes": adapter_bytes,
        "rss_delta_mb_base_plus_adapters": round(served["rss_multi"] / 2**20, 1),
        "rss_delta_mb_n_full_models": round(rss_full / 2**20, 1),
        "switch_ms_median": statistics.median(served["switches"]) * 1e3,
        "switch_ms_max": max(served["switches"]) * 1e3,
        "switch_then_one_query_ms_median": statistics.median(served["one_query"]) * 1e3,
        "per_extra_task_bytes": statistics.mean(adapter_bytes.values()),
        "full_model_bytes": full_model_bytes,
    }
    for extra_n in (10, 100):
        record[f"extrapolated_param_bytes_N{extra_n}"] = {
            "base_plus_adapters": multi_bytes + (extra_n - n) * record["per_extra_task_bytes"],
            "full_models": extra_n * full_model_bytes,
        }
    # the model may be a local folder: its last part names the file, which stays inside results/adapters
    stem = f"{Path(args.model).name}__{'-'.join(names)}__{args.budget}.json"
    out = inside(Path(args.results_dir) / "adapters", stem, what="adapters record")
    write_json(out, record)
    log.info(
        f"adapters: N={n} base+adapters {multi_bytes / 2**20:.1f} MiB vs {n} full models "
        f"{n * full_model_bytes / 2**20:.1f} MiB (x{record['param_memory_ratio_full_over_adapters']:.2f}); "
        f"RSS +{record['rss_delta_mb_base_plus_adapters']} vs +{record['rss_delta_mb_n_full_models']} MiB; "
        f"switch {record['switch_ms_median']:.3f} ms; served == alone: {served['same']}; wrote {out}"
    )
    return 0


def budget_arg(text: str) -> str:
    """``full`` or a positive whole number of examples per class (it is also part of a file name)."""
    if text != "full":
        number(lo=1, integer=True)(text)
    return text


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="tools.bench_adapters", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", nargs="+", default=["banking77", "clinc150"])
    p.add_argument("--model", default="all-MiniLM-L6-v2")
    p.add_argument("--budget", type=budget_arg, default="10", help='examples per class, or "full"')
    p.add_argument("--epochs", type=number(lo=1, integer=True), default=3)
    p.add_argument("--seed", type=number(lo=0, integer=True), default=0)
    p.add_argument("--max-train-examples", type=number(lo=0, integer=True), default=0)
    p.add_argument("--max-dev-examples", type=number(lo=0, integer=True), default=500)
    p.add_argument("--max-test-items", type=number(lo=0, integer=True), default=200)
    p.add_argument("--switches", type=number(lo=1, integer=True), default=200)
    p.add_argument("--results-dir", default="results")
    p.add_argument("--cache-dir", help="default: $RAGORFT_CACHE or ~/.cache/ragorft")
    data_arg(p)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; bad input is one line on stderr and exit 2, as with ``ragorft``."""
    env.apply()
    args = parser().parse_args(argv)
    configure()
    try:
        return cmd_adapters(args)
    except RagorftError as exc:
        print(f"tools.bench_adapters: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
