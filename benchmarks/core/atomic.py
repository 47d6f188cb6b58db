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

from ragorft.benchmarks.core.errors import RagorftError

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


def current_umask() -> int:
    """The process's umask (read from /proc where it can be, so no thread sees it changed)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _cannot_write(path: Path, exc: OSError) -> RagorftError:
    """A read-only folder or a full disk: one line naming the path, not a traceback."""
    where = exc.filename if exc.filename and not str(exc.filename).endswith(".tmp") else path
    return RagorftError(f"cannot write: {exc.strerror or exc}", path=where)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the target.

    ``mkstemp`` creates the file 0600; it is set to what ``open`` would have given (0666 less the
    umask), so a Ray worker under another uid on a shared filesystem can read what this wrote.
    An OSError (read-only folder, full disk) becomes a RagorftError naming ``path``; the previous
    file, if any, is untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), 0o666 & ~current_umask())
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from exc
        raise


def ensure_writable(folder: str | Path) -> Path:
    """Create ``folder`` and prove a file can be written there, before any work starts.

    Why up front: a read-only results folder found after an hour of computing would cost the
    hour (the cache still holds the cells, but the user learns late).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".ragorft-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise RagorftError(f"cannot write here: {exc.strerror or exc}", path=folder) from exc
    return folder


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_json(path: str | Path, obj: dict[str, Any]) -> None:
    """Atomically write ``obj`` with a checksum of its canonical form embedded."""
    body = {k: v for k, v in obj.items() if k != CHECKSUM_KEY}
    body[CHECKSUM_KEY] = sha256_text(canonical_json(body))
    write_text(path, json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def parse_json(text: str, *, path: str | Path, line: int | None = None) -> Any:
    """JSON from a user's file: malformed or nested past what the parser recurses through is one
    line naming the file (and ``line``, else the parser's line), never a RecursionError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RagorftError(f"malformed JSON: {exc.msg}", path=path, where=str(line or exc.lineno)) from None
    except RecursionError:
        raise RagorftError("JSON nested too deeply", path=path, where=str(line) if line else None) from None


class CorruptFile(Exception):
    """A checksummed file that fails to parse or whose checksum does not match."""


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a file written by :func:`write_json`; raise :class:`CorruptFile` if damaged."""
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(body, dict) or CHECKSUM_KEY not in body:
            raise CorruptFile(f"{path}: no checksum")
        stored = body.pop(CHECKSUM_KEY)
        if sha256_text(canonical_json(body)) != stored:
            raise CorruptFile(f"{path}: checksum mismatch")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptFile(f"{path}: unreadable JSON ({exc})") from exc
    except RecursionError:
        raise CorruptFile(f"{path}: JSON nested too deeply") from None
    return body
