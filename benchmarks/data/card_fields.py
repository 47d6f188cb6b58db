"""The fields of a corpus card, each checked where it is read: one line naming the card on any bad value.

A card may come from a third party, so nothing in it is trusted: paths stay inside the corpus, a
file is listed once, a URL is https, numbers are numbers, published references have their fields.
"""

from __future__ import annotations

import math
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError


@dataclass(frozen=True)
class FileSpec:
    path: str
    sha256: str
    url: str | None = None


@dataclass(frozen=True)
class SplitSpec:
    file: str
    keys: tuple[str, ...] = ()  # for clinc-json: which top-level lists make the split


def require(table: dict[str, Any], key: str, kind: type, where: Path) -> Any:
    if key not in table:
        raise RagorftError(f"missing key '{key}'", path=where)
    value = table[key]
    if not isinstance(value, kind):
        raise RagorftError(f"'{key}' must be {kind.__name__}, got {type(value).__name__}", path=where)
    return value


def safe_relpath(rel: str, card: Path) -> str:
    """Card paths are plain relative names: a card cannot reach outside its data folder."""
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts or rel.strip() == "" or "\\" in rel:
        raise RagorftError(f"file path '{rel}' must be relative and stay inside the corpus", path=card)
    return p.as_posix()


def files(raw: dict[str, Any], path: Path) -> dict[str, FileSpec]:
    """``[[files]]``: each a relative path (once), its sha256 and an optional https URL."""
    files: dict[str, FileSpec] = {}
    for i, entry in enumerate(require(raw, "files", list, path)):
        if not isinstance(entry, dict) or "path" not in entry or "sha256" not in entry:
            raise RagorftError(f"files[{i}] needs 'path' and 'sha256'", path=path)
        if not isinstance(entry["path"], str) or not isinstance(entry["sha256"], str):
            raise RagorftError(f"files[{i}]: 'path' and 'sha256' must be strings", path=path)
        rel = safe_relpath(entry["path"], path)
        if rel in files:  # a second entry would silently replace the first's checksum
            raise RagorftError(f"files[{i}]: '{rel}' is listed twice in [[files]]", path=path)
        sha = entry["sha256"].lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise RagorftError(f"files[{i}] sha256 is not 64 hex digits", path=path)
        files[rel] = FileSpec(rel, sha, https_url(entry.get("url"), f"files[{i}]", path))
    return files


def https_url(url: Any, where: str, path: Path) -> str | None:
    """A card's download URL: https only (a local mirror, RAGORFT_DATA, covers local files)."""
    if url is None:
        return None
    if not isinstance(url, str):
        raise RagorftError(f"{where}: 'url' must be a string, got {url!r}", path=path)
    if urllib.parse.urlsplit(url.strip()).scheme.lower() != "https" or not urllib.parse.urlsplit(url).netloc:
        raise RagorftError(f"{where}: 'url' must be an https:// URL, got {url!r}", path=path)
    return url


def splits(raw: dict[str, Any], files: dict[str, FileSpec], path: Path) -> dict[str, SplitSpec]:
    splits: dict[str, SplitSpec] = {}
    for split, spec in require(raw, "splits", dict, path).items():
        if split not in ("train", "dev", "test"):
            raise RagorftError(f"split '{split}' must be train, dev or test", path=path)
        spec = {"file": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
            raise RagorftError(f"[splits] {split} must be a file name or a table with 'file', got {spec!r}", path=path)
        keys = spec.get("keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise RagorftError(f"[splits] {split}: 'keys' must be a list of strings, got {keys!r}", path=path)
        rel = safe_relpath(spec["file"], path)
        if rel not in files:
            raise RagorftError(f"split '{split}' uses '{rel}', which is not in [[files]]", path=path)
        splits[split] = SplitSpec(rel, tuple(keys))
    for needed in ("train", "test"):
        if needed not in splits:
            raise RagorftError(f"missing split '{needed}'", path=path)
    return splits


def monthly_queries(raw: dict[str, Any], path: Path) -> float:
    costs = raw.get("costs", {})
    if not isinstance(costs, dict):
        raise RagorftError(f"[costs] must be a table, got {costs!r}", path=path)
    value = costs.get("monthly_queries", 1_000_000)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise RagorftError(f"[costs] monthly_queries must be a non-negative number, got {value!r}", path=path)
    return float(value)


def cost_per_error(raw: dict[str, Any], path: Path) -> float | None:
    """``[costs] cost_per_error``: USD one wrong answer costs the user; None when the card does not price errors."""
    costs = raw.get("costs", {})
    if not isinstance(costs, dict) or costs.get("cost_per_error") is None:
        return None
    value = costs["cost_per_error"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise RagorftError(f"[costs] cost_per_error must be a non-negative number, got {value!r}", path=path)
    return float(value)


def references(raw: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """``[[references]]``: published numbers, each with a system, an accuracy in [0, 1] and a source."""
    refs = raw.get("references", [])
    if not isinstance(refs, list):
        raise RagorftError("[[references]] must be an array of tables", path=path)
    for i, ref in enumerate(refs):
        ok = (
            isinstance(ref, dict)
            and isinstance(ref.get("system"), str)
            and isinstance(ref.get("source"), str)
            and isinstance(ref.get("accuracy"), int | float)
            and not isinstance(ref.get("accuracy"), bool)
            and 0 <= ref["accuracy"] <= 1
        )
        if not ok:
            raise RagorftError(
                f"references[{i}] needs 'system' and 'source' (strings) and 'accuracy' in [0, 1]", path=path
            )
    return list(refs)
