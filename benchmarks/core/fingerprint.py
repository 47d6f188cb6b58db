"""Which ragorft code a module runs, and a fingerprint of it: the import graph, walked statically.

One walker serves two readers: the layer test (tests/packaging/test_layers.py checks the graph's
direction and cycles) and the cell cache key (run/key.py hashes the files a strategy's module
reaches, so editing that code invalidates exactly the cells that run it, and editing anything
else, a README or another strategy, invalidates none). The walk is an AST walk over every import
statement anywhere in a file (function-local and TYPE_CHECKING ones included), resolved to the
modules that exist, so a lazily imported helper still counts as code the strategy runs. A module's
digest is of its code, not its prose (:func:`module_digest`).
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from ragorft.benchmarks.core.atomic import sha256_bytes
from ragorft.benchmarks.core.paths import PACKAGE_ROOT

#: the folders of the one import root: ragorft.benchmarks and ragorft.strategies (checkout or wheel)
FOLDERS = {"ragorft.benchmarks": PACKAGE_ROOT / "benchmarks", "ragorft.strategies": PACKAGE_ROOT / "strategies"}
#: left out of fingerprints: core is files, errors, logging, formatting and paths; it computes no
#: number, and an edit to the log format must not make hours of cells stale
NOT_COMPUTING = ("ragorft.benchmarks.core",)


def package_modules(folders: Mapping[str, Path] = FOLDERS) -> dict[str, Path]:
    """Every module under ``folders`` by dotted name (a package is its ``__init__.py``)."""
    out = {}
    for pkg, folder in folders.items():
        for path in sorted(Path(folder).rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([pkg, *parts])] = path
    return out


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """Every known module ``name`` imports, anywhere in the file (``a.b.c`` resolves to the
    longest known prefix, so ``from pkg import func`` counts as importing ``pkg``)."""
    known = set(known)
    found = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(_parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def import_graph(mods: Mapping[str, Path]) -> dict[str, set[str]]:
    return {name: imports_of(name, path, mods) for name, path in mods.items()}


def closure(start: str, graph: Mapping[str, set[str]]) -> set[str]:
    """``start`` and every module it reaches through imports."""
    seen, todo = set(), [start]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        todo += sorted(graph.get(mod, ()))
    return seen


def file_digest(path: Path) -> str:
    return sha256_bytes(Path(path).read_bytes())[:16]


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


#: CPython 3.11's AST constructor keeps one recursion-depth count per interpreter: two threads
#: parsing at once (two benches in one process computing keys) can fail with a SystemError
_PARSING = threading.Lock()


def _parse(source: str) -> ast.Module:
    with _PARSING:
        return ast.parse(source)


def module_digest(path: Path) -> str:
    """A module's code without its prose: the AST with docstrings removed (comments never reach it).

    Why not the bytes: a fixed docstring must not make hours of cells stale, while any change to
    what the code does (a constant, an operator, an import) changes the tree and so the key.
    """
    tree = _strip_docstrings(_parse(Path(path).read_text(encoding="utf-8")))
    return sha256_bytes(ast.dump(tree, include_attributes=False).encode())[:16]


def code_fingerprint(
    module: str, data_files: Iterable[Path] = (), folders: Mapping[str, Path] | None = None
) -> dict[str, str]:
    """{module or data file: sha256 prefix} for ``module``'s import closure (``NOT_COMPUTING``
    left out) plus ``data_files``.

    Per file rather than one hash, so a record can say *which* file changed when its cell is
    recomputed. A module outside ``folders`` (a third-party strategy) is fingerprinted by its own
    file only, found through its ``__file__``.
    """
    folders = FOLDERS if folders is None else folders
    mods = _modules(tuple(sorted((k, str(v)) for k, v in folders.items())))
    out: dict[str, str] = {}
    if module in mods:
        graph = _graph(tuple(sorted((k, str(v)) for k, v in folders.items())))
        for mod in sorted(closure(module, graph)):
            if not mod.startswith(NOT_COMPUTING):
                out[mod] = module_digest(mods[mod])
    else:
        import importlib

        file = getattr(importlib.import_module(module), "__file__", None)
        if file:
            out[module] = module_digest(Path(file)) if file.endswith(".py") else file_digest(Path(file))
    for path in data_files:
        out[f"file:{_display(Path(path), folders)}"] = file_digest(Path(path))
    return dict(sorted(out.items()))


def _display(path: Path, folders: Mapping[str, Path]) -> str:
    """A data file's name relative to the package, so the key is the same in a checkout and a wheel."""
    for folder in folders.values():
        root = Path(folder).resolve().parent
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            continue
    return path.name


@cache
def _modules(folders: tuple[tuple[str, str], ...]) -> dict[str, Path]:
    return package_modules({k: Path(v) for k, v in folders})


@cache
def _graph(folders: tuple[tuple[str, str], ...]) -> dict[str, set[str]]:
    return import_graph(_modules(folders))


def forget() -> None:
    """Drop the cached module list and graph (tests that edit files in place call this)."""
    _modules.cache_clear()
    _graph.cache_clear()
