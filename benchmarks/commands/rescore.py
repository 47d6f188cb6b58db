"""`ragorft rescore --suite S`: recompute the metrics of stored predictions, running no cell.

A record holds its predictions and what scoring needs, so a changed metric is a rescore, not a
re-run. Each record is rewritten atomically with its new ``metrics`` and ``metrics_code`` (and a
fresh checksum); the headline that changed is printed as old -> new.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ragorft.benchmarks.core import cliargs


def cmd_rescore(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.core.atomic import CorruptFile, read_json, write_json
    from ragorft.benchmarks.core.errors import RagorftError
    from ragorft.benchmarks.core.paths import inside
    from ragorft.benchmarks.records.store import parse_record, scored
    from ragorft.benchmarks.score.record import headline, metrics_code

    folder = inside(Path(args.results_dir), args.suite, "cells", what="suite results")
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise RagorftError("no cell records to rescore (run `ragorft bench` first)", path=folder)
    code, changed = metrics_code(), 0
    for path in paths:
        try:
            record = parse_record(read_json(path), path)
        except CorruptFile as exc:
            raise RagorftError(str(exc), path=path) from exc
        old = headline(record.get("metrics") or {})
        metrics = scored(record | {"metrics": None})["metrics"]
        new = headline(metrics)
        if record.get("metrics") == metrics and record.get("metrics_code") == code:
            continue
        write_json(path, record | {"metrics": metrics, "metrics_code": code})
        changed += 1
        if old != new:
            was = "unscored" if old is None else f"{100 * old:.1f}"
            print(f"{record['cell_id']}: {was} -> {100 * new:.1f}" if new is not None else f"{record['cell_id']}")
    print(f"{args.suite}: {len(paths)} records, {changed} rewritten with metrics_code {code}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("rescore", help="recompute the metrics of a suite's stored predictions (runs no cell)")
    r.add_argument("--suite", default="default", type=cliargs.name)
    r.add_argument("--results-dir", default="results")
    r.set_defaults(func=cmd_rescore)
