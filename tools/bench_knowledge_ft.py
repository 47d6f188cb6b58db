"""Benchmark: what the knowledge suite's fine-tunes would cost on this machine, measured then projected.

Not a test. The knowledge suite's fine-tunes (documents, documents then QA, generated QA; a grid of
learning rates, early stopping on dev) are its expensive cells, and a CPU may not afford them. This
measures the real trainer (``models/causal_train.train_early_stopped``, the fine-tunes' own) for one
epoch on a seeded sample of a corpus's documents and of its training QA, on one base and method,
and records training tokens per second for each; then it projects every fine-tune run of the
suite on that corpus and base from its own options (stages, epochs, patience, grid) and the
corpus's token counts: the least training time (every trial stopping at its first chance) and the
most (every epoch run). Dev checks, the test pass and the cloze probe come on top.

    python -m tools.bench_knowledge_ft --corpus synthetic_bios_para --rows 64 \
        --out results/bench/knowledge-ft-cost-smollm2-lora.json
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import tempfile
from pathlib import Path
from typing import Any

from ragorft import strategies
from ragorft.benchmarks.core.cliargs import number
from ragorft.benchmarks.data.bios_facts import HELD_OUT_QUESTIONS, generated_qa, parse_facts
from ragorft.benchmarks.models.causal_train import train_early_stopped
from ragorft.benchmarks.models.finetune import subset
from ragorft.benchmarks.models.lm import load_causal_lm
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions, _Tokenised, build_prompt
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.run.suite import read_suite

from tools.common import publish

log = logging.getLogger("ragorft.tools.bench_knowledge_ft")

DEFAULT_MODEL = "SmolLM2-135M-Instruct"


def stage_pairs(data: Any, tokenizer: Any, max_train_examples: int = 0, seed: int = 0) -> dict[str, list]:
    """The training pairs of each source, as the strategies build them (strategies/_qa_train.py)."""
    docs = [("", d.text) for d in data.corpus.documents]
    train = data.corpus.train
    if max_train_examples:
        train = subset(train, max_train_examples, seed)
    qa = [(build_prompt(tokenizer, ex.text, style="plain"), " " + ex.label) for ex in train]
    generated = [
        (build_prompt(tokenizer, q, style="plain"), " " + a)
        for q, a in generated_qa(parse_facts(data.corpus.documents))
    ]
    return {"documents": docs, "qa": qa, "generated": generated}


def _tokens(tokenizer: Any, pairs: list, max_length: int) -> int:
    return sum(len(r["input_ids"]) for r in _Tokenised(tokenizer, pairs, max_length).rows)


def measure(model_name: str, method: str, pairs: list, rows: int, seed: int, max_length: int) -> dict[str, Any]:
    """One epoch of the real trainer on a seeded ``rows`` of ``pairs``: its tokens per second."""
    model, tokenizer = load_causal_lm(model_name, "cpu")
    sample = random.Random(seed).sample(pairs, rows) if len(pairs) > rows else list(pairs)
    opts = CausalTrainOptions(epochs=1, learning_rate=3e-4, max_length=max_length)
    with tempfile.TemporaryDirectory(prefix="ragorft-ftcost-") as work:
        _, report = train_early_stopped(
            model, tokenizer, sample, method, opts, Path(work), seed=seed, cuda=False, progress=False
        )
    return {
        "rows": report["train_rows"],
        "tokens": report["train_tokens"],
        "wall_s": report["train_wall_s"],
        "tokens_per_s": report["train_tokens"] / report["train_wall_s"],
    }


def _epochs(o: dict[str, Any], stops: bool) -> tuple[int, int]:
    """(least, most) epochs of a stage: an early-stopped one stops after ``patience`` checks past its first."""
    most = int(o["epochs"] if stops else o["doc_epochs"])
    if not stops:
        return most, most
    return min(o["eval_every"] * (1 + o["patience"]), most), most


def project(suite: str, corpus: str, model_name: str, method: str, rates: dict[str, float], tokens: Any) -> list:
    """Each fine-tune run of ``suite`` on ``corpus`` at ``model_name`` with ``method``: hours, least and most.

    A run's options are resolved by its strategy, as its cache key resolves them (defaults filled in)."""
    out = []
    for cell in read_suite(suite).cells:
        cls = strategies.get(cell.strategy)
        o = cls.config(cls.parse_options(cell.options))
        if cell.corpus != corpus or getattr(cls, "method", None) != method or o.get("model") != model_name:
            continue
        if "train_on" not in o:
            continue
        stages = {"documents+qa": [("documents", False), ("qa", True)]}.get(o["train_on"], [(o["train_on"], True)])
        least = most = 0.0
        for name, stops in stages:
            lo, hi = _epochs(o, stops)
            per_epoch = (
                tokens(name, o.get("max_train_examples", 0)) / rates["documents" if name == "documents" else "qa"]
            )
            least, most = least + lo * per_epoch, most + hi * per_epoch
        grid = len(o.get("learning_rates") or [None])
        hours = {"least_hours": round(grid * least / 3600, 2), "most_hours": round(grid * most / 3600, 2)}
        out.append({"run": cell.run, "train_on": o["train_on"], "grid": grid} | hours)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="synthetic_bios_para")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--method", choices=("lora", "full"), default="lora")
    p.add_argument("--rows", type=number(lo=8, integer=True), default=64, help="training rows timed per source")
    p.add_argument("--max-length", type=number(lo=16, integer=True), default=256)
    p.add_argument("--seed", type=number(lo=0, integer=True), default=0)
    p.add_argument("--suite", default="knowledge")
    p.add_argument("--out", help="write the measurements as JSON here")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = load_corpus_data(args.corpus, None)
    _, tokenizer = load_causal_lm(args.model, "cpu")
    pairs = stage_pairs(data, tokenizer, seed=args.seed)
    timed = {
        src: measure(args.model, args.method, pairs[src], args.rows, args.seed, args.max_length)
        for src in ("documents", "qa")
    }
    rates = {src: t["tokens_per_s"] for src, t in timed.items()}

    def tokens(source: str, max_train_examples: int) -> int:
        if source == "qa" and max_train_examples:
            return _tokens(
                tokenizer, stage_pairs(data, tokenizer, max_train_examples, args.seed)["qa"], args.max_length
            )
        return _tokens(tokenizer, pairs[source], args.max_length)

    runs = project(args.suite, args.corpus, args.model, args.method, rates, tokens)
    result = {
        "corpus": args.corpus,
        "model": args.model,
        "method": args.method,
        "timed_one_epoch": timed,
        "tokens_per_epoch": {src: _tokens(tokenizer, pairs[src], args.max_length) for src in pairs},
        "held_out_templates_per_attribute": min(len(q) for q in HELD_OUT_QUESTIONS.values()),
        "projected_training": runs,
        "note": "training time only (dev checks, the test pass and the cloze probe come on top); least: every "
        "early-stopped trial stops at its first chance, most: every epoch of every trial runs",
    }
    total = (sum(r["least_hours"] for r in runs), sum(r["most_hours"] for r in runs))
    summary = (
        f"{args.model} {args.method} on {args.corpus}: {rates['documents']:.0f} document tokens/s, "
        f"{rates['qa']:.0f} QA tokens/s; {len(runs)} suite runs need {total[0]:.1f}-{total[1]:.1f} h of training"
    )
    publish(result, module="tools.bench_knowledge_ft", argv=argv, out=args.out, summary=summary)
    return 0 if math.isfinite(total[1]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
