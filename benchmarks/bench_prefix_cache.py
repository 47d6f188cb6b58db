"""Predict throughput of an LM strategy with vs without the shared-prefix KV cache.

Both variants run in this one process, on the same test items, after the same fit; the ratio of
their seconds per query is the speed-up the cache buys (target >= 5x for few_shot on Banking77,
where the instruction, label list and demos are far longer than a query). It also reports
whether both variants predicted the same labels.

    RAGORFT_DATA=... python -m benchmarks.bench_prefix_cache --corpus banking77 --items 10
"""

from __future__ import annotations

import argparse
import json
import time

import strategies
from benchmarks.corpus import cache_root
from benchmarks.embeddings import Embedder
from benchmarks.runner import load_corpus_data
from benchmarks.sampling import sample_budget


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="banking77")
    p.add_argument("--strategy", default="few_shot", choices=["few_shot", "rag_lm"])
    p.add_argument("--budget", default="10", help="examples per label, or 'full'")
    p.add_argument("--items", type=int, default=10, help="test items timed per variant")
    p.add_argument("--seed", type=int, default=0)
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
    for use_cache in (True, False):
        ctx = strategies.FitContext(
            corpus=data.corpus.name,
            corpus_key=data.corpus.key,
            labels=data.corpus.labels,
            seed=args.seed,
            cache_dir=cache_root(),
            dev=dev,
            embed=embed,
            progress=False,
        )
        s = cls(cls.parse_options({"prefix_cache": use_cache, "measure_unconstrained": False}), ctx)
        s.prepare(train)
        s.fit(train)
        s.predict(texts[:1])  # warm-up: first-call allocations are not the steady state
        t0 = time.perf_counter()
        predictions[use_cache] = s.predict(texts)
        per_query = (time.perf_counter() - t0) / len(texts)
        name = "cached" if use_cache else "uncached"
        result[f"{name}_seconds_per_query"] = per_query
        result["prefix_tokens"] = len(s.runner.prefix_ids)
    result["speedup"] = result["uncached_seconds_per_query"] / result["cached_seconds_per_query"]
    result["same_predictions"] = predictions[True] == predictions[False]
    print(json.dumps(result, indent=1))
    print(f"prefix-cache speed-up: {result['speedup']:.1f}x")
    return result


if __name__ == "__main__":
    main()
