"""Issue 33, data files: every format a card can name is valid by its shape or refused in one line
naming the file (and row), at any nesting depth and with any JSON value in any position.

Families, not examples: nesting depth up to 100,000 of arrays or objects, and every kind of JSON
value put where a list, an object or a string belongs, each read through the real loader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import load_corpus

from tests.helpers.corpora import sha256, write_card, write_csv

FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))

#: any JSON value, small: what a careless or hostile file puts where something else belongs
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
DEPTHS = st.integers(min_value=1, max_value=100_000)
OPENERS = st.sampled_from(["[", '{"a":'])


def nested(depth: int, opener: str) -> str:
    """A JSON value nested ``depth`` deep (valid JSON, so only the depth is hostile)."""
    closer = "]" if opener == "[" else "}"
    return opener * depth + "1" + closer * depth


def _mirror(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "mirror" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _card(tmp_path: Path, name: str, body: str, files: dict[str, Path]) -> Path:
    folder = tmp_path / "corpora" / name
    folder.mkdir(parents=True, exist_ok=True)
    listed = "".join(f'\n[[files]]\npath = "{rel}"\nsha256 = "{sha256(p)}"\n' for rel, p in files.items())
    card = folder / "corpus.toml"
    card.write_text(f'name = "{name}"\nlicence = "CC0-1.0"\n{body}\n{listed}')
    return card


def jsonl_corpus(tmp_path: Path, train_lines: list[str]) -> Path:
    mirror = _mirror(tmp_path, "jl")
    good = [json.dumps({"text": f"text {i}", "label": lab}) for i, lab in enumerate("abab")]
    (mirror / "train.jsonl").write_text("\n".join(train_lines + good) + "\n", encoding="utf-8")
    (mirror / "test.jsonl").write_text("\n".join(good) + "\n", encoding="utf-8")
    files = {"train.jsonl": mirror / "train.jsonl", "test.jsonl": mirror / "test.jsonl"}
    body = 'task = "classification"\n[format]\nkind = "jsonl"\n[splits]\ntrain = "train.jsonl"\ntest = "test.jsonl"'
    return _card(tmp_path, "jl", body, files)


def clinc_corpus(tmp_path: Path, text: str) -> Path:
    mirror = _mirror(tmp_path, "cj")
    (mirror / "data.json").write_text(text, encoding="utf-8")
    body = (
        'task = "classification"\n[format]\nkind = "clinc-json"\n[splits]\n'
        'train = { file = "data.json", keys = ["train"] }\ntest = { file = "data.json", keys = ["test"] }'
    )
    return _card(tmp_path, "cj", body, {"data.json": mirror / "data.json"})


def qa_corpus(tmp_path: Path, text: str, kind: str = "qa-json") -> Path:
    mirror = _mirror(tmp_path, "qj")
    (mirror / "kb.json").write_text(text, encoding="utf-8")
    extra = "test_articles = 1\ntrain_articles = 1\n" if kind == "squad-json" else ""
    body = (
        f'task = "qa"\n[format]\nkind = "{kind}"\n{extra}[splits]\n'
        'train = { file = "kb.json", keys = ["train"] }\ntest = { file = "kb.json", keys = ["test"] }'
    )
    return _card(tmp_path, "qj", body, {"kb.json": mirror / "kb.json"})


def refused_or_loaded(card: Path, tmp_path: Path) -> str | None:
    """None when the corpus loads; else the one-line refusal, which must name the data file."""
    try:
        load_corpus(card, tmp_path / "mirror")
    except RagorftError as exc:
        line = str(exc)
        assert "\n" not in line and str(tmp_path / "mirror") in line, line
        return line
    return None


# -- nesting (case 10) ---------------------------------------------------------------------------


@FAST
@given(depth=DEPTHS, opener=OPENERS)
def test_deep_nesting_in_a_jsonl_line_is_one_line(tmp_path_factory, depth: int, opener: str) -> None:
    tmp = tmp_path_factory.mktemp("jl")
    line = '{"text": ' + nested(depth, opener) + ', "label": "a"}'
    assert refused_or_loaded(jsonl_corpus(tmp, [line]), tmp) is not None


@FAST
@given(depth=DEPTHS, opener=OPENERS)
def test_deep_nesting_in_clinc_json_is_one_line(tmp_path_factory, depth: int, opener: str) -> None:
    tmp = tmp_path_factory.mktemp("cj")
    text = '{"train": [["a", "x"], ["b", "y"]], "test": ' + nested(depth, opener) + "}"
    assert refused_or_loaded(clinc_corpus(tmp, text), tmp) is not None


@FAST
@given(depth=DEPTHS, opener=OPENERS, kind=st.sampled_from(["qa-json", "squad-json"]))
def test_deep_nesting_in_qa_files_is_one_line(tmp_path_factory, depth: int, opener: str, kind: str) -> None:
    tmp = tmp_path_factory.mktemp("qj")
    top = "documents" if kind == "qa-json" else "data"
    assert refused_or_loaded(qa_corpus(tmp, "{" + f'"{top}": ' + nested(depth, opener) + "}", kind), tmp)


def test_nesting_past_the_parser_says_so(tmp_path: Path) -> None:
    line = '{"text": ' + nested(100_000, "[") + ', "label": "a"}'
    assert "JSON nested too deeply" in (refused_or_loaded(jsonl_corpus(tmp_path, [line]), tmp_path) or "")


# -- wrong container types (case 11) --------------------------------------------------------------


def _clinc(value: Any, where: str) -> str:
    good = {"train": [["hi there", "x"], ["bye now", "y"]], "test": [["hi", "x"], ["bye", "y"]]}
    if where == "top":
        return json.dumps(value)
    if where == "split":
        return json.dumps(good | {"train": value})
    return json.dumps(good | {"train": [value, *good["train"]]})


QA_GOOD = {
    "documents": [{"id": "d1", "text": "Ada was born in 1815."}],
    "train": [{"question": "When was Ada born?", "answers": ["1815"], "doc_ids": ["d1"]}],
    "test": [{"question": "Ada's birth year?", "answers": ["1815"], "doc_ids": ["d1"]}],
}
QA_PLACES = ["top", "documents", "document", "questions", "question", "answers", "doc_ids", "title"]


def _qa(value: Any, where: str) -> str:
    doc, q = dict(QA_GOOD["documents"][0]), dict(QA_GOOD["train"][0])
    obj: Any = {
        "top": value,
        "documents": QA_GOOD | {"documents": value},
        "document": QA_GOOD | {"documents": [value]},
        "questions": QA_GOOD | {"train": value},
        "question": QA_GOOD | {"train": [value]},
        "answers": QA_GOOD | {"train": [q | {"answers": value}]},
        "doc_ids": QA_GOOD | {"train": [q | {"doc_ids": value}]},
        "title": QA_GOOD | {"documents": [doc | {"title": value}]},
    }[where]
    return json.dumps(obj)


SQUAD_PLACES = ["top", "data", "article", "paragraphs", "paragraph", "qas", "qa", "answers", "answer"]


def _squad(value: Any, where: str) -> str:
    """A two-article SQuAD file with ``value`` put at ``where`` of the first article."""
    answer: Any = {"text": "1815", "answer_start": 0}
    answers: Any = [value] if where == "answer" else [answer]
    qa: Any = {"question": "When was Ada born?", "answers": value if where == "answers" else answers, "id": "q"}
    qas: Any = value if where == "qas" else [value if where == "qa" else qa]
    para: Any = {"context": "Ada was born in 1815.", "qas": qas}
    paragraphs: Any = value if where == "paragraphs" else [value if where == "paragraph" else para]
    article: Any = value if where == "article" else {"title": "Ada", "paragraphs": paragraphs}
    other = {"title": "B", "paragraphs": [{"context": "B was here.", "qas": [qa | {"answers": [answer]}]}]}
    data: Any = value if where == "data" else [article, other]
    return json.dumps(value if where == "top" else {"data": data})


@FAST
@given(value=JSON_VALUES, where=st.sampled_from(["top", "split", "item"]))
def test_any_value_in_any_place_of_clinc_json_loads_or_is_one_line(tmp_path_factory, value: Any, where: str) -> None:
    tmp = tmp_path_factory.mktemp("cj")
    refused_or_loaded(clinc_corpus(tmp, _clinc(value, where)), tmp)


@FAST
@given(value=JSON_VALUES, where=st.sampled_from(QA_PLACES))
def test_any_value_in_any_place_of_qa_json_loads_or_is_one_line(tmp_path_factory, value: Any, where: str) -> None:
    tmp = tmp_path_factory.mktemp("qj")
    refused_or_loaded(qa_corpus(tmp, _qa(value, where)), tmp)


@FAST
@given(value=JSON_VALUES, where=st.sampled_from(SQUAD_PLACES))
def test_any_value_in_any_place_of_squad_json_loads_or_is_one_line(tmp_path_factory, value: Any, where: str) -> None:
    tmp = tmp_path_factory.mktemp("sq")
    refused_or_loaded(qa_corpus(tmp, _squad(value, where), "squad-json"), tmp)


@FAST
@given(value=JSON_VALUES, field=st.sampled_from(["text", "label", "line"]))
def test_any_value_in_a_jsonl_line_loads_or_is_one_line(tmp_path_factory, value: Any, field: str) -> None:
    tmp = tmp_path_factory.mktemp("jl")
    line = json.dumps(value if field == "line" else {"text": "t", "label": "a"} | {field: value})
    refused_or_loaded(jsonl_corpus(tmp, [line]), tmp)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"train": 5, "test": [["a", "x"]]}', "'train' must be a list of [text, label] items"),
        ('{"train": {"a": "x"}, "test": [["a", "x"]]}', "'train' must be a list"),
    ],
)
def test_clinc_split_that_is_no_list_is_refused(tmp_path: Path, text: str, message: str) -> None:
    assert message in (refused_or_loaded(clinc_corpus(tmp_path, text), tmp_path) or "")


def test_squad_qas_null_is_refused(tmp_path: Path) -> None:
    assert "'qas' must be a list" in (
        refused_or_loaded(qa_corpus(tmp_path, _squad(None, "qas"), "squad-json"), tmp_path) or ""
    )


# -- U+2028 and friends inside a JSONL string (case 15) -------------------------------------------


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])  # str.splitlines cuts at each; JSON allows them raw
def test_jsonl_with_a_raw_line_separator_inside_a_string_loads(tmp_path: Path, sep: str) -> None:
    line = json.dumps({"text": f"one{sep}two", "label": "a"}, ensure_ascii=False)
    assert sep in line
    corpus = load_corpus(jsonl_corpus(tmp_path, [line]), tmp_path / "mirror")
    assert corpus.train[0].text == f"one{sep}two"


# -- duplicate CSV headers (case 4) ----------------------------------------------------------------


@pytest.mark.parametrize("header", [("text", "category", "category"), ("text", "text", "category")])
def test_duplicate_csv_header_is_refused_naming_file_and_line(tmp_path: Path, capsys, header: tuple[str, ...]) -> None:
    mirror = _mirror(tmp_path, "dup")
    rows = [("hello there", "a", "b"), ("bye now", "b", "a")]
    files = {
        "train.csv": write_csv(mirror / "train.csv", rows, header),
        "test.csv": write_csv(mirror / "test.csv", rows, header),
    }
    folder = tmp_path / "corpora" / "dup"
    folder.mkdir(parents=True)
    card = write_card(folder, name="dup", files=files)
    code = main(["corpus", "validate", str(card.parent), "--data-dir", str(tmp_path / "mirror")])
    err = capsys.readouterr().err
    assert code == 2 and f"{mirror / 'train.csv'}:1: column '{header[1]}' appears twice in the header" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
