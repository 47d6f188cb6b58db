"""QA corpora: the synthetic generator (deterministic, no leak), the shipped cards, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import sha256_bytes
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.paths import CORPORA_DIR
from ragorft.benchmarks.core.tomlio import read_toml
from ragorft.benchmarks.data.cards import load_corpus
from ragorft.benchmarks.data.synthetic import BiosParams, bios_bytes, generate_bios, params_from

from tests.helpers.corpora import MIRROR, sha256
from tests.helpers.knowledge import write_bios_corpus


def test_generator_is_deterministic_per_seed() -> None:
    p = BiosParams(entities=30, paraphrases=3, seed=7)
    assert bios_bytes(p) == bios_bytes(p)
    assert bios_bytes(p) != bios_bytes(BiosParams(entities=30, paraphrases=3, seed=8))


@pytest.mark.parametrize("paraphrases", [1, 4])
def test_split_leaks_no_test_entity_into_qa_training(paraphrases: int) -> None:
    g = generate_bios(BiosParams(entities=60, paraphrases=paraphrases, seed=3))
    people = {s: {d.split("#")[0] for q in g[s] for d in q["doc_ids"]} for s in ("train", "dev", "test")}
    assert people["test"] and people["train"] and people["dev"]
    assert not people["test"] & people["train"] and not people["dev"] & people["train"]
    assert not people["test"] & people["dev"]
    title = {d["id"].split("#")[0]: d["title"] for d in g["documents"]}
    test_names = {title[p] for p in people["test"]}
    assert not any(name in q["question"] for q in g["train"] for name in test_names)
    # every person has a document, so the test people's facts are in the knowledge base
    assert {d["id"].split("#")[0] for d in g["documents"]} == people["train"] | people["dev"] | people["test"]
    assert len(g["documents"]) == 60 * paraphrases


def test_paraphrases_render_the_same_facts_in_other_words() -> None:
    g = generate_bios(BiosParams(entities=10, paraphrases=4, seed=0))
    renderings = [d["text"] for d in g["documents"] if d["id"].startswith("p00000#")]
    assert len(set(renderings)) == 4
    q = next(q for s in ("train", "dev", "test") for q in g[s] if q["doc_ids"][0].startswith("p00000#"))
    assert all(q["answers"][0] in text for text in renderings)


@pytest.mark.parametrize("name", ["synthetic_bios", "synthetic_bios_para"])
def test_shipped_cards_name_the_generated_checksum(name: str, tmp_path: Path) -> None:
    """The card's sha256 is the generator's output for its parameters; loading generates into the cache."""
    card = read_toml(CORPORA_DIR / name / "corpus.toml")
    expected = card["files"][0]["sha256"]
    assert sha256_bytes(bios_bytes(params_from(card["generator"], Path(name)))) == expected
    corpus = load_corpus(name, tmp_path / "no-mirror")
    cached = tmp_path / "cache" / "corpora" / name / card["files"][0]["path"]
    assert sha256(cached) == expected
    assert corpus.card.task == "qa" and len(corpus.documents) == 200 * card["generator"]["paraphrases"]


def test_generator_drift_is_an_error(tmp_path: Path) -> None:
    card = (CORPORA_DIR / "synthetic_bios" / "corpus.toml").read_text()
    folder = tmp_path / "corpora" / "synthetic_bios"
    folder.mkdir(parents=True)
    (folder / "corpus.toml").write_text(card.replace("seed = 0", "seed = 1"))
    with pytest.raises(RagorftError, match="generated corpus has sha256 .* the card says"):
        load_corpus(folder, tmp_path / "no-mirror")


@pytest.mark.skipif(not (MIRROR / "squad-v1.1" / "dev-v1.1.json").is_file(), reason="no local SQuAD mirror")
def test_squad_card_splits_by_article() -> None:
    corpus = load_corpus("squad-v1.1", MIRROR)
    doc_ids = {d.id for d in corpus.documents}
    assert all(ex.doc_ids and set(ex.doc_ids) <= doc_ids for ex in corpus.test)
    test_articles = {d.split("-")[0] for d in doc_ids}
    train_articles = {ex.source.split("data[")[1].split("]")[0] for ex in corpus.train}
    assert len(test_articles) == 4 and len(train_articles) == 8 and not test_articles & train_articles


BAD = [
    ({"documents": []}, "non-empty 'documents'"),
    ({"documents": [{"id": "a", "text": "x"}], "train": [{"question": "q", "answers": []}]}, "train[0]"),
    (
        {"documents": [{"id": "a", "text": "x"}], "train": [{"question": "q", "answers": ["y"], "doc_ids": ["b"]}]},
        "unknown document id",
    ),
    ({"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}, "documents[1]"),
    ({"documents": [{"id": "a", "text": "x"}], "train": [{"question": " ", "answers": ["y"]}]}, "'question'"),
]


@pytest.mark.parametrize(("obj", "message"), BAD)
def test_bad_qa_json_is_one_line_exit_2(obj: dict, message: str, tmp_path: Path, capsys) -> None:
    card = write_bios_corpus(tmp_path, entities=10, paraphrases=1)
    data = tmp_path / "mirror" / "bios" / "bios.json"
    good = json.loads(data.read_text())
    data.write_text(json.dumps({**good, **obj}))
    card.write_text(card.read_text().replace(card.read_text().split('sha256 = "')[1][:64], sha256(data)))
    code = main(["corpus", "validate", str(card.parent), "--data-dir", str(tmp_path / "mirror")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "bios.json" in err and message in err


def test_validate_reports_qa_stats(tmp_path: Path, capsys) -> None:
    card = write_bios_corpus(tmp_path, entities=10, paraphrases=2)
    assert main(["corpus", "validate", str(card.parent), "--data-dir", str(tmp_path / "mirror")]) == 0
    out = capsys.readouterr().out
    assert "documents=20" in out and "test_with_gold_document=24" in out


def test_shipped_test_order_scores_every_question_type_in_proportion(tmp_path: Path) -> None:
    """The scored prefix of the synthetic corpus (a suite's max_test_items) has each type's share."""
    from collections import Counter

    from ragorft.benchmarks.data.sampling import stratified_order
    from ragorft.benchmarks.models.finetune import subset

    corpus = load_corpus("synthetic_bios", tmp_path / "no-mirror")
    types = Counter(ex.qtype for ex in corpus.test)
    assert len(types) == 6 and len(set(types.values())) == 1
    order = stratified_order(corpus.test, seed=0)
    for n in (60, 120):
        assert Counter(corpus.test[i].qtype for i in order[:n]) == {t: n // 6 for t in types}
    # every answer occurring once (birth dates) is scored in proportion, not pushed past the prefix
    assert sum(corpus.test[i].qtype == "birth_date" for i in order[:120]) == 20
    pairs = subset(corpus.train, 300, seed=0)  # lora_qa's QA training pairs
    assert Counter(ex.qtype for ex in pairs) == {t: 50 for t in types}


def test_paraphrases_are_distinct_sentences_per_fact() -> None:
    """Five renderings of a person use five different templates for every attribute."""
    from ragorft.benchmarks.data.synthetic import SENTENCES

    g = generate_bios(BiosParams(entities=10, paraphrases=5, seed=0))
    docs = [d for d in g["documents"] if d["id"].startswith("p00003#")]
    rows = [q for s in ("train", "dev", "test") for q in g[s] if q["doc_ids"][0].startswith("p00003#")]
    facts = {"name": docs[0]["title"]} | {q["type"]: q["answers"][0] for q in rows}
    assert len(docs) == 5
    for templates in SENTENCES.values():
        assert len(templates) >= 5
        used = [[t for t in templates if t.format(**facts) in d["text"]] for d in docs]
        assert all(len(u) == 1 for u in used)
        assert len({u[0] for u in used}) == 5


@pytest.mark.skipif(not (MIRROR / "squad-v1.1" / "dev-v1.1.json").is_file(), reason="no local SQuAD mirror")
def test_squad_test_order_is_stratified_by_article() -> None:
    """Repeated answers ("two", "1995") no longer crowd the scored prefix: each article its share."""
    from collections import Counter

    from ragorft.benchmarks.data.sampling import stratified_order

    corpus = load_corpus("squad-v1.1", MIRROR)
    articles = Counter(ex.stratum for ex in corpus.test)
    order = stratified_order(corpus.test, seed=0)
    scored = Counter(corpus.test[i].stratum for i in order[:120])
    for article, n in articles.items():
        assert abs(scored[article] - 120 * n / len(corpus.test)) <= 1
