"""Atomic writes and checksummed JSON: a damaged file is detected, a failed write keeps the old one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ragorft.benchmarks.core import atomic


def test_roundtrip_and_truncation_detected(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    atomic.write_json(path, {"accuracy": 0.9, "items": [1, 2, 3]})
    assert atomic.read_json(path) == {"accuracy": 0.9, "items": [1, 2, 3]}
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(atomic.CorruptFile, match="unreadable JSON"):
        atomic.read_json(path)


def test_edited_value_detected(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    atomic.write_json(path, {"accuracy": 0.9})
    path.write_text(path.read_text().replace("0.9", "0.99"))
    with pytest.raises(atomic.CorruptFile, match="checksum mismatch"):
        atomic.read_json(path)


def test_failed_write_leaves_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.json"
    atomic.write_json(path, {"v": 1})

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_json(path, {"v": 2})
    assert atomic.read_json(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind
