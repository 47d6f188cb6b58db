"""Benchmark: the ctranslate2 engine against the transformers reference, in one process.

Not a test: it prints a measured speed-up. Both engines fit the same strategy on the same
training budget (same prompt prefix, same label trie) and predict the same test items; the timed
rounds alternate (``--repeats``), so load from anything else on the machine hits both alike, and
the ratio of the medians is reported. It also reports how often the two engines chose the same
label (int8 weights against fp32: a label may flip where two labels' logits are within the int8
rounding) and each engine's accuracy on the items, so a speed-up never hides an accuracy change.
The knowledge strategies (``closed_book``, ``rag_qa``) are compared the same way on a QA corpus:
the same answer text, and exact match (max over the gold answers) as the accuracy.

    python -m tools.bench_engine --model Qwen2.5-Coder-0.5B-Instruct \\
        --strategy rag_lm --corpus banking77 --items 40 --threads 1 --out results/bench/engine-0.5b.json
    python -m tools.bench_engine --strategy rag_qa --corpus synthetic_bios_para --budget full \\
        --items 60 --threads 2 --out results/bench/engine-smollm2-rag_qa-synthetic_bios_para.json
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from ragorft import strategies
from ragorft.benchmarks.core.cliargs import number
from ragorft.benchmarks.core.paths import cache_root
from ragorft.benchmarks.data.sampling import sample_budget
from ragorft.benchmarks.models.ct2_engine import STORAGE
from ragorft.benchmarks.models.embeddings import Embedder
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.score.qa import best_over_golds, exact_match

from tools.bench_prefix_cache import fitted
from tools.common import publish

#: roles that serve the base model untrained (the trained ones convert in fit, the same engine path)
UNTRAINED_ROLES = ("prompting", "closed_book", "rag")


def engine_strategies() -> list[str]:
    """The strategies this compares: those with an ``engine`` option that serve the base model."""
    out = []
    for name in strategies.names():
        cls = strategies.get(name)
        if "engine" in cls.Options.model_fields and cls.role in UNTRAINED_ROLES:
            out.append(name)
    return out


def _timed(s: Any, texts: list[str]) -> tuple[list[str], float]:
    t0 = time.perf_counter()
    preds = s.predict(texts)
    return preds, (time.perf_counter() - t0) / len(texts)


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Fit both engines, time them alternately, compare their labels; the measurements as a dict."""
    import torch

    torch.set_num_threads(args.threads)
    data = load_corpus_data(args.corpus, None)
    budget = args.budget if args.budget == "full" else int(args.budget)
    pool, dev = data.pools(args.seed)
    train = sample_budget(pool, budget, args.seed, source=args.corpus)
    items = data.test_order[: args.items]
    texts = [data.corpus.test[i].text for i in items]
    golds = [data.corpus.test[i].answers or [data.corpus.test[i].label] for i in items]
    cls = strategies.get(args.strategy)
    qa = cls.task == "qa"
    embed = Embedder(cache_root(), data.corpus.key, progress=False)
    engines = {
        "transformers": {"engine": "transformers"},
        "ctranslate2": {"engine": "ctranslate2", "compute_type": args.compute_type},
    }
    fitted_ = {}
    for name, opts in engines.items():
        options = {"model": args.model, **opts} | ({} if qa else {"measure_unconstrained": False})
        fitted_[name] = s = fitted(cls, options, data, train, dev, args.seed, embed)
        s.predict(texts[:1])  # warm-up: first-call allocations (and the static prompt) are not the steady state
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    preds: dict[str, list[str]] = {}
    for _ in range(args.repeats):
        for name, s in fitted_.items():
            preds[name], per_query = _timed(s, texts)
            seconds[name].append(per_query)
    median = {name: statistics.median(v) for name, v in seconds.items()}
    same = sum(a == b for a, b in zip(preds["transformers"], preds["ctranslate2"], strict=True))
    return {
        "model": args.model,
        "corpus": args.corpus,
        "strategy": args.strategy,
        "budget": args.budget,
        "items": len(texts),
        "threads": args.threads,
        "compute_type": args.compute_type,
        "prefix_tokens": len(fitted_["ctranslate2"].engine.prefix_ids),
        "seconds_per_query": seconds,
        "median_seconds_per_query": median,
        "speedup": median["transformers"] / median["ctranslate2"],
        "same_label_rate": same / len(texts),
        "accuracy_metric": "exact_match" if qa else "accuracy",
        "accuracy": {name: _accuracy(v, golds, qa) for name, v in preds.items()},
        "differing": [
            {"text": t, "transformers": a, "ctranslate2": b}
            for t, a, b in zip(texts, preds["transformers"], preds["ctranslate2"], strict=True)
            if a != b
        ][:20],
    }


def _accuracy(preds: list[str], golds: list[list[str]], qa: bool) -> float:
    if qa:
        return sum(best_over_golds(exact_match, p, g) for p, g in zip(preds, golds, strict=True)) / len(golds)
    return sum(p == g[0] for p, g in zip(preds, golds, strict=True)) / len(golds)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="SmolLM2-135M-Instruct")
    p.add_argument("--corpus", default="banking77")
    p.add_argument("--strategy", default="rag_lm", choices=engine_strategies())
    p.add_argument("--budget", default="10", help="examples per label, or 'full'")
    p.add_argument("--items", type=number(lo=1, integer=True), default=20, help="test items per engine and round")
    p.add_argument("--repeats", type=number(lo=1, integer=True), default=2, help="alternating timed rounds per engine")
    p.add_argument(
        "--threads", type=number(lo=1, integer=True), default=1, help="CPU threads for both engines (1: single-core)"
    )
    p.add_argument("--compute-type", default="int8", choices=list(STORAGE), help="ctranslate2 compute type")
    p.add_argument("--seed", type=number(lo=0, integer=True), default=0)
    p.add_argument("--out", help="also write the result here (JSON)")
    args = p.parse_args(argv)
    os.environ["RAGORFT_TORCH_THREADS"] = str(args.threads)  # both engines read it
    result = compare(args)
    publish(
        result,
        module=__spec__.name if __spec__ else "tools.bench_engine",
        argv=argv,
        out=args.out,
        summary=f"ctranslate2 ({args.compute_type}) / transformers: {result['speedup']:.2f}x faster per query "
        f"({args.model}, {args.strategy}, {args.threads} thread(s)); same answer on "
        f"{result['same_label_rate']:.0%} of {result['items']} items",
    )
    return result


if __name__ == "__main__":
    main()
