"""models.toml is typed: every shipped entry validates, and a bad entry is one line naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models import registry

GOOD = """
[models.m]
kind = "causal-lm"
licence = "Apache-2.0"
hub_id = "org/m"
"""


@pytest.fixture
def registry_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "models.toml"

    def write(text: str) -> Path:
        path.write_text(text)
        registry.registry.cache_clear()
        return path

    monkeypatch.setattr(registry, "REGISTRY_FILE", path)
    yield write
    registry.registry.cache_clear()


def test_every_shipped_entry_validates() -> None:
    cards = registry.registry()
    assert cards["all-MiniLM-L6-v2"].kind == "sentence-transformer"
    gguf = cards["Qwen2.5-Coder-0.5B-Instruct"]
    assert gguf.get("parts").count == 6 and gguf.size_bytes > 0 and gguf.params < gguf.params_loaded


def test_a_good_entry_reads(registry_file) -> None:
    registry_file(GOOD)
    assert registry.card("m").hub_id == "org/m" and registry.card("m").get("parts") is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('licence_file = "L.txt"\nopt_in = 1', r"models\.m\.opt_in: Input should be a valid boolean"),
        ('trust_remote_code = "yes"', r"models\.m\.trust_remote_code: Input should be a valid boolean"),
        ("params = -3", r"models\.m\.params: Input should be greater than 0"),
        ('sha256 = "abc"', r"models\.m\.sha256: String should match pattern"),
        ('weight_file = "x"', r"models\.m\.weight_file: unknown field"),
        ('parts = { package = "p{i}", module = "p{i}", file = "x" }', r"models\.m\.parts.*count: Field required"),
    ],
)
def test_a_bad_entry_is_one_line_naming_the_field(registry_file, extra: str, message: str) -> None:
    path = registry_file(GOOD.replace('hub_id = "org/m"', f'hub_id = "org/m"\n{extra}'))
    with pytest.raises(RagorftError, match=message) as err:
        registry.card("m")
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)


def test_a_missing_licence_is_refused(registry_file) -> None:
    registry_file(GOOD.replace('licence = "Apache-2.0"\n', ""))
    with pytest.raises(RagorftError, match=r"models\.m\.licence: Field required"):
        registry.registry()


def test_an_unknown_kind_is_refused(registry_file) -> None:
    registry_file(GOOD.replace('kind = "causal-lm"', 'kind = "seq2seq"'))
    with pytest.raises(RagorftError, match=r"models\.m\.kind: Input should be 'sentence-transformer', 'causal-lm'"):
        registry.registry()
