"""Task "structured": SNIPS-format and frames-jsonl cards read into utterances with gold frames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import load_corpus, read_card
from ragorft.benchmarks.data.sampling import sample_budget
from ragorft.benchmarks.data.structured import decode

from tests.helpers.corpora import MIRROR, sha256
from tests.helpers.structured import INTENT_NAMES, write_structured_corpus


def test_a_snips_corpus_reads_into_utterances_with_canonical_frames(tmp_path: Path) -> None:
    card = write_structured_corpus(tmp_path)
    corpus = load_corpus(card, tmp_path / "mirror", download=False)
    assert corpus.labels == sorted(INTENT_NAMES)
    assert (len(corpus.train), len(corpus.test)) == (36, 12)
    first = corpus.train[0]
    assert first.text == "what is the weather in Paris tomorrow"
    assert first.label == "GetWeather"
    assert json.loads(first.target) == {"intent": "GetWeather", "slots": {"city": "Paris", "timeRange": "tomorrow"}}
    assert first.target == '{"intent":"GetWeather","slots":{"city":"Paris","timeRange":"tomorrow"}}'
    budget = sample_budget(corpus.train, 2, seed=0)  # budgets are per intent
    assert sorted(ex.label for ex in budget) == sorted(INTENT_NAMES * 2)


def test_a_repeated_slot_type_keeps_every_value_in_order(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "rep"
    mirror.mkdir(parents=True)
    parts = [{"text": "show "}, {"text": "movie", "entity": "t"}, {"text": " and "}, {"text": " times ", "entity": "t"}]
    f = mirror / "a.json"
    f.write_text(json.dumps({"Find": [{"data": parts}]}))
    card = tmp_path / "corpora" / "rep" / "corpus.toml"
    card.parent.mkdir(parents=True)
    card.write_text(
        f'name = "rep"\ntask = "structured"\n[format]\nkind = "snips-json"\n[[files]]\npath = "a.json"\n'
        f'sha256 = "{sha256(f)}"\n[splits]\ntrain = "a.json"\ntest = "a.json"\n'
    )
    ex = load_corpus(card, tmp_path / "mirror", download=False).test[0]
    assert ex.text == "show movie and times"
    assert json.loads(ex.target) == {"intent": "Find", "slots": {"t": ["movie", "times"]}}


def _jsonl_card(tmp_path: Path, lines: list[str]) -> Path:
    mirror = tmp_path / "mirror" / "fr"
    mirror.mkdir(parents=True)
    f = mirror / "d.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    card = tmp_path / "corpora" / "fr" / "corpus.toml"
    card.parent.mkdir(parents=True)
    card.write_text(
        f'name = "fr"\ntask = "structured"\n[format]\nkind = "frames-jsonl"\ntarget_column = "frame"\n'
        f'[[files]]\npath = "d.jsonl"\nsha256 = "{sha256(f)}"\n[splits]\ntrain = "d.jsonl"\ntest = "d.jsonl"\n'
    )
    return card


def test_frames_jsonl_reads_a_target_object_and_names_the_bad_row(tmp_path: Path) -> None:
    good = json.dumps({"text": "rain in Oslo?", "frame": {"intent": "GetWeather", "slots": {"city": "Oslo"}}})
    card = _jsonl_card(tmp_path, [good])
    corpus = load_corpus(card, tmp_path / "mirror", download=False)
    assert json.loads(corpus.test[0].target)["slots"] == {"city": "Oslo"}
    bad = json.dumps({"text": "x", "frame": {"intent": "A", "slots": {"city": 3}}})
    card = _jsonl_card(tmp_path / "b", [good, bad])
    with pytest.raises(RagorftError, match=r"d\.jsonl:2: frame\.slots\.city"):
        load_corpus(card, tmp_path / "b" / "mirror", download=False)


def test_a_format_of_another_task_is_refused(tmp_path: Path) -> None:
    card = write_structured_corpus(tmp_path)
    card.write_text(card.read_text().replace('task = "structured"', 'task = "classification"'))
    with pytest.raises(RagorftError, match=r"format 'snips-json' does not fit task 'classification'"):
        read_card(card)


def test_encodings_decode_strictly_and_refuse_mojibake(tmp_path: Path) -> None:
    f = tmp_path / "f.json"
    assert decode(f, "Música".encode("latin-1"), "latin-1") == "Música"
    with pytest.raises(RagorftError, match=r"f\.json: not utf-8 at byte 1"):
        decode(f, "Música".encode("latin-1"), "utf-8")
    with pytest.raises(RagorftError, match=r"f\.json: declared latin-1 but its non-ASCII bytes are UTF-8"):
        decode(f, "Música".encode(), "latin-1")
    cesu = "pizza 🍕".encode("utf-16-le", "surrogatepass").decode("utf-16-le")  # the pair as two code points
    raw = cesu.encode("utf-8", "surrogatepass")
    assert decode(f, raw, "cesu-8") == "pizza 🍕"
    with pytest.raises(RagorftError, match=r"f\.json: not cesu-8"):
        decode(f, "x \ud83c".encode("utf-8", "surrogatepass"), "cesu-8")  # an unpaired surrogate


def test_a_wrong_encoding_on_the_card_is_one_line_naming_the_file(tmp_path: Path) -> None:
    card = write_structured_corpus(tmp_path, encoding="latin-1")  # UTF-8 files, but all ASCII: accepted
    assert load_corpus(card, tmp_path / "mirror", download=False).train
    mirror = tmp_path / "mirror" / "tiny_snips" / "train_PlayMusic.json"
    mirror.write_bytes(mirror.read_bytes().replace(b"Bjork", "Björk".encode()))
    text = card.read_text()
    old = text.split('path = "train_PlayMusic.json"\nsha256 = "')[1][:64]
    card.write_text(text.replace(old, sha256(mirror)))
    with pytest.raises(RagorftError, match=r"train_PlayMusic\.json: declared latin-1 but"):
        load_corpus(card, tmp_path / "mirror", download=False)


@pytest.mark.skipif(not (MIRROR / "snips" / "validate_GetWeather.json").is_file(), reason="no SNIPS mirror")
def test_the_snips_card_reads_the_mirror_without_mojibake() -> None:
    corpus = load_corpus("snips", MIRROR, download=False)
    assert (len(corpus.train), len(corpus.test), len(corpus.labels)) == (13784, 700, 7)
    targets = [ex.target for ex in corpus.train]
    assert not any("Ã" in t for t in targets)
    assert any("Música" in t for t in targets) and any("🍕" in t for t in targets)
    slot_types = {k for ex in corpus.train + corpus.test for k in json.loads(ex.target)["slots"]}
    assert len(slot_types) == 39


def test_a_classification_split_may_span_files_and_declare_latin_1(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "two"
    mirror.mkdir(parents=True)
    a, b, t = mirror / "a.csv", mirror / "b.csv", mirror / "t.csv"
    a.write_bytes("text,category\nmúsica alta,play\nwhat weather,weather\n".encode("latin-1"))
    b.write_text("text,category\nplay a song,play\nrain today,weather\n", encoding="utf-8")
    t.write_text("text,category\nsome jazz,play\n", encoding="utf-8")
    card = tmp_path / "corpora" / "two" / "corpus.toml"
    card.parent.mkdir(parents=True)
    files = "".join(
        f'[[files]]\npath = "{p.name}"\nsha256 = "{sha256(p)}"\n' + ('encoding = "latin-1"\n' if p == a else "")
        for p in (a, b, t)
    )
    card.write_text(
        'name = "two"\ntask = "classification"\n[format]\nkind = "csv"\nlabel_column = "category"\n'
        f'{files}[splits]\ntrain = ["a.csv", "b.csv"]\ntest = "t.csv"\n'
    )
    corpus = load_corpus(card, tmp_path / "mirror", download=False)
    assert [ex.text for ex in corpus.train] == ["música alta", "what weather", "play a song", "rain today"]
    card.write_text(card.read_text().replace('encoding = "latin-1"\n', ""))
    with pytest.raises(RagorftError, match=r"a\.csv: not UTF-8 at byte"):
        load_corpus(card, tmp_path / "mirror", download=False)
