"""The ``ragorft`` command line.

Every user-facing failure is a :class:`RagorftError`: printed as one line on stderr with exit
status 2 (the traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import time
from pathlib import Path

# Offline is the default: nothing reaches a model hub unless the user allows it, and no
# library phones home.
if os.environ.get("RAGORFT_ALLOW_HUB") != "1":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.errors import RagorftError  # noqa: E402


def _data_dir(args: argparse.Namespace) -> Path | None:
    return Path(args.data_dir) if getattr(args, "data_dir", None) else None


def cmd_bench(args: argparse.Namespace) -> int:
    from benchmarks import results
    from benchmarks.log import info
    from benchmarks.runner import run_suite
    from benchmarks.suite import read_suite

    suite = read_suite(args.suite)
    only = None
    if args.only:
        only = lambda cell: any(fnmatch.fnmatch(cell.id, pat) for pat in args.only)  # noqa: E731
    start = time.perf_counter()
    run_suite(
        suite,
        results_dir=Path(args.results_dir),
        data_dir=_data_dir(args),
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        only=only,
        progress=not args.no_progress,
    )
    results.write_tables(Path(args.results_dir), suite.name)
    info(
        f"{suite.name}: wall time {time.perf_counter() - start:.1f} s; tables in {Path(args.results_dir) / suite.name}"
    )
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from benchmarks import results

    records = results.write_tables(Path(args.results_dir), args.suite)
    print(results.markdown(records, args.suite))
    return 0


def cmd_corpus_validate(args: argparse.Namespace) -> int:
    from benchmarks.validate import validate

    result = validate(args.corpus, _data_dir(args))
    for w in result.warnings:
        print(f"warning: {w}")
    stats = ", ".join(f"{k}={v}" for k, v in result.stats.items())
    print(f"ok: {result.corpus.name} ({result.corpus.card.card_path}): {stats}")
    return 0


def cmd_corpus_list(args: argparse.Namespace) -> int:
    from benchmarks.corpus import CORPORA_DIR, read_card

    for folder in sorted(CORPORA_DIR.iterdir()):
        if (folder / "corpus.toml").is_file():
            card = read_card(folder)
            print(f"{card.name}\t{card.task}\t{card.licence}\t{card.citation[:70]}")
    return 0


def cmd_strategies(args: argparse.Namespace) -> int:
    import strategies

    for name in strategies.names():
        cls = strategies.get(name)
        doc = (sys.modules[cls.__module__].__doc__ or "").strip().splitlines()[0]
        print(f"{name}\t{doc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ragorft", description="RAG or fine-tune? Benchmark strategies and decide.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    def data_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data-dir", help="local mirror of corpus files (default: $RAGORFT_DATA)")

    b = sub.add_parser("bench", help="run a suite (cached, resumable) and write results")
    b.add_argument("--suite", default="default")
    b.add_argument("--results-dir", default="results")
    b.add_argument("--cache-dir", help="default: $RAGORFT_CACHE or ~/.cache/ragorft")
    b.add_argument("--only", action="append", help="run only cells whose id matches this glob (repeatable)")
    b.add_argument("--no-progress", action="store_true")
    data_arg(b)
    b.set_defaults(func=cmd_bench)

    t = sub.add_parser("table", help="rewrite RESULTS.md and summary.csv from the records")
    t.add_argument("--suite", default="default")
    t.add_argument("--results-dir", default="results")
    t.set_defaults(func=cmd_table)

    c = sub.add_parser("corpus", help="corpus tools")
    csub = c.add_subparsers(dest="corpus_command", required=True)
    v = csub.add_parser("validate", help="check a corpus (name, folder or corpus.toml)")
    v.add_argument("corpus")
    data_arg(v)
    v.set_defaults(func=cmd_corpus_validate)
    ls = csub.add_parser("list", help="list the corpora ragorft knows")
    ls.set_defaults(func=cmd_corpus_list)

    s = sub.add_parser("strategies", help="list registered strategies")
    s.set_defaults(func=cmd_strategies)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RagorftError as exc:
        if args.debug:
            raise
        print(f"ragorft: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ragorft: interrupted; finished cells are kept, re-run to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
