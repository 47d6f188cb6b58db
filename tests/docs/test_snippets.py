"""The documentation works: every snippet in README.md and docs/*.md runs, parses or names something real.

A doc that no longer imports, a suite example the reader refuses, a `ragorft` flag that was
renamed, a link to a moved file: each fails here, so the documentation stays current with the
code instead of drifting from it. Python snippets run in a fresh interpreter from the checkout's
root (they may read the committed results), one interpreter per document so later snippets build
on earlier ones, with their own cache and no network. TOML snippets are suites, corpus cards or
requirement tables, each validated by the reader ragorft itself uses. Shell snippets are not run;
the `ragorft` commands in them must parse.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
#: paths the documentation shows as examples of what a user creates
EXAMPLE_PATHS = {"corpora/my_intents", "corpora/my_intents/corpus.toml"}
#: a name the reader fills in: `benchmarks/suites/NAME.toml`, `python -m tools.NAME`
PLACEHOLDER = re.compile(r"\bNAME\b")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # 1-based line of the block's first content line
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, dedented to their fence's indentation."""
    out: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, body = len(m.group(1)), m.group(2), []
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        if j == len(lines):
            raise AssertionError(f"{doc.relative_to(ROOT)}:{i + 1}: unclosed code fence")
        out.append(Block(doc, i + 2, lang, "\n".join(body) + "\n"))
        i = j + 1
    return out


def all_blocks(lang: str) -> list[Block]:
    return [b for doc in DOCS for b in blocks(doc) if b.lang == lang]


def prose(doc: Path) -> str:
    """The document without its fenced blocks."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    keep, inside = [], False
    for line in lines:
        if FENCE.match(line):
            inside = not inside
        elif not inside:
            keep.append(line)
    return "\n".join(keep)


# ---- Python ----------------------------------------------------------------------------------

RUNNER = """
import json, socket, sys
_connect = socket.socket.connect
def _loopback(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"a documentation snippet tried to reach {address!r}")
    return _connect(self, address)
socket.socket.connect = _loopback
namespace = {"__name__": "__main__"}
for where, code in json.loads(sys.stdin.read()):
    exec(compile(code, where, "exec"), namespace)
"""


@pytest.mark.parametrize("doc", [d for d in DOCS if any(b.lang == "python" for b in blocks(d))], ids=lambda d: d.name)
def test_python_snippets_run(doc: Path, tmp_path: Path) -> None:
    import os

    snippets = [(b.where, b.text) for b in blocks(doc) if b.lang == "python"]
    from tests.helpers.corpora import MIRROR

    # the real corpus mirror, as a user has it (conftest points RAGORFT_DATA at an empty one)
    env = {**os.environ, "RAGORFT_CACHE": str(tmp_path / "cache"), "RAGORFT_DATA": str(MIRROR)}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(snippets),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, f"a Python snippet of {doc.name} failed:\n{done.stderr[-3000:]}"


def test_the_documentation_has_python_snippets() -> None:
    """The extraction itself works: the strategy example and the decision API are snippets."""
    where = {b.doc.name for b in all_blocks("python")}
    assert {"extending.md", "deciding.md"} <= where


# ---- TOML ------------------------------------------------------------------------------------


def validate_toml(block: Block, tmp: Path) -> str:
    """Validate a TOML snippet with the reader ragorft uses for it; returns what it was."""
    from ragorft.benchmarks.data.cards import read_card
    from ragorft.benchmarks.decide.requirement import Requirement
    from ragorft.benchmarks.run.suite import read_suite

    raw = tomllib.loads(block.text)
    if "run" in raw:
        path = tmp / f"{raw.get('name', 'suite')}.toml"
        path.write_text(block.text, encoding="utf-8")
        read_suite(str(path))
        return "suite"
    if "task" in raw and "format" in raw:
        folder = tmp / raw["name"]
        folder.mkdir(parents=True)
        (folder / "corpus.toml").write_text(block.text, encoding="utf-8")
        read_card(folder / "corpus.toml")
        return "card"
    if set(raw) == {"requirement"}:
        Requirement.from_mapping(raw["requirement"], source=block.where)
        return "requirement"
    raise AssertionError(f"{block.where}: a TOML snippet that is no suite, card or [requirement] table")


@pytest.mark.parametrize("block", all_blocks("toml"), ids=lambda b: b.where)
def test_toml_snippets_are_valid(block: Block, tmp_path: Path) -> None:
    try:
        validate_toml(block, tmp_path)
    except Exception as exc:  # noqa: BLE001 - any failure is the snippet's, reported with its place
        raise AssertionError(f"{block.where}: {exc}") from exc


def test_the_suite_examples_match_the_shipped_default_suite() -> None:
    """The suite example is the default suite shortened: its settings are the real file's."""
    shipped = tomllib.loads((ROOT / "benchmarks" / "suites" / "default.toml").read_text(encoding="utf-8"))
    examples = [tomllib.loads(b.text) for b in all_blocks("toml") if tomllib.loads(b.text).get("name") == "default"]
    assert examples, "docs/suites.md shows the default suite"
    runs = {r.get("name", r["strategy"]): r for r in shipped["run"]}
    for example in examples:
        for key in ("corpora", "budgets", "seeds", "max_test_items"):
            assert example[key] == shipped[key], key
        for run in example["run"]:
            real = runs[run.get("name", run["strategy"])]
            for key, value in run.items():
                if key == "options":
                    assert value.items() <= real["options"].items(), (run["strategy"], value)
                else:
                    assert real[key] == value, (run["strategy"], key)


