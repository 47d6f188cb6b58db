"""The cell cache key: which edits invalidate which cells (and which invalidate none).

Cells of a suite with two strategies (rag, and few_shot on the packaged LM) over the tiny corpus.
Keys are computed for real (the real options parsing, registry, corpus checksums and import walker);
the edits are made on a copy of the package's own source tree or on copies of its data files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from ragorft.benchmarks.core import fingerprint
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.run.key import cell_key, explain, key_parts
from ragorft.benchmarks.run.suite import read_suite
from ragorft.strategies.few_shot import FewShot
from ragorft.strategies.prompted_lm import PROMPTS_FILE
from ragorft.strategies.rag import Rag, RagOptions

SUITE = """
name = "k"
corpora = ["{card}"]
budgets = [2, "full"]

[[run]]
name = "rag-default"
strategy = "rag"

[[run]]
name = "rag-k3"
strategy = "rag"
options = {{ k = 3 }}

[[run]]
strategy = "few_shot"
"""


@pytest.fixture
def keys(tiny_corpus: Path, tmp_path: Path):
    path = tmp_path / "k.toml"
    path.write_text(SUITE.format(card=tiny_corpus.parent))
    suite = read_suite(str(path))
    data = load_corpus_data(str(tiny_corpus.parent), None)

    def compute() -> dict[str, str]:
        fingerprint.forget()
        return {c.id.removeprefix("tiny/").removesuffix("/seed0"): cell_key(c, data, 0) for c in suite.cells}

    return compute


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {cell for cell in before if before[cell] != after[cell]}


RAG_DEFAULT = {"rag-default/2shot", "rag-default/full"}
RAG = RAG_DEFAULT | {"rag-k3/2shot", "rag-k3/full"}
FEW_SHOT = {"few_shot/2shot", "few_shot/full"}


def test_keys_are_stable_and_distinct(keys) -> None:
    first = keys()
    assert first == keys()
    assert len(set(first.values())) == len(first)


def test_a_changed_default_invalidates_only_cells_that_use_it(keys, monkeypatch: pytest.MonkeyPatch) -> None:
    before = keys()

    @dataclass
    class NewDefault(RagOptions):
        k: int = 7

    monkeypatch.setattr(Rag, "Options", NewDefault)
    assert changed(before, keys()) == RAG_DEFAULT  # rag-k3 sets k itself; few_shot never reads it


def test_a_strategy_version_bump_invalidates_its_cells(keys, monkeypatch: pytest.MonkeyPatch) -> None:
    before = keys()
    monkeypatch.setattr(FewShot, "version", "2")
    assert changed(before, keys()) == FEW_SHOT


def test_a_runs_own_timing_plan_invalidates_only_its_cells(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = load_corpus_data(str(tiny_corpus.parent), None)

    def suite_keys(text: str) -> dict[str, str]:
        path = tmp_path / "k.toml"
        path.write_text(text.format(card=tiny_corpus.parent))
        return {c.id: cell_key(c, data, 0) for c in read_suite(str(path)).cells}

    before = suite_keys(SUITE)
    after = suite_keys(SUITE.replace('strategy = "few_shot"', 'strategy = "few_shot"\ntimed_queries = 16'))
    assert {cell.split("/")[1] for cell in changed(before, after)} == {"few_shot"}


def test_an_edited_prompt_file_invalidates_only_the_prompted_cells(
    keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = tmp_path / "prompts" / "intent.toml"
    prompts.parent.mkdir()
    shutil.copy(PROMPTS_FILE, prompts)
    monkeypatch.setattr(FewShot, "data_files", (prompts,))
    before = keys()
    prompts.write_text(prompts.read_text() + "\n# a reworded instruction\n")
    assert changed(before, keys()) == FEW_SHOT


@pytest.fixture
def source_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package's source tree that the key's fingerprint reads instead of the real one."""
    root = tmp_path / "src"
    for folder in fingerprint.FOLDERS.values():
        shutil.copytree(folder, root / folder.name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "README.md").write_text("# ragorft\n")
    copied = {name: root / folder.name for name, folder in fingerprint.FOLDERS.items()}
    monkeypatch.setattr(fingerprint, "FOLDERS", copied)
    return root


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        ("strategies/rag.py", RAG),
        ("strategies/_retrieval.py", RAG),  # imported by rag (and rag_lm), not by few_shot
        ("strategies/prompted_lm.py", FEW_SHOT),
        ("benchmarks/models/label_decoding.py", FEW_SHOT),
        ("benchmarks/score/metrics.py", set()),  # metrics are computed from records, outside the cell
        ("strategies/lora.py", set()),  # another strategy
        ("benchmarks/publish/html.py", set()),  # reporting, after the numbers
        ("benchmarks/core/log.py", set()),  # infrastructure computes no number
        ("README.md", set()),
    ],
)
def test_code_edits_invalidate_exactly_the_cells_that_run_the_code(
    keys, source_copy: Path, edited: str, expected: set[str]
) -> None:
    before = keys()
    path = source_copy / edited
    path.write_text(path.read_text() + "\nAN_EDIT = 1\n")  # code: a comment alone re-keys nothing
    assert changed(before, keys()) == expected


def test_parts_explain_what_changed(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "k.toml"
    path.write_text(SUITE.format(card=tiny_corpus.parent))
    cell = read_suite(str(path)).cells[0]
    data = load_corpus_data(str(tiny_corpus.parent), None)
    old = key_parts(cell, data, 0)
    assert old["options"] == {"k": 10, "embedding_model": "all-MiniLM-L6-v2", "weighting": "similarity", "k_grid": []}
    assert old["models"]["all-MiniLM-L6-v2"] == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert old["test_items"]["n"] == len(data.corpus.test)
    assert {"torch", "transformers", "sentence-transformers", "faiss-cpu", "peft", "numpy"} <= set(old["packages"])

    @dataclass
    class NewDefault(RagOptions):
        k: int = 7

    monkeypatch.setattr(Rag, "Options", NewDefault)
    assert explain(old, key_parts(cell, data, 0)) == "options.k 10 -> 7"
    assert "no key parts" in explain(None, old)


def test_no_key_part_names_a_score_module(tiny_corpus: Path, tmp_path: Path) -> None:
    """Scoring is outside the cell: editing a metric re-keys nothing (``ragorft rescore`` applies it)."""
    path = tmp_path / "k.toml"
    path.write_text(SUITE.format(card=tiny_corpus.parent))
    data = load_corpus_data(str(tiny_corpus.parent), None)
    fingerprint.forget()
    for cell in read_suite(str(path)).cells:
        parts = key_parts(cell, data, 0)
        named = [m for part in ("code", "harness") for m in parts[part] if m.startswith("ragorft.benchmarks.score")]
        assert not named, f"{cell.id}: {named}"
        assert "ragorft.benchmarks.run.cell" in parts["harness"]
