"""`ragorft corpus init`: a valid card (and its files beside it) from data files in the layouts users have.

The worked example of docs/own-data.md: Banking77's CSV, converted here into the line-aligned
layout (``train/seq.in`` + ``train/label``), becomes a corpus that ``validate`` and ``bench`` find
by name in the user's card folder.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.data.cards import find_card, load_corpus, read_card

from tests.helpers.corpora import INTENTS, MIRROR, sha256, write_csv

ROWS = [(t, lab) for lab, texts in INTENTS.items() for t in texts]  # 8 per label, 3 labels


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _user_card(name: str) -> Path:
    return find_card(name)


def test_banking77_in_the_line_aligned_layout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = MIRROR / "banking77" / "train.csv"
    if not source.is_file():
        pytest.skip(f"no local mirror of banking77 at {source}")
    with source.open(encoding="utf-8", newline="") as f:
        labels = ("card_arrival", "lost_or_stolen_card", "top_up_failed")
        rows = [r for r in csv.DictReader(f) if r["category"] in labels]
    data = tmp_path / "bank_lines"
    for split, part in (("train", rows[:240]), ("test", rows[240:300])):
        (data / split).mkdir(parents=True)
        (data / split / "seq.in").write_text("".join(r["text"].replace("\n", " ") + "\n" for r in part), "utf-8")
        (data / split / "label").write_text("".join(r["category"] + "\n" for r in part), "utf-8")
    code, out, err = _run(capsys, "corpus", "init", str(data), "--licence", "CC-BY-4.0")
    assert code == 0, err
    assert "ok: bank_lines" in out and "train_rows=240, test_rows=60" in out
    card = read_card("bank_lines")  # by name: the user's card folder ($RAGORFT_CORPORA) is searched
    assert card.format == "jsonl" and card.licence == "CC-BY-4.0"
    assert sorted(card.files) == ["test.jsonl", "train.jsonl"]
    corpus = load_corpus("bank_lines")
    assert corpus.train[0].text == rows[0]["text"].strip() and corpus.train[0].label == rows[0]["category"]
    assert _run(capsys, "corpus", "validate", "bank_lines")[0] == 0
    assert "bank_lines\tclassification\tCC-BY-4.0" in _run(capsys, "corpus", "list")[1]


def _write(folder: Path, kind: str) -> Path:
    """ROWS (train: the first 6 of each label, test: the other 2) in one layout; returns what to pass."""
    train, test = [r for i, r in enumerate(ROWS) if i % 8 < 6], [r for i, r in enumerate(ROWS) if i % 8 >= 6]
    folder.mkdir(parents=True)
    for split, rows in (("train", train), ("test", test)):
        if kind == "csv":
            write_csv(folder / f"{split}.csv", rows)
        elif kind == "tsv":
            with (folder / f"{split}.tsv").open("w", newline="", encoding="utf-8") as f:
                csv.writer(f, delimiter="\t").writerows([("text", "category"), *rows])
        elif kind == "jsonl":
            lines = "".join(json.dumps({"utterance": t, "intent": lab, "n": 1}) + "\n" for t, lab in rows)
            (folder / f"{split}.jsonl").write_text(lines, encoding="utf-8")
        elif kind == "json":
            (folder / f"{split}.json").write_text(json.dumps([{"sentence": t, "y": lab} for t, lab in rows]))
        elif kind == "parquet":
            import pandas as pd

            codes = {lab: i for i, lab in enumerate(INTENTS)}
            frame = pd.DataFrame({"text": [t for t, _ in rows], "label": [codes[lab] for _, lab in rows]})
            frame.to_parquet(folder / f"{split}-00000-of-00001.parquet")
        elif kind == "cp1252":
            with (folder / f"{split}.csv").open("w", newline="", encoding="cp1252") as f:
                csv.writer(f).writerows([("text", "label"), *((f"{t} café", lab) for t, lab in rows)])
    return folder


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [("csv", "csv"), ("tsv", "jsonl"), ("jsonl", "jsonl"), ("json", "jsonl")]
    + [("parquet", "jsonl"), ("cp1252", "jsonl")],
)
def test_each_layout_becomes_a_valid_card(kind: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = _write(tmp_path / "mine", kind)
    code, out, err = _run(capsys, "corpus", "init", str(data), "--name", f"mine-{kind}")
    assert code == 0, err
    assert "ok: mine-" in out and "labels=3, train_rows=18, test_rows=6" in out
    card = read_card(f"mine-{kind}")
    assert card.format == fmt and card.licence == "unknown"
    assert "# fill in: the data's licence" in card.card_path.read_text()
    if kind == "csv":  # read as it is: copied unchanged, same checksum
        assert card.files["train.csv"].sha256 == sha256(data / "train.csv")
    corpus = load_corpus(card.folder)
    if kind == "cp1252":  # decoded, then written as UTF-8
        assert corpus.train[0].text.endswith(" café") and "encoding cp1252" in out
    labels = corpus.labels
    assert labels == (["0", "1", "2"] if kind == "parquet" else sorted(INTENTS))


def test_one_file_gets_a_carved_test_split(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "stuff" / "all.csv", ROWS, header=("text", "label"))
    code, out, err = _run(capsys, "corpus", "init", str(path))
    assert code == 0, err
    assert "no test file: a stratified 20% of train (seed 0)" in out and "train_rows=18, test_rows=6" in out
    corpus = load_corpus("stuff")
    assert {ex.label for ex in corpus.test} == set(INTENTS)


def test_ambiguous_columns_are_an_error_listing_candidates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [(t, t + " again", lab) for t, lab in ROWS]
    path = tmp_path / "amb" / "train.csv"
    path.parent.mkdir()
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("a", "b", "c"), *rows])
    code, _, err = _run(capsys, "corpus", "init", str(path))
    assert code == 2 and err.count("\n") == 1
    assert f"{path}: cannot tell the text column: candidates 'a', 'b'; pass --text-column" in err
    assert not list((tmp_path / "user-corpora").glob("amb*"))  # nothing written
    code, out, err = _run(capsys, "corpus", "init", str(path), "--text-column", "b")
    assert code == 0, err
    assert "text column 'b' (--text-column); label column 'c' (the only column that looks like one)" in out


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        ("a\nb\nc\n", "x\ny\n", "train/label: 2 labels for the 3 lines of"),
        ("a\n\nc\n", "x\ny\nx\n", "train/seq.in:2: empty text"),
        ("a\nb\nc\n", "x\n \nx\n", "train/label:2: empty label"),
    ],
)
def test_line_aligned_errors_name_the_file_and_line(
    texts: str, labels: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "d" / "train").mkdir(parents=True)
    (tmp_path / "d" / "train" / "seq.in").write_text(texts)
    (tmp_path / "d" / "train" / "label").write_text(labels)
    code, _, err = _run(capsys, "corpus", "init", str(tmp_path / "d"))
    assert code == 2 and message in err and err.count("\n") == 1


def test_bad_rows_name_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "j" / "train.jsonl"
    path.parent.mkdir()
    path.write_text('{"text": "hi", "label": "a"}\n{"text": "yo", "label": "b"}\n{"text": "x", "label": ["a"]}\n')
    code, _, err = _run(capsys, "corpus", "init", str(path))
    assert code == 2 and f"{path}:3: label column 'label' is list" in err
    path.write_text('{"text": "hi", "label": "a"}\n{"text": "yo", "label": "b"\n')
    code, _, err = _run(capsys, "corpus", "init", str(path))
    assert code == 2 and f"{path}:2: malformed JSON" in err


def test_existing_and_packaged_names_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = _write(tmp_path / "mine", "csv")
    assert _run(capsys, "corpus", "init", str(data))[0] == 0
    code, _, err = _run(capsys, "corpus", "init", str(data))
    assert code == 2 and "corpus 'mine' exists (pass --force to replace it)" in err
    assert _run(capsys, "corpus", "init", str(data), "--force")[0] == 0
    code, _, err = _run(capsys, "corpus", "init", str(data), "--name", "banking77")
    assert code == 2 and "'banking77' is a packaged corpus" in err
    code, _, err = _run(capsys, "corpus", "init", str(data), "--name", "../up")
    assert code == 2 and "--name must match" in err


def test_corpora_dir_flag_and_a_suite_naming_the_user_card(tmp_path: Path, capsys, monkeypatch) -> None:
    data = _write(tmp_path / "mine", "csv")
    cards = tmp_path / "my-cards"
    assert _run(capsys, "corpus", "init", str(data), "--corpora-dir", str(cards))[0] == 0
    assert (cards / "mine" / "corpus.toml").is_file()
    monkeypatch.setenv("RAGORFT_CORPORA", str(cards))  # what bench, recommend and the cell processes read
    from ragorft.benchmarks.run.suite import read_suite

    suite = tmp_path / "s.toml"
    suite.write_text('corpora = ["mine"]\n[[run]]\nstrategy = "rag"\n')
    cell = read_suite(str(suite)).cells[0]
    assert cell.corpus == "mine" and cell.corpus_source == str((cards / "mine" / "corpus.toml").resolve())


def test_clinc_style_and_qa_json_are_copied_with_their_splits(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pairs = {"train": [[t, lab] for t, lab in ROWS[::2]], "val": [[t, lab] for t, lab in ROWS[1::4]]}
    pairs |= {"test": [[t, lab] for t, lab in ROWS[3::4]], "oos_train": [["sing me a song", "oos"]] * 2}
    pairs |= {"oos_test": [["what is love", "oos"]]}
    (tmp_path / "cl").mkdir()
    (tmp_path / "cl" / "data.json").write_text(json.dumps(pairs))
    code, out, err = _run(capsys, "corpus", "init", str(tmp_path / "cl"))
    assert code == 0, err
    card = read_card("cl")
    assert card.format == "clinc-json" and card.out_of_scope_label == "oos"
    assert card.splits["train"].keys == ("train", "oos_train") and card.splits["dev"].keys == ("val",)
    docs = [{"id": "d1", "text": "Ada Park was born in Lisbon."}, {"id": "d2", "text": "Bo Lee works in Oslo."}]
    qa: dict = {"documents": docs}
    qa["train"] = [{"question": "Where was Ada Park born?", "answers": ["Lisbon"], "doc_ids": ["d1"]}]
    qa["test"] = [{"question": "Where does Bo Lee work?", "answers": ["Oslo"], "doc_ids": ["d2"]}]
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "kb.json").write_text(json.dumps(qa))
    code, out, err = _run(capsys, "corpus", "init", str(tmp_path / "kb"))
    assert code == 0, err
    assert read_card("kb").task == "qa" and "documents=2, train_questions=1, test_questions=1" in out
