"""Corpus cards and loading: every bad input is one clear error naming the file and row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import load_corpus, read_card

from tests.helpers.corpora import write_card, write_csv


def _corpus(tmp_path: Path, train_rows, test_rows, **card_kw) -> Path:
    mirror = tmp_path / "mirror" / "c"
    files = {
        "train.csv": write_csv(mirror / "train.csv", train_rows),
        "test.csv": write_csv(mirror / "test.csv", test_rows),
    }
    folder = tmp_path / "corpora" / "c"
    folder.mkdir(parents=True, exist_ok=True)
    return write_card(folder, name="c", files=files, **card_kw)


def test_loads_tiny_corpus(tiny_corpus: Path) -> None:
    corpus = load_corpus(tiny_corpus)
    assert corpus.labels == ["card_arrival", "exchange_rate", "lost_card"]
    assert len(corpus.train) == 18 and len(corpus.test) == 6
    assert corpus.dev is None
    assert corpus.train[0].source.endswith("train.csv:2")


def test_checksum_mismatch_names_the_file(tiny_corpus: Path, tmp_path: Path) -> None:
    with (tmp_path / "mirror" / "tiny" / "test.csv").open("a") as f:
        f.write("one more row,lost_card\n")
    with pytest.raises(RagorftError, match=r"test\.csv.*checksum mismatch"):
        load_corpus(tiny_corpus)


def test_missing_file_without_url_is_an_error(tiny_corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "mirror" / "tiny" / "train.csv").unlink()
    with pytest.raises(RagorftError, match="'train.csv' not found"):
        load_corpus(tiny_corpus)


def test_cache_is_used_after_mirror(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = tmp_path / "cache" / "corpora" / "tiny"
    cached.mkdir(parents=True)
    for name in ("train.csv", "test.csv"):
        (cached / name).write_bytes((tmp_path / "mirror" / "tiny" / name).read_bytes())
    monkeypatch.delenv("RAGORFT_DATA")
    assert len(load_corpus(tiny_corpus).train) == 18


def test_empty_text_names_row(tmp_path: Path) -> None:
    card = _corpus(tmp_path, [("hello", "a"), ("  ", "a"), ("bye", "b")], [("hi", "a")])
    with pytest.raises(RagorftError, match=r"train\.csv:3: empty text"):
        load_corpus(card)


def test_label_only_in_test(tmp_path: Path) -> None:
    card = _corpus(tmp_path, [("hello", "a"), ("bye", "b")], [("hi", "a"), ("what", "zzz")])
    with pytest.raises(RagorftError, match=r"test\.csv:3: label 'zzz' in test is absent from train"):
        load_corpus(card)


def test_missing_column(tmp_path: Path) -> None:
    card = _corpus(tmp_path, [("hello", "a")], [("hi", "a")], label_column="intent")
    with pytest.raises(RagorftError, match="missing column 'intent'"):
        load_corpus(card)


def test_bom_is_tolerated_and_other_encodings_refused(tmp_path: Path) -> None:
    card = _corpus(tmp_path, [("hello", "a"), ("bye", "b")], [("hi", "a")])
    train = tmp_path / "mirror" / "c" / "train.csv"
    train.write_bytes(b"\xef\xbb\xbf" + train.read_bytes())
    write_card(card.parent, name="c", files={"train.csv": train, "test.csv": tmp_path / "mirror/c/test.csv"})
    assert [e.text for e in load_corpus(card).train] == ["hello", "bye"]
    train.write_bytes("text,category\ncaf\u00e9,a\n".encode("latin-1"))
    write_card(card.parent, name="c", files={"train.csv": train, "test.csv": tmp_path / "mirror/c/test.csv"})
    with pytest.raises(RagorftError, match=r"train\.csv: not UTF-8"):
        load_corpus(card)


def test_card_path_cannot_escape(tmp_path: Path) -> None:
    folder = tmp_path / "corpora" / "evil"
    folder.mkdir(parents=True)
    (folder / "corpus.toml").write_text(
        'name = "evil"\ntask = "classification"\n[format]\nkind = "csv"\n'
        '[[files]]\npath = "../../etc/passwd"\nsha256 = "' + "0" * 64 + '"\n'
        '[splits]\ntrain = "../../etc/passwd"\ntest = "../../etc/passwd"\n'
    )
    with pytest.raises(RagorftError, match="must be relative and stay inside"):
        read_card(folder)


def test_invalid_toml_names_line(tmp_path: Path) -> None:
    folder = tmp_path / "corpora" / "bad"
    folder.mkdir(parents=True)
    (folder / "corpus.toml").write_text('name = "bad"\ntask = \n')
    with pytest.raises(RagorftError, match=r"corpus\.toml: invalid TOML: .*line 2"):
        read_card(folder)


def test_clinc_json_format_with_oos(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "mini_clinc"
    mirror.mkdir(parents=True)
    data = {
        "train": [["book a flight", "book_flight"], ["what's the weather", "weather"]],
        "oos_train": [["sing me a song", "oos"]],
        "val": [["flight to paris", "book_flight"]],
        "oos_val": [["tell a joke", "oos"]],
        "test": [["is it raining", "weather"]],
        "oos_test": [["who won the game", "oos"]],
    }
    (mirror / "data.json").write_text(json.dumps(data))
    folder = tmp_path / "corpora" / "mini_clinc"
    folder.mkdir(parents=True)
    write_card(
        folder,
        name="mini_clinc",
        files={"data.json": mirror / "data.json"},
        fmt="clinc-json",
        extra='out_of_scope_label = "oos"',
        splits='train = { file = "data.json", keys = ["train", "oos_train"] }\n'
        'dev = { file = "data.json", keys = ["val", "oos_val"] }\n'
        'test = { file = "data.json", keys = ["test", "oos_test"] }',
    )
    corpus = load_corpus(folder)
    assert corpus.labels == ["book_flight", "oos", "weather"]
    assert [e.label for e in corpus.test] == ["weather", "oos"]
    assert corpus.dev is not None and len(corpus.dev) == 2
    assert corpus.test[1].source.endswith("data.json:oos_test[0]")


def test_jsonl_malformed_line(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "j"
    mirror.mkdir(parents=True)
    (mirror / "train.jsonl").write_text('{"text": "a b", "label": "x"}\n{"text": "broken"\n')
    (mirror / "test.jsonl").write_text('{"text": "a c", "label": "x"}\n')
    folder = tmp_path / "corpora" / "j"
    folder.mkdir(parents=True)
    write_card(
        folder,
        name="j",
        fmt="jsonl",
        label_column="label",
        files={"train.jsonl": mirror / "train.jsonl", "test.jsonl": mirror / "test.jsonl"},
        splits='train = "train.jsonl"\ntest = "test.jsonl"',
    )
    with pytest.raises(RagorftError, match=r"train\.jsonl:2: malformed JSON"):
        load_corpus(folder)


@pytest.mark.parametrize("name", ["banking77", "clinc150"])
def test_shipped_cards_match_the_mirror(name: str) -> None:
    from tests.helpers.corpora import MIRROR

    if not (MIRROR / name).is_dir():
        pytest.skip(f"no local mirror of {name}")
    corpus = load_corpus(name, MIRROR, download=False)
    expected = {"banking77": (10003, 3080, 77), "clinc150": (15100, 5500, 151)}[name]
    assert (len(corpus.train), len(corpus.test), len(corpus.labels)) == expected
