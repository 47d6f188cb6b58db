"""Names from cards and suites are identifiers, and a path built from one stays inside its root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.names import NAME_PATTERN, check_name, is_name
from ragorft.benchmarks.core.paths import inside

# names as a careless or hostile card writes them: separators, dots, absolute paths, controls, unicode
hostile = st.one_of(
    st.text(max_size=70),
    st.text(alphabet="abc./\\-_ \n\x00Z9", max_size=12),
    st.sampled_from(["/var/x", "/etc", "..", ".", "x/../../y", "a\\b", ".hidden", "UPPER", "a" * 65, "ok\n"]),
)


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_a_name_is_accepted_exactly_when_it_is_an_identifier(value: str) -> None:
    expected = re.fullmatch(NAME_PATTERN, value) is not None
    assert is_name(value) is expected
    if expected:
        assert check_name(value, "corpus name") == value
        assert "/" not in value and "\\" not in value and value not in (".", "..") and not value.startswith(".")
    else:
        with pytest.raises(RagorftError, match="corpus name must match"):
            check_name(value, "corpus name", path="card.toml")


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(hostile, min_size=1, max_size=3))
def test_inside_never_returns_a_path_outside_its_root(tmp_path_factory, parts: list[str]) -> None:
    root = tmp_path_factory.mktemp("root")
    try:
        target = inside(root, *parts)
    except RagorftError:
        return
    assert target == root.resolve() or root.resolve() in target.parents


def test_inside_refuses_absolute_and_dotdot_parts(tmp_path: Path) -> None:
    for parts in (("/var/x", "f"), ("x", "..", "..", "y"), ("..",)):
        with pytest.raises(RagorftError, match="leaves"):
            inside(tmp_path, *parts)
    assert inside(tmp_path, "a", "b.json") == tmp_path.resolve() / "a" / "b.json"


def test_names_of_the_packaged_corpora_and_suites_are_identifiers() -> None:
    from ragorft.benchmarks.core.paths import CORPORA_DIR, SUITES_DIR

    assert all(is_name(d.name) for d in CORPORA_DIR.iterdir() if (d / "corpus.toml").is_file())
    assert all(is_name(p.stem) for p in SUITES_DIR.glob("*.toml"))
