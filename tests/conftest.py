"""Shared fixtures: small corpora written by the tests, and an isolated cache per test.

No test reaches a network: corpus files come from temporary folders the tests write (or from the
local mirror of the real corpora, where present), models from packages or tiny local builds.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from ragorft.benchmarks.core import env  # noqa: E402

from tests.helpers.corpora import INTENTS, build_tiny_llama_for_intents, write_card, write_csv

env.apply()  # the same offline, telemetry-free settings as the CLI, nox and the Ray workers


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A three-intent CSV corpus: 6 train and 2 test texts per label; returns the card path.

    The card lives in ``tmp/corpora/tiny``; its data mirror is ``tmp/mirror/tiny``.
    """
    mirror = tmp_path / "mirror" / "tiny"
    train = [(t, lab) for lab, texts in INTENTS.items() for t in texts[:6]]
    test = [(t, lab) for lab, texts in INTENTS.items() for t in texts[6:]]
    files = {"train.csv": write_csv(mirror / "train.csv", train), "test.csv": write_csv(mirror / "test.csv", test)}
    folder = tmp_path / "corpora" / "tiny"
    folder.mkdir(parents=True)
    return write_card(folder, name="tiny", files=files)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own cache, mirror and user card folder, so nothing leaks between tests or from the user."""
    monkeypatch.setenv("RAGORFT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RAGORFT_DATA", str(tmp_path / "mirror"))
    monkeypatch.setenv("RAGORFT_CORPORA", str(tmp_path / "user-corpora"))  # no card of the user's home
    # cells share the test's process (spawning one per cell costs seconds of imports each);
    # tests/run/test_isolation.py unsets it to test the fresh process per cell
    monkeypatch.setenv("RAGORFT_INLINE_CELLS", "1")
    # a smaller serving-timing sample by default (the real 64 are tested in tests/run/test_measure.py);
    # the runner writes the resolved number into each cell's job, so a cell process sees it too
    from ragorft.benchmarks.run import measure

    monkeypatch.setattr(measure, "TIMED_QUERIES", 8)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address) -> None:  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"test tried to open a non-loopback socket to {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a socket to anything but loopback (no downloads, no telemetry)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny causal LM (built locally with save_pretrained) whose vocabulary covers the intents."""
    return build_tiny_llama_for_intents(tmp_path_factory.mktemp("lm") / "tiny")
