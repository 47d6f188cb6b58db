"""A card is untrusted input: its name, URLs, files, splits, costs and references are checked at read.

Issue 19: a card's ``name`` reached the mirror path, the download target and the record file
name unchecked (``name = "/etc"`` + ``path = "passwd"`` quoted /etc/passwd); ``url = "file://..."``
was fetched; ``[splits] train = 5`` and ``monthly_queries = "abc"`` ended in tracebacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.names import is_name
from ragorft.benchmarks.data import cards
from ragorft.benchmarks.data.cards import FileSpec, load_corpus, read_card, recorded_card

from tests.helpers.corpora import INTENTS, write_card, write_csv

TRAIN = [(t, lab) for lab, texts in INTENTS.items() for t in texts[:6]]
TEST = [(t, lab) for lab, texts in INTENTS.items() for t in texts[6:]]


def _card(tmp_path: Path, *, name: str = "c", folder: str = "c", extra: str = "", splits: str | None = None) -> Path:
    mirror = tmp_path / "mirror" / folder
    files = {"train.csv": write_csv(mirror / "train.csv", TRAIN), "test.csv": write_csv(mirror / "test.csv", TEST)}
    card_dir = tmp_path / "corpora" / folder
    card_dir.mkdir(parents=True, exist_ok=True)
    return write_card(card_dir, name=name, files=files, extra=extra, splits=splits)


def _edit(card: Path, old: str, new: str) -> Path:
    text = card.read_text()
    assert old in text
    card.write_text(text.replace(old, new, 1))
    return card


@pytest.mark.parametrize("name", ["/var/x", "/etc", "../escape", "x/../../y", ".hidden", "Banking77", "a b", ""])
def test_a_card_name_that_is_not_an_identifier_is_refused(tmp_path: Path, name: str) -> None:
    card = _edit(_card(tmp_path), 'name = "c"', f"name = {name!r}".replace("'", '"'))
    with pytest.raises(RagorftError, match=r"corpus\.toml: name: corpus name must match"):
        read_card(card)


def test_etc_passwd_is_never_read_through_a_card_name(tmp_path: Path) -> None:
    folder = tmp_path / "corpora" / "c"
    folder.mkdir(parents=True)
    (folder / "corpus.toml").write_text(
        'name = "/etc"\ntask = "classification"\n[format]\nkind = "csv"\n'
        '[[files]]\npath = "passwd"\nsha256 = "' + "0" * 64 + '"\n[splits]\ntrain = "passwd"\ntest = "passwd"\n'
    )
    with pytest.raises(RagorftError) as err:
        load_corpus(folder, Path("/"))
    assert "corpus name must match" in str(err.value) and "root:" not in str(err.value)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(alphabet="abz09._-/\\ A", min_size=1, max_size=10))
def test_card_name_accepted_iff_identifier_equal_to_its_folder(tmp_path_factory, name: str) -> None:
    tmp = tmp_path_factory.mktemp("n")
    card = _edit(_card(tmp), 'name = "c"', 'name = "' + name.replace("\\", "\\\\") + '"')
    if is_name(name) and name == "c":
        assert read_card(card).name == "c"
    else:
        with pytest.raises(RagorftError, match=r"name: corpus name (must match|'.*' differs from its folder)"):
            read_card(card)


def test_name_must_equal_the_folder_name(tmp_path: Path) -> None:
    card = _card(tmp_path, name="tiny", folder="copy_of_tiny")
    with pytest.raises(RagorftError, match="corpus name 'tiny' differs from its folder's name 'copy_of_tiny'"):
        read_card(card)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ('"file:///etc/passwd"', "must be an https:// URL"),
        ('"http://example.org/train.csv"', "must be an https:// URL"),
        ('"ftp://example.org/x"', "must be an https:// URL"),
        ('"https://"', "must be an https:// URL"),
        ("5", r"Input should be a valid string \(got 5\)"),
    ],
)
def test_url_is_https_only(tmp_path: Path, url: str, message: str) -> None:
    card = _edit(_card(tmp_path), 'path = "train.csv"\n', f'path = "train.csv"\nurl = {url}\n')
    with pytest.raises(RagorftError, match=rf"corpus\.toml: files\[0\]\.url: {message}"):
        read_card(card)
    _edit(card, f"url = {url}", 'url = "https://example.org/train.csv"')
    assert read_card(card).files["train.csv"].url == "https://example.org/train.csv"


def test_download_refuses_a_non_https_url_even_without_a_card(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy")
    spec = FileSpec.model_construct(path="train.csv", sha256="0" * 64, url=f"file://{secret}")  # no card check
    with pytest.raises(RagorftError, match="refusing to download 'file://.*': only https:// URLs"):
        cards._download(spec.url, tmp_path / "cache" / "train.csv", spec)
    assert not (tmp_path / "cache").exists()


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    card = _card(tmp_path)
    text = card.read_text()
    block = text[text.index("[[files]]") : text.index("[[files]]", text.index("[[files]]") + 1)]
    card.write_text(text.replace(block, block + block.replace("sha256 = ", "sha256 = ", 1), 1))
    with pytest.raises(RagorftError, match=r"files\[1\]\.path: 'train\.csv' is listed twice in \[\[files\]\]"):
        read_card(card)


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        (
            'train = 5\ntest = "test.csv"',
            r"splits\.train: must be a file name, a list of file names or a table with 'file' \(got 5\)",  # noqa: E501,
        ),
        ('train = { keys = ["a"] }\ntest = "test.csv"', r"splits\.train\.file: Field required"),
        ('train = { file = "train.csv", keys = "a" }\ntest = "test.csv"', r"splits\.train\.keys: .*tuple"),
        ('train = "other.csv"\ntest = "test.csv"', r"splits: split 'train' uses 'other\.csv', which is not in"),
        ('test = "test.csv"', r"splits: missing split 'train'"),
        (
            'train = "train.csv"\ntest = "../test.csv"',
            r"splits\.test\.file: file path must be relative and stay inside",
        ),
    ],
)
def test_bad_splits_are_one_line(tmp_path: Path, splits: str, message: str) -> None:
    with pytest.raises(RagorftError, match=message):
        read_card(_card(tmp_path, splits=splits))


@pytest.mark.parametrize("value", ['"abc"', "-5", "0", "nan", "inf", "true"])
def test_monthly_queries_must_be_a_number(tmp_path: Path, value: str) -> None:
    card = _card(tmp_path)
    card.write_text(card.read_text() + f"\n[costs]\nmonthly_queries = {value}\n")
    with pytest.raises(
        RagorftError,
        match=r"corpus\.toml: costs\.monthly_queries: Input should be (a valid|a finite|greater than 0)",
    ):
        read_card(card)


@pytest.mark.parametrize(
    "ref",
    [
        'system = "x"\nsource = "y"',
        'system = "x"\nsource = "y"\naccuracy = "high"',
        'system = 1\nsource = "y"\naccuracy = 0.5',
        'system = "x"\nsource = "y"\naccuracy = 85.0',
    ],
)
def test_references_need_their_fields(tmp_path: Path, ref: str) -> None:
    card = _card(tmp_path)
    card.write_text(card.read_text() + f"\n[[references]]\n{ref}\n")
    with pytest.raises(
        RagorftError, match=r"corpus\.toml: references\[0\]\.(accuracy|system): (Field required|Input should be)"
    ):
        read_card(card)


def test_a_card_given_by_path_keeps_costs_and_references(tmp_path: Path) -> None:
    """recommend and the report look the card up where the run found it (the record's corpus_source)."""
    card = _card(tmp_path, name="elsewhere", folder="elsewhere")
    card.write_text(
        card.read_text()
        + '\n[costs]\nmonthly_queries = 1000\n\n[[references]]\nsystem = "S"\naccuracy = 0.5\nsource = "paper"\n'
    )
    found = recorded_card("elsewhere", str(card.resolve()))
    assert found.monthly_queries == 1000 and found.references[0].system == "S"
    with pytest.raises(RagorftError, match="no corpus card for 'elsewhere'"):
        recorded_card("elsewhere")  # by name alone it is not in the packaged corpora
    with pytest.raises(RagorftError, match="no corpus card for 'other'"):
        recorded_card("other", str(card))  # a card of another name is not this corpus's card


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('task = "classification"', 'task = "qa"', r"format: format 'csv' does not fit task 'qa'"),
        (
            'task = "classification"',
            'task = "regression"',
            r"task: Input should be 'classification', 'qa' or 'structured'",  # noqa: E501,
        ),
        ('kind = "csv"', 'kind = "xml"', r"format\.kind: Input should be"),
        ('kind = "csv"', 'kind = "csv"\nseed = 3', r"format: 'seed' is a squad-json key, not one of csv"),
        ('text_column = "text"', "text_column = 3", r"format\.text_column: Input should be a valid string"),
        ('licence = "CC0-1.0"', 'licence = "CC0-1.0"\nlicense = "typo"', r"license: unknown field"),
        ('sha256 = "', 'sha256 = "zz', r"files\[0\]\.sha256: sha256 must be 64 hex digits"),
        ('path = "train.csv"', 'path = "/etc/passwd"', r"files\[0\]\.path: file path must be relative"),
    ],
)
def test_every_card_field_is_typed(tmp_path: Path, old: str, new: str, message: str) -> None:
    card = _edit(_card(tmp_path), old, new)
    with pytest.raises(RagorftError, match=rf"corpus\.toml: {message}"):
        read_card(card)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('kind = "people"', r"generator\.kind: Input should be 'bios'"),
        ("entities = 20", r"generator\.kind: Field required"),
        ('kind = "bios"\nentities = 3', r"generator\.entities: Input should be greater than or equal to 10"),
        ('kind = "bios"\nseeds = 1', r"generator\.seeds: unknown field"),
        ('kind = "bios"\ntest_fraction = 1.5', r"generator\.test_fraction: Input should be less than or equal to 1"),
    ],
)
def test_a_generator_table_is_typed(tmp_path: Path, table: str, message: str) -> None:
    card = _card(tmp_path)
    card.write_text(card.read_text() + f"\n[generator]\n{table}\n")
    with pytest.raises(RagorftError, match=rf"corpus\.toml: {message}"):
        read_card(card)
