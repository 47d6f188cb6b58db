"""The import-closure fingerprint the cell cache key is built from: on the real package and on a
fake package tree edited in place (only the edited module's dependants change)."""

from __future__ import annotations

from pathlib import Path

from ragorft.benchmarks.core import fingerprint
from ragorft.benchmarks.core.fingerprint import closure, code_fingerprint, import_graph, package_modules
from ragorft.strategies.prompted_lm import PROMPTS_FILE


def test_real_closure_of_rag_has_its_code_and_not_other_strategies() -> None:
    fp = code_fingerprint("ragorft.strategies.rag")
    assert {"ragorft.strategies.rag", "ragorft.strategies._retrieval", "ragorft.strategies.base"} <= set(fp)
    assert "ragorft.benchmarks.data.cards" in fp and "ragorft.benchmarks.models.embeddings" in fp
    others = {"ragorft.strategies.lora", "ragorft.strategies.few_shot", "ragorft.strategies.prompted_lm"}
    assert not others & set(fp)
    assert not any(m.startswith(("ragorft.benchmarks.publish", "ragorft.benchmarks.run")) for m in fp)


def test_real_closure_follows_function_local_imports_and_declared_files() -> None:
    fp = code_fingerprint("ragorft.strategies.lora", [PROMPTS_FILE])
    # _finetune -> models.finetune, and forgetting imports classifier inside functions too
    assert {"ragorft.strategies._finetune", "ragorft.benchmarks.models.finetune"} <= set(fp)
    assert "ragorft.benchmarks.models.forgetting" in fp
    assert "file:strategies/prompts/intent.toml" in fp
    assert "ragorft.strategies.rag" not in fp


def _tree(root: Path) -> dict[str, Path]:
    strat, bench = root / "strategies", root / "benchmarks"
    for folder in (strat, bench / "core", bench / "models"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    (bench / "__init__.py").write_text("")
    (bench / "core" / "log.py").write_text("FORMAT = '%s'\n")
    (bench / "models" / "util.py").write_text("from ragorft.benchmarks.core.log import FORMAT\nX = 1\n")
    (strat / "_shared.py").write_text("from ragorft.benchmarks.models.util import X\n")
    (strat / "a.py").write_text("def f():\n    from ragorft.strategies._shared import X\n    return X\n")
    (strat / "b.py").write_text("from . import _shared\n")
    (strat / "c.py").write_text("import ragorft.strategies\n")
    (root / "README.md").write_text("readme\n")
    (strat / "prompt.txt").write_text("Classify:\n")
    return {"ragorft.benchmarks": bench, "ragorft.strategies": strat}


def test_edits_change_exactly_the_dependants(tmp_path: Path) -> None:
    folders = _tree(tmp_path)
    prompt = tmp_path / "strategies" / "prompt.txt"

    def prints() -> dict[str, dict[str, str]]:
        fingerprint.forget()
        return {
            "a": code_fingerprint("ragorft.strategies.a", [prompt], folders=folders),
            "b": code_fingerprint("ragorft.strategies.b", folders=folders),
            "c": code_fingerprint("ragorft.strategies.c", folders=folders),
        }

    base = prints()
    assert set(base["a"]) == {
        "ragorft.strategies.a",
        "ragorft.strategies._shared",
        "ragorft.benchmarks.models.util",
        "file:strategies/prompt.txt",
    }
    assert set(base["c"]) == {"ragorft.strategies.c", "ragorft.strategies"}  # the package, not its siblings

    def changed_after(path: Path, text: str) -> set[str]:
        before = prints()
        path.write_text(path.read_text() + text)
        after = prints()
        return {k for k in before if before[k] != after[k]}

    assert changed_after(tmp_path / "README.md", "more\n") == set()
    assert changed_after(tmp_path / "strategies" / "b.py", "B_ONLY = 1\n") == {"b"}
    assert changed_after(tmp_path / "benchmarks" / "models" / "util.py", "Y = 2\n") == {"a", "b"}
    assert changed_after(tmp_path / "benchmarks" / "core" / "log.py", "# no numbers here\n") == set()
    assert changed_after(prompt, "Answer with one label.\n") == {"a"}
    assert changed_after(tmp_path / "strategies" / "__init__.py", "REGISTRY = {}\n") == {"b", "c"}  # b: `from . import`


def test_walker_graph_matches_the_layer_view(tmp_path: Path) -> None:
    folders = _tree(tmp_path)
    graph = import_graph(package_modules(folders))
    assert graph["ragorft.strategies.b"] == {"ragorft.strategies._shared", "ragorft.strategies"}
    assert closure("ragorft.strategies.a", graph) == {
        "ragorft.strategies.a",
        "ragorft.strategies._shared",
        "ragorft.benchmarks.models.util",
        "ragorft.benchmarks.core.log",
    }


def test_prose_re_keys_nothing_and_code_re_keys(tmp_path: Path) -> None:
    """Docstrings and comments are prose: editing them leaves the fingerprint; any code edit changes it."""
    folders = _tree(tmp_path)
    util = tmp_path / "benchmarks" / "models" / "util.py"
    util.write_text(
        '"""Utilities."""\nfrom ragorft.benchmarks.core.log import FORMAT\n\n\n'
        'def f(x):\n    """Twice."""\n    return 2 * x\n'
    )

    def fp() -> dict[str, str]:
        fingerprint.forget()
        return code_fingerprint("ragorft.strategies.a", folders=folders)

    base = fp()
    util.write_text(util.read_text().replace('"""Utilities."""', '"""Utilities, said better."""'))
    util.write_text(util.read_text().replace('"""Twice."""', '"""Twice x.\n\n    Longer."""  # a comment'))
    util.write_text(util.read_text() + "# a trailing comment\n")
    assert fp() == base
    util.write_text(util.read_text().replace("2 * x", "3 * x"))
    assert fp()["ragorft.benchmarks.models.util"] != base["ragorft.benchmarks.models.util"]
    changed = fp()
    # a string that is data, not a docstring
    util.write_text(util.read_text().replace('"""Twice x.', 'X = """Twice x.'))
    assert fp()["ragorft.benchmarks.models.util"] != changed["ragorft.benchmarks.models.util"]
