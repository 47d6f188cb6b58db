"""Property tests: whatever bytes a corpus file or suite holds, ragorft either loads it correctly
or stops with exit status 2 and one line naming the file; never a traceback, never a wrong load.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import load_corpus

from tests.helpers.corpora import write_card

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

texts = st.text(min_size=0, max_size=20)
labels = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=8)
rows = st.lists(st.tuples(texts, labels), min_size=0, max_size=8)


def _csv_bytes(header: list[str], body: list[tuple[str, str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(body)
    return buf.getvalue().encode("utf-8")


def _write(folder: Path, train: bytes, test: bytes) -> Path:
    mirror = folder / "mirror" / "p"
    mirror.mkdir(parents=True, exist_ok=True)
    (mirror / "train.csv").write_bytes(train)
    (mirror / "test.csv").write_bytes(test)
    card_dir = folder / "corpora" / "p"
    card_dir.mkdir(parents=True, exist_ok=True)
    write_card(card_dir, name="p", files={"train.csv": mirror / "train.csv", "test.csv": mirror / "test.csv"})
    return card_dir


def _expected_ok(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> bool:
    def clean(rs: list[tuple[str, str]]) -> bool:
        return bool(rs) and all(t.strip() and lab.strip() for t, lab in rs)

    return clean(train) and clean(test) and {lab.strip() for _, lab in test} <= {lab.strip() for _, lab in train}


@SETTINGS
@given(train=rows, test=rows, bom=st.booleans())
def test_csv_loads_exactly_or_fails_with_one_line(tmp_path_factory, train, test, bom) -> None:
    folder = tmp_path_factory.mktemp("p")
    prefix = b"\xef\xbb\xbf" if bom else b""
    card = _write(folder, prefix + _csv_bytes(["text", "category"], train), _csv_bytes(["text", "category"], test))
    try:
        corpus = load_corpus(card, folder / "mirror")
    except RagorftError as exc:
        msg = str(exc)
        assert "\n" not in msg.strip() or "\r" in "".join(t for t, _ in train + test)
        assert "train.csv" in msg or "test.csv" in msg
        assert not _expected_ok(train, test) or any(("\r" in t or "\n" in t) for t, _ in train + test)
        return
    assert _expected_ok(train, test)
    # what loaded is exactly what was written, stripped, in order
    assert [(e.text, e.label) for e in corpus.train] == [(t.strip(), lab.strip()) for t, lab in train]
    assert [(e.text, e.label) for e in corpus.test] == [(t.strip(), lab.strip()) for t, lab in test]


@SETTINGS
@given(data=st.binary(min_size=0, max_size=200))
def test_arbitrary_bytes_never_crash(tmp_path_factory, data) -> None:
    folder = tmp_path_factory.mktemp("b")
    card = _write(folder, data, _csv_bytes(["text", "category"], [("hi", "a")]))
    try:
        load_corpus(card, folder / "mirror")
    except RagorftError as exc:
        assert "train.csv" in str(exc) or "test.csv" in str(exc)


@SETTINGS
@given(header=st.lists(st.text(min_size=1, max_size=6).filter(lambda s: s.isprintable()), min_size=1, max_size=3))
def test_missing_columns_named(tmp_path_factory, header) -> None:
    folder = tmp_path_factory.mktemp("h")
    body = [tuple(f"v{i}" for i in range(len(header)))]
    card = _write(folder, _csv_bytes(header, body), _csv_bytes(["text", "category"], [("hi", "v1")]))
    if "text" in header and "category" in header:
        return
    with pytest.raises(RagorftError, match="missing column|empty|absent from train|wrong number"):
        load_corpus(card, folder / "mirror")


SUITE_KEYS = st.sampled_from(["corpora", "budgets", "seeds", "max_test_items", "strategy", "options", "name"])
toml_values = st.one_of(
    st.integers(-3, 50), st.text(max_size=6), st.lists(st.one_of(st.integers(-1, 40), st.text(max_size=5)), max_size=3)
)


@SETTINGS
@given(
    top=st.dictionaries(SUITE_KEYS, toml_values, max_size=4), run=st.dictionaries(SUITE_KEYS, toml_values, max_size=4)
)
def test_suite_toml_errors_are_one_line_exit_2(tmp_path_factory, capsys, top, run) -> None:
    import tomllib

    folder = tmp_path_factory.mktemp("s")
    path = folder / "s.toml"

    def dump(d: dict) -> str:
        out = []
        for k, v in d.items():
            if isinstance(v, str):
                out.append(f"{k} = {tomllib_quote(v)}")
            elif isinstance(v, list):
                out.append(f"{k} = [" + ", ".join(tomllib_quote(x) if isinstance(x, str) else str(x) for x in v) + "]")
            else:
                out.append(f"{k} = {v}")
        return "\n".join(out)

    path.write_text(dump(top) + "\n[[run]]\n" + dump(run) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text())  # the generator writes valid TOML; the content is what is fuzzed
    code = main(["bench", "--suite", str(path), "--results-dir", str(folder / "r"), "--no-progress"])
    err = capsys.readouterr().err
    if code != 0:
        assert code == 2
        assert err.startswith("ragorft: error: ") and err.count("\n") == 1


def tomllib_quote(s: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML wants escaped too."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")
