"""Prices (``core/prices.toml`` or ``--prices FILE``) as one typed schema, and the reader every cost uses.

Why a schema: a price file is edited by hand (and a user may point at their own copy); a
misspelt key (``usd_per_hr``) or a price written as a string must be one line naming the file
and the field, not a machine silently priced at nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError
from ragorft.benchmarks.core.constrained import NonNegFloat, Text
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.paths import PRICES_FILE
from ragorft.benchmarks.core.schema import Schema, validate
from ragorft.benchmarks.core.tomlio import read_toml

__all__ = ["ApiPrice", "Hardware", "Prices", "PricesFile", "load_prices"]


class Hardware(Schema):
    """``[hardware.NAME]``: an hourly machine price; ``gpu_match`` finds it from a record's GPU name."""

    name: Text = ""
    usd_per_hour: NonNegFloat
    gpu_match: Text | None = None


class ApiPrice(Schema):
    """``[api.NAME]``: an API model's USD per million input and output tokens."""

    name: Text = ""
    usd_per_million_in: NonNegFloat
    usd_per_million_out: NonNegFloat


class PricesFile(Schema):
    """The whole prices file."""

    default_cpu: Text = "cpu-2core"
    hardware: dict[Text, Hardware] = Field(min_length=1)
    api: dict[Text, ApiPrice] = {}

    @model_validator(mode="after")
    def _named(self) -> PricesFile:
        if self.default_cpu not in self.hardware:
            raise PydanticCustomError(
                "default_cpu", "default_cpu '{cpu}' is not a [hardware.*] table", {"cpu": self.default_cpu}
            )
        for name, hw in self.hardware.items():
            object.__setattr__(hw, "name", name)
        for name, api in self.api.items():
            object.__setattr__(api, "name", name)
        return self


class Prices:
    """The prices a cost is computed with, and where they were read (named in the report)."""

    def __init__(self, spec: PricesFile, source: str) -> None:
        self.hardware: dict[str, Hardware] = spec.hardware
        self.api: dict[str, ApiPrice] = spec.api
        self.default_cpu = spec.default_cpu
        self.source = source

    def machine(self, name: str) -> Hardware:
        if name not in self.hardware:
            raise RagorftError(
                f"unknown hardware '{name}' (known: {', '.join(sorted(self.hardware))})", path=self.source
            )
        return self.hardware[name]

    def machine_for(self, provenance: dict[str, Any]) -> Hardware | None:
        """The priced machine a record ran on: its GPU by name, or the default CPU machine."""
        if provenance.get("device", "cpu") == "cpu":
            return self.hardware.get(self.default_cpu)
        gpu = str((provenance.get("machine") or {}).get("gpu", "")).lower()
        for hw in self.hardware.values():
            if hw.gpu_match and hw.gpu_match.lower() in gpu:
                return hw
        return None


def load_prices(path: str | Path | None = None) -> Prices:
    """The prices file at ``path`` (default: the packaged ``core/prices.toml``), validated."""
    path = Path(path) if path else PRICES_FILE
    return Prices(validate(PricesFile, read_toml(path), path=path), str(path))
