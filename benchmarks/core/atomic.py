"""Crash-safe file writes and checksummed JSON.

A killed run must leave either the previous file or the new one, never half of either, and a
file damaged later (truncated, edited, bit-rotted) must be detected rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CHECKSUM_KEY = "_sha256"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_json(path: str | Path, obj: dict[str, Any]) -> None:
    """Atomically write ``obj`` with a checksum of its canonical form embedded."""
    body = {k: v for k, v in obj.items() if k != CHECKSUM_KEY}
    body[CHECKSUM_KEY] = sha256_text(canonical_json(body))
    write_text(path, json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


class CorruptFile(Exception):
    """A checksummed file that fails to parse or whose checksum does not match."""


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a file written by :func:`write_json`; raise :class:`CorruptFile` if damaged."""
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptFile(f"{path}: unreadable JSON ({exc})") from exc
    if not isinstance(body, dict) or CHECKSUM_KEY not in body:
        raise CorruptFile(f"{path}: no checksum")
    stored = body.pop(CHECKSUM_KEY)
    if sha256_text(canonical_json(body)) != stored:
        raise CorruptFile(f"{path}: checksum mismatch")
    return body