# ---- commands --------------------------------------------------------------------------------


def shell_commands() -> list[tuple[str, list[str]]]:
    """(where, argv after `ragorft`) for every `ragorft ...` command in a shell block (and `$ ragorft`
    lines of output blocks); `nox -s bench -- ARGS` is `ragorft bench ARGS`."""
    found = []
    for doc in DOCS:
        for b in blocks(doc):
            if b.lang not in ("bash", "sh", "shell", ""):
                continue
            text = b.text.replace("\\\n", " ")
            for n, line in enumerate(text.splitlines()):
                if b.lang == "":
                    if not line.startswith("$ ragorft "):
                        continue
                    line = line[2:]
                words = shlex.split(line, comments=True)
                while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                    words = words[1:]  # VAR=value prefixes
                for i, word in enumerate(words):
                    if word == "ragorft":
                        found.append((f"{b.where}+{n}", _until_shell_operator(words[i + 1 :])))
                    if word == "nox" and "--" in words[i:] and words[i + 1 : i + 3] == ["-s", "bench"]:
                        rest = words[words.index("--", i) + 1 :]
                        found.append((f"{b.where}+{n}", ["bench", *_until_shell_operator(rest)]))
    return found


def _until_shell_operator(words: list[str]) -> list[str]:
    for i, word in enumerate(words):
        if word in ("&&", "||", "|", ";"):
            return words[:i]
    return words


@pytest.mark.parametrize("where,argv", shell_commands(), ids=[w for w, _ in shell_commands()])
def test_ragorft_commands_in_the_documentation_parse(where: str, argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"{where}: `ragorft {' '.join(argv)}` does not parse") from exc


def subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001
    return set(action.choices)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_ragorft_subcommand_named_exists(doc: Path) -> None:
    named = set(re.findall(r"`ragorft ([a-z][a-z_-]*)", prose(doc)))
    assert named <= subcommands(), f"{doc.name} names `ragorft {', '.join(sorted(named - subcommands()))}`"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_inline_ragorft_commands_parse(doc: Path) -> None:
    """`ragorft bench --suite default --plan` in the prose parses like a shell block's command;
    a span with a placeholder (`--suite NAME`) or no arguments names its subcommand only."""
    bad = []
    for span in re.findall(r"`ragorft ([^`\n]+)`", prose(doc)):
        argv = shlex.split(span)
        if len(argv) < 2 or any(re.fullmatch(r"[A-Z]+", word) for word in argv):
            continue
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            bad.append(span)
    assert not bad, f"{doc.name}: commands that do not parse: {bad}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_python_module_named_exists(doc: Path) -> None:
    import importlib.util

    modules = set(re.findall(r"python3? -m ((?:ragorft|tools)(?:\.\w+)+)", doc.read_text(encoding="utf-8")))
    missing = sorted(m for m in modules if not PLACEHOLDER.search(m) and importlib.util.find_spec(m) is None)
    assert not missing, f"{doc.name} runs modules that do not exist: {missing}"


