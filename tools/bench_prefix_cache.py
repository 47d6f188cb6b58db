"""Predict throughput of an LM strategy: without the shared-prefix KV cache, with it, and with it
and queries decoded in batches.

All variants run in this one process, on the same test items, after the same fit. The ratio of
seconds per query is what the cache buys (target >= 5x for few_shot on Banking77, where the
instruction, label list and demos are far longer than a query), and then what batching adds on
top. It also reports whether every variant predicted the same labels.

    RAGORFT_DATA=... python -m tools.bench_prefix_cache --corpus banking77 --items 16 \
        --out results/bench/prefix-cache-banking77-few_shot.json
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from ragorft import strategies
from ragorft.benchmarks.core.cliargs import number
from ragorft.benchmarks.core.paths import cache_root
from ragorft.benchmarks.data.sampling import sample_budget
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.run.cell import load_corpus_data

from tools.common import publish


def fitted(cls: Any, options: dict, data: Any, train: list, dev: list, seed: int, embed: Embedder) -> Any:
    """A strategy of class ``cls`` with ``options``, prepared and fitted on ``train`` (not timed)."""
    ctx = strategies.FitContext(
        corpus=data.corpus.name,
        corpus_key=data.corpus.key,
        labels=data.corpus.labels,
        seed=seed,
        cache_dir=cache_root(),
        dev=dev,
        embed=embed,
        progress=False,
        documents=data.corpus.documents or [],
    )
    s = cls(cls.parse_options(options), ctx)
    s.prepare(train)
    s.fit(train)
    return s


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="banking77")
    p.add_argument("--strategy", default="few_shot", choices=["few_shot", "rag_lm"])
    p.add_argument("--budget", default="10", help="examples per label, or 'full'")
    p.add_argument("--items", type=number(lo=1, integer=True), default=10, help="test items timed per variant")
    p.add_argument("--seed", type=number(lo=0, integer=True), default=0)
    p.add_argument(
        "--batch-size", type=number(lo=1, integer=True), default=8, help="queries per batch in the batched variant"
    )
    p.add_argument("--out", help="also write the result here (JSON)")
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(2)
    data = load_corpus_data(args.corpus, None)
    budget = args.budget if args.budget == "full" else int(args.budget)
    pool, dev = data.pools(args.seed)
    train = sample_budget(pool, budget, args.seed, source=args.corpus)
    texts = [data.corpus.test[i].text for i in data.test_order[: args.items]]
    cls = strategies.get(args.strategy)
    embed = Embedder(cache_root(), data.corpus.key, progress=False)
    result: dict = {"corpus": args.corpus, "strategy": args.strategy, "budget": args.budget, "items": len(texts)}
    predictions = {}
    variants = {"uncached": (False, 1), "cached": (True, 1), "cached_batched": (True, args.batch_size)}
    for name, (use_cache, batch) in variants.items():
        options = {"prefix_cache": use_cache, "measure_unconstrained": False, "batch_size": batch}
        options["engine"] = "transformers"  # what the cache and batching change is measured on the reference
        s = fitted(cls, options, data, train, dev, args.seed, embed)
        s.predict(texts[:1])  # warm-up: first-call allocations are not the steady state
        t0 = time.perf_counter()
        predictions[name] = s.predict(texts)
        result[f"{name}_seconds_per_query"] = (time.perf_counter() - t0) / len(texts)
        result["prefix_tokens"] = len(s.runner.prefix_ids)
    seconds = {name: result[f"{name}_seconds_per_query"] for name in variants}
    result["batch_size"] = args.batch_size
    result["speedup"] = seconds["uncached"] / seconds["cached"]
    result["batching_speedup"] = seconds["cached"] / seconds["cached_batched"]
    result["total_speedup"] = seconds["uncached"] / seconds["cached_batched"]
    result["same_predictions"] = len({tuple(p) for p in predictions.values()}) == 1
    publish(
        result,
        module=__spec__.name if __spec__ else "tools.bench_prefix_cache",
        argv=argv,
        out=args.out,
        summary=f"prefix-cache speed-up: {result['speedup']:.1f}x; batching (x{args.batch_size}) on top: "
        f"{result['batching_speedup']:.1f}x; together {result['total_speedup']:.1f}x",
    )
    return result


if __name__ == "__main__":
    main()
