"""`ragorft corpus validate|list`: check a corpus card and its files; list the known corpora."""

from __future__ import annotations

import argparse

from ragorft.benchmarks.commands import data_arg, data_dir


def cmd_validate(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.data.validate import validate

    result = validate(args.corpus, data_dir(args))
    for w in result.warnings:
        print(f"warning: {w}")
    stats = ", ".join(f"{k}={v}" for k, v in result.stats.items())
    print(f"ok: {result.corpus.name} ({result.corpus.card.card_path}): {stats}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ragorft.benchmarks.data.cards import known_cards, read_card

    for path in known_cards().values():
        card = read_card(path)
        print(f"{card.name}\t{card.task}\t{card.licence}\t{card.citation[:70]}\t{card.folder}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("corpus", help="corpus tools")
    csub = c.add_subparsers(dest="corpus_command", required=True)
    v = csub.add_parser("validate", help="check a corpus (name, folder or corpus.toml)")
    v.add_argument("corpus")
    data_arg(v)
    v.set_defaults(func=cmd_validate)
    ls = csub.add_parser("list", help="list the corpora ragorft knows")
    ls.set_defaults(func=cmd_list)
