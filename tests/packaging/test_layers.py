"""The package's shape, enforced: one import root, layers imported in one direction, no cycles,
no module over ~400 lines and no function over ~80, every package folder shipped in the wheel.

An AST walk over every module (function-local and TYPE_CHECKING imports included, since those are
how cycles used to hide), so a violation fails here before it confuses a reader. The walker lives
in core/fingerprint.py: the cell cache key uses the same graph to fingerprint a strategy's code.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest
from ragorft.benchmarks.core.fingerprint import import_graph, package_modules

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"ragorft.benchmarks": ROOT / "benchmarks", "ragorft.strategies": ROOT / "strategies"}

# Lowest first: a module may import its own layer and the layers before it, never a later one.
LAYERS = [
    "ragorft.benchmarks.core",
    "ragorft.benchmarks.data",
    "ragorft.benchmarks.models",
    "ragorft.strategies",
    "ragorft.benchmarks.score",
    "ragorft.benchmarks.records",
    "ragorft.benchmarks.run",
    "ragorft.benchmarks.decide",
    "ragorft.benchmarks.publish",
    "ragorft.benchmarks.commands",
]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def modules() -> dict[str, Path]:
    return package_modules(FOLDERS)


def layer(module: str) -> int:
    for i, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return i
    return -1  # ragorft.benchmarks itself (the version): importable by all


def graph() -> dict[str, set[str]]:
    return import_graph(modules())


def test_every_module_belongs_to_a_layer() -> None:
    stray = [m for m in modules() if layer(m) < 0 and m != "ragorft.benchmarks"]
    assert not stray, f"modules outside every layer: {stray}"


def test_only_one_import_root() -> None:
    """No module imports the folders' old top-level names (`benchmarks`, `strategies`)."""
    bad = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            heads = []
            if isinstance(node, ast.Import):
                heads = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                heads = [node.module.split(".")[0]]
            bad += [f"{name} imports {h}" for h in heads if h in ("benchmarks", "strategies")]
    assert not bad, bad


def test_imports_follow_the_layer_order() -> None:
    against = [
        f"{src} ({LAYERS[layer(src)]}) imports {dst} ({LAYERS[layer(dst)]})"
        for src, dsts in graph().items()
        for dst in dsts
        if layer(dst) > layer(src) >= 0
    ]
    assert not against, "\n".join(against)


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the stack, 2 done
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state[m] == 1:
                return stack[stack.index(m) :] + [m]
            if state[m] == 0 and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if state[n] == 0 and (found := visit(n)):
            return found
    return None


def test_no_import_cycles() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    """The check above is only worth something if it can fail."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_and_function_sizes(name: str) -> None:
    path = modules()[name]
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path}: {text.count(chr(10))} lines"
    long = [
        f"{n.name} ({n.end_lineno - n.lineno + 1} lines)"
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path}: {long}"


def test_every_package_folder_is_in_the_wheel() -> None:
    """pyproject lists packages explicitly (package-dir mapping); a new subpackage must be listed."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {name for name, path in modules().items() if path.name == "__init__.py"}
    assert on_disk <= listed, f"not in pyproject's packages: {sorted(on_disk - listed)}"
