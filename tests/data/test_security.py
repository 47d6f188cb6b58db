"""Security policy of the code base: no remote code, no unpickling, no network in tests.

These read the project's own sources: a new loader that slips in ``trust_remote_code=True`` or
``torch.load`` without ``weights_only=True`` fails here, not in a user's sandbox.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from ragorft.benchmarks.models import registry as models

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("benchmarks", "strategies") for p in (ROOT / d).rglob("*.py")]


def test_no_remote_code_or_unpickling_in_sources() -> None:
    offenders = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            if re.search(r"trust_remote_code\s*=\s*True", line):
                offenders.append(f"{path}:{n}: trust_remote_code=True")
            if re.search(r"\btorch\.load\(", line) and "weights_only=True" not in line:
                offenders.append(f"{path}:{n}: torch.load without weights_only=True")
            if re.search(r"\bimport pickle\b|\bpickle\.loads?\(|allow_pickle\s*=\s*True", line):
                offenders.append(f"{path}:{n}: unpickling")
    assert offenders == []


def test_registry_models_are_offline_checked_and_trust_no_remote_code() -> None:
    for card in models.registry().values():
        assert card.trust_remote_code is False, card.name
        if card.module:  # packaged: verified before use
            assert card.sha256 and len(card.sha256) == 64, card.name


def test_packaged_weights_failing_checksum_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    card = models.card("all-MiniLM-L6-v2")
    bad = models.ModelCard(**{**card.__dict__, "sha256": "0" * 64})
    monkeypatch.setitem(models.registry(), "all-MiniLM-L6-v2", bad)
    models._verified.cache_clear()
    with pytest.raises(models.RagorftError, match="checksum mismatch"):
        models.resolve("all-MiniLM-L6-v2")
    models._verified.cache_clear()


def test_tests_cannot_reach_the_network() -> None:
    with pytest.raises(OSError, match="non-loopback"):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
