"""`ragorft strategies`: list the registered strategies with what each says it is (task, role)."""

from __future__ import annotations

import argparse
import sys


def cmd_strategies(args: argparse.Namespace) -> int:
    from ragorft import strategies

    for name in strategies.names():
        cls = strategies.get(name)
        doc = (sys.modules[cls.__module__].__doc__ or "").strip().splitlines()[0]
        print(f"{name}\t{cls.task}\t{cls.role}\t{doc}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("strategies", help="list registered strategies")
    s.set_defaults(func=cmd_strategies)