def nox_sessions() -> set[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return {
        f.name
        for f in tree.body
        if isinstance(f, ast.FunctionDef) and any("session" in ast.unparse(d) for d in f.decorator_list)
    }


def code_strings(doc: Path) -> list[str]:
    """The inline code spans of the prose and the lines of the shell blocks."""
    spans = re.findall(r"`([^`\n]+)`", prose(doc))
    lines = [line for b in blocks(doc) if b.lang in ("bash", "sh", "shell") for line in b.text.splitlines()]
    return spans + lines


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_nox_session_named_exists(doc: Path) -> None:
    named: set[str] = set()
    for text in code_strings(doc):
        for m in re.finditer(r"\bnox -s ", text):
            for word in text[m.end() :].split():
                if word.startswith(("-", "#")) or word in ("&&", "||", ";"):
                    break
                named.add(word)
    assert named <= nox_sessions(), f"{doc.name} names nox sessions {sorted(named - nox_sessions())}"


# ---- paths and links -------------------------------------------------------------------------

PATH = re.compile(r"(?:benchmarks|strategies|corpora|tests|results|docs|\.github|\.ci)/[\w.\-/]*")
TOP_FILES = {"noxfile.py", "constraints.txt", "pyproject.toml", "README.md"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_path_named_exists(doc: Path) -> None:
    spans = re.findall(r"`([^`\n]+)`", prose(doc))
    paths = {s for s in spans if (PATH.fullmatch(s) or s in TOP_FILES) and not PLACEHOLDER.search(s)}
    missing = sorted(p for p in paths - EXAMPLE_PATHS if not (ROOT / p).exists())
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    return {slug(m) for m in re.findall(r"^#+ (.+)$", prose(doc), flags=re.M)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_link_resolves(doc: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", prose(doc)):
        if re.match(r"[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(target)
    assert not broken, f"{doc.name} has broken links: {broken}"


# ---- facts the documentation states about the code -------------------------------------------


def marked(doc: Path, name: str) -> str:
    text = doc.read_text(encoding="utf-8")
    start = re.search(rf"<!-- {name}:[^\n]*-->\n", text)
    assert start, f"{doc.name} has no '{name}' block"
    return text[start.end() : text.index(f"<!-- {name}:end -->")]


def test_the_documented_layer_order_is_the_one_the_layer_test_enforces() -> None:
    tree = ast.parse((ROOT / "tests" / "packaging" / "test_layers.py").read_text(encoding="utf-8"))
    layers = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "LAYERS" for t in node.targets)
    )
    documented = [name.strip() for name in marked(ROOT / "docs" / "architecture.md", "layers").split(",")]
    assert documented == [layer.rsplit(".", 1)[1] for layer in layers]


def test_the_strategy_table_is_what_the_strategies_declare() -> None:
    from ragorft import strategies

    rows = {}
    for line in marked(ROOT / "docs" / "strategies.md", "strategy-table").splitlines()[2:]:
        name, task, role, base, adapter = (cell.strip().strip("`") for cell in line.strip("|").split("|"))
        rows[name] = (task, role, None if base in ("", "-") else base, adapter == "yes")
    assert sorted(rows) == strategies.names(), "docs/strategies.md lists every registered strategy, no other"
    for name, documented in rows.items():
        cls = strategies.get(name)
        assert documented == (cls.task, cls.role, cls.base_model_option, cls.adapter), name


def test_readme_stays_a_first_five_minutes_read() -> None:
    """README is what a newcomer reads first, so detail goes to a page in docs/, not into README."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 160, f"README.md has {len(lines)} lines: move the detail to a page in docs/"


def test_every_forwarded_setting_is_documented() -> None:
    """docs/install.md's environment table covers the settings ragorft forwards to its workers."""
    raw = tomllib.loads((ROOT / "benchmarks" / "core" / "env.toml").read_text(encoding="utf-8"))
    text = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    missing = [name for name in raw["passthrough"]["names"] if f"| `{name}" not in text]
    assert not missing, f"docs/install.md does not describe {missing}"


def test_every_page_is_linked_from_the_readme() -> None:
    """A page no one can find from README is a page no one keeps current."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    orphans = [d.name for d in DOCS[1:] if f"](docs/{d.name})" not in readme]
    assert not orphans, f"README.md links no docs/ page {orphans}"
