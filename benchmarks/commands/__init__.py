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


def register_all(sub: argparse._SubParsersAction) -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name != "cli":  # the entry point itself, not a subcommand
            importlib.import_module(f"{__name__}.{mod.name}").register(sub)
