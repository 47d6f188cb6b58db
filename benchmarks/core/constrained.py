"""Constrained field types shared by the schemas (cards, requirement, prices, models.toml, cell records).

Why strict numbers: a TOML value ``"1000"`` or ``true`` is a typo, not a number; pydantic's lax
mode would quietly turn it into one. Strict floats still take integers (``1_000_000``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

__all__ = ["Fraction", "NonNegFloat", "NonNegInt", "Number", "PosFloat", "PosInt", "Text"]

#: a JSON number, never a string that looks like one, and finite
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
NonNegFloat = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
PosFloat = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
NonNegInt = Annotated[int, Strict(), Field(ge=0)]
PosInt = Annotated[int, Strict(), Field(gt=0)]
Text = Annotated[str, Strict()]
