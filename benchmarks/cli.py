"""The ``ragorft`` command line; subcommands live in ``benchmarks/commands/``.

Every user-facing failure is a :class:`RagorftError`: printed as one line on stderr with exit
status 2 (the traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import os
import sys

# Offline is the default: nothing reaches a model hub unless the user allows it, and no
# library phones home.
if os.environ.get("RAGORFT_ALLOW_HUB") != "1":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("DO_NOT_TRACK", "1")

from benchmarks.commands import register_all  # noqa: E402
from benchmarks.errors import RagorftError  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ragorft", description="RAG or fine-tune? Benchmark strategies and decide.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    register_all(p.add_subparsers(dest="command", required=True))
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
