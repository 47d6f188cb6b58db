"""The ``ragorft`` command line; subcommands are the other modules of ``ragorft.benchmarks.commands``.

Every user-facing failure is a :class:`RagorftError`: printed as one line on stderr with exit
status 2 (the traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import sys

from ragorft.benchmarks.core import env

# Offline is the default: nothing reaches a model hub unless the user allows it, and no library
# phones home. Set before the subcommands import torch, transformers or ragas.
env.apply()

from ragorft.benchmarks.commands import register_all  # noqa: E402
from ragorft.benchmarks.core.cliargs import OneLineParser  # noqa: E402
from ragorft.benchmarks.core.errors import RagorftError  # noqa: E402
from ragorft.benchmarks.core.log import configure  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="ragorft", description="RAG or fine-tune? Benchmark strategies and decide.")
    p.add_argument("--debug", action="store_true", help="show tracebacks, library logs and progress bars")
    register_all(p.add_subparsers(dest="command", required=True))
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure(debug=args.debug)
    try:
        return args.func(args)
    except RagorftError as exc:
        if args.debug:
            raise
        print(f"ragorft: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a filesystem failure no layer turned into a RagorftError: still one line
        if args.debug or exc.filename is None:
            raise
        print(f"ragorft: error: {RagorftError(exc.strerror or str(exc), path=exc.filename)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ragorft: interrupted; finished cells are kept, re-run to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
