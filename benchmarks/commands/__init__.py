"""Subcommands of `ragorft`: one module each, found automatically.

A module here defines ``register(subparsers)``; adding a command touches no other file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from pathlib import Path


def data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="local mirror of corpus files (default: $RAGORFT_DATA)")


def data_dir(args: argparse.Namespace) -> Path | None:
    return Path(args.data_dir) if getattr(args, "data_dir", None) else None


def suite_results(results_dir: str | Path, suite: str) -> Path:
    """``results_dir/suite``, which must hold cell records: a typo is an error naming the suites that have some.

    Why not an empty table: "No cells yet." with exit 0 reads as a finished run of nothing.
    """
    from ragorft.benchmarks.core.errors import RagorftError, did_you_mean
    from ragorft.benchmarks.core.paths import inside

    folder = inside(Path(results_dir), suite, what="suite results")
    if any((folder / "cells").glob("*.json")):
        return folder
    root = Path(results_dir)
    have = sorted(d.name for d in root.iterdir() if any((d / "cells").glob("*.json"))) if root.is_dir() else []
    shown = f"suites with records there: {', '.join(have)}" if have else "none has records there"
    raise RagorftError(
        f"no cell records of suite '{suite}'{did_you_mean(suite, have)} ({shown}; `ragorft bench --suite {suite}` "
        "writes them)",
        path=folder,
    )


def register_all(sub: argparse._SubParsersAction) -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name != "cli":  # the entry point itself, not a subcommand
            importlib.import_module(f"{__name__}.{mod.name}").register(sub)
