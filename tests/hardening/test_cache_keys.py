"""Issue 33, caches that see every input: a local model's weights and every card field a cell
reads are in the cell key, and the embedding store is named by the weights it was made with.

Two ``rag`` runs, each on its own tiny local sentence encoder: rewriting one encoder's weights
re-keys exactly that run's cells, and its embeddings (the real store on one cache) come out as
a fresh cache's, while the other encoder's store is left alone. Keys are computed for real (the
suite reader, options parsing, registry and corpus checksums), without running cells.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.card_schema import CardSchema
from ragorft.benchmarks.data.cards import UNKEYED_CARD_FIELDS, read_card
from ragorft.benchmarks.models.embeddings import Embedder, EmbeddingStore
from ragorft.benchmarks.models.registry import weights_id
from ragorft.benchmarks.run import job as cell_job
from ragorft.benchmarks.run.cell import load_corpus_data
from ragorft.benchmarks.run.key import cell_key
from ragorft.benchmarks.run.suite import read_suite

from tests.hardening.conftest import perturb as _perturb

SUITE = """
name = "w"
corpora = ["{card}"]
budgets = [2, "full"]

[[run]]
name = "rag-a"
strategy = "rag"
options = {{ embedding_model = "{a}", k = 3 }}

[[run]]
name = "rag-b"
strategy = "rag"
options = {{ embedding_model = "{b}", k = 3 }}
"""
TEXTS = ["when will my card arrive", "I was charged twice", "reset my password please"]


def _stores(cache: Path) -> dict[str, int]:
    """{embedding store file: mtime_ns}."""
    return {str(p.relative_to(cache)): p.stat().st_mtime_ns for p in (cache / "embeddings").rglob("*.npy")}


def test_rewritten_local_weights_rekey_exactly_their_cells_and_embeddings(
    tmp_path: Path, tiny_corpus: Path, encoders: tuple[Path, Path]
) -> None:
    a, b = (shutil.copytree(e, tmp_path / e.name) for e in encoders)  # this test rewrites its own copy
    suite_file = tmp_path / "w.toml"
    suite_file.write_text(SUITE.format(card=tiny_corpus.parent, a=a, b=b))
    suite, data = read_suite(str(suite_file)), load_corpus_data(str(tiny_corpus.parent), None)
    before = {c.id: cell_key(c, data, 0) for c in suite.cells}
    cache = tmp_path / "cache"
    old = {m: Embedder(cache, data.corpus.key)(str(m), TEXTS) for m in (a, b)}
    stores = _stores(cache)
    assert len(stores) == 2  # one store per encoder's weights

    _perturb(a)
    after = {c.id: cell_key(c, data, 0) for c in suite.cells}
    assert {c for c in before if before[c] != after[c]} == {c.id for c in suite.cells if c.run == "rag-a"}
    same_cache = {m: Embedder(cache, data.corpus.key)(str(m), TEXTS) for m in (a, b)}
    fresh = {m: Embedder(tmp_path / "fresh", data.corpus.key)(str(m), TEXTS) for m in (a, b)}
    assert not np.allclose(same_cache[a], old[a])  # the new weights' vectors, not the cached ones
    np.testing.assert_allclose(same_cache[a], fresh[a], atol=1e-6)
    np.testing.assert_allclose(same_cache[b], old[b])
    now = _stores(cache)
    assert {k: v for k, v in now.items() if k in stores} == stores  # no store overwritten
    assert len(now) == 3  # a new one for a's new weights


def test_a_long_lived_process_sees_rewritten_weights(tmp_path: Path, encoders: tuple[Path, Path]) -> None:
    """One Embedder kept across cells (inline cells, a Ray worker) keys its stores by weights too."""
    a = shutil.copytree(encoders[0], tmp_path / "a")
    embed = Embedder(tmp_path / "cache", "corpus")
    first = embed(str(a), TEXTS)
    _perturb(a)
    np.testing.assert_allclose(embed(str(a), TEXTS), Embedder(tmp_path / "fresh", "corpus")(str(a), TEXTS), atol=1e-6)
    assert not np.allclose(embed(str(a), TEXTS), first)


def test_embedding_store_is_named_by_weights(tmp_path: Path, encoders: tuple[Path, Path]) -> None:
    store = EmbeddingStore(tmp_path, "corpus", str(encoders[0]))
    assert store.weights == weights_id(str(encoders[0])) and store.base.name.endswith("@" + store.weights[:16])
    registry = EmbeddingStore(tmp_path, "corpus", "all-MiniLM-L6-v2")
    assert registry.weights == weights_id("all-MiniLM-L6-v2") and len(registry.weights) == 64


# -- every card field a cell reads is in the key (case 2) ------------------------------------------

CARD_EDITS = {
    # field: (old text, new text) in the tiny card; each changes what a cell computes or scores
    "out_of_scope_label": ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\nout_of_scope_label = "card_arrival"'),
    "format.text_column": ('text_column = "text"', 'text_column = "category"'),
    "format.label_column": ('label_column = "category"', 'label_column = "text"'),
    "name": None,  # the folder name: the tests move the card, covered by corpus_key's name part
    "splits": ('test = "test.csv"', 'test = "train.csv"'),
}
UNKEYED_EDITS = {
    "title": ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\ntitle = "Tiny"'),
    "licence": ('licence = "CC0-1.0"', 'licence = "MIT"'),
    "citation": ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\ncitation = "x"'),
    "homepage": ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\nhomepage = "https://example.org"'),
    "costs": ("[format]", "[costs]\ncost_per_error = 2.0\n\n[format]"),
    "references": (
        "[format]",
        '[[references]]\nsystem = "x"\nsource = "y"\naccuracy = 0.5\n\n[format]',
    ),
}


def test_every_card_field_is_keyed_or_declared_unread() -> None:
    """A new card field must be put in CorpusCard.key or declared as read by no cell."""
    fields = set(CardSchema.model_fields)
    assert set(UNKEYED_CARD_FIELDS) <= fields
    assert UNKEYED_CARD_FIELDS == tuple(UNKEYED_EDITS)  # each declared-unread field is tested below
    keyed = fields - set(UNKEYED_CARD_FIELDS)
    assert keyed == {"name", "task", "out_of_scope_label", "format", "files", "splits", "generator"}


@pytest.mark.parametrize("field", [f for f, edit in CARD_EDITS.items() if edit])
def test_a_card_field_a_cell_reads_rekeys(tiny_corpus: Path, field: str) -> None:
    before = read_card(tiny_corpus).key
    old, new = CARD_EDITS[field]
    tiny_corpus.write_text(tiny_corpus.read_text().replace(old, new, 1))
    assert read_card(tiny_corpus).key != before


@pytest.mark.parametrize("field", list(UNKEYED_EDITS))
def test_a_card_field_no_cell_reads_keeps_the_key(tiny_corpus: Path, field: str) -> None:
    before = read_card(tiny_corpus).key
    old, new = UNKEYED_EDITS[field]
    tiny_corpus.write_text(tiny_corpus.read_text().replace(old, new, 1))
    assert read_card(tiny_corpus).key == before


def test_out_of_scope_label_added_rekeys_and_reaches_the_cell(tmp_path: Path, tiny_corpus: Path) -> None:
    """The issue's case: adding the label to a benched card re-keys the cell, and a process that
    loaded the card before (inline cells, a Ray worker) loads it again for the new key."""
    suite_file = tmp_path / "o.toml"
    suite_file.write_text(f'name = "o"\ncorpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "rag"\n')
    (cell,) = read_suite(str(suite_file)).cells
    data = load_corpus_data(str(tiny_corpus.parent), None)
    before = cell_key(cell, data, 0)
    assert cell_job._corpus_data(cell.corpus_source, None, 0, data.corpus.key).corpus.card.out_of_scope_label is None
    tiny_corpus.write_text(tiny_corpus.read_text().replace(*CARD_EDITS["out_of_scope_label"], 1))
    data = load_corpus_data(str(tiny_corpus.parent), None)
    assert cell_key(cell, data, 0) != before
    loaded = cell_job._corpus_data(cell.corpus_source, None, 0, data.corpus.key)
    assert loaded.corpus.card.out_of_scope_label == "card_arrival"


# -- a path option must be a model (case 8) --------------------------------------------------------


@pytest.mark.parametrize("value", ["/etc", "/", "{tmp}", "{tmp}/empty.txt"])
def test_a_path_that_is_no_model_is_refused_at_suite_read(
    tmp_path: Path, tiny_corpus: Path, capsys, value: str
) -> None:
    (tmp_path / "empty.txt").write_text("")
    path = value.format(tmp=tmp_path)
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'name = "s"\ncorpora = ["{tiny_corpus.parent}"]\n[[run]]\nstrategy = "rag"\n'
        f'options = {{ embedding_model = "{path}" }}\n'
    )
    with pytest.raises(
        RagorftError, match=re.escape(f"run[0].options.embedding_model: '{path}' is a path but no model")
    ):
        read_suite(str(suite))
    code = main(["bench", "--suite", str(suite), "--results-dir", str(tmp_path / "r"), "--plan"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is a path but no model" in err and str(suite) in err, err


def test_weights_of_a_path_that_is_no_model_are_never_read(tmp_path: Path) -> None:
    with pytest.raises(RagorftError, match="is a path but no model"):
        weights_id("/etc")
    assert weights_id("no-such-model-anywhere") is None
