"""`ragorft corpus init|validate|list`: a card from data files; check a corpus card and its files; list the corpora."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ragorft.benchmarks.commands import data_arg, data_dir
from ragorft.benchmarks.core.names import check_name


def cmd_validate(args: argparse.Namespace) -> int:
    use_corpora_dir(args)
    from ragorft.benchmarks.data.validate import validate

    result = validate(args.corpus, data_dir(args))
    for w in result.warnings:
        print(f"warning: {w}")
    stats = ", ".join(f"{k}={v}" for k, v in result.stats.items())
    print(f"ok: {result.corpus.name} ({result.corpus.card.card_path}): {stats}")
    return 0


def corpora_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpora-dir",
        help="the folder of your corpus cards (default: $RAGORFT_CORPORA, else ~/.local/share/ragorft/corpora); "
        "searched before the packaged cards",
    )


def use_corpora_dir(args: argparse.Namespace) -> Path:
    """The user's card folder; ``--corpora-dir`` goes first in $RAGORFT_CORPORA, so cell processes see it too."""
    from ragorft.benchmarks.core.paths import user_corpora_dirs

    if getattr(args, "corpora_dir", None):
        rest = os.environ.get("RAGORFT_CORPORA")
        first = str(Path(args.corpora_dir).resolve())
        os.environ["RAGORFT_CORPORA"] = os.pathsep.join([first, *([rest] if rest else [])])
    return user_corpora_dirs()[0]


def init_corpus(args: argparse.Namespace) -> Path:
    """Plan, write and validate a card from ``args.paths``; returns the card's path (``try`` reuses it)."""
    from ragorft.benchmarks.data import newcard

    paths = [Path(p) for p in args.paths]
    folder = use_corpora_dir(args)
    name = args.name if args.name is not None else newcard.default_name(paths)
    check_name(name, "--name")
    plan = newcard.plan(
        paths, name=name, text_column=args.text_column, label_column=args.label_column, encoding=args.encoding
    )
    for note in plan.notes:
        print(f"  {note}")
    card = newcard.write(plan, folder, licence=args.licence, force=args.force)
    print(f"wrote {card}")
    return card


def cmd_init(args: argparse.Namespace) -> int:
    card = init_corpus(args)
    args.corpus = str(card.parent)
    return cmd_validate(args)


def init_args(parser: argparse.ArgumentParser) -> None:
    """The arguments ``corpus init`` and ``try`` share."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="data files or folders")
    parser.add_argument("--name", help="the corpus name (default: the folder's name)")
    parser.add_argument("--text-column", help="the column of the texts (default: proposed from the data)")
    parser.add_argument("--label-column", help="the column of the labels (default: proposed from the data)")
    parser.add_argument("--encoding", help="the files' encoding (default: UTF-8, else UTF-16 with a BOM, else cp1252)")
    parser.add_argument("--licence", help="the data's licence, an SPDX id (default: 'unknown', marked to fill in)")
    parser.add_argument("--force", action="store_true", help="replace a card of the same name in the corpora folder")
    corpora_dir_arg(parser)


def cmd_list(args: argparse.Namespace) -> int:
    use_corpora_dir(args)
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
    corpora_dir_arg(v)
    v.set_defaults(func=cmd_validate)
    ls = csub.add_parser("list", help="list the corpora ragorft knows")
    corpora_dir_arg(ls)
    ls.set_defaults(func=cmd_list)
    i = csub.add_parser(
        "init",
        help="write a card from data files (CSV, TSV, JSON Lines, JSON, Parquet, seq.in + label, QA) and validate it",
    )
    init_args(i)
    data_arg(i)
    i.set_defaults(func=cmd_init)
