"""The verdicts in README.md and the examples in docs/deciding.md, produced from the committed records.

Nothing is run. Each example is a `ragorft recommend` command on ``results/default`` (one reads
``results/nightly`` beside it, as several suites are read together); the documents
show the command and the answer it prints (the header line, the answer paragraph and the
RECOMMENDATION line of each corpus) between their markers, so a verdict in the documentation is
what the command prints today. ``tests/tools/test_deciding_examples.py`` runs the same commands
through the CLI and fails when a document no longer matches.

    python -m tools.deciding_examples            # rewrite both blocks
    python -m tools.deciding_examples --check    # exit 1 when one is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ragorft.benchmarks.core.atomic import write_text
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.decide import Decision, Requirement, recommend_all
from ragorft.benchmarks.records.store import load_cells
from ragorft.benchmarks.run.suite import read_suite

START = "<!-- deciding-examples:start (python -m tools.deciding_examples) -->"
END = "<!-- deciding-examples:end -->"
VERDICTS_START = "<!-- verdicts:start (python -m tools.deciding_examples) -->"
VERDICTS_END = "<!-- verdicts:end -->"

# (what the example asks, the recommend flags)
EXAMPLES: list[tuple[str, dict[str, str]]] = [
    ("Banking77, no accuracy bar, errors unpriced", {"corpus": "banking77"}),
    (
        "Banking77, 92% on the lower bound, 10M queries/month, $2 per error",
        {"corpus": "banking77", "accuracy_bar": "92%", "monthly_queries": "10M", "cost_per_error": "2"},
    ),
    ("CLINC150, 90% overall accuracy (out-of-scope items included)", {"corpus": "clinc150", "accuracy_bar": "90%"}),
    (
        "CLINC150, 95% in-scope accuracy with out-of-scope recall at least 40%",
        {"corpus": "clinc150", "accuracy_on": "in_scope", "accuracy_bar": "95%", "min_oos_recall": "40%"},
    ),
    ("Three tasks sharing one deployment", {"tasks": "3"}),
    (
        "Banking77 with 10 examples per class and an 88% bar, the default and nightly records read together",
        {"suite": "default nightly", "corpus": "banking77", "budget": "10", "accuracy_bar": "88%"},
    ),
]
#: README's headline verdicts: every corpus of the default suite under the suite's own requirement
VERDICTS: list[tuple[str, dict[str, str]]] = [("Every corpus, the suite's own requirement", {})]

#: docs/structured.md's verdicts: the budgets where the structured suite has fine-tunes and prompting side by side
STRUCTURED: list[tuple[str, dict[str, str]]] = [
    (f"SNIPS with {n} utterances per intent", {"suite": "structured", "corpus": "snips", "budget": n})
    for n in ("50", "200")
]

#: docs/knowledge.md's verdicts: the knowledge suite's records, one corpus at a time
KNOWLEDGE: list[tuple[str, dict[str, str]]] = [
    (f"{corpus}, the knowledge suite's records", {"suite": "knowledge", "corpus": corpus})
    for corpus in ("squad-v1.1", "synthetic_bios_para", "synthetic_bios")
]

#: block name -> (start marker, end marker, the document that holds it, its examples)
BLOCKS: dict[str, tuple[str, str, str, list[tuple[str, dict[str, str]]]]] = {
    "verdicts": (VERDICTS_START, VERDICTS_END, "README.md", VERDICTS),
    "examples": (START, END, "docs/deciding.md", EXAMPLES),
    "structured": (
        "<!-- structured-verdict:start (python -m tools.deciding_examples --block structured) -->",
        "<!-- structured-verdict:end -->",
        "docs/structured.md",
        STRUCTURED,
    ),
    "knowledge": (
        "<!-- knowledge-verdict:start (python -m tools.deciding_examples --block knowledge) -->",
        "<!-- knowledge-verdict:end -->",
        "docs/knowledge.md",
        KNOWLEDGE,
    ),
}


def suites(flags: dict[str, str]) -> list[str]:
    """The suites an example reads: its "suite" flag (space-separated names), else the default suite."""
    return flags.get("suite", "default").split()


def command(flags: dict[str, str]) -> list[str]:
    """The `ragorft recommend` argv for an example: one --suite per suite it reads."""
    argv = ["recommend"] + [arg for name in suites(flags) for arg in ("--suite", name)]
    for key, value in flags.items():
        if key != "suite":
            argv += [f"--{key.replace('_', '-')}", value]
    return argv


def steps(name: str) -> tuple[str, ...]:
    """The branch steps a block shows: the knowledge page its K steps; every block the S steps."""
    return ("[S", "[K") if name == "knowledge" else ("[S",)


def excerpt(text: str, steps: tuple[str, ...] = ("[S",)) -> str:
    """What the documents keep of `ragorft recommend`'s output: per corpus, its header, answer and
    verdict line, and the steps (question and answer) of the branches named in ``steps``: the
    structured ones by default; the knowledge page asks for the K steps too (elsewhere they would
    crowd the README's first five minutes)."""
    keep: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("== "):
            keep += [line, lines[i + 2]]  # the header, then (after a blank line) the answer paragraph
        elif line.startswith(steps):
            keep += [line, lines[i + 1]]  # a branch's step, then its answer
        elif line.startswith("RECOMMENDATION ("):
            keep += [line, ""]
    return "\n".join(keep).rstrip() + "\n"


def decisions(flags: dict[str, str], results_dir: Path) -> list[Decision]:
    """The decisions `ragorft recommend` makes for these flags (the first suite's [requirement], flags over it)."""
    specs = [read_suite(name) for name in suites(flags)]
    req = Requirement.from_mapping(specs[0].requirement, source=str(specs[0].path)).merged(
        {k: v for k, v in flags.items() if k not in ("corpus", "suite")}
    )
    cells = [cell for spec in specs for cell in load_cells(results_dir / spec.name)]
    if flags.get("corpus"):
        cells = [c for c in cells if c[1]["corpus"] == flags["corpus"]]
    return recommend_all(cells, req)


def block(results_dir: Path, name: str = "examples") -> str:
    start, end, _, examples = BLOCKS[name]
    parts = [start, ""]
    for title, flags in examples:
        text = "\n".join(d.to_text() for d in decisions(flags, results_dir))
        shown = excerpt(text, steps(name)).rstrip()
        parts += [f"{title}:", "", "```", "$ ragorft " + " ".join(command(flags)), shown, "```", ""]
    parts.append(end)
    return "\n".join(parts)


def replace_block(doc: str, new: str, name: str = "examples") -> str:
    start, end, path, _ = BLOCKS[name]
    if start not in doc or end not in doc:
        raise RagorftError(f"no '{start}' ... '{end}' markers", path=path)
    head, rest = doc.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + new + tail


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--block", choices=sorted(BLOCKS), help="rewrite only this block (default: both)")
    p.add_argument("--file", help="the document holding the block (default: the block's own)")
    p.add_argument("--results-dir", default="results")
    p.add_argument("--check", action="store_true", help="exit 1 when a block is stale; write nothing")
    args = p.parse_args(argv)
    if args.file and not args.block:
        p.error("--file names one block's document: give --block too")
    stale = False
    for name in [args.block] if args.block else list(BLOCKS):
        doc = Path(args.file or BLOCKS[name][2])
        try:
            old = doc.read_text(encoding="utf-8")
            new = replace_block(old, block(Path(args.results_dir), name), name)
        except (OSError, RagorftError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        stale |= new != old
        if not args.check:
            write_text(doc, new)
    return int(stale and args.check)


if __name__ == "__main__":
    sys.exit(main())
