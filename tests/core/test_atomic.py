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
    """A full disk: one error naming the file (a RagorftError, exit 2), the old file intact."""
    import errno

    from ragorft.benchmarks.core.errors import RagorftError

    path = tmp_path / "r.json"
    atomic.write_json(path, {"v": 1})

    def broken_fsync(fd: int) -> None:  # what the kernel answers when the data cannot be placed
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(RagorftError) as err:
        atomic.write_json(path, {"v": 2})
    monkeypatch.undo()
    assert str(err.value) == f"{path}: cannot write: No space left on device"
    assert atomic.read_json(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_written_files_follow_the_umask_not_mkstemp_0600(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic.write_json(tmp_path / "r.json", {"a": 1})
        atomic.write_text(tmp_path / "t.md", "x")
    finally:
        os.umask(old)
    for name in ("r.json", "t.md"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask


def test_ensure_writable_names_an_unwritable_folder(tmp_path: Path) -> None:
    from ragorft.benchmarks.core.errors import RagorftError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RagorftError, match=rf"^{blocker / 'cells'}: cannot write here: "):
        atomic.ensure_writable(blocker / "cells")
    assert atomic.ensure_writable(tmp_path / "a" / "b") == tmp_path / "a" / "b"
