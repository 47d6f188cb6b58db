"""Benchmark: dynamic padding + length grouping vs padding to max length; QLoRA vs LoRA peak memory.

Not a test: it prints measured ratios. The padding comparison trains the same LoRA model on the
same examples in the same process, alternating the two settings (``--repeats`` rounds) so machine
load hits both alike. Peak memory needs a clean process per setting, so each memory run is a fresh
subprocess (spawn) sampling its own RSS.

    python -m tools.bench_finetune --corpus banking77 --examples 320 --repeats 2
    python -m tools.bench_finetune --memory-only --model SmolLM2-135M-Instruct --examples 64
    python -m tools.bench_finetune --memory-only --model Qwen2.5-Coder-1.5B-Instruct \
        --examples 16 --max-length 32 --dev-examples 8 --out results/finetune-bench/memory-qwen1.5b.json

The memory runs also time training (examples/s and wall seconds of ``Trainer.train`` in each fresh
process), so one command gives QLoRA's memory saving and its speed cost on the same base.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.cliargs import number
from ragorft.benchmarks.models.classifier import LoraOptions
from ragorft.benchmarks.models.finetune import finetune, subset
from ragorft.benchmarks.run.measure import PeakMemory
from transformers import TrainerCallback


def _data(corpus: str, examples: int, seed: int, dev_examples: int = 0) -> tuple[list, list, list[str]]:
    from ragorft.benchmarks.run.cell import load_corpus_data

    d = load_corpus_data(corpus, None)
    pool, dev = d.pools(seed)
    return subset(pool, examples, seed), subset(dev, dev_examples or len(d.corpus.labels), seed), d.corpus.labels


class _TrainingPeak(TrainerCallback):
    """RSS when training starts (the model loaded) and its peak during training.

    The whole-process peak includes loading, where a 4-bit base still passes through full-precision
    weights on CPU; the training peak is what the base's precision changes while it trains. An
    fp32 base read from safetensors is memory-mapped, so its "loaded" RSS is low until the first
    forward pass touches the weights: compare the peaks, not the loaded figures."""

    loaded_mb = peak_mb = 0.0

    def on_train_begin(self, *args: Any, **kwargs: Any) -> None:
        self.mem = PeakMemory().__enter__()
        self.loaded_mb = self.mem.start_mb

    def on_train_end(self, *args: Any, **kwargs: Any) -> None:
        self.mem.__exit__(None, None, None)
        self.peak_mb = self.mem.peak_mb


def _train(kind: str, opts: LoraOptions, corpus: str, examples: int, seed: int, dev_examples: int = 0) -> dict:
    train, dev, labels = _data(corpus, examples, seed, dev_examples)
    during = _TrainingPeak()
    with tempfile.TemporaryDirectory() as cache, PeakMemory() as mem:
        result = finetune(kind, opts, train, dev, labels, seed=seed, cache_dir=Path(cache), extra_callbacks=[during])
    return {
        "rss_model_loaded_mb": during.loaded_mb,
        "peak_rss_training_mb": during.peak_mb,
        "kind": kind,
        "examples_per_s": result.extra["train_examples_per_s"],
        "train_wall_s": result.extra["train_wall_s"],
        "n_train": len(train),
        "peak_rss_mb": mem.peak_mb,
        "start_rss_mb": mem.start_mb,
        "params_total": result.params_total,
        "params_trained": result.params_trained,
    }


def _child(queue: mp.Queue, *args: Any) -> None:
    queue.put(_train(*args))


def _in_subprocess(*args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, *args))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="banking77")
    p.add_argument("--model", default="all-MiniLM-L6-v2")
    p.add_argument("--examples", type=number(lo=1, integer=True), default=320)
    p.add_argument("--max-length", type=number(lo=1, integer=True), default=64)
    p.add_argument("--repeats", type=number(lo=1, integer=True), default=2)
    p.add_argument("--seed", type=number(lo=0, integer=True), default=0)
    p.add_argument(
        "--dev-examples", type=number(lo=0, integer=True), default=0, help="dev items per epoch (0: one per label)"
    )
    p.add_argument("--memory-only", action="store_true")
    p.add_argument("--padding-only", action="store_true")
    p.add_argument("--out", help="write the measurements as JSON here")
    args = p.parse_args(argv)
    base = {"model": args.model, "epochs": 1, "max_length": args.max_length, "batch_size": 32}
    report: dict[str, Any] = {"args": vars(args)}
    if not args.memory_only:
        rates: dict[str, list[float]] = {"dynamic+grouped": [], "max_length": []}
        for _ in range(args.repeats):
            for name, extra in (
                ("dynamic+grouped", {"padding": "dynamic", "group_by_length": True}),
                ("max_length", {"padding": "max_length", "group_by_length": False}),
            ):
                r = _train("lora", LoraOptions(**base, **extra), args.corpus, args.examples, args.seed)
                rates[name].append(r["examples_per_s"])
                print(f"{name}: {r['examples_per_s']:.1f} train examples/s", file=sys.stderr)
        dyn, pad = statistics.median(rates["dynamic+grouped"]), statistics.median(rates["max_length"])
        report["padding"] = {"examples_per_s": rates, "speedup_dynamic_over_max_length": dyn / pad}
        print(f"train examples/s, dynamic padding + length grouping / padding to {args.max_length}: {dyn / pad:.2f}x")
    if not args.padding_only:
        mem = {
            kind: _in_subprocess(kind, LoraOptions(**base), args.corpus, args.examples, args.seed, args.dev_examples)
            for kind in ("lora", "qlora")
        }
        q, lo = mem["qlora"], mem["lora"]
        ratios = {
            "peak_rss_ratio_qlora_over_lora": q["peak_rss_mb"] / lo["peak_rss_mb"],
            "training_peak_rss_ratio_qlora_over_lora": q["peak_rss_training_mb"] / lo["peak_rss_training_mb"],
            "loaded_rss_ratio_qlora_over_lora": q["rss_model_loaded_mb"] / lo["rss_model_loaded_mb"],
            "speed_ratio_qlora_over_lora": q["examples_per_s"] / lo["examples_per_s"],
        }
        report["memory"] = mem | ratios
        print(
            f"{args.model}: peak RSS (whole process) qlora {q['peak_rss_mb']:.0f} / lora {lo['peak_rss_mb']:.0f} MiB "
            f"= {ratios['peak_rss_ratio_qlora_over_lora']:.2f}; while training "
            f"{q['peak_rss_training_mb']:.0f} / {lo['peak_rss_training_mb']:.0f} MiB "
            f"= {ratios['training_peak_rss_ratio_qlora_over_lora']:.2f}; train examples/s qlora / lora "
            f"= {ratios['speed_ratio_qlora_over_lora']:.2f}"
        )
    if args.out:
        from ragorft.benchmarks.core.atomic import write_json

        write_json(Path(args.out), report)
    print(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
